//! The public change feed, `/api/changes`, on both databases: every public
//! change in order, a page at a time, with nothing skipped between two
//! pages while others write; tombstones for what is withdrawn or erased,
//! nothing at all for what never was public; an import's entries over as
//! many pages as they take; a cursor older than the log refused with
//! `410`, never answered with a page that lacks what was forgotten.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::HashSet;

use axum::Router;
use axum::http::StatusCode;
use serde_json::Value;
use solidarity_map_core::{NewOrganization, OrgId, Status};
use solidarity_map_server::store::Decision;

use crate::support::{Backend, EXACT, entry, get, setup};

fn org(name: &str) -> NewOrganization {
    entry(name).validate().unwrap()
}

/// Every page from `since` on, `limit` at a time, until `more` is false:
/// the entries and the last cursor.
async fn read_all(app: &Router, since: &str, limit: u32) -> (Vec<Value>, String) {
    let mut since = since.to_owned();
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let r = get(app, &format!("/api/changes?since={since}&limit={limit}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.json();
        let entries = page["changes"].as_array().unwrap();
        assert!(entries.len() <= limit as usize);
        out.extend(entries.iter().cloned());
        since = page["next"].as_str().unwrap().to_owned();
        if !page["more"].as_bool().unwrap() {
            return (out, since);
        }
    }
    panic!("the feed never ended");
}

fn ids_of(entries: &[Value], kind: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_feed_tells_each_public_change_in_order(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let app = setup().start_on(db, |_| {}).await;
    let store = &app.store;
    let r = get(&app.app, "/api/changes").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let empty = r.json();
    assert_eq!(empty["changes"], serde_json::json!([]));
    assert_eq!(empty["license"], "ODbL-1.0");
    assert!(empty["attribution"].as_str().unwrap().contains("ODbL-1.0"));
    assert!(r.header("link").unwrap().contains("rel=\"license\""));

    let a = store
        .insert_organization(&org("Alpha"), Status::Published)
        .await
        .unwrap();
    let b = store
        .insert_organization(&org("Beta"), Status::Published)
        .await
        .unwrap();
    // never public: withdrawn and erased before anyone approved them
    let hidden = store
        .insert_organization(&org("Hidden"), Status::Pending)
        .await
        .unwrap();
    store.withdraw(hidden.id).await.unwrap();
    let erased_pending = store.submit(&org("Shy"), "hash-shy").await.unwrap();
    assert!(store.erase(erased_pending).await.unwrap());
    // public, then gone
    store.withdraw(a.id).await.unwrap();
    assert!(store.erase(b.id).await.unwrap());
    let c = store
        .insert_organization(&org("Gamma"), Status::Published)
        .await
        .unwrap();

    for limit in [1, 2, 100] {
        let (entries, _) = read_all(&app.app, "", limit).await;
        let order: Vec<(String, String)> = entries
            .iter()
            .map(|e| {
                (
                    e["id"].as_str().unwrap().to_owned(),
                    e["kind"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        // Alpha and Beta are read as they are now: gone
        let (a, b, c) = (a.id.to_string(), b.id.to_string(), c.id.to_string());
        assert_eq!(
            order,
            [
                (a.clone(), "removed".into()),
                (b.clone(), "removed".into()),
                (a, "removed".into()),
                (b, "removed".into()),
                (c, "published".into()),
            ],
            "limit {limit}"
        );
        let text = serde_json::to_string(&entries).unwrap();
        for secret in [hidden.id.to_string(), erased_pending.to_string()] {
            assert!(!text.contains(&secret), "an entry never public is named");
        }
        for e in entries.iter().filter(|e| e["kind"] == "removed") {
            assert!(e.get("feature").is_none(), "a tombstone has no data: {e}");
        }
        let published = entries.iter().find(|e| e["kind"] == "published").unwrap();
        let feature = &published["feature"];
        assert_eq!(feature["properties"]["name"]["en"], "Gamma");
        // the same public view as /api/organizations, nothing private
        let one = get(
            &app.app,
            &format!("/api/organizations/{}", feature["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(&one.json(), feature);
        assert!(!text.contains("private@example.org"));
        assert!(!text.contains(&format!("{:.4}", EXACT.0)));
    }

    // an edit approved later is an update of the same entry
    let (_, cursor) = read_all(&app.app, "", 100).await;
    let mut changed = entry("Gamma");
    changed.description = [("en".to_owned(), "We meet on Mondays.".to_owned())].into();
    assert!(
        store
            .propose_edit(c.id, &changed.validate().unwrap())
            .await
            .unwrap()
    );
    let queue = store.pending_revisions().await.unwrap();
    store
        .decide(queue[0].id, Decision::Approve(None), "mod")
        .await
        .unwrap();
    let (entries, _) = read_all(&app.app, &cursor, 100).await;
    assert_eq!(ids_of(&entries, "updated"), [c.id.to_string()]);
    assert_eq!(
        entries[0]["feature"]["properties"]["description"]["en"],
        "We meet on Mondays."
    );
}

/// Writers publish and withdraw while a reader pages through the feed a
/// few at a time: every published entry is read, none skipped between two
/// pages.
async fn pages_skip_nothing_while_others_write(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let app = setup().start_on(db, |_| {}).await;
    let other = app.db.another_store().await;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = if w % 2 == 0 {
                app.store.clone()
            } else {
                other.clone()
            };
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..15 {
                    let o = store
                        .insert_organization(
                            &org(&format!("Writer {w} group {n}")),
                            Status::Published,
                        )
                        .await
                        .unwrap();
                    if n % 5 == 0 {
                        store.withdraw(o.id).await.unwrap();
                    }
                    ids.push(o.id);
                }
                ids
            })
        })
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut since = String::new();
    loop {
        let done = writers.iter().all(tokio::task::JoinHandle::is_finished);
        let r = get(&app.app, &format!("/api/changes?since={since}&limit=3")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.json();
        for e in page["changes"].as_array().unwrap() {
            seen.insert(e["id"].as_str().unwrap().to_owned());
        }
        since = page["next"].as_str().unwrap().to_owned();
        if done && !page["more"].as_bool().unwrap() {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mut written = Vec::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    assert_eq!(written.len(), 60);
    for id in written {
        assert!(seen.contains(&id.to_string()), "{id} was skipped");
    }
}

/// An import writes many entries in one change: the feed gives each,
/// over as many pages as it takes, and never one that stays pending.
async fn an_import_is_read_entry_by_entry(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let app = setup().start_on(db, |_| {}).await;
    let many: Vec<(OrgId, NewOrganization)> = (0..7)
        .map(|n| (OrgId(uuid::Uuid::new_v4()), org(&format!("Imported {n}"))))
        .collect();
    app.store
        .bulk_insert(&many, Status::Published)
        .await
        .unwrap();
    let waiting: Vec<(OrgId, NewOrganization)> =
        vec![(OrgId(uuid::Uuid::new_v4()), org("Waiting"))];
    app.store
        .bulk_insert(&waiting, Status::Pending)
        .await
        .unwrap();
    let after = app
        .store
        .insert_organization(&org("After"), Status::Published)
        .await
        .unwrap();
    for limit in [2, 3, 7, 100] {
        let (entries, _) = read_all(&app.app, "", limit).await;
        let mut want: Vec<String> = many.iter().map(|(id, _)| id.to_string()).collect();
        want.sort();
        want.push(after.id.to_string());
        assert_eq!(ids_of(&entries, "published"), want, "limit {limit}");
        assert_eq!(entries.len(), 8, "limit {limit}");
    }
}

/// A cursor the log no longer reaches is `410 cursor_expired`; `since=now`
/// starts a reader at the end; a cursor that is not one is a `400`.
async fn an_old_cursor_is_refused(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let app = setup().start_on(db, |_| {}).await;
    let store = &app.store;
    store
        .insert_organization(&org("One"), Status::Published)
        .await
        .unwrap();
    let (_, one) = read_all(&app.app, "", 10).await;
    store
        .insert_organization(&org("Two"), Status::Published)
        .await
        .unwrap();
    store
        .insert_organization(&org("Three"), Status::Published)
        .await
        .unwrap();
    let now = get(&app.app, "/api/changes?since=now").await.json();
    assert_eq!(now["changes"], serde_json::json!([]));
    assert_eq!(now["more"], false);
    let now = now["next"].as_str().unwrap().to_owned();

    // a month later: the log kept only its last change
    let later = chrono::Utc::now() + chrono::TimeDelta::days(31);
    assert_eq!(store.prune_changes(later).await.unwrap(), 2);
    for since in ["", one.as_str()] {
        let r = get(&app.app, &format!("/api/changes?since={since}")).await;
        assert_eq!(r.status, StatusCode::GONE, "{since}: {}", r.text());
        assert_eq!(r.json()["error"], "cursor_expired");
        assert!(r.json()["message"].as_str().unwrap().contains("export"));
    }
    // from the end, a reader misses nothing
    store
        .insert_organization(&org("Four"), Status::Published)
        .await
        .unwrap();
    let (entries, _) = read_all(&app.app, &now, 10).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["feature"]["properties"]["name"]["en"], "Four");

    // a cursor from another log (ahead of this one)
    let r = get(&app.app, "/api/changes?since=c999").await;
    assert_eq!(r.status, StatusCode::GONE);
    for bad in [
        "since=x",
        "since=c1.nope",
        "limit=0",
        "limit=1001",
        "since=c1&since=c2",
    ] {
        let r = get(&app.app, &format!("/api/changes?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["error"], "invalid_parameter");
        assert!(!r.json()["fields"].as_array().unwrap().is_empty(), "{bad}");
    }
}

on_both_backends!(backend:
    the_feed_tells_each_public_change_in_order,
    pages_skip_nothing_while_others_write,
    an_import_is_read_entry_by_entry,
    an_old_cursor_is_refused,
);
