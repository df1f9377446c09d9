//! Behaviour of the index through its public API.

use crate::common::total;
use solidarity_map_cluster::{Bbox, Filter, Index, Item, MAX_ZOOM, Point, PointId};

fn pt(id: u32, lon: f64, lat: f64, category: u8, country: &[u8; 2]) -> Point {
    Point {
        id: PointId(id),
        lon,
        lat,
        category,
        country: *country,
    }
}

/// Points around Jerusalem, Ramallah, Berlin and a few far away ones.
fn sample() -> Vec<Point> {
    let mut v = Vec::new();
    let mut id = 0;
    for (lon, lat, country) in [
        (35.22, 31.78, b"IL"),
        (35.20, 31.90, b"PS"),
        (13.40, 52.52, b"DE"),
        (-74.0, 40.7, b"US"),
    ] {
        for i in 0u8..50 {
            let d = f64::from(i) * 0.001;
            v.push(pt(id, lon + d, lat - d / 2.0, i % 5, country));
            id += 1;
        }
    }
    v.push(pt(id, 179.5, -17.0, 1, b"FJ"));
    v.push(pt(id + 1, -179.5, -16.0, 2, b"FJ"));
    v
}

fn ids(items: &[Item]) -> Vec<u32> {
    let mut v: Vec<u32> = items
        .iter()
        .filter_map(|i| match i {
            Item::Point { id, .. } => Some(id.0),
            Item::Cluster { .. } => None,
        })
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn counts_sum_to_the_points_in_view() {
    let pts = sample();
    let index = Index::build(&pts);
    assert_eq!(index.len(), pts.len());
    for z in 0..=MAX_ZOOM + 2 {
        let items = index.query(&Bbox::WORLD, z, &Filter::default());
        assert_eq!(total(&items), pts.len() as u64, "zoom {z}");
    }
    // A box around Jerusalem and Ramallah only.
    let b = Bbox {
        min_lon: 34.0,
        min_lat: 31.0,
        max_lon: 36.0,
        max_lat: 33.0,
    };
    for z in [5, 9, 12, 17] {
        assert_eq!(
            total(&index.query(&b, z, &Filter::default())),
            100,
            "zoom {z}"
        );
    }
}

#[test]
fn category_filter_counts_only_those_categories() {
    let pts = sample();
    let index = Index::build(&pts);
    let f = Filter::categories([1, 3]);
    let want = pts
        .iter()
        .filter(|p| p.category == 1 || p.category == 3)
        .count() as u64;
    for z in [0, 4, 10, 16, 17] {
        let items = index.query(&Bbox::WORLD, z, &f);
        assert_eq!(total(&items), want, "zoom {z}");
        for i in &items {
            match i {
                Item::Cluster {
                    per_category,
                    count,
                    ..
                } => {
                    assert!(per_category.iter().all(|&(c, _)| c == 1 || c == 3));
                    assert_eq!(per_category.iter().map(|&(_, n)| n).sum::<u64>(), *count);
                }
                Item::Point { category, .. } => assert!(*category == 1 || *category == 3),
            }
        }
    }
}

#[test]
fn country_filter_counts_only_that_country() {
    let pts = sample();
    let index = Index::build(&pts);
    let f = Filter {
        categories: None,
        country: Some(*b"PS"),
    };
    for z in [0, 6, 12, 17] {
        let items = index.query(&Bbox::WORLD, z, &f);
        assert_eq!(total(&items), 50, "zoom {z}");
    }
    let points = index.query(&Bbox::WORLD, 17, &f);
    assert!(
        ids(&points)
            .iter()
            .all(|&i| pts[i as usize].country == *b"PS")
    );
    let both = Filter {
        categories: Some(1 << 2),
        country: Some(*b"IL"),
    };
    assert_eq!(total(&index.query(&Bbox::WORLD, 3, &both)), 10);
    let none = Filter {
        categories: None,
        country: Some(*b"FR"),
    };
    assert!(index.query(&Bbox::WORLD, 3, &none).is_empty());
}

#[test]
fn a_box_across_the_antimeridian_holds_both_sides_only() {
    let index = Index::build(&sample());
    let b = Bbox {
        min_lon: 170.0,
        min_lat: -30.0,
        max_lon: -170.0,
        max_lat: 0.0,
    };
    let items = index.query(&b, 8, &Filter::default());
    assert_eq!(ids(&items), vec![200, 201]);
    // The same box written with a longitude past 180.
    let wrapped = Bbox {
        max_lon: 190.0,
        ..b
    };
    assert_eq!(index.query(&wrapped, 8, &Filter::default()), items);
}

#[test]
fn a_lone_point_is_itself() {
    let index = Index::build(&[pt(7, 35.2345, 31.7767, 4, b"PS")]);
    for z in [0, 9, 20] {
        assert_eq!(
            index.query(&Bbox::WORLD, z, &Filter::default()),
            vec![Item::Point {
                id: PointId(7),
                lon: 35.2345,
                lat: 31.7767,
                category: 4
            }]
        );
    }
}

#[test]
fn the_expansion_zoom_splits_the_cluster() {
    // About 300 m apart: together at low zooms, apart near street level.
    let index = Index::build(&[
        pt(0, 35.22, 31.78, 0, b"PS"),
        pt(1, 35.223, 31.781, 0, b"PS"),
    ]);
    let items = index.query(&Bbox::WORLD, 2, &Filter::default());
    let [
        Item::Cluster {
            expansion_zoom,
            count: 2,
            ..
        },
    ] = items[..]
    else {
        panic!("one cluster expected, got {items:?}");
    };
    assert!(
        expansion_zoom > 3 && expansion_zoom <= MAX_ZOOM,
        "{expansion_zoom}"
    );
    let before = index.query(&Bbox::WORLD, expansion_zoom - 1, &Filter::default());
    assert_eq!(before.len(), 1);
    let after = index.query(&Bbox::WORLD, expansion_zoom, &Filter::default());
    assert_eq!(ids(&after), vec![0, 1]);
}

#[test]
fn identical_positions_split_only_past_the_last_level() {
    let index = Index::build(&[pt(3, 10.0, 10.0, 0, b"XX"), pt(5, 10.0, 10.0, 1, b"XX")]);
    let items = index.query(&Bbox::WORLD, MAX_ZOOM, &Filter::default());
    assert!(matches!(
        items[..],
        [Item::Cluster { expansion_zoom, .. }] if expansion_zoom == MAX_ZOOM + 1
    ));
    assert_eq!(
        ids(&index.query(&Bbox::WORLD, MAX_ZOOM + 1, &Filter::default())),
        vec![3, 5]
    );
    // Under a filter keeping one of them, it is a point at every zoom.
    let one = index.query(&Bbox::WORLD, 0, &Filter::categories([1]));
    assert_eq!(ids(&one), vec![5]);
}

#[test]
fn removing_an_unknown_id_is_false() {
    let mut index = Index::build(&sample());
    assert!(!index.remove(PointId(10_000)));
    assert!(index.remove(PointId(3)));
    assert!(!index.remove(PointId(3)));
    assert_eq!(index.len(), sample().len() - 1);
}

#[test]
fn updates_reach_the_same_index_as_a_build() {
    let pts = sample();
    let mut index = Index::new();
    for p in pts.iter().rev() {
        index.insert(*p);
    }
    assert!(index.same_as(&Index::build(&pts)));
    let moved = pt(4, 35.2201, 31.7801, 0, b"IL");
    index.update(moved);
    index.remove(PointId(201));
    let mut want: Vec<Point> = pts.iter().filter(|p| p.id.0 != 201).copied().collect();
    want[4] = moved;
    let built = Index::build(&want);
    assert!(index.same_as(&built));
    for z in [0, 7, 13, 18] {
        assert_eq!(
            index.query(&Bbox::WORLD, z, &Filter::default()),
            built.query(&Bbox::WORLD, z, &Filter::default())
        );
    }
}
