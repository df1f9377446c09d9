//! The browser client: its files from `dist/`, its routes falling back to
//! `index.html`, and the settings it reads at start-up.

use std::path::PathBuf;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use solidarity_map_core::SiteConfig;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::{ApiError, AppState};

/// What the client needs at start-up: the site's name, the tile server and
/// its attribution.
#[utoipa::path(get, path = "/config", tag = "site",
    responses((status = 200, body = SiteConfig), super::openapi::ReadErrors))]
pub async fn config(State(state): State<AppState>) -> Json<SiteConfig> {
    Json(state.site.clone())
}

/// Serves `dist/`. A path that names a file (has an extension) and is not
/// there is a 404; any other path is a client route and gets `index.html`.
pub fn static_files(dist: PathBuf) -> axum::routing::MethodRouter {
    let index = dist.join("index.html");
    let fallback = move |uri: Uri, req: Request| {
        let index = index.clone();
        async move {
            let last = uri.path().rsplit('/').next().unwrap_or("");
            if last.contains('.') {
                return (StatusCode::NOT_FOUND, "not found").into_response();
            }
            if !index.exists() {
                return (
                    StatusCode::NOT_FOUND,
                    "the web client is not built: run `cargo xtask run`",
                )
                    .into_response();
            }
            match ServeFile::new(index).oneshot(req).await {
                Ok(mut res) => {
                    // the shell must be revalidated so a new release is seen
                    res.headers_mut().insert(
                        header::CACHE_CONTROL,
                        header::HeaderValue::from_static("no-cache"),
                    );
                    res.into_response()
                }
                Err(e) => match e {},
            }
        }
    };
    axum::routing::get_service(ServeDir::new(dist).fallback(
        axum::handler::HandlerWithoutStateExt::into_service(fallback),
    ))
}

/// Unknown `/api/…` paths: a JSON 404, never the client's HTML.
pub async fn api_not_found() -> ApiError {
    ApiError::NotFound("API endpoint")
}
