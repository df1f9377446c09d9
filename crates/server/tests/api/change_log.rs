//! The change log that keeps several instances' maps in step, on both
//! databases: every change to what the public sees is numbered in its own
//! transaction, with no number skipped; a follower on another connection
//! (another instance) applies what it did not write; `/readyz` says when an
//! instance has caught up.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use solidarity_map_core::{OrgId, Status};
use solidarity_map_server::follow::Follower;
use solidarity_map_server::seed;
use solidarity_map_server::store::{Change, Decision, Store};

use crate::support::{Backend, entry, get, setup};

fn org(name: &str) -> solidarity_map_core::NewOrganization {
    entry(name).validate().unwrap()
}

async fn categories(store: &dyn Store) -> Vec<solidarity_map_core::CategorySlug> {
    seed::sync_categories(store).await.unwrap();
    seed::categories()
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect()
}

async fn log(store: &dyn Store) -> Vec<Change> {
    store.changes_after(0, 1000).await.unwrap()
}

async fn public_changes_are_numbered_in_order(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let store = db.store();
    categories(store.as_ref()).await;
    assert_eq!(store.change_head().await.unwrap(), 0);

    // what the public does not see is no change to the map
    let pending = store
        .insert_organization(&org("Pending"), Status::Pending)
        .await
        .unwrap();
    let submitted = store.submit(&org("Submitted"), "hash-1").await.unwrap();
    assert!(log(store.as_ref()).await.is_empty());

    let public = store
        .insert_organization(&org("Public"), Status::Published)
        .await
        .unwrap();
    let queue = store.pending_revisions().await.unwrap();
    store
        .decide(queue[0].id, Decision::Approve(None), "mod")
        .await
        .unwrap();
    store.withdraw(public.id).await.unwrap();
    assert!(store.erase(submitted).await.unwrap());
    // a rejected submission was never public
    let rejected = store.submit(&org("Rejected"), "hash-2").await.unwrap();
    let queue = store.pending_revisions().await.unwrap();
    let revision = queue.iter().find(|r| r.org_id == rejected).unwrap().id;
    store
        .decide(revision, Decision::Reject("no".into()), "mod")
        .await
        .unwrap();
    let many = vec![(OrgId(uuid::Uuid::new_v4()), org("Bulk"))];
    store.bulk_insert(&many, Status::Published).await.unwrap();

    let changes = log(store.as_ref()).await;
    let orgs: Vec<_> = changes.iter().map(|c| c.org).collect();
    assert_eq!(
        orgs,
        [
            Some(public.id),
            Some(submitted),
            Some(public.id),
            Some(submitted),
            None
        ],
        "published insert, approval, withdrawal, erasure, bulk insert"
    );
    let numbers: Vec<_> = changes.iter().map(|c| c.seq).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    assert_eq!(store.change_head().await.unwrap(), 5);
    assert_eq!(store.changes_after(3, 1000).await.unwrap(), changes[3..]);
    assert_eq!(store.changes_after(0, 2).await.unwrap(), changes[..2]);
    let _ = pending;

    // pruning forgets old changes, never the last one
    let later = chrono::Utc::now() + chrono::TimeDelta::days(1);
    assert_eq!(store.prune_changes(later).await.unwrap(), 4);
    assert_eq!(log(store.as_ref()).await, changes[4..]);
}

