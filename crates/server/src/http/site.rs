//! The browser client: its files from `dist/`, its routes falling back to
//! `index.html` (with linked data in the head of a published
//! organisation's page), and the settings it reads at start-up.

use std::path::PathBuf;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use solidarity_map_core::{OrgId, SiteConfig, Status};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::{ApiError, AppState};

/// What the client needs at start-up: the site's name, the tile server and
/// its attribution.
#[utoipa::path(get, path = "/config", tag = "site",
    responses((status = 200, body = SiteConfig), super::openapi::ReadErrors))]
pub async fn config(State(state): State<AppState>) -> Json<SiteConfig> {
    Json(state.site)
}

/// Serves `dist/`. A path that names a file (has an extension) and is not
/// there is a 404; any other path is a client route and gets `index.html`,
/// `/org/{id}` of a published organisation with its linked data.
pub fn static_files(dist: PathBuf, state: AppState) -> axum::routing::MethodRouter {
    let index = dist.join("index.html");
    let fallback = move |uri: Uri, req: Request| {
        let index = index.clone();
        let state = state.clone();
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
            if let Some(id) = uri.path().strip_prefix("/org/")
                && let Some(res) = organization_page(&state, id, &index).await
            {
                return res;
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

/// `index.html` with the linked data of the published organisation `id`;
/// `None` for any other id, or when the page cannot be made (the plain
/// `index.html` then serves).
async fn organization_page(
    state: &AppState,
    id: &str,
    index: &std::path::Path,
) -> Option<Response> {
    let id: OrgId = id.trim_end_matches('/').parse().ok()?;
    let org = match state.store.organization(id).await {
        Ok(Some(org)) if org.status == Status::Published => org,
        Ok(_) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "no linked data: the organisation could not be read");
            return None;
        }
    };
    let html = tokio::fs::read_to_string(index).await.ok()?;
    let page = super::linked_data::page(&html, &org.to_feature())?;
    Some(
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                // the shell must be revalidated so a new release is seen
                (header::CACHE_CONTROL, "no-cache"),
            ],
            page,
        )
            .into_response(),
    )
}

/// Unknown `/api/…` paths: a JSON 404, never the client's HTML.
pub async fn api_not_found() -> ApiError {
    ApiError::NotFound("API endpoint")
}
