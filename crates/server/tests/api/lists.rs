//! A box's list pages are chosen by the clustering index from memory and
//! read from the database by id: they must be the database's own answer,
//! the same entries in the same order under the same count, page after
//! page, and stay so as entries change.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use serde_json::Value;
use solidarity_map_core::{OrgFilter, OrgId, Status};
use solidarity_map_server::clusters::Clusters;
use solidarity_map_server::generate::{self, Cities, Progress};
use solidarity_map_server::seed;
use solidarity_map_server::store::{Decision, Store};

use crate::support::{self, Backend, TestApp, get};

const BOXES: [&str; 5] = [
    // Jerusalem, a wide one, one across the antimeridian, the world, none
    "35.1,31.7,35.3,31.9",
    "-10,30,40,60",
    "170,-60,-170,10",
    "-180,-90,180,90",
    "0,0,0.001,0.001",
];

const FILTERS: [&str; 6] = [
    "",
    "category=jerusalem&",
    "category=media&category=faith&",
    "country=IL&",
    "language=ar&",
    "hide_stale=true&",
];

fn filter(q: &str) -> OrgFilter {
    OrgFilter::from_query(q).unwrap()
}

/// Every match by the database, in order, and how many.
async fn by_the_database(t: &TestApp, q: &str) -> (Vec<OrgId>, u64) {
    let all = t
        .store
        .published(&filter(&format!("{q}limit=10000")))
        .await
        .unwrap();
    (all.items.iter().map(|o| o.id).collect(), all.total)
}

/// Every match through the API, page by page along the `next` links,
/// each page's `numberMatched` checked against `total`.
async fn by_the_api(t: &TestApp, q: &str, limit: u32, total: u64) -> Vec<OrgId> {
    let mut ids = Vec::new();
    let mut uri = format!("/api/organizations?{q}limit={limit}");
    loop {
        let page = get(&t.app, &uri).await.json();
        assert_eq!(page["numberMatched"].as_u64(), Some(total), "{uri}");
        for f in page["features"].as_array().unwrap() {
            ids.push(f["id"].as_str().unwrap().parse().unwrap());
        }
        let next = page["links"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["rel"] == "next"))
            .and_then(|l| l["href"].as_str());
        match next {
            Some(href) => uri = href.trim_start_matches("http://localhost").to_owned(),
            None => return ids,
        }
    }
}

/// The serving index (its lists' order sorted), and one loaded afresh
/// whose order is not: pages walked in name order and pages walked in
/// the box must both be the database's.
async fn same_as_the_database(t: &TestApp) {
    let index = t.follower.index();
    index.prepare_lists();
    let slugs = seed::categories()
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let unsorted = Clusters::load(t.store.as_ref(), slugs).await.unwrap();
    for b in BOXES {
        for f in FILTERS {
            let q = format!("bbox={b}&{f}");
            let (all, total) = by_the_database(t, &q).await;
            for limit in [1, 7, 100] {
                for index in [index.as_ref(), &unsorted] {
                    let chosen = index
                        .list_page(&filter(&format!("{q}limit={limit}")))
                        .expect("a box without words is chosen from memory");
                    assert_eq!(chosen.total, total, "{q}");
                    let want = &all[..all.len().min(limit + 1)];
                    assert_eq!(chosen.ids, want, "{q}limit={limit}");
                }
                // the second page, after the first's last entry
                if all.len() > limit {
                    let last = t.store.organization(all[limit - 1]).await.unwrap().unwrap();
                    let after = OrgFilter {
                        after: Some(solidarity_map_core::PageKey {
                            sort_name: last.data.sort_name(),
                            id: last.id,
                        }),
                        ..filter(&format!("{q}limit={limit}"))
                    };
                    let want = &all[limit..all.len().min(2 * limit + 1)];
                    for index in [index.as_ref(), &unsorted] {
                        let chosen = index.list_page(&after).unwrap();
                        assert_eq!(chosen.ids, want, "{q}limit={limit}, page 2");
                    }
                }
            }
            let limit = if all.len() > 60 { 100 } else { 7 };
            assert_eq!(by_the_api(t, &q, limit, total).await, all, "{q}");
        }
    }
    // words and offsets are the database's to answer
    assert!(
        index
            .list_page(&filter("bbox=0,0,1,1&q=solidarity"))
            .is_none()
    );
    assert!(index.list_page(&filter("bbox=0,0,1,1&offset=5")).is_none());
    assert!(index.list_page(&filter("category=media")).is_none());
}

