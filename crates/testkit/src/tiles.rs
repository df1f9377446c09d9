//! Basemap files made inside the tests, for the server's API tests and the
//! browser tests alike: PMTiles archives (written with the `pmtiles`
//! crate's own writer), solid PNG tiles, and Mapbox Vector Tiles from a
//! small protobuf encoder of their own (a land polygon and named points
//! are all the tests need; a full MVT library would bring a geometry
//! stack for that). Feature `tiles`.

// protobuf's varints and zigzag are made of casts that cut on purpose;
// coordinates are within a tile's grid
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use std::path::Path;

pub use pmtiles::{Compression, TileType};
use pmtiles::{PmTilesWriter, TileCoord};

/// What an archive holds besides its tiles.
#[derive(Debug, Clone)]
pub struct Archive {
    pub tile_type: TileType,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// `[west, south, east, north]`; the whole world when `None`.
    pub bounds: Option<[f64; 4]>,
    /// The JSON metadata (e.g. with an `attribution`).
    pub metadata: String,
}

/// Writes a PMTiles v3 archive at `path` with `tiles` (`z`, `x`, `y`
/// with rows from the north, and the tile's bytes, uncompressed: vector
/// tiles are gzipped by the writer, as Protomaps builds store them).
pub fn write_pmtiles(path: &Path, archive: &Archive, tiles: &[(u8, u32, u32, Vec<u8>)]) {
    let mut writer = PmTilesWriter::new(archive.tile_type)
        .min_zoom(archive.min_zoom)
        .max_zoom(archive.max_zoom)
        .metadata(&archive.metadata);
    if let Some([w, s, e, n]) = archive.bounds {
        writer = writer
            .bounds(w, s, e, n)
            .center((w + e) / 2.0, (s + n) / 2.0);
    }
    let file = std::fs::File::create(path).expect("create the archive");
    let mut out = writer.create(file).expect("start the archive");
    let mut sorted: Vec<_> = tiles.iter().collect();
    // the writer wants tiles in the order of their ids
    sorted.sort_by_key(|(z, x, y, _)| {
        u64::from(pmtiles::TileId::from(
            TileCoord::new(*z, *x, *y).expect("a tile"),
        ))
    });
    for (z, x, y, data) in sorted {
        let coord = TileCoord::new(*z, *x, *y).expect("a tile in the grid");
        out.add_tile(coord, data).expect("add a tile");
    }
    out.finalize().expect("finish the archive");
}

/// A 256 × 256 PNG of one colour.
pub fn solid_png([r, g, b]: [u8; 3]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 256, 256);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("a PNG header");
    let pixels: Vec<u8> = std::iter::repeat_n([r, g, b], 256 * 256)
        .flatten()
        .collect();
    writer.write_image_data(&pixels).expect("the pixels");
    writer.finish().expect("the end of the PNG");
    bytes
}

/// An RGB(A) image decoded from a PNG (e.g. a browser's screenshot).
#[derive(Debug)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// Bytes per pixel: 3 or 4.
    channels: usize,
    data: Vec<u8>,
}

impl Image {
    pub fn decode(png_bytes: &[u8]) -> Image {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut data = vec![0; reader.output_buffer_size().expect("a PNG of a sane size")];
        let frame = reader.next_frame(&mut data).expect("its pixels");
        data.truncate(frame.buffer_size());
        let channels = match frame.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("a PNG in {other:?}, not RGB"),
        };
        Image {
            width: frame.width,
            height: frame.height,
            channels,
            data,
        }
    }

    /// The colour at `x`, `y`.
    pub fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        let at = (y as usize * self.width as usize + x as usize) * self.channels;
        [self.data[at], self.data[at + 1], self.data[at + 2]]
    }

    /// The pixels of the rectangle `[left, top, right, bottom)`, clipped to
    /// the image, that `pick` accepts, and how many it looked at.
    pub fn count(
        &self,
        [left, top, right, bottom]: [u32; 4],
        pick: impl Fn([u8; 3]) -> bool,
    ) -> (usize, usize) {
        let (mut picked, mut all) = (0, 0);
        for y in top..bottom.min(self.height) {
            for x in left..right.min(self.width) {
                all += 1;
                if pick(self.rgb(x, y)) {
                    picked += 1;
                }
            }
        }
        (picked, all)
    }
}

/// The tile of zoom `z` that holds `lon`, `lat`, and where in it the point
/// lies, in MVT units (0 to 4096 from the north-west corner).
pub fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32, [i32; 2]) {
    let n = f64::from(1u32 << z);
    let fx = (lon + 180.0) / 360.0 * n;
    let lat = lat.to_radians();
    let fy = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    let (x, y) = (fx.floor(), fy.floor());
    let inside = |f: f64, t: f64| ((f - t) * f64::from(EXTENT)).round() as i32;
    (x as u32, y as u32, [inside(fx, x), inside(fy, y)])
}

/// The size of an MVT tile's grid.
pub const EXTENT: u32 = 4096;

/// One feature of an MVT layer: its geometry and string properties.
#[derive(Debug, Clone)]
pub enum Geometry {
    Point([i32; 2]),
    /// One ring, clockwise on the screen (an outer ring, in MVT's terms).
    Polygon(Vec<[i32; 2]>),
    /// A line through these points.
    Line(Vec<[i32; 2]>),
}

#[derive(Debug, Clone)]
pub struct Feature {
    pub geometry: Geometry,
    pub properties: Vec<(String, String)>,
}

/// A polygon over the whole tile and a little beyond, so neighbouring
/// tiles meet without a seam.
pub fn whole_tile() -> Geometry {
    let (lo, hi) = (-64, EXTENT as i32 + 64);
    Geometry::Polygon(vec![[lo, lo], [hi, lo], [hi, hi], [lo, hi]])
}

