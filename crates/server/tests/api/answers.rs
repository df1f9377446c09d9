//! The map's public answers kept in memory: given again, compressed and
//! tagged as they were sent, until the index applies a change — and never
//! after it, whoever made the change.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::http::{StatusCode, header};
use solidarity_map_core::Status;

use crate::support::{self, Answer, TestApp, call};

async fn started(cache_bytes: usize) -> TestApp {
    support::setup()
        .demo()
        .start_with(|state| state.answer_cache_bytes = cache_bytes)
        .await
}

async fn get_with(t: &TestApp, uri: &str, headers: &[(&str, &str)]) -> Answer {
    call(&t.app, "GET", uri, None, headers).await
}

/// A published entry in Jerusalem, written straight to the database as
/// another instance (or an import) would: this instance's index learns of
/// it only when it reads the change log.
async fn added_elsewhere(t: &TestApp, name: &str) {
    t.store
        .insert_organization(&support::entry(name).validate().unwrap(), Status::Published)
        .await
        .unwrap();
}

const WORDED: &str = "/api/organizations?q=kept&bbox=35.1,31.7,35.3,31.9";

#[tokio::test]
async fn an_answer_is_given_again_until_the_index_changes() {
    let t = started(32 << 20).await;
    let first = get_with(&t, WORDED, &[]).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.names().is_empty());

    // the database has a match now, but the index has not applied it:
    // the answer kept is given again, byte for byte, with its tag
    added_elsewhere(&t, "Kept Elsewhere").await;
    let again = get_with(&t, WORDED, &[]).await;
    assert_eq!(again.body, first.body);
    assert_eq!(
        again.headers.get(header::ETAG),
        first.headers.get(header::ETAG)
    );
    assert_eq!(
        again.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/geo+json"
    );

    // a client that has it is told so
    let tag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    let revalidated = get_with(&t, WORDED, &[("if-none-match", &tag)]).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());
    assert_eq!(revalidated.headers[header::ETAG], tag.as_str());
    assert_eq!(
        revalidated.headers.get_all(header::VARY).iter().count(),
        1,
        "{:?}",
        revalidated.headers
    );

    // the index applies the change: no answer made before it is given
    t.follower.catch_up().await.unwrap();
    let after = get_with(&t, WORDED, &[]).await;
    assert_eq!(after.names(), ["Kept Elsewhere"]);
    let old = get_with(&t, WORDED, &[("if-none-match", &tag)]).await;
    assert_eq!(
        old.status,
        StatusCode::OK,
        "the old tag is no longer current"
    );
}

#[tokio::test]
async fn each_encoding_is_kept_apart() {
    let t = started(32 << 20).await;
    let uri = "/api/organizations?bbox=-180,-90,180,90";
    for _ in 0..2 {
        let gzip = get_with(&t, uri, &[("accept-encoding", "gzip")]).await;
        assert_eq!(gzip.headers[header::CONTENT_ENCODING], "gzip");
        let plain = get_with(&t, uri, &[]).await;
        assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
        assert!(!plain.names().is_empty());
    }
}

#[tokio::test]
async fn without_memory_every_answer_is_made_afresh() {
    let t = started(0).await;
    let first = get_with(&t, WORDED, &[]).await;
    assert!(first.names().is_empty());
    added_elsewhere(&t, "Kept Elsewhere").await;
    // the database is asked again: the new entry is in the list at once
    assert_eq!(get_with(&t, WORDED, &[]).await.names(), ["Kept Elsewhere"]);
}

#[tokio::test]
async fn a_withdrawal_is_gone_from_the_answers_at_once() {
    let t = started(32 << 20).await;
    added_elsewhere(&t, "Kept Then Gone").await;
    t.follower.catch_up().await.unwrap();
    let uri = "/api/organizations?bbox=35.1,31.7,35.3,31.9&limit=1000";
    let clusters = "/api/clusters?bbox=35.1,31.7,35.3,31.9&zoom=16";
    let listed = get_with(&t, uri, &[]).await;
    assert!(listed.names().contains(&"Kept Then Gone".to_owned()));
    let drawn = get_with(&t, clusters, &[]).await.text();
    let id = listed.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["name"]["en"] == "Kept Then Gone")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // as the use cases do: the change, then the index reads the log
    t.store.withdraw(id.parse().unwrap()).await.unwrap();
    t.follower.catch_up().await.unwrap();
    assert!(
        !get_with(&t, uri, &[])
            .await
            .names()
            .contains(&"Kept Then Gone".to_owned())
    );
    // it shared a marker with its neighbours: that marker counts one less
    assert_ne!(get_with(&t, clusters, &[]).await.text(), drawn);
    let one = get_with(&t, &format!("/api/organizations/{id}"), &[]).await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
}
