//! Downloads of the whole map: `/api/export.geojson` and `/api/export.csv`.
//!
//! The body is streamed page by page (see [`crate::open_data::export`]),
//! so a million organisations cost the server one page of memory, and it
//! is marked [`cache::Streamed`] so the ETag layer does not read it whole.
//! The data licence goes with every download in a `Link` header and, in the
//! GeoJSON, in the document itself.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use solidarity_map_core::{FeatureCollection, PublicOrganization};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{AppState, cache};
use crate::open_data::{Format, export};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(geojson))
        .routes(routes!(csv))
}

/// Every published organisation, public fields only, as one RFC 7946
/// FeatureCollection that names the data licence (`license`, and a `links`
/// entry with `rel: license`).
#[utoipa::path(get, path = "/export.geojson", tag = "map", responses(ReadErrors,
    (status = 200, description = "The whole map; the licence in a `Link` header too",
     content_type = "application/geo+json", body = FeatureCollection<PublicOrganization>,
     headers(("Link" = String, description = "`<licence URL>; rel=\"license\"`"),
             ("Content-Disposition" = String, description = "an attachment name")))))]
async fn geojson(State(state): State<AppState>) -> Response {
    download(&state, Format::GeoJson)
}

/// Every published organisation, public fields only, as UTF-8 CSV with a
/// header row: `id`, a `name.LANG` and `description.LANG` column per
/// language in use, `category`, `city`, `country`, `precision`, `lon`,
/// `lat`, `website`, then `links`, `languages` and `tags` joined by `|`, and
/// `updated_at`.
#[utoipa::path(get, path = "/export.csv", tag = "map", responses(ReadErrors,
    (status = 200, description = "The whole map; the licence in a `Link` header",
     content_type = "text/csv", body = String,
     headers(("Link" = String, description = "`<licence URL>; rel=\"license\"`"),
             ("Content-Disposition" = String, description = "an attachment name")))))]
async fn csv(State(state): State<AppState>) -> Response {
    download(&state, Format::Csv)
}

fn download(state: &AppState, format: Format) -> Response {
    let chunks = export::stream(
        state.store.clone(),
        format,
        state.licence.clone(),
        state.site.public_url.clone(),
    );
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