/// A vector tile in the Protomaps basemap's layers: land over the whole
/// tile (`earth`) and a town (`places`, kind `locality`) at `at` with
/// these names (`name`, `name:ar`…).
pub fn town_on_land(at: [i32; 2], names: &[(&str, &str)]) -> Vec<u8> {
    let mut properties = vec![("kind".to_owned(), "locality".to_owned())];
    properties.extend(
        names
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    mvt(&[
        (
            "earth",
            vec![Feature {
                geometry: whole_tile(),
                properties: vec![],
            }],
        ),
        (
            "places",
            vec![Feature {
                geometry: Geometry::Point(at),
                properties,
            }],
        ),
    ])
}

/// [`town_on_land`] with a road across the whole tile (`roads`, kind
/// `highway`), `below` tile units under `at`.
pub fn town_on_a_street(at: [i32; 2], below: i32, names: &[(&str, &str)]) -> Vec<u8> {
    let mut town = town_on_land(at, names);
    let y = at[1] + below;
    town.extend(mvt(&[(
        "roads",
        vec![Feature {
            geometry: Geometry::Line(vec![[-64, y], [EXTENT as i32 + 64, y]]),
            properties: vec![("kind".to_owned(), "highway".to_owned())],
        }],
    )]));
    town
}

/// A Mapbox Vector Tile (spec 2.1) with these layers.
pub fn mvt(layers: &[(&str, Vec<Feature>)]) -> Vec<u8> {
    let mut tile = Vec::new();
    for (name, features) in layers {
        message(&mut tile, 3, &layer(name, features));
    }
    tile
}

fn layer(name: &str, features: &[Feature]) -> Vec<u8> {
    let mut keys: Vec<&str> = Vec::new();
    let mut values: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    varint_field(&mut out, 15, 2); // version
    message(&mut out, 1, name.as_bytes());
    let mut encoded = Vec::new();
    for (id, f) in features.iter().enumerate() {
        let mut tags = Vec::new();
        for (k, v) in &f.properties {
            let k = position(&mut keys, k);
            let v = position(&mut values, v);
            tags.extend([k, v]);
        }
        let mut feature = Vec::new();
        varint_field(&mut feature, 1, id as u64 + 1);
        packed(&mut feature, 2, &tags);
        let (kind, commands) = geometry(&f.geometry);
        varint_field(&mut feature, 3, kind);
        packed(&mut feature, 4, &commands);
        encoded.push(feature);
    }
    for feature in &encoded {
        message(&mut out, 2, feature);
    }
    for k in &keys {
        message(&mut out, 3, k.as_bytes());
    }
    for v in &values {
        let mut value = Vec::new();
        message(&mut value, 1, v.as_bytes());
        message(&mut out, 4, &value);
    }
    varint_field(&mut out, 5, u64::from(EXTENT));
    out
}

/// The index of `s` in `list`, added at the end when it is not there.
fn position<'a>(list: &mut Vec<&'a str>, s: &'a str) -> u32 {
    let at = list.iter().position(|x| *x == s).unwrap_or_else(|| {
        list.push(s);
        list.len() - 1
    });
    u32::try_from(at).expect("a small layer")
}

/// A geometry command: its id and how many times it repeats.
fn command(id: u32, count: usize) -> u32 {
    id | (u32::try_from(count).expect("few points") << 3)
}

fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Move to the first point, then a line to each of the others.
fn path(points: &[[i32; 2]]) -> Vec<u32> {
    let mut out = vec![command(1, 1), zigzag(points[0][0]), zigzag(points[0][1])];
    out.push(command(2, points.len() - 1));
    for pair in points.windows(2) {
        out.extend([
            zigzag(pair[1][0] - pair[0][0]),
            zigzag(pair[1][1] - pair[0][1]),
        ]);
    }
    out
}

/// The geometry's type (1 point, 2 line, 3 polygon) and its commands.
fn geometry(g: &Geometry) -> (u64, Vec<u32>) {
    match g {
        Geometry::Point([x, y]) => (1, vec![command(1, 1), zigzag(*x), zigzag(*y)]),
        Geometry::Polygon(ring) => {
            let mut out = path(ring);
            out.push(command(7, 1));
            (3, out)
        }
        Geometry::Line(points) => (2, path(points)),
    }
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn varint_field(out: &mut Vec<u8>, field: u64, n: u64) {
    varint(out, field << 3);
    varint(out, n);
}

/// A length-delimited field: bytes, a string or a message.
fn message(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn packed(out: &mut Vec<u8>, field: u64, numbers: &[u32]) {
    let mut body = Vec::new();
    for n in numbers {
        varint(&mut body, u64::from(*n));
    }
    message(out, field, &body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_layer_encodes_as_the_spec_says() {
        let tile = mvt(&[(
            "places",
            vec![Feature {
                geometry: Geometry::Point([25, 17]),
                properties: vec![("kind".into(), "locality".into())],
            }],
        )]);
        // the example of the MVT spec, 4.3.5: a point at (25, 17)
        let point = [0x09, 0x32, 0x22];
        assert!(tile.windows(3).any(|w| w == point), "{tile:02x?}");
        assert_eq!(tile[0], 0x1a, "field 3, length-delimited");
        assert!(tile.windows(6).any(|w| w == b"places"));
    }

    #[test]
    fn points_are_placed_in_their_tile() {
        let (x, y, [px, py]) = tile_of(0.0, 0.0, 1);
        assert_eq!((x, y), (1, 1));
        assert_eq!([px, py], [0, 0]);
        let (x, y, [px, _]) = tile_of(-90.0, 0.0, 1);
        assert_eq!((x, y, px), (0, 1, 2048));
    }
}
