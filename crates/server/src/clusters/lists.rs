//! A box's list, by name, from memory. In a city at a million entries the
//! database had to find every match in the box, count them and sort them
//! by name for each page (hundreds of milliseconds under load), while the
//! index already knows which points lie in the box. So it also keeps each
//! entry's sort key, the one the database orders lists by, and chooses a
//! page itself: the database then reads only that page's rows, by id.

use std::sync::OnceLock;

use solidarity_map_cluster::PointId;
use solidarity_map_core::{BBox, OrgId, PageKey};

/// The sort keys of the indexed entries, by point id, in one buffer: a
/// million short keys in one allocation, not a million. A key that
/// changes is written at the end; the old bytes are left until they are
/// half the buffer, then the buffer is packed again.
#[derive(Debug, Default)]
pub(super) struct Names {
    bytes: String,
    /// Start and length in `bytes`, by point id.
    spans: Vec<(u32, u32)>,
    /// Bytes no span points at any more.
    unused: usize,
}

impl Names {
    pub(super) fn set(&mut self, p: PointId, name: &str) {
        let slot = p.0 as usize;
        if self.spans.len() <= slot {
            self.spans.resize(slot + 1, (0, 0));
        }
        if self.get(p) == name {
            return;
        }
        self.unused += self.spans[slot].1 as usize;
        self.spans[slot] = self.push(name);
        if self.unused > 1 << 16 && self.unused > self.bytes.len() / 2 {
            self.pack();
        }
    }

    pub(super) fn clear(&mut self, p: PointId) {
        if let Some(span) = self.spans.get_mut(p.0 as usize) {
            self.unused += span.1 as usize;
            *span = (0, 0);
        }
    }

    pub(super) fn get(&self, p: PointId) -> &str {
        let (start, len) = self.spans.get(p.0 as usize).copied().unwrap_or((0, 0));
        let (start, len) = (start as usize, len as usize);
        self.bytes.get(start..start + len).unwrap_or("")
    }

    /// Heap bytes held, for the start-up log.
    pub(super) fn memory_bytes(&self) -> usize {
        self.bytes.capacity() + self.spans.capacity() * size_of::<(u32, u32)>()
    }

    fn push(&mut self, name: &str) -> (u32, u32) {
        // sort names are a few dozen bytes: u32s cover 4 GB of them
        let start = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes.push_str(name);
        (start, u32::try_from(name.len()).unwrap_or(0))
    }

    fn pack(&mut self) {
        let old = std::mem::take(&mut self.bytes);
        self.bytes.reserve(old.len() - self.unused);
        for span in &mut self.spans {
            let (start, len) = (span.0 as usize, span.1 as usize);
            let name = &old[start..start + len];
            let start = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
            self.bytes.push_str(name);
            span.0 = start;
        }
        self.unused = 0;
    }
}

/// Every indexed point in the list's order, (sort key, id) byte by byte.
/// A page of a box is the first few points of this order that lie in it:
/// in a dense box (a city at a million entries) they come after about
/// `page × all / in the box` steps, a few thousand, where visiting the
/// box's points costs tens of thousands. Sorting a million keys takes a
/// few hundred milliseconds, so the order is built once off the request
/// path ([`Order::build`]) and then kept in step with each change.
#[derive(Debug, Default)]
pub(super) struct Order {
    ids: OnceLock<Vec<PointId>>,
}

/// A point's place in the list's order.
fn key<'a>(names: &'a Names, orgs: &[Option<OrgId>], p: PointId) -> (&'a str, Option<OrgId>) {
    (names.get(p), orgs.get(p.0 as usize).copied().flatten())
}

/// Where `p` stands, or would stand, in `ids` by its key now.
fn place(ids: &[PointId], names: &Names, orgs: &[Option<OrgId>], p: PointId) -> usize {
    let k = key(names, orgs, p);
    ids.partition_point(|&q| key(names, orgs, q) < k)
}

impl Order {
    /// Sorts every point, unless that was done.
    pub(super) fn build(&self, names: &Names, orgs: &[Option<OrgId>]) {
        self.ids.get_or_init(|| {
            let mut ids: Vec<PointId> = (0..orgs.len())
                .filter(|&n| orgs[n].is_some())
                .filter_map(|n| u32::try_from(n).ok().map(PointId))
                .collect();
            ids.sort_unstable_by(|a, b| key(names, orgs, *a).cmp(&key(names, orgs, *b)));
            ids
        });
    }

    /// The order, once built.
    pub(super) fn get(&self) -> Option<&[PointId]> {
        self.ids.get().map(Vec::as_slice)
    }

