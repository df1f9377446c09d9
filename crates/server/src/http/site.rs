//! The browser client: its files from `dist/`, its routes falling back to
//! `index.html` (with linked data in the head of a published
//! organisation's page), and the settings it reads at start-up.

use std::path::PathBuf;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use solidarity_map_core::{ClientBundle, OrgId, SiteConfig, Status};
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
/// there is a 404; any other path is a client route and gets the page of
/// the program that draws it ([`ClientBundle`]): the map's `index.html`
/// (`/org/{id}` of a published organisation with its linked data) or
/// `pages/index.html`.
pub fn static_files(dist: PathBuf, state: AppState) -> axum::routing::MethodRouter {
    let root = dist.clone();
    let fallback = move |uri: Uri, req: Request| {
        let root = root.clone();
        let state = state.clone();
        async move {
            let last = uri.path().rsplit('/').next().unwrap_or("");
            if last.contains('.') {
                return (StatusCode::NOT_FOUND, "not found").into_response();
            }
            let chosen = root.join(ClientBundle::for_path(uri.path()).index_file());
            // a client built before its pages had a program of their own
            // has the map's page only
            let index = [chosen, root.join(ClientBundle::Map.index_file())]
                .into_iter()
                .find(|p| p.exists());
            let Some(index) = index else {
                return (
                    StatusCode::NOT_FOUND,
                    "the web client is not built: run `cargo xtask run`",
                )
                    .into_response();
            };
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
    .layer(axum::middleware::from_fn(cache_static))
}

/// A file whose name carries its content's hash never changes: a year.
const IMMUTABLE: header::HeaderValue =
    header::HeaderValue::from_static("public, max-age=31536000, immutable");
/// Any other file of the client is asked for again, and answered `304`
/// when it has not changed (by its `Last-Modified`).
const REVALIDATE: header::HeaderValue = header::HeaderValue::from_static("no-cache");

/// Caching for the client's files, so that a second visit on a bad
/// connection starts from the browser's cache: the WebAssembly, scripts
/// and style sheets Trunk names by their hash (`app-8459b0021db3b74c.js`)
/// are kept a year without asking; the page itself, the favicon and
/// Leaflet's images are revalidated, so a new release shows at once.
async fn cache_static(req: Request, next: axum::middleware::Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        let value = if hashed { IMMUTABLE } else { REVALIDATE };
        res.headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(value);
    }
    res
}

/// Whether the file at `path` is named by its content, as Trunk names
/// what it builds and hashes: `name-<hex hash>.js`, `.css`, or
/// `_bg.wasm`.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let Some((stem, _)) = file
        .rsplit_once('.')
        .filter(|(_, ext)| matches!(*ext, "js" | "css" | "wasm"))
    else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty()
            && (8..=16).contains(&hash.len())
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
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
    let page = super::linked_data::page(&html, &org.to_feature(), state.site.public_url.as_ref())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunks_hashed_names_are_told_from_the_others() {
        for hashed in [
            "/solidarity-map-web-8459b0021db3b74c.js",
            "/solidarity-map-web-8459b0021db3b74c_bg.wasm",
            "/leaflet-6c92c0056ca7a79.css",
            "/MarkerCluster.Default-fd97b2e336fecfed.css",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/favicon.svg",
            "/images/layers.png",
            "/leaflet.js",
            "/org/3f2a",
            "/solidarity-map-web-8459b0021db3b74c.png",
            "/web-notahash.js",
            "/-8459b0021db3b74c.js",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }
}
