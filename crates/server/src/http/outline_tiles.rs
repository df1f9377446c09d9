//! `/tiles/outlines/{z}/{x}/{y}.png`: the app's own country outlines as
//! tiles ([`crate::outlines`]), drawn on request and cached a week by the
//! browser, like the basemap's (the ETag layer answers a revalidation).

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::response::Response;
use axum::routing::get;

use super::tiles::{address, tile_response};
use super::{ApiError, AppState};
use crate::outlines::MAX_ZOOM;

/// Not part of the API document, which describes `/api` only.
pub fn router() -> Router<AppState> {
    Router::new().route("/tiles/outlines/{z}/{x}/{y}", get(tile))
}

async fn tile(
    State(state): State<AppState>,
    UrlPath((z, x, y)): UrlPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (z, x, y, extension) = address(&z, &x, &y, MAX_ZOOM)?;
    if extension != "png" {
        return Err(ApiError::field(
            "y",
            "an outline tile's address ends in {y}.png",
        ));
    }
    let outlines = state
        .outlines
        .clone()
        .ok_or(ApiError::NotFound("outlines"))?;
    // drawing takes a few milliseconds of CPU: off the async workers
    let png = tokio::task::spawn_blocking(move || outlines.tile(z, x, y))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("outline tile {z}/{x}/{y}: {e}")))?
        .ok_or(ApiError::NotFound("tile"))?;
    Ok(tile_response("image/png", png))
}