    /// Puts `p` in its place, by the key it has now.
    pub(super) fn insert(&mut self, names: &Names, orgs: &[Option<OrgId>], p: PointId) {
        if let Some(ids) = self.ids.get_mut() {
            ids.insert(place(ids, names, orgs, p), p);
        }
    }

    /// Takes `p` out, while it still has the key it was put in with.
    pub(super) fn remove(&mut self, names: &Names, orgs: &[Option<OrgId>], p: PointId) {
        if let Some(ids) = self.ids.get_mut() {
            let at = place(ids, names, orgs, p);
            if ids.get(at) == Some(&p) {
                ids.remove(at);
            } else if let Some(at) = ids.iter().position(|&q| q == p) {
                // never expected: the order would have lost step with the
                // keys, so it is mended the slow way rather than left wrong
                tracing::error!(point = p.0, "the list order lost step with the sort keys");
                ids.remove(at);
            }
        }
    }

    /// Where the points after `after` start.
    pub(super) fn start(
        ids: &[PointId],
        names: &Names,
        orgs: &[Option<OrgId>],
        after: Option<&PageKey>,
    ) -> usize {
        after.map_or(0, |a| {
            let k = (a.sort_name.as_str(), Some(a.id));
            ids.partition_point(|&q| key(names, orgs, q) <= k)
        })
    }

    /// Heap bytes held, for the start-up log.
    pub(super) fn memory_bytes(&self) -> usize {
        self.ids
            .get()
            .map_or(0, |v| v.capacity() * size_of::<PointId>())
    }
}

/// Whether to find a page by walking the list's order rather than the
/// box's points: when the walk is expected to be shorter. A step of the
/// order (a look at one point) costs about a twentieth of a point of the
/// box (the grid's descent, the key, the sort).
pub(super) fn by_order_first(take: usize, all: usize, in_box: u64) -> bool {
    expected_steps(take, all, in_box) < 20u64.saturating_mul(in_box)
}

/// About how many steps of the order find `take` of `in_box` points
/// among `all`, if names do not depend on places.
fn expected_steps(take: usize, all: usize, in_box: u64) -> u64 {
    let (take, all) = (take as u64, all as u64);
    take.saturating_mul(all) / in_box.max(1)
}

/// How many steps of the order a page may take before the box's own
/// points are walked instead: names that crowd one end of the order in
/// one place (every entry of a town starting with its name) defeat the
/// estimate, and the walk is bounded by the box.
pub(super) fn step_budget(take: usize, all: usize, in_box: u64) -> usize {
    let steps = expected_steps(take, all, in_box)
        .saturating_mul(4)
        .max(10_000);
    usize::try_from(steps).unwrap_or(usize::MAX)
}

/// The most entries in a box whose own points are walked for a page
/// (about a microsecond each: at a million entries, a Jerusalem box of
/// 23 000 took 23 ms, against 31 ms for the database). A page the lists'
/// order does not find soon in a wider box is the database's, whose name
/// index finds a page of a dense box after a few hundred rows.
pub(super) const FROM_MEMORY_UP_TO: u64 = 50_000;

/// A zoom at which `b` spans a few cells of the grid (cells are a quarter
/// of a 256-pixel tile): their counts bound what the box holds cheaply.
pub(super) fn coarse_zoom(b: &BBox) -> u8 {
    let width = if b.crosses_antimeridian() {
        b.max_lon + 360.0 - b.min_lon
    } else {
        b.max_lon - b.min_lon
    };
    let height = b.max_lat - b.min_lat;
    let span = width.max(height).max(1e-9);
    // at zoom z a tile is 360 / 2^z degrees wide
    let z = (360.0 / span).log2().floor();
    if z.is_nan() || z < 0.0 {
        0
    } else if z > 16.0 {
        16
    } else {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0..=16"
        )]
        let z = z as u8;
        z
    }
}

