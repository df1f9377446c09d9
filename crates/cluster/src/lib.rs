//! Server-side clustering of up to millions of map points (issue #7).
//!
//! Supercluster-style indexes rebuild a KD-tree hierarchy whenever a point
//! changes and keep one ordering-dependent greedy clustering. Here clusters are
//! cells of a fixed grid per zoom level (64 px cells in Web Mercator), so a
//! point's cluster at every zoom is a shift of its coordinates: an insert or a
//! removal touches a few cells per zoom level, and the aggregates
//! (integer sums, counts and XORs of ids) make the result independent of the
//! order of updates. Cells shared by several countries also keep a
//! per-country breakdown, so `country=XX` is answered from the grid too. Queries walk the grid from zoom 0 down to the requested
//! zoom, visiting only cells in the box, so their cost follows what is on
//! screen rather than the number of points.
//!
//! Point ids are dense `u32`s chosen by the caller (the server maps them to
//! its own ids); the index keeps a table indexed by them.

mod build;
mod cell;
mod count;
mod geo;
mod query;
mod update;

pub use cell::{MAX_CATEGORIES, MAX_ZOOM};

use cell::{LEVELS, Level};
use rustc_hash::FxHashMap;

/// Dense id of a point, chosen by the caller. The index allocates a table as
/// long as the largest id, so ids should be small and reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PointId(pub u32);

/// A point to index. `category` must be below [`MAX_CATEGORIES`]; `lon` and
/// `lat` must be finite (latitudes beyond ±85.0511° are drawn at the edge).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub id: PointId,
    pub lon: f64,
    pub lat: f64,
    pub category: u8,
    /// ISO 3166-1 alpha-2, e.g. `*b"PS"`.
    pub country: [u8; 2],
}

/// Which points a query counts. The default counts all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Bit `c` set keeps category `c`; `None` keeps every category.
    pub categories: Option<u64>,
    pub country: Option<[u8; 2]>,
}

impl Filter {
    /// A filter keeping the given categories (any country).
    pub fn categories(cats: impl IntoIterator<Item = u8>) -> Self {
        let mask = cats
            .into_iter()
            .filter(|&c| c < MAX_CATEGORIES)
            .fold(0u64, |m, c| m | 1 << c);
        Self {
            categories: Some(mask),
            country: None,
        }
    }

    fn category_mask(&self) -> u64 {
        self.categories.unwrap_or(u64::MAX)
    }
}

/// A box in degrees. `min_lon > max_lon` means the box crosses the
/// antimeridian; longitudes outside ±180 are wrapped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Bbox {
    /// The whole world.
    pub const WORLD: Bbox = Bbox {
        min_lon: -180.0,
        min_lat: -90.0,
        max_lon: 180.0,
        max_lat: 90.0,
    };
}

/// One thing to draw.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// Two points or more sharing a cell under the filter, at their centroid.
    Cluster {
        lon: f64,
        lat: f64,
        count: u64,
        /// `(category, count)` for the categories present, ascending.
        per_category: Vec<(u8, u64)>,
        /// First zoom at which these points no longer share one cell
        /// ([`MAX_ZOOM`]` + 1` if they never do, e.g. identical positions).
        expansion_zoom: u8,
    },
    /// A point alone in its cell under the filter, at its own coordinates.
    Point {
        id: PointId,
        lon: f64,
        lat: f64,
        category: u8,
    },
}

/// What the index remembers of a point, indexed by id.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rec {
    lon: f64,
    lat: f64,
    x: u32,
    y: u32,
    cat: u8,
    country: [u8; 2],
}

/// `cat` of an unused slot of the table.
const ABSENT: u8 = u8::MAX;

impl Rec {
    const EMPTY: Rec = Rec {
        lon: 0.0,
        lat: 0.0,
        x: 0,
        y: 0,
        cat: ABSENT,
        country: [0; 2],
    };

    fn country(&self) -> u16 {
        cell::country_code(self.country)
    }

    fn new(p: &Point) -> Self {
        assert!(
            p.category < MAX_CATEGORIES,
            "category {} is not below {MAX_CATEGORIES}",
            p.category
        );
        Rec {
            lon: p.lon,
            lat: p.lat,
            x: geo::x_of(p.lon),
            y: geo::y_of(p.lat),
            cat: p.category,
            country: p.country,
        }
    }

    fn is_live(&self) -> bool {
        self.cat != ABSENT
    }
}

/// The clustering index. See the crate documentation.
#[derive(Clone, Debug)]
pub struct Index {
    table: Vec<Rec>,
    len: usize,
    levels: Vec<Level>,
    /// Ids in each level-16 cell of two points or more, ascending, for zooms
    /// past [`MAX_ZOOM`].
    members: FxHashMap<u64, Vec<u32>>,
}

impl Default for Index {
    fn default() -> Self {
        Self::new()
    }
}

impl Index {
    /// An empty index.
    pub fn new() -> Self {
        Self {
            table: Vec::new(),
            len: 0,
            levels: (0..LEVELS).map(|_| Level::default()).collect(),
            members: FxHashMap::default(),
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `id` is in the index.
    pub fn contains(&self, id: PointId) -> bool {
        self.rec(id).is_some()
    }

    fn rec(&self, id: PointId) -> Option<&Rec> {
        self.table.get(id.0 as usize).filter(|r| r.is_live())
    }

    /// Approximate heap bytes the index holds (tables and hash maps at their
    /// current capacity), for logs and capacity planning.
    pub fn memory_bytes(&self) -> usize {
        // hashbrown keeps one control byte per bucket and about 8 buckets
        // per 7 of capacity.
        fn map<V>(m: &FxHashMap<u64, V>) -> usize {
            m.capacity() * 8 / 7 * (size_of::<(u64, V)>() + 1)
        }
        let levels: usize = self
            .levels
            .iter()
            .map(|l| map(&l.multi) + map(&l.single) + map(&l.cats))
            .sum();
        let members: usize = self.members.values().map(|v| v.capacity() * 4).sum();
        self.table.capacity() * size_of::<Rec>() + levels + map(&self.members) + members
    }

    /// Whether two indexes hold the same points with identical internal state.
    /// A fresh [`Index::build`] and any sequence of updates reaching the same
    /// set of points are the same.
    pub fn same_as(&self, other: &Index) -> bool {
        let live = |t: &[Rec]| {
            let end = t.iter().rposition(Rec::is_live).map_or(0, |i| i + 1);
            t[..end].to_vec()
        };
        self.len == other.len
            && live(&self.table) == live(&other.table)
            && self.levels == other.levels
            && self.members == other.members
    }
}
