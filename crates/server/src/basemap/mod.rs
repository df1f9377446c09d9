//! The basemap file the server reads its own tiles from (`--basemap`):
//! an MBTiles file (the bundled world basemap) or a PMTiles archive (a
//! city at street level, raster or vector, that the operator made).
//!
//! Why both: the bundled world basemap is an MBTiles file and stops at
//! zoom 6; a street-level map of the whole world is far too big to ship,
//! but `pmtiles extract` cuts one city out of a Protomaps build in a few
//! megabytes. The file is told by its first bytes, not its name, so a
//! misnamed file still works and a wrong one is refused before anything
//! is served.
//!
//! Both are opened read-only and never written; tiles never change while
//! the server runs.

mod mbtiles;
mod pmtiles;

use std::io::Read;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use solidarity_map_core::TileKind;

/// The deepest zoom level a tile address may name (Leaflet's and every
/// common tile server's limit is lower).
pub const MAX_ZOOM: u8 = 24;

/// What goes wrong with a basemap: it cannot be opened (said with its
/// file's name), or a tile cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {why}", path.display())]
    Open { path: PathBuf, why: String },
    #[error("tile {z}/{x}/{y}: {why}")]
    Tile { z: u8, x: u32, y: u32, why: String },
}

impl Error {
    fn open(path: &Path, why: impl std::fmt::Display) -> Self {
        Self::Open {
            path: path.to_owned(),
            why: why.to_string(),
        }
    }
}

/// How the tiles are encoded, which is the extension of their address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileFormat {
    Png,
    Jpeg,
    Webp,
    /// Mapbox Vector Tiles, served uncompressed (see [`Basemap::tile`]).
    Mvt,
}

impl TileFormat {
    /// The extension of a tile's address: `/tiles/{z}/{x}/{y}.{ext}`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Mvt => "mvt",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Mvt => "application/vnd.mapbox-vector-tile",
        }
    }

    pub fn kind(self) -> TileKind {
        match self {
            Self::Mvt => TileKind::Vector,
            _ => TileKind::Raster,
        }
    }

    /// What people call it, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Png => "PNG images",
            Self::Jpeg => "JPEG images",
            Self::Webp => "WebP images",
            Self::Mvt => "vector tiles (MVT)",
        }
    }
}

/// The area a basemap covers, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

/// Web Mercator's limit of latitude, where tile rows end.
const MAX_LATITUDE: f64 = 85.051_128_78;

impl Bounds {
    /// `None` unless west < east and south < north, all in range.
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Option<Self> {
        let lon = -180.0..=180.0;
        let lat = -90.0..=90.0;
        (lon.contains(&west)
            && lon.contains(&east)
            && lat.contains(&south)
            && lat.contains(&north)
            && west < east
            && south < north)
            .then_some(Self {
                west,
                south,
                east,
                north,
            })
    }

    /// `[west, south, east, north]`, as the client takes it.
    pub fn to_array(self) -> [f64; 4] {
        [self.west, self.south, self.east, self.north]
    }

    /// Whether tile `z`/`x`/`y` (rows from the north) shows any of the
    /// area: a tile wholly outside it is not asked of the file.
    pub fn touches(&self, z: u8, x: u32, y: u32) -> bool {
        let n = f64::from(1u32 << z);
        let column = |lon: f64| ((lon + 180.0) / 360.0 * n).floor();
        let row = |lat: f64| {
            let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
            ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor()
        };
        let (x, y) = (f64::from(x), f64::from(y));
        column(self.west) <= x
            && x <= column(self.east)
            && row(self.north) <= y
            && y <= row(self.south)
    }
}

/// What a basemap says about itself, for the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    pub format: TileFormat,
    /// The zoom levels it has tiles for.
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// The area it covers, when it says.
    pub bounds: Option<Bounds>,
    /// The `attribution` of its metadata, if any (HTML, from the operator's
    /// file).
    pub attribution: Option<String>,
}

/// An open basemap.
pub struct Basemap {
    pub info: Info,
    source: Source,
}

enum Source {
    MbTiles(mbtiles::MbTiles),
    // a header and a root directory: far larger than a pool's handle
    PmTiles(Box<pmtiles::PmTiles>),
}

impl std::fmt::Debug for Basemap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Basemap").field("info", &self.info).finish()
    }
}

/// What a file's first bytes say it is.
#[derive(Debug, PartialEq, Eq)]
enum Container {
    MbTiles,
    PmTiles,
}

