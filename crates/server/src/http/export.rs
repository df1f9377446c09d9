//! Downloads of the whole map: `/api/export.geojson` and `/api/export.csv`.
//!
//! The body is streamed page by page (see [`crate::open_data::export`]),
//! so a million organisations cost the server one page of memory, and it
//! is marked [`cache::Streamed`] so the ETag layer does not read it whole.
//! The data licence goes with every download in a `Link` header and, in the
//! GeoJSON, in the document itself.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;

use super::{AppState, cache};
use crate::open_data::{Format, export};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/export.geojson", get(geojson))
        .route("/export.csv", get(csv))
}

async fn geojson(State(state): State<AppState>) -> Response {
    download(&state, Format::GeoJson)
}

async fn csv(State(state): State<AppState>) -> Response {
    download(&state, Format::Csv)
}

fn download(state: &AppState, format: Format) -> Response {
    let chunks = export::stream(state.store.clone(), format, state.licence.clone());
    let mut res = Response::new(Body::from_stream(chunks));
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let disposition = format!(
        "attachment; filename=\"solidarity-map.{}\"",
        format.extension()
    );
    // both values are ASCII: a fixed name, and a URL that was checked
    // (and serialised percent-encoded) at start
    for (name, value) in [
        (header::CONTENT_DISPOSITION, disposition),
        (header::LINK, state.licence.link_header()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    res.extensions_mut().insert(cache::Streamed);
    res
}
