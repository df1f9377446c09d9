//! PMTiles v3: one file of a header, directories and tiles, read with the
//! `pmtiles` crate through a read-only memory map.
//!
//! Before the crate sees the file, the sections its header names are
//! checked against the file's length: a truncated download is refused at
//! start with its sizes, where the crate would fail (or panic) on the
//! first tile that lies past the end.

use std::path::Path;

use axum::body::Bytes;
use pmtiles::{AsyncPmTilesReader, Compression, MmapBackend, TileCoord, TileType};

use super::{Bounds, Info, MAX_ZOOM, TileFormat};

/// The header's length; the root directory must end within the first
/// 16 KiB.
const HEADER_LEN: u64 = 127;
const ROOT_LIMIT: u64 = 16_384;

pub struct PmTiles {
    reader: AsyncPmTilesReader<MmapBackend>,
    /// Whether tiles are stored gzipped (then they are served inflated).
    gzipped: bool,
}

impl PmTiles {
    /// Opens the archive and reads its header and metadata; the caller has
    /// seen the version 3 signature.
    pub async fn open(path: &Path) -> Result<(Self, Info), String> {
        let head = {
            use std::io::Read;
            let mut head = Vec::with_capacity(72);
            std::fs::File::open(path)
                .and_then(|f| f.take(72).read_to_end(&mut head))
                .map_err(|e| e.to_string())?;
            head
        };
        let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
        check_sections(&head, len)?;
        let reader = AsyncPmTilesReader::new_with_path(path)
            .await
            .map_err(|e| format!("not a readable PMTiles archive ({e})"))?;
        let header = reader.get_header();
        let format = match header.tile_type {
            TileType::Png => TileFormat::Png,
            TileType::Jpeg => TileFormat::Jpeg,
            TileType::Webp => TileFormat::Webp,
            TileType::Mvt => TileFormat::Mvt,
            other => {
                return Err(format!(
                    "tiles of type {other:?}: the map shows png, jpg or webp images \
                     or vector tiles (MVT)"
                ));
            }
        };
        let gzipped = match header.tile_compression {
            Compression::None | Compression::Unknown => false,
            Compression::Gzip => true,
            other => {
                return Err(format!(
                    "tiles compressed with {other:?}: only gzip or none is read \
                     (`pmtiles extract` of a Protomaps build keeps gzip)"
                ));
            }
        };
        let bounds = Bounds::new(
            header.min_longitude,
            header.min_latitude,
            header.max_longitude,
            header.max_latitude,
        );
        let (min_zoom, max_zoom) = (header.min_zoom, header.max_zoom.min(MAX_ZOOM));
        let attribution = attribution(
            &reader
                .get_metadata()
                .await
                .map_err(|e| format!("its metadata cannot be read ({e})"))?,
        )?;
        let info = Info {
            format,
            min_zoom,
            max_zoom,
            bounds,
            attribution,
        };
        Ok((Self { reader, gzipped }, info))
    }

    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Bytes>, String> {
        let coord = TileCoord::new(z, x, y).map_err(|e| e.to_string())?;
        let read = if self.gzipped {
            self.reader.get_tile_decompressed(coord).await
        } else {
            self.reader.get_tile(coord).await
        };
        read.map_err(|e| e.to_string())
    }
}

/// Checks that every section the header (`head`, its first 72 bytes)
/// names lies within a file of `len` bytes.
fn check_sections(head: &[u8], len: u64) -> Result<(), String> {
    let field = |i: usize| -> Option<u64> {
        let at = 8 + 8 * i;
        Some(u64::from_le_bytes(head.get(at..at + 8)?.try_into().ok()?))
    };
    let truncated = |needs: u64| {
        format!(
            "a truncated PMTiles archive: its header says it is at least {needs} bytes \
             long, the file has {len}"
        )
    };
    if len < HEADER_LEN || head.len() < 72 {
        return Err(truncated(HEADER_LEN));
    }
    let mut root = (0, 0);
    for (i, name) in [
        "root directory",
        "metadata",
        "leaf directories",
        "tile data",
    ]
    .iter()
    .enumerate()
    {
        let (Some(offset), Some(length)) = (field(2 * i), field(2 * i + 1)) else {
            return Err(truncated(HEADER_LEN));
        };
        let end = offset
            .checked_add(length)
            .ok_or_else(|| format!("a PMTiles archive whose {name} ends past any file"))?;
        if end > len {
            return Err(truncated(end));
        }
        if i == 0 {
            root = (offset, end);
        }
    }
    if root.0 < HEADER_LEN || root.1 > ROOT_LIMIT {
        return Err("a PMTiles archive whose root directory is not within its first 16 KiB".into());
    }
    Ok(())
}

/// The `attribution` of the archive's JSON metadata; none when it names
/// none or the metadata is empty.
fn attribution(metadata: &str) -> Result<Option<String>, String> {
    if metadata.trim().is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value =
        serde_json::from_str(metadata).map_err(|e| format!("its metadata is not JSON ({e})"))?;
    Ok(value
        .get("attribution")
        .and_then(|a| a.as_str())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first 72 bytes of a header naming these sections.
    fn head(sections: [(u64, u64); 4]) -> Vec<u8> {
        let mut h = b"PMTiles\x03".to_vec();
        for (offset, length) in sections {
            h.extend_from_slice(&offset.to_le_bytes());
            h.extend_from_slice(&length.to_le_bytes());
        }
        h
    }

    #[test]
    fn sections_past_the_end_are_a_truncated_file() {
        let sections = [(127, 100), (227, 50), (277, 0), (277, 1000)];
        assert_eq!(check_sections(&head(sections), 1277), Ok(()));
        let why = check_sections(&head(sections), 1276).unwrap_err();
        assert!(why.contains("truncated") && why.contains("1277"), "{why}");
        assert!(check_sections(&head(sections)[..40], 1277).is_err());
        assert!(check_sections(&head(sections), 100).is_err());
        let overflow = [(127, 100), (227, 50), (277, 0), (u64::MAX, 2)];
        assert!(check_sections(&head(overflow), 1277).is_err());
        let root_late = [(20_000, 10), (227, 50), (277, 0), (277, 1000)];
        assert!(check_sections(&head(root_late), 30_000).is_err());
    }

    #[test]
    fn the_attribution_comes_from_the_metadata() {
        assert_eq!(
            attribution(r#"{"attribution":"<a href=\"https://osm.org\">OSM</a>","name":"x"}"#),
            Ok(Some("<a href=\"https://osm.org\">OSM</a>".into()))
        );
        assert_eq!(attribution(r#"{"name":"x"}"#), Ok(None));
        assert_eq!(attribution(""), Ok(None));
        assert!(attribution("{").is_err());
    }
}
