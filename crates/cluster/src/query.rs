//! Answering a view: what to draw in a box at a zoom under a filter.
//!
//! The walk starts at the 4×4 cells of zoom 0 and descends only into cells
//! that overlap the box and hold something under the filter, so its cost is
//! about the number of cells on screen whatever the number of points. A point
//! found alone on the way down is drawn as itself: it stays alone at every
//! finer level, which is why nothing is stored for it below. The walk order is
//! fixed (rows, then columns, then quadrants), so equal indexes answer
//! identically.

use crate::cell::{
    self, Cell, LEVELS, Level, MAX_ZOOM, Stats, bits, cat_key, country_part, lowest, shift,
};
use crate::geo::{lat_of, lon_of, wrap_lon, x_of, y_of};
use crate::{Bbox, Filter, Index, Item, PointId};

/// The cells of the target level that a box covers.
pub(crate) struct View {
    level: usize,
    /// Inclusive column ranges (two when the box crosses the antimeridian).
    xs: Vec<(u32, u32)>,
    /// Inclusive row range; `None` for an empty box.
    ys: Option<(u32, u32)>,
}

impl View {
    pub(crate) fn new(b: &Bbox, level: usize) -> Self {
        let sh = shift(level);
        let last = (1u32 << (32 - sh)) - 1;
        let ys = (b.min_lat <= b.max_lat).then(|| (y_of(b.max_lat) >> sh, y_of(b.min_lat) >> sh));
        let xs = if b.max_lon - b.min_lon >= 360.0 {
            vec![(0, last)]
        } else {
            let (w, e) = (wrap_lon(b.min_lon), wrap_lon(b.max_lon));
            // crossing is a matter of degrees: both edges of a box that
            // wraps almost the whole world can fall in one cell
            let crosses = w > e;
            let (w, e) = (x_of(w) >> sh, x_of(e) >> sh);
            if !crosses {
                vec![(w, e)]
            } else {
                vec![(w, last), (0, e)]
            }
        };
        Self { level, xs, ys }
    }

    /// Whether cell (cx, cy) of level `k` overlaps the box.
    pub(crate) fn overlaps(&self, k: usize, cx: u32, cy: u32) -> bool {
        let d = self.level - k;
        let span = |c: u32| (c << d, ((c + 1) << d) - 1);
        let ((x0, x1), (y0, y1)) = (span(cx), span(cy));
        self.ys.is_some_and(|(lo, hi)| y0 <= hi && lo <= y1)
            && self.xs.iter().any(|&(lo, hi)| x0 <= hi && lo <= x1)
    }

    fn contains(&self, x: u32, y: u32) -> bool {
        let sh = shift(self.level);
        self.overlaps(self.level, x >> sh, y >> sh)
    }
}

/// What a cell holds under the country filter.
pub(crate) enum Node<'l> {
    Single(u32),
    /// The key the cell's per-category entries hang from, and the cell.
    Multi(u64, &'l Cell),
}

struct Walk<'a> {
    index: &'a Index,
    cats: u64,
    country: Option<u16>,
    view: View,
    /// Past [`MAX_ZOOM`]: every point on its own.
    points_only: bool,
    out: Vec<Item>,
}

impl Index {
    /// What to draw in `bbox` at `zoom` (any zoom above [`MAX_ZOOM`] shows
    /// every point on its own), counting only points that pass `filter`.
    /// A cell of the view is drawn when it overlaps the box; the order of
    /// the items is fixed by the content of the index.
    pub fn query(&self, bbox: &Bbox, zoom: u8, filter: &Filter) -> Vec<Item> {
        let mut walk = Walk {
            index: self,
            cats: filter.category_mask(),
            country: filter.country.map(cell::country_code),
            view: View::new(bbox, zoom.min(MAX_ZOOM).into()),
            points_only: zoom > MAX_ZOOM,
            out: Vec::new(),
        };
        for cy in 0..4 {
            for cx in 0..4 {
                if walk.view.overlaps(0, cx, cy) {
                    walk.visit(0, cx, cy);
                }
            }
        }
        walk.out
    }
}