/// Many instances change the map at once: the numbers stay one after
/// the other, none skipped, none twice.
async fn concurrent_changes_skip_no_number(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let store = db.store();
    categories(store.as_ref()).await;
    let other = db.another_store().await;
    let writers: Vec<_> = (0..24)
        .map(|n| {
            let store = if n % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            tokio::spawn(async move {
                let o = store
                    .insert_organization(&org(&format!("Group {n}")), Status::Published)
                    .await
                    .unwrap();
                store.withdraw(o.id).await.unwrap();
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let numbers: Vec<_> = log(store.as_ref()).await.iter().map(|c| c.seq).collect();
    assert_eq!(numbers, (1..=48).collect::<Vec<_>>());
}

/// An instance's map follows what another instance wrote, and after a
/// gap the log no longer covers, reads everything again.
async fn a_follower_applies_what_another_instance_wrote(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let store = db.store();
    let known = categories(store.as_ref()).await;
    let follower = Follower::start(store.clone(), known).await.unwrap();
    let index = follower.index().clone();
    let other = db.another_store().await;

    let a = other
        .insert_organization(&org("Alpha"), Status::Published)
        .await
        .unwrap();
    let b = other
        .insert_organization(&org("Beta"), Status::Published)
        .await
        .unwrap();
    assert_eq!(follower.lag().await.unwrap(), 2);
    assert!(index.is_empty(), "not applied before it reads the log");
    assert_eq!(follower.catch_up().await.unwrap(), 2);
    assert_eq!(index.len(), 2);
    assert_eq!(follower.lag().await.unwrap(), 0);
    assert_eq!(follower.catch_up().await.unwrap(), 0, "each change once");

    other.withdraw(a.id).await.unwrap();
    follower.catch_up().await.unwrap();
    assert_eq!(index.len(), 1);

    // away for longer than the log keeps: the follower reads all again
    other.withdraw(b.id).await.unwrap();
    other
        .insert_organization(&org("Gamma"), Status::Published)
        .await
        .unwrap();
    let later = chrono::Utc::now() + chrono::TimeDelta::days(1);
    other.prune_changes(later).await.unwrap();
    follower.catch_up().await.unwrap();
    assert_eq!(index.len(), 1, "Gamma only");
    assert_eq!(follower.lag().await.unwrap(), 0);
    assert_eq!(follower.applied(), other.change_head().await.unwrap());
}

/// A follower left running wakes by itself: on Postgres through the
/// notification, on SQLite by polling, within a couple of seconds.
async fn a_running_follower_wakes_by_itself(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let store = db.store();
    let known = categories(store.as_ref()).await;
    let follower = Arc::new(Follower::start(store.clone(), known).await.unwrap());
    let task = follower.spawn();
    // let it listen before the change
    tokio::time::sleep(Duration::from_millis(300)).await;
    let other = db.another_store().await;
    let started = Instant::now();
    other
        .insert_organization(&org("Delta"), Status::Published)
        .await
        .unwrap();
    while follower.index().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the follower did not wake within 3 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
}

/// `/readyz` is 503 while the map has changes to apply, 200 once it has.
async fn readyz_waits_for_the_log(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let mut follower = None;
    let app = setup()
        .start_on(db, |state| follower = Some(state.follower.clone()))
        .await;
    let follower = follower.unwrap();
    let r = get(&app.app, "/readyz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "ready");

    // another instance publishes: this one is behind until it reads
    let other = app.db.another_store().await;
    other
        .insert_organization(&org("Epsilon"), Status::Published)
        .await
        .unwrap();
    let r = get(&app.app, "/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["status"], "catching_up");
    assert_eq!(r.json()["behind"], 1);
    let r = get(&app.app, "/healthz").await;
    assert_eq!(r.status, StatusCode::OK, "alive all the same");

    follower.catch_up().await.unwrap();
    let r = get(&app.app, "/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["applied"], 1);
}

/// The legend's counts come from memory, and equal the database's count
/// per category once the change log is applied.
async fn the_legend_counts_from_memory_equal_the_database(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let mut follower = None;
    let app = setup()
        .demo()
        .start_on(db, |state| follower = Some(state.follower.clone()))
        .await;
    let follower = follower.unwrap();
    let other = app.db.another_store().await;
    let mut media = entry("Another Paper");
    media.category = "media".into();
    let media = media.validate().unwrap();
    for status in [Status::Published, Status::Published, Status::Pending] {
        other.insert_organization(&media, status).await.unwrap();
    }
    let first = other.published(&Default::default()).await.unwrap().items[0].id;
    other.withdraw(first).await.unwrap();
    follower.catch_up().await.unwrap();

    let from_memory: Vec<(String, u64)> = get(&app.app, "/api/categories")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["slug"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let from_database: Vec<(String, u64)> = app
        .store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.category.slug.to_string(), c.count))
        .collect();
    assert_eq!(from_memory, from_database);
    assert!(from_memory.iter().any(|(s, n)| s == "media" && *n >= 2));
}

on_both_backends!(backend:
    the_legend_counts_from_memory_equal_the_database,
    public_changes_are_numbered_in_order,
    concurrent_changes_skip_no_number,
    a_follower_applies_what_another_instance_wrote,
    a_running_follower_wakes_by_itself,
    readyz_waits_for_the_log,
);
