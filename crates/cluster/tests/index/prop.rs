//! Any sequence of updates ends where a fresh build of the final set starts.

use std::collections::BTreeMap;

use crate::common::total;
use proptest::prelude::*;
use solidarity_map_cluster::{Bbox, Filter, Index, Point, PointId};

/// Positions crowd a few spots so cells share points down to the finest
/// level, including identical positions.
fn point(id: u32) -> impl Strategy<Value = Point> {
    (
        0..3usize,
        0..6u32,
        0..6u32,
        0..4u8,
        0..3usize,
        any::<bool>(),
    )
        .prop_map(move |(spot, dx, dy, category, country, far)| {
            let (lon, lat) = [(35.22, 31.78), (179.999, -17.0), (-179.999, -17.0)][spot];
            let step = if far { 0.3 } else { 1e-5 };
            Point {
                id: PointId(id),
                lon: lon + f64::from(dx) * step * if spot == 1 { -1.0 } else { 1.0 },
                lat: lat + f64::from(dy) * step,
                category,
                country: [*b"PS", *b"IL", *b"FJ"][country],
            }
        })
}

#[derive(Clone, Debug)]
enum Op {
    Put(Point),
    Remove(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..24u32).prop_flat_map(point).prop_map(Op::Put),
        2 => (0..26u32).prop_map(Op::Remove),
    ]
}

fn filters() -> Vec<Filter> {
    vec![
        Filter::default(),
        Filter::categories([1, 2]),
        Filter {
            categories: None,
            country: Some(*b"PS"),
        },
        Filter {
            categories: Some(1 << 3),
            country: Some(*b"FJ"),
        },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn updates_equal_a_fresh_build(
        initial in proptest::collection::vec((0..24u32).prop_flat_map(point), 0..20),
        ops in proptest::collection::vec(op(), 0..40),
    ) {
        let mut index = Index::build(&initial);
        let mut model: BTreeMap<u32, Point> = initial.iter().map(|p| (p.id.0, *p)).collect();
        for op in ops {
            match op {
                Op::Put(p) => {
                    index.update(p);
                    model.insert(p.id.0, p);
                }
                Op::Remove(id) => {
                    prop_assert_eq!(index.remove(PointId(id)), model.remove(&id).is_some());
                }
            }
        }
        let fresh: Vec<Point> = model.values().copied().collect();
        let built = Index::build(&fresh);
        prop_assert!(index.same_as(&built));
        prop_assert_eq!(index.len(), fresh.len());
        // And the counts are right, not just equal.
        for f in &filters() {
            let want = fresh
                .iter()
                .filter(|p| f.categories.is_none_or(|m| m & 1 << p.category != 0))
                .filter(|p| f.country.is_none_or(|c| c == p.country))
                .count() as u64;
            for z in [0, 9, 16, 17] {
                prop_assert_eq!(total(&index.query(&Bbox::WORLD, z, f)), want);
            }
        }
        let boxes = [
            Bbox::WORLD,
            Bbox { min_lon: 179.0, min_lat: -18.0, max_lon: -179.0, max_lat: -16.0 },
            Bbox { min_lon: 35.2, min_lat: 31.7, max_lon: 35.3, max_lat: 31.8 },
        ];
        for b in &boxes {
            for f in &filters() {
                for z in [0, 5, 11, 15, 16, 17] {
                    prop_assert_eq!(index.query(b, z, f), built.query(b, z, f));
                }
            }
        }
    }
}

/// Both edges included, and a box whose west edge is east of its east
/// edge crossing the antimeridian: the server's rule for a box.
fn inside(b: &Bbox, lon: f64, lat: f64) -> bool {
    let lons = if b.min_lon > b.max_lon {
        lon >= b.min_lon || lon <= b.max_lon
    } else {
        lon >= b.min_lon && lon <= b.max_lon
    };
    lons && lat >= b.min_lat && lat <= b.max_lat
}

/// A box whose edges lie on points' own coordinates (or just beside
/// them), so the edges' rule is what decides.
fn edge_box(points: &[Point], picks: [usize; 4], nudge: [i8; 4]) -> Option<Bbox> {
    let at = |n: usize| points.get(n % points.len().max(1));
    let step = |v: f64, k: i8| v + f64::from(k) * 1e-9;
    let (a, b, c, d) = (at(picks[0])?, at(picks[1])?, at(picks[2])?, at(picks[3])?);
    Some(Bbox {
        min_lon: step(a.lon, nudge[0]),
        min_lat: step(b.lat.min(c.lat), nudge[1]),
        max_lon: step(d.lon, nudge[2]),
        max_lat: step(b.lat.max(c.lat), nudge[3]),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_box_counts_what_its_points_say(
        initial in proptest::collection::vec((0..40u32).prop_flat_map(point), 0..40),
        removed in proptest::collection::vec(0..40u32, 0..8),
        picks in proptest::array::uniform4(0..64usize),
        nudge in proptest::array::uniform4(-1i8..=1),
    ) {
        let mut index = Index::build(&initial);
        let mut model: BTreeMap<u32, Point> = initial.iter().map(|p| (p.id.0, *p)).collect();
        for id in removed {
            index.remove(PointId(id));
            model.remove(&id);
        }
        let points: Vec<Point> = model.values().copied().collect();
        let mut boxes = vec![
            Bbox::WORLD,
            Bbox { min_lon: 179.0, min_lat: -18.0, max_lon: -179.0, max_lat: -16.0 },
            Bbox { min_lon: 35.2, min_lat: 31.7, max_lon: 35.3, max_lat: 31.8 },
            Bbox { min_lon: -180.0, min_lat: -17.0, max_lon: 180.0, max_lat: -17.0 },
        ];
        boxes.extend(edge_box(&points, picks, nudge));
        for b in &boxes {
            for f in &filters() {
                let want = points
                    .iter()
                    .filter(|p| f.categories.is_none_or(|m| m & 1 << p.category != 0))
                    .filter(|p| f.country.is_none_or(|c| c == p.country))
                    .filter(|p| inside(b, p.lon, p.lat))
                    .count() as u64;
                prop_assert_eq!(index.count(b, f, |lon, lat| inside(b, lon, lat)), want, "{:?} {:?}", b, f);
            }
        }
        for p in &points {
            prop_assert_eq!(index.point(p.id), Some(*p));
        }
    }
}
