//! Cells of one zoom level and the aggregates they keep.
//!
//! Aggregates are integer sums and XORs, so a cell's content is a pure
//! function of the set of points in it: inserting and removing in any order
//! ends in the same bytes as a fresh build, which is what lets the index be
//! updated in place and still compare equal to a rebuild.
//!
//! Memory is spent where it is needed: a cell holding one point is stored as
//! that point's id only (its statistics are the point's), a cell holding one
//! category keeps no per-category entries, a cell holding one country keeps no
//! per-country entries (most cells: countries rarely share 64 px), and below a
//! single-point cell nothing is stored at all (the point is alone at every
//! finer level too).

use rustc_hash::FxHashMap;

/// Finest zoom level that has cells; zooms above show single points.
pub const MAX_ZOOM: u8 = 16;
/// Number of cell levels (0..=MAX_ZOOM).
pub const LEVELS: usize = MAX_ZOOM as usize + 1;
/// log2 of the cell size in pixels at 256-pixel tiles: a cell is 64 px.
pub const CELL_PX_LOG2: u32 = 6;
/// Categories are bits of a `u64` mask.
pub const MAX_CATEGORIES: u8 = 64;

/// Right shift from a world coordinate to the cell index at `level`.
///
/// The world is `2^(8 + z)` pixels wide at zoom z and a cell is `2^6` pixels,
/// so there are `2^(z + 2)` cells per axis and a cell index is the top
/// `z + 2` bits of the 32-bit world coordinate.
#[expect(
    clippy::cast_possible_truncation,
    reason = "a level is below LEVELS (17), far inside a u32"
)]
pub const fn shift(level: usize) -> u32 {
    32 - (level as u32 + 8 - CELL_PX_LOG2)
}

/// Cell indices fit in 20 bits (18 at level 16).
const AXIS_BITS: u32 = 20;
/// Where a partition (a country, or 0 for "all") sits in a key.
const PART_SHIFT: u32 = 2 * AXIS_BITS;
/// Where the category sits in a per-category key.
const CAT_SHIFT: u32 = 58;

/// Key of cell (cx, cy) of partition `part` (the level is the map it is in).
pub const fn key(part: u64, cx: u32, cy: u32) -> u64 {
    part << PART_SHIFT | (cy as u64) << AXIS_BITS | cx as u64
}

/// Key of the cell holding world point (x, y) at `level`.
pub const fn point_key(part: u64, level: usize, x: u32, y: u32) -> u64 {
    key(part, x >> shift(level), y >> shift(level))
}

/// Key of one category's aggregate in the cell `cell_key`.
pub const fn cat_key(cell_key: u64, cat: u8) -> u64 {
    cell_key | (cat as u64) << CAT_SHIFT
}

/// Country code as a number.
pub fn country_code(country: [u8; 2]) -> u16 {
    u16::from_be_bytes(country)
}

/// Partition of a country's entries in a mixed-country cell (never 0, the
/// partition of whole cells).
pub fn country_part(code: u16) -> u64 {
    1 << 16 | u64::from(code)
}

/// Exact, order-independent aggregate of a set of points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub sx: u64,
    pub sy: u64,
    pub count: u32,
    /// XOR of the ids: the id itself when `count == 1`.
    pub xor: u32,
}

impl Stats {
    pub fn of(id: u32, x: u32, y: u32) -> Self {
        Self {
            sx: x.into(),
            sy: y.into(),
            count: 1,
            xor: id,
        }
    }

    pub fn add(&mut self, o: &Self) {
        self.sx += o.sx;
        self.sy += o.sy;
        self.count += o.count;
        self.xor ^= o.xor;
    }

    pub fn sub(&mut self, o: &Self) {
        self.sx -= o.sx;
        self.sy -= o.sy;
        self.count -= o.count;
        self.xor ^= o.xor;
    }
}

/// A cell holding two points or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub stats: Stats,
    /// Categories present. With two bits or more, the level's `cats` map holds
    /// one entry per bit; with one bit, `stats` is that category's.
    pub mask: u64,
    /// Number of countries present. With two or more, the level holds an
    /// entry per country (a `single` or a `multi` of one country) under
    /// [`country_part`]; a country's own entry has 1 here.
    pub countries: u16,
    /// XOR of the country codes present: the country when `countries == 1`.
    pub country_xor: u16,
}

/// One zoom level.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Level {
    pub multi: FxHashMap<u64, Cell>,
    /// Cells holding exactly one point, as its id.
    pub single: FxHashMap<u64, u32>,
    /// Per-category aggregates of mixed cells, keyed by [`cat_key`].
    pub cats: FxHashMap<u64, Stats>,
}

/// The lowest category in a mask (64 when the mask is empty).
#[expect(
    clippy::cast_possible_truncation,
    reason = "`trailing_zeros` of a u64 is at most 64"
)]
pub const fn lowest(mask: u64) -> u8 {
    mask.trailing_zeros() as u8
}

/// Iterates the set bits of a mask as category numbers, lowest first.
pub fn bits(mut mask: u64) -> impl Iterator<Item = u8> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let b = lowest(mask);
        mask &= mask - 1;
        Some(b)
    })
}
