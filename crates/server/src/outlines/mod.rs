//! The app's own country outlines, drawn by the server as raster tiles at
//! `/tiles/outlines/{z}/{x}/{y}.png`: where the world basemap ends (it has
//! zoom levels 0 to 6) and where no basemap is configured at all, the map
//! still shows coasts and borders, at any zoom, from Natural Earth's
//! 1:10m countries (npm `world-atlas`, public domain; installed by
//! `cargo xtask run` next to the basemap).
//!
//! Why tiles drawn here rather than GeoJSON drawn by the browser: the
//! 1:10m outlines are megabytes, and a slow phone would download and
//! parse all of them to show one city. A tile is a few kilobytes of flat
//! colour, cached a week, and costs the phone nothing to draw.
//!
//! Rings are kept continuous across the antimeridian (a point at 179°
//! followed by one at −179° becomes 181°) and drawn once per copy of the
//! world a tile can see, so Fiji or Chukotka never draw a line across the
//! whole map; a ring around a pole (Antarctica) is closed along it. Each
//! band of zoom levels has its own copy of the rings, simplified to about
//! a pixel, so a world tile does not walk a million points.

mod render;
mod simplify;
mod topo;

use std::path::Path;

use anyhow::Context;

use topo::Ring;

/// The deepest zoom level the outlines are drawn at: beyond it a tile
/// would only enlarge 1:10m lines (about a kilometre apart) further.
pub const MAX_ZOOM: u8 = 18;

/// The zoom bands, each with the highest level it serves: a band's rings
/// are simplified to half a pixel at that level.
const BANDS: [u8; 5] = [2, 4, 6, 8, MAX_ZOOM];

/// One country: its rings (outer and holes alike, filled even-odd) and
/// the box around them, in degrees (longitudes may pass ±180).
#[derive(Debug)]
struct Shape {
    rings: Vec<Ring>,
    west: f64,
    east: f64,
    south: f64,
    north: f64,
}

/// The outlines at every zoom band.
#[derive(Debug)]
pub struct Outlines {
    /// One list of shapes per entry of [`BANDS`].
    bands: Vec<Vec<Shape>>,
}

impl Outlines {
    /// Reads the countries of the TopoJSON file at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let json = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read it", path.display()))?;
        Self::from_topojson(&json).with_context(|| path.display().to_string())
    }

    /// The countries (object `countries`) of a TopoJSON topology.
    pub fn from_topojson(json: &str) -> anyhow::Result<Self> {
        let shapes: Vec<Vec<Ring>> = topo::rings(json, "countries")?
            .into_iter()
            .map(|rings| rings.into_iter().map(continuous).collect())
            .collect();
        if shapes.is_empty() {
            anyhow::bail!("the topology has no countries");
        }
        let bands = BANDS
            .iter()
            .map(|&z| {
                // half a pixel at this band's deepest level, in degrees
                let tolerance = 360.0 / (256.0 * f64::from(1u32 << z)) / 2.0;
                let last = z == MAX_ZOOM;
                shapes
                    .iter()
                    .filter_map(|rings| {
                        let rings = rings
                            .iter()
                            .map(|r| {
                                if last {
                                    r.clone()
                                } else {
                                    simplify::ring(r, tolerance)
                                }
                            })
                            .filter(|r| r.len() >= 4)
                            .collect();
                        Shape::new(rings)
                    })
                    .collect()
            })
            .collect();
        Ok(Self { bands })
    }

    /// The tile at `z`/`x`/`y` (Leaflet's numbering) as a PNG, or `None`
    /// above [`MAX_ZOOM`]. The caller checks that `x` and `y` are below
    /// `2^z`.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
        if z > MAX_ZOOM {
            return None;
        }
        let band = BANDS.iter().position(|&b| z <= b)?;
        Some(render::tile(&self.bands[band], z, x, y))
    }
}

/// The outlines at `path` for the server, or `None`, said clearly in the
/// log, when they cannot be read: the map then shows the sea colour where
/// the basemap has no tiles.
pub fn open_or_warn(path: &Path) -> Option<std::sync::Arc<Outlines>> {
    let started = std::time::Instant::now();
    match Outlines::open(path) {
        Ok(o) => {
            tracing::info!(
                outlines = %path.display(),
                seconds = started.elapsed().as_secs_f64(),
                "drawing country outlines at /tiles/outlines/{{z}}/{{x}}/{{y}}.png"
            );
            Some(std::sync::Arc::new(o))
        }
        Err(e) => {
            tracing::warn!(
                "NO COUNTRY OUTLINES: {e:#}. Beyond the basemap's zoom levels the map is empty. \
                 `cargo xtask run` installs them; --outlines FILE names others."
            );
            None
        }
    }
}

impl Shape {
    /// A shape with its box, or `None` without rings.
    fn new(rings: Vec<Ring>) -> Option<Self> {
        let points = rings.iter().flatten();
        let (mut west, mut east) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut south, mut north) = (f64::INFINITY, f64::NEG_INFINITY);
        for [lon, lat] in points {
            west = west.min(*lon);
            east = east.max(*lon);
            south = south.min(*lat);
            north = north.max(*lat);
        }
        (!rings.is_empty()).then_some(Self {
            rings,
            west,
            east,
            south,
            north,
        })
    }
}

/// `ring` without jumps across the antimeridian: each longitude is moved
/// by 360° to within 180° of the one before. A ring that then ends a full
/// turn from where it began goes around a pole, and is closed along it.
fn continuous(ring: Ring) -> Ring {
    let mut out: Ring = Vec::with_capacity(ring.len() + 3);
    for [lon, lat] in ring {
        let lon = match out.last() {
            Some([prev, _]) => lon + 360.0 * ((prev - lon) / 360.0).round(),
            None => lon,
        };
        out.push([lon, lat]);
    }
    if let (Some(&[first_lon, first_lat]), Some(&[last_lon, _])) = (out.first(), out.last())
        && (last_lon - first_lon).abs() > 180.0
    {
        let mean_lat = out.iter().map(|p| p[1]).sum::<f64>() / out.len() as f64;
        let pole = if mean_lat < 0.0 { -90.0 } else { 90.0 };
        out.push([last_lon, pole]);
        out.push([first_lon, pole]);
        out.push([first_lon, first_lat]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_across_the_antimeridian_stays_continuous() {
        // Fiji's eastern island in Natural Earth
        let ring = vec![
            [179.4, -16.4],
            [180.0, -16.07],
            [-179.8, -16.0],
            [-179.9, -16.5],
            [179.4, -16.8],
            [179.4, -16.4],
        ];
        let out = continuous(ring);
        assert_eq!(out.len(), 6, "not around a pole: {out:?}");
        for pair in out.windows(2) {
            assert!((pair[0][0] - pair[1][0]).abs() < 1.0, "{pair:?}");
        }
        assert!((out[2][0] - 180.2).abs() < 1e-9);
    }

    #[test]
    fn a_ring_around_the_south_pole_is_closed_along_it() {
        let ring = vec![
            [-180.0, -80.0],
            [-60.0, -70.0],
            [60.0, -70.0],
            [180.0, -80.0],
        ];
        let out = continuous(ring);
        assert_eq!(out[out.len() - 3], [180.0, -90.0]);
        assert_eq!(out[out.len() - 2], [-180.0, -90.0]);
        assert_eq!(out[out.len() - 1], [-180.0, -80.0]);
    }
}