/// The `take` first of `matches` by (sort key, id) that come after
/// `after`, in that order: what `order by sort_name, id` gives, both
/// columns compared byte by byte.
pub(super) fn first(
    mut matches: Vec<(&str, OrgId)>,
    after: Option<&PageKey>,
    take: usize,
) -> Vec<OrgId> {
    if let Some(after) = after {
        let key = (after.sort_name.as_str(), after.id);
        matches.retain(|m| *m > key);
    }
    if take == 0 {
        return Vec::new();
    }
    if matches.len() > take {
        matches.select_nth_unstable(take - 1);
        matches.truncate(take);
    }
    matches.sort_unstable();
    matches.into_iter().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> OrgId {
        OrgId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn names_survive_rewrites_and_packing() {
        let mut names = Names::default();
        for n in 0..5000u32 {
            names.set(PointId(n), &format!("name {n}"));
        }
        // rewrite every one many times: the buffer is packed on the way
        for round in 0..20 {
            for n in 0..5000u32 {
                names.set(PointId(n), &format!("round {round} name {n}"));
            }
        }
        names.clear(PointId(7));
        assert_eq!(names.get(PointId(7)), "");
        assert_eq!(names.get(PointId(4999)), "round 19 name 4999");
        assert_eq!(names.get(PointId(9999)), "", "never set");
        assert!(
            names.bytes.len() < 3 * 5000 * "round 19 name 4999".len(),
            "old names are dropped: {} bytes",
            names.bytes.len()
        );
    }

    #[test]
    fn the_first_ones_follow_the_databases_order() {
        // byte order: "b" < "ba" < "é" (0xc3…), then the id breaks ties
        let matches = vec![
            ("é", id(1)),
            ("ba", id(2)),
            ("b", id(9)),
            ("b", id(3)),
            ("a", id(5)),
        ];
        assert_eq!(
            first(matches.clone(), None, 3),
            [id(5), id(3), id(9)],
            "a, then the two b's by id"
        );
        let after = PageKey {
            sort_name: "b".into(),
            id: id(3),
        };
        assert_eq!(
            first(matches.clone(), Some(&after), 10),
            [id(9), id(2), id(1)]
        );
        assert_eq!(first(matches, None, 0), []);
    }

    #[test]
    fn the_order_is_walked_where_a_page_comes_soon() {
        // a city of 23 000 at a million: a page after about 4 400 steps
        assert!(by_order_first(101, 1_000_000, 23_000));
        assert_eq!(step_budget(101, 1_000_000, 23_000), 17_564);
        // a village of 40: its own points, not 2.5 million steps
        assert!(!by_order_first(101, 1_000_000, 40));
        // a small map: at least 10 000 steps before giving up
        assert_eq!(step_budget(8, 1_000, 500), 10_000);
        assert!(!by_order_first(101, 1_000_000, 0));
    }

    #[test]
    fn the_order_follows_renames_and_removals() {
        let mut names = Names::default();
        let orgs: Vec<Option<OrgId>> = (0..6).map(|n| Some(id(n))).collect();
        for (n, name) in ["d", "b", "a", "c", "b", "e"].iter().enumerate() {
            names.set(PointId(u32::try_from(n).unwrap()), name);
        }
        let mut order = Order::default();
        order.insert(&names, &orgs, PointId(0));
        assert!(order.get().is_none(), "kept only once built");
        order.build(&names, &orgs);
        let ids = |o: &Order| o.get().unwrap().iter().map(|p| p.0).collect::<Vec<_>>();
        assert_eq!(ids(&order), [2, 1, 4, 3, 0, 5], "the two b's by id");
        // a rename: out under the old key, in under the new
        order.remove(&names, &orgs, PointId(1));
        names.set(PointId(1), "f");
        order.insert(&names, &orgs, PointId(1));
        order.remove(&names, &orgs, PointId(3));
        assert_eq!(ids(&order), [2, 4, 0, 5, 1]);
        let after = PageKey {
            sort_name: "b".into(),
            id: id(4),
        };
        let all = order.get().unwrap();
        assert_eq!(Order::start(all, &names, &orgs, Some(&after)), 2);
        assert_eq!(Order::start(all, &names, &orgs, None), 0);
    }

    #[test]
    fn a_coarse_zoom_sees_a_box_in_a_few_tiles() {
        let z = |b: &str| coarse_zoom(&BBox::parse(b).unwrap());
        assert_eq!(z("-180,-90,180,90"), 0);
        assert_eq!(z("35.15,31.72,35.30,31.84"), 11);
        assert_eq!(z("170,-10,-170,10"), 4, "20° across the antimeridian");
        assert_eq!(z("35.2,31.7,35.2,31.7"), 16, "a point");
    }

    #[test]
    fn a_box_includes_its_edges_and_may_cross_the_antimeridian() {
        // what `Clusters::list_page` keeps: `BBox::contains`, which takes
        // both edges as the database's `between` does
        let in_box = |b: &BBox, lon: f64, lat: f64| {
            solidarity_map_core::LatLon::new(lat, lon).is_ok_and(|p| b.contains(p))
        };
        let b = BBox::parse("35.1,31.7,35.3,31.9").unwrap();
        assert!(in_box(&b, 35.1, 31.9));
        assert!(!in_box(&b, 35.30001, 31.8));
        let across = BBox::parse("170,-20,-170,20").unwrap();
        assert!(in_box(&across, 179.5, 0.0));
        assert!(in_box(&across, -175.0, 0.0));
        assert!(!in_box(&across, 0.0, 0.0));
    }
}