impl Walk<'_> {
    fn visit(&mut self, k: usize, cx: u32, cy: u32) {
        let level = &self.index.levels[k];
        let (key, c) = match self.resolve(level, cx, cy) {
            None => return,
            Some(Node::Single(id)) => return self.point_if_kept(id),
            Some(Node::Multi(key, c)) => (key, c),
        };
        let m = c.mask & self.cats;
        if m == 0 {
            return;
        }
        let stats = filtered(level, key, c, m);
        if stats.count == 1 {
            self.point(stats.xor);
        } else if k < self.view.level {
            for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                if self.view.overlaps(k + 1, 2 * cx + i, 2 * cy + j) {
                    self.visit(k + 1, 2 * cx + i, 2 * cy + j);
                }
            }
        } else if self.points_only {
            self.members(cx, cy);
        } else {
            let per_category = if m.count_ones() == 1 {
                vec![(lowest(m), u64::from(stats.count))]
            } else {
                bits(m)
                    .map(|cat| (cat, u64::from(level.cats[&cat_key(key, cat)].count)))
                    .collect()
            };
            let n = f64::from(stats.count);
            self.out.push(Item::Cluster {
                lon: lon_of(stats.sx as f64 / n),
                lat: lat_of(stats.sy as f64 / n),
                count: stats.count.into(),
                per_category,
                expansion_zoom: self.expansion(k, cx, cy),
            });
        }
    }

    /// First level below `k` where the cell's filtered points are in two
    /// cells or more.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "levels are below LEVELS (17), so a level is a u8 zoom"
    )]
    fn expansion(&self, mut k: usize, mut cx: u32, mut cy: u32) -> u8 {
        while k + 1 < LEVELS {
            let level = &self.index.levels[k + 1];
            let mut kept = 0;
            let (px, py) = (cx, cy);
            for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (x, y) = (2 * px + i, 2 * py + j);
                let has = match self.resolve(level, x, y) {
                    None => false,
                    Some(Node::Single(id)) => self.kept(id),
                    Some(Node::Multi(_, c)) => c.mask & self.cats != 0,
                };
                if has {
                    kept += 1;
                    (cx, cy) = (x, y);
                }
            }
            k += 1;
            if kept > 1 {
                return k as u8;
            }
        }
        MAX_ZOOM + 1
    }

    fn resolve<'l>(&self, level: &'l Level, cx: u32, cy: u32) -> Option<Node<'l>> {
        resolve(level, self.country, cx, cy)
    }

    /// Whether a point passes the filter.
    fn kept(&self, id: u32) -> bool {
        let r = &self.index.table[id as usize];
        self.cats & 1 << r.cat != 0 && self.country.is_none_or(|c| c == r.country())
    }

    fn point_if_kept(&mut self, id: u32) {
        if self.kept(id) {
            self.point(id);
        }
    }

    /// Draws a point alone in its cell, if the box covers its cell.
    fn point(&mut self, id: u32) {
        let r = &self.index.table[id as usize];
        if self.view.contains(r.x, r.y) {
            self.out.push(Item::Point {
                id: PointId(id),
                lon: r.lon,
                lat: r.lat,
                category: r.cat,
            });
        }
    }

    /// Draws the kept points of a finest-level cell one by one.
    fn members(&mut self, cx: u32, cy: u32) {
        let Some(ids) = self.index.members.get(&cell::key(0, cx, cy)) else {
            return;
        };
        for &id in ids {
            self.point_if_kept(id);
        }
    }
}

/// The entry to read for cell (cx, cy) under the country filter.
pub(crate) fn resolve(level: &Level, country: Option<u16>, cx: u32, cy: u32) -> Option<Node<'_>> {
    let k = cell::key(0, cx, cy);
    let Some(c) = level.multi.get(&k) else {
        return level.single.get(&k).map(|&id| Node::Single(id));
    };
    match country {
        None => Some(Node::Multi(k, c)),
        Some(want) if c.countries == 1 => (c.country_xor == want).then_some(Node::Multi(k, c)),
        Some(want) => {
            let ck = cell::key(country_part(want), cx, cy);
            match level.multi.get(&ck) {
                Some(own) => Some(Node::Multi(ck, own)),
                None => level.single.get(&ck).map(|&id| Node::Single(id)),
            }
        }
    }
}

/// The aggregate of the categories `m` (a non-empty subset of `c.mask`).
pub(crate) fn filtered(level: &Level, key: u64, c: &Cell, m: u64) -> Stats {
    if m == c.mask {
        return c.stats;
    }
    let mut s = Stats::default();
    for cat in bits(m) {
        s.add(&level.cats[&cat_key(key, cat)]);
    }
    s
}
