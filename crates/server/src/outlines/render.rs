//! Draws one 256-pixel tile of outlines in Web Mercator, Leaflet's
//! projection, with `tiny-skia`: sea, then land, then coasts and borders,
//! in the quiet colours of the map's style sheet (`--sea`, the land and
//! lines of the markers' background).

use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::Shape;
use super::topo::Ring;

const SIZE: u32 = 256;
/// How far outside the tile a ring is clipped: its edges along the clip
/// lie beyond the tile, so their strokes never show.
const MARGIN: f64 = 4.0;
/// Mercator's limit: the map ends here, north and south.
const MAX_LAT: f64 = 85.051_128_78;

const SEA: (u8, u8, u8) = (0xc9, 0xdb, 0xe6);
const LAND: (u8, u8, u8) = (0xf4, 0xf1, 0xea);
const LINE: (u8, u8, u8) = (0x9a, 0xa3, 0xad);

/// The tile `z`/`x`/`y` of `shapes`, as a PNG.
pub fn tile(shapes: &[Shape], z: u8, x: u32, y: u32) -> Vec<u8> {
    let view = View::new(z, x, y);
    let mut pb = PathBuilder::new();
    for shape in shapes {
        if shape.north < view.south || shape.south > view.north {
            continue;
        }
        // each copy of the world the tile can see: a shape drawn east of
        // 180° shows again from −180°
        for copy in [-360.0, 0.0, 360.0] {
            if shape.east + copy < view.west || shape.west + copy > view.east {
                continue;
            }
            for ring in &shape.rings {
                add_ring(&mut pb, &clip(&view.project(ring, copy)));
            }
        }
    }
    let mut pixmap = Pixmap::new(SIZE, SIZE).expect("a 256×256 pixmap");
    pixmap.fill(rgb(SEA));
    if let Some(path) = pb.finish() {
        let mut paint = Paint::default();
        paint.set_color(rgb(LAND));
        pixmap.fill_path(
            &path,
            &paint,
            FillRule::EvenOdd,
            Transform::identity(),
            None,
        );
        paint.set_color(rgb(LINE));
        let stroke = Stroke {
            width: if z < 6 { 0.6 } else { 1.0 },
            ..Stroke::default()
        };
        pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
    }
    pixmap.encode_png().unwrap_or_default()
}

fn rgb((r, g, b): (u8, u8, u8)) -> Color {
    Color::from_rgba8(r, g, b, 255)
}

/// A tile's place in the world: its edges in degrees, and the scale from
/// the world's Mercator square to its pixels.
struct View {
    west: f64,
    east: f64,
    south: f64,
    north: f64,
    /// The world's width in pixels at this zoom.
    world: f64,
    x0: f64,
    y0: f64,
}

impl View {
    fn new(z: u8, x: u32, y: u32) -> Self {
        let n = f64::from(1u32 << z);
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            (std::f64::consts::PI * (1.0 - 2.0 * y / n))
                .sinh()
                .atan()
                .to_degrees()
        };
        let (x, y) = (f64::from(x), f64::from(y));
        // a little beyond the tile, for the strokes of lines just outside
        let pad = 1.0 / 64.0;
        Self {
            west: lon(x - pad),
            east: lon(x + 1.0 + pad),
            north: lat((y - pad).max(0.0)),
            south: lat((y + 1.0 + pad).min(n)),
            world: n * f64::from(SIZE),
            x0: x * f64::from(SIZE),
            y0: y * f64::from(SIZE),
        }
    }

    /// `ring` in the tile's pixels, moved east by `copy` degrees.
    fn project(&self, ring: &Ring, copy: f64) -> Vec<[f64; 2]> {
        ring.iter()
            .map(|[lon, lat]| {
                let px = (lon + copy + 180.0) / 360.0 * self.world - self.x0;
                let phi = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
                let merc = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0;
                [px, merc * self.world - self.y0]
            })
            .collect()
    }
}

/// `points` (a closed ring) clipped to the tile and its margin
/// (Sutherland–Hodgman, one edge of the square at a time): what is far
/// outside never reaches the rasterizer.
fn clip(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let (lo, hi) = (-MARGIN, f64::from(SIZE) + MARGIN);
    let mut poly = points.to_vec();
    // (axis, keep the side where the coordinate is >= edge, edge)
    for (axis, above, edge) in [(0, true, lo), (0, false, hi), (1, true, lo), (1, false, hi)] {
        if poly.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if above {
                p[axis] >= edge
            } else {
                p[axis] <= edge
            }
        };
        let mut out = Vec::with_capacity(poly.len());
        let mut prev = *poly.last().expect("not empty");
        for p in &poly {
            let (a, b) = (inside(&prev), inside(p));
            if a != b {
                let t = (edge - prev[axis]) / (p[axis] - prev[axis]);
                out.push([
                    prev[0] + t * (p[0] - prev[0]),
                    prev[1] + t * (p[1] - prev[1]),
                ]);
            }
            if b {
                out.push(*p);
            }
            prev = *p;
        }
        poly = out;
    }
    poly
}

#[allow(clippy::cast_possible_truncation)] // pixels within the tile's margin fit an f32
fn add_ring(pb: &mut PathBuilder, points: &[[f64; 2]]) {
    if points.len() < 3 {
        return;
    }
    pb.move_to(points[0][0] as f32, points[0][1] as f32);
    for p in &points[1..] {
        pb.line_to(p[0] as f32, p[1] as f32);
    }
    pb.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_far_outside_is_clipped_to_the_margin() {
        let big = [[-1e6, -1e6], [1e6, -1e6], [1e6, 1e6], [-1e6, 1e6]];
        let out = clip(&big);
        assert_eq!(out.len(), 4, "{out:?}");
        for p in out {
            assert!(p.iter().all(|c| (-MARGIN..=260.0).contains(c)), "{p:?}");
        }
        assert!(clip(&[[300.0, 0.0], [400.0, 0.0], [400.0, 50.0]]).is_empty());
    }

    #[test]
    fn the_world_tile_puts_the_prime_meridian_and_equator_in_its_middle() {
        let view = View::new(0, 0, 0);
        let p = view.project(&vec![[0.0, 0.0], [180.0, 0.0]], 0.0);
        assert!((p[0][0] - 128.0).abs() < 1e-9 && (p[0][1] - 128.0).abs() < 1e-9);
        assert!((p[1][0] - 256.0).abs() < 1e-9);
        assert!((view.north - MAX_LAT).abs() < 1e-6);
    }
}