/// The categories and `n` generated organisations, all published.
async fn generated(store: &dyn Store, n: usize) {
    seed::sync_categories(store).await.unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cities.tsv");
    let cities = Cities::load(&path).unwrap();
    generate::load(store, &cities, n, 11, 500, Progress::Quiet)
        .await
        .unwrap();
}

async fn a_box_lists_what_the_database_would(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    generated(db.store().as_ref(), 1500).await;
    let t = support::setup().start_on(db, |_| {}).await;
    same_as_the_database(&t).await;

    // entries renamed, withdrawn and added in Jerusalem: the index follows
    let (jerusalem, _) = by_the_database(&t, &format!("bbox={}&", BOXES[0])).await;
    assert!(jerusalem.len() > 5, "{}", jerusalem.len());
    for (n, id) in jerusalem.iter().take(4).enumerate() {
        if n % 2 == 0 {
            let mut o = t.store.organization(*id).await.unwrap().unwrap().data;
            o.name = support::entry(&format!("Zz renamed {n}"))
                .validate()
                .unwrap()
                .name;
            assert!(t.store.propose_edit(*id, &o).await.unwrap());
            let edit = t.store.pending_revisions().await.unwrap()[0].id;
            t.store
                .decide(edit, Decision::Approve(None), "moderator")
                .await
                .unwrap();
        } else {
            t.store.withdraw(*id).await.unwrap();
        }
    }
    let mut added = support::entry("Aa new in the old city");
    added.location = Some(solidarity_map_core::org::RawLocation {
        lat: 31.778,
        lon: 35.23,
    });
    t.store
        .insert_organization(&added.validate().unwrap(), Status::Published)
        .await
        .unwrap();
    t.follower.catch_up().await.unwrap();
    same_as_the_database(&t).await;
    let first: Value = get(&t.app, &format!("/api/organizations?bbox={}", BOXES[0]))
        .await
        .json();
    assert_eq!(
        first["features"][0]["properties"]["name"]["en"],
        "Aa new in the old city"
    );
}

on_both_backends!(backend: a_box_lists_what_the_database_would);

/// `solidarity-map explain` shows how SQLite answers a list: a box's
/// matches counted in the position index, a page the index chose looked
/// up by id (never a walk of the name index).
#[tokio::test]
async fn the_plans_use_the_indexes() {
    let db = support::sqlite().await;
    let store = db.store();
    generated(store.as_ref(), 500).await;
    let plans = store
        .explain_list(&filter(&format!("bbox={}", BOXES[1])))
        .await
        .unwrap();
    let text: Vec<String> = plans
        .iter()
        .map(|p| format!("{}: {}", p.what, p.lines.join(" / ")))
        .collect();
    assert_eq!(plans.len(), 3, "{text:#?}");
    assert!(
        plans[0].lines[0].contains("USING COVERING INDEX organizations_status_position_sort"),
        "{text:#?}"
    );
    assert_eq!(plans[2].lines.len(), 1, "{text:#?}");
    assert!(plans[2].lines[0].contains("(id=?)"), "{text:#?}");
    // nothing matches: no page, so no read by id to plan
    let none = store
        .explain_list(&filter("q=nothing-is-called-this"))
        .await
        .unwrap();
    assert_eq!(none[2].lines, ["nothing matches: no page to read"]);
}