/// The container of a file that begins with `head`, or why it is neither.
fn container(head: &[u8]) -> Result<Container, String> {
    if head.starts_with(b"SQLite format 3\0") {
        return Ok(Container::MbTiles);
    }
    if let Some(version) = head.strip_prefix(b"PMTiles").and_then(|v| v.first()) {
        return match version {
            3 => Ok(Container::PmTiles),
            v => Err(format!(
                "a PMTiles archive of version {v}: only version 3 is read \
                 (`pmtiles convert` makes one)"
            )),
        };
    }
    if head.starts_with(b"PM") && matches!(head.get(2), Some(1 | 2)) {
        return Err(
            "a PMTiles archive of version 1 or 2: only version 3 is read \
                    (`pmtiles convert` makes one)"
                .into(),
        );
    }
    if head.is_empty() {
        return Err("an empty file, not an MBTiles or PMTiles basemap".into());
    }
    Err("neither an MBTiles file (SQLite) nor a PMTiles archive: \
         it starts with neither's signature"
        .into())
}

impl Basemap {
    /// Opens the basemap at `path`, read-only, telling MBTiles from
    /// PMTiles by the file's first bytes. Fails, naming the file, when it
    /// is missing, neither, truncated or has no tiles the map can show.
    pub async fn open(path: &Path) -> Result<Self, Error> {
        if !path.is_file() {
            return Err(Error::open(path, "no such file"));
        }
        let mut head = Vec::with_capacity(16);
        std::fs::File::open(path)
            .and_then(|f| f.take(16).read_to_end(&mut head))
            .map_err(|e| Error::open(path, e))?;
        let kind = container(&head).map_err(|why| Error::open(path, why))?;
        let (source, info) = match kind {
            Container::MbTiles => {
                let (file, info) = mbtiles::MbTiles::open(path)
                    .await
                    .map_err(|why| Error::open(path, why))?;
                (Source::MbTiles(file), info)
            }
            Container::PmTiles => {
                let (file, info) = pmtiles::PmTiles::open(path)
                    .await
                    .map_err(|why| Error::open(path, why))?;
                (Source::PmTiles(Box::new(file)), info)
            }
        };
        if info.min_zoom > info.max_zoom {
            return Err(Error::open(
                path,
                format!(
                    "its zoom levels run from {} down to {}",
                    info.min_zoom, info.max_zoom
                ),
            ));
        }
        Ok(Self { info, source })
    }

    /// The tile at `z`/`x`/`y` (Leaflet's numbering, rows from the north),
    /// or `None` where the file has none: outside its zoom levels, outside
    /// its bounds or missing. The caller checks that `x` and `y` are below
    /// `2^z`.
    ///
    /// A vector tile is returned uncompressed even when the file stores it
    /// gzipped: the response layers then tag it by its content and
    /// compress it as each browser accepts (gzip or brotli), a client
    /// that accepts neither can read it, and a revalidation is a 304. A
    /// gzipped body passed through with `Content-Encoding: gzip` would
    /// skip both layers (neither touches an encoded body), lose its ETag
    /// and reach clients that never asked for gzip. Decompressing a tile
    /// of a few kilobytes costs far less than sending it again.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Bytes>, Error> {
        let info = &self.info;
        if z < info.min_zoom || z > info.max_zoom {
            return Ok(None);
        }
        if info.bounds.is_some_and(|b| !b.touches(z, x, y)) {
            return Ok(None);
        }
        let read = match &self.source {
            Source::MbTiles(file) => file.tile(z, x, y).await,
            Source::PmTiles(file) => file.tile(z, x, y).await,
        };
        read.map_err(|why| Error::Tile { z, x, y, why })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_told_by_their_first_bytes() {
        assert_eq!(
            container(b"SQLite format 3\0\x10\x00"),
            Ok(Container::MbTiles)
        );
        assert_eq!(container(b"PMTiles\x03rest"), Ok(Container::PmTiles));
        for (head, says) in [
            (&b"PMTiles\x04"[..], "version 4"),
            (b"PM\x02\x00", "version 1 or 2"),
            (b"", "empty"),
            (b"<html>", "neither"),
            (b"\x89PNG\r\n\x1a\n", "neither"),
        ] {
            let why = container(head).unwrap_err();
            assert!(why.contains(says), "{head:?}: {why}");
        }
    }

    #[test]
    fn tiles_outside_the_bounds_are_not_asked_for() {
        // Jerusalem's old city and around
        let b = Bounds::new(35.1, 31.7, 35.3, 31.85).unwrap();
        // zoom 10: columns 611 and 612, row 416
        assert!(b.touches(10, 611, 416));
        assert!(b.touches(10, 612, 416));
        assert!(!b.touches(10, 613, 416));
        assert!(!b.touches(10, 611, 415));
        assert!(!b.touches(10, 611, 417));
        assert!(b.touches(0, 0, 0));
        let world = Bounds::new(-180.0, -85.0511, 180.0, 85.0511).unwrap();
        assert!(world.touches(2, 0, 0) && world.touches(2, 3, 3));
        assert!(Bounds::new(10.0, 0.0, 5.0, 1.0).is_none());
        assert!(Bounds::new(0.0, 0.0, 1.0, 91.0).is_none());
    }
}
