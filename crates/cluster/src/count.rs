//! Counting a box exactly without visiting its points.
//!
//! A list's total in a city box at a million entries is tens of thousands
//! of points; visiting each costs about a microsecond. The grid already
//! holds exact counts per cell and category: a cell lying wholly inside
//! the box adds its count, and only the points of the cells the box's
//! edges cross are tested one by one, so the cost follows the box's
//! outline, not its content.

use crate::cell::{self, LEVELS, Level, shift};
use crate::geo::{wrap_lon, x_of, y_of};
use crate::query::{Node, View, filtered, resolve};
use crate::{Bbox, Filter, Index, Point, PointId};

/// The box in world coordinates: what lies strictly between its edges is
/// inside whatever rule the caller has for points on the edges.
struct Inner {
    /// West and east edges, and whether the box crosses the antimeridian;
    /// `None` when it spans every longitude.
    xs: Option<(u32, u32, bool)>,
    /// North and south edges (y grows southwards).
    ys: (u32, u32),
}

impl Inner {
    fn new(b: &Bbox) -> Self {
        let (w, e) = (wrap_lon(b.min_lon), wrap_lon(b.max_lon));
        let xs = (b.max_lon - b.min_lon < 360.0).then(|| (x_of(w), x_of(e), w > e));
        Self {
            xs,
            ys: (y_of(b.max_lat), y_of(b.min_lat)),
        }
    }

    /// Whether every point of cell (cx, cy) of `level` lies strictly
    /// between the box's edges. `x_of` and `y_of` never decrease (nor
    /// increase) as the degrees grow, so a point strictly between the
    /// edges' coordinates is strictly between the edges' degrees.
    fn holds(&self, level: usize, cx: u32, cy: u32) -> bool {
        let sh = shift(level);
        let span = |c: u32| (c << sh, c << sh | ((1u32 << sh) - 1));
        let ((x0, x1), (y0, y1)) = (span(cx), span(cy));
        let (north, south) = self.ys;
        let ys = north < y0 && y1 < south;
        let xs = match self.xs {
            None => true,
            Some((west, east, false)) => west < x0 && x1 < east,
            Some((west, east, true)) => west < x0 || x1 < east,
        };
        ys && xs
    }
}

struct Count<'a, F> {
    index: &'a Index,
    cats: u64,
    country: Option<u16>,
    /// The box at the finest level: which cells to descend into.
    view: View,
    inner: Inner,
    /// The caller's rule for a point near an edge.
    inside: F,
    n: u64,
}

impl Index {
    /// How many points pass `filter` in `bbox`. Points in cells the box
    /// covers whole are counted from the grid; the points of the cells its
    /// edges cross are tested with `inside(lon, lat)`, the caller's rule
    /// for the edges (included or not, the antimeridian), which must hold
    /// for every point strictly between them.
    pub fn count(&self, bbox: &Bbox, filter: &Filter, inside: impl Fn(f64, f64) -> bool) -> u64 {
        let mut count = Count {
            index: self,
            cats: filter.category_mask(),
            country: filter.country.map(cell::country_code),
            view: View::new(bbox, LEVELS - 1),
            inner: Inner::new(bbox),
            inside,
            n: 0,
        };
        for cy in 0..4 {
            for cx in 0..4 {
                if count.view.overlaps(0, cx, cy) {
                    count.visit(0, cx, cy);
                }
            }
        }
        count.n
    }

    /// A point as it was indexed, if it is there.
    pub fn point(&self, id: PointId) -> Option<Point> {
        self.rec(id).map(|r| Point {
            id,
            lon: r.lon,
            lat: r.lat,
            category: r.cat,
            country: r.country,
        })
    }
}

impl<F: Fn(f64, f64) -> bool> Count<'_, F> {
    fn visit(&mut self, k: usize, cx: u32, cy: u32) {
        let level: &Level = &self.index.levels[k];
        let (key, c) = match resolve(level, self.country, cx, cy) {
            None => return,
            Some(Node::Single(id)) => return self.test(id),
            Some(Node::Multi(key, c)) => (key, c),
        };
        let m = c.mask & self.cats;
        if m == 0 {
            return;
        }
        if self.inner.holds(k, cx, cy) {
            self.n += u64::from(filtered(level, key, c, m).count);
        } else if k + 1 < LEVELS {
            for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                if self.view.overlaps(k + 1, 2 * cx + i, 2 * cy + j) {
                    self.visit(k + 1, 2 * cx + i, 2 * cy + j);
                }
            }
        } else if let Some(ids) = self.index.members.get(&cell::key(0, cx, cy)) {
            for &id in ids {
                self.test(id);
            }
        }
    }

    /// Counts one point if it passes the filter and the caller's rule.
    fn test(&mut self, id: u32) {
        let r = &self.index.table[id as usize];
        let kept = self.cats & 1 << r.cat != 0
            && self.country.is_none_or(|c| c == r.country())
            && (self.inside)(r.lon, r.lat);
        self.n += u64::from(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: u32, lon: f64, lat: f64) -> Point {
        Point {
            id: PointId(id),
            lon,
            lat,
            category: 0,
            country: *b"PS",
        }
    }

    /// A point a few millimetres west of the box's west edge shares the
    /// edge's world column: its cell is on the edge, so the point is
    /// tested, not counted with the cell.
    #[test]
    fn a_cell_the_edge_runs_through_is_tested_point_by_point() {
        let lon = |x: f64| x / 4_294_967_296.0 * 360.0 - 180.0;
        // a finest cell's first column, near Jerusalem
        let x0 = f64::from(x_of(35.22) >> shift(LEVELS - 1) << shift(LEVELS - 1));
        let west = lon(x0 + 0.6);
        let (outside, inside) = (lon(x0 + 0.2), lon(x0 + 100.0));
        assert_eq!(x_of(outside), x_of(west), "same world column");
        assert!(outside < west);
        let index = Index::build(&[at(0, outside, 31.78), at(1, inside, 31.78)]);
        let b = Bbox {
            min_lon: west,
            min_lat: 31.0,
            max_lon: 36.0,
            max_lat: 32.0,
        };
        let rule = |lon: f64, lat: f64| {
            lon >= b.min_lon && lon <= b.max_lon && lat >= b.min_lat && lat <= b.max_lat
        };
        assert_eq!(index.count(&b, &Filter::default(), rule), 1);
        assert_eq!(
            index.count(&Bbox::WORLD, &Filter::default(), |_, _| true),
            2
        );
    }
}
