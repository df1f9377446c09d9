//! HTTP caching through the real router: ETags and 304s on the public API,
//! `no-store` on private answers, compression still on top.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;
use solidarity_map_core::Status;

use crate::support::{self, Answer, TestApp, call, get};

async fn env() -> TestApp {
    support::setup()
        .demo()
        .moderator()
        .file("index.html", "<!doctype html>")
        .start()
        .await
}

/// `GET uri` with `headers`.
async fn get_with(env: &TestApp, uri: &str, headers: &[(&str, &str)]) -> Answer {
    call(&env.app, "GET", uri, None, headers).await
}

fn etag(headers: &HeaderMap) -> String {
    headers
        .get(header::ETAG)
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned()
}

fn cache_control(headers: &HeaderMap) -> &str {
    headers
        .get(header::CACHE_CONTROL)
        .map_or("", |v| v.to_str().unwrap())
}

/// The answer varies with the encoding the client accepts, and says so.
fn assert_varies_with_encoding(headers: &HeaderMap) {
    let vary: Vec<_> = headers.get_all(header::VARY).iter().collect();
    assert!(
        vary.iter()
            .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding")),
        "{vary:?}"
    );
}

#[tokio::test]
async fn public_answers_carry_a_weak_etag() {
    let env = env().await;
    for uri in [
        "/api/organizations",
        "/api/categories",
        "/api/facets",
        "/api/stats",
        "/api/config",
    ] {
        let r = get(&env.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let tag = etag(&r.headers);
        assert!(
            tag.starts_with("W/\"") && tag.ends_with('"'),
            "{uri}: {tag}"
        );
        assert_eq!(cache_control(&r.headers), "public, no-cache", "{uri}");
    }
    // the same answer twice has the same tag
    let a = get(&env.app, "/api/organizations").await;
    let b = get(&env.app, "/api/organizations").await;
    assert_eq!(etag(&a.headers), etag(&b.headers));
    // not found is not tagged
    let r = get(
        &env.app,
        "/api/organizations/00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.headers.get(header::ETAG).is_none());
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_with_no_body() {
    let env = env().await;
    let full = get(&env.app, "/api/organizations").await;
    let tag = etag(&full.headers);
    assert!(!full.body.is_empty());
    let strong = tag.trim_start_matches("W/").to_owned();
    for condition in [
        tag.clone(),
        strong,
        format!("\"something-else\", {tag}"),
        "*".to_owned(),
    ] {
        let r = get_with(&env, "/api/organizations", &[("if-none-match", &condition)]).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{condition}");
        assert!(r.body.is_empty(), "{condition}");
        assert_eq!(etag(&r.headers), tag);
        assert_eq!(cache_control(&r.headers), "public, no-cache");
        assert_varies_with_encoding(&r.headers);
    }
    let r = get_with(
        &env,
        "/api/organizations",
        &[("if-none-match", "\"stale\"")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, full.body);
}

#[tokio::test]
async fn head_has_the_tag_of_get() {
    let env = env().await;
    let got = get(&env.app, "/api/categories").await;
    let head = call(&env.app, "HEAD", "/api/categories", None, &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(etag(&head.headers), etag(&got.headers));
}

#[tokio::test]
async fn the_tag_changes_when_the_data_does() {
    let env = env().await;
    let before = etag(&get(&env.app, "/api/organizations").await.headers);
    let categories_before = etag(&get(&env.app, "/api/categories").await.headers);
    let org = support::entry("Newly Approved").validate().unwrap();
    env.store
        .insert_organization(&org, Status::Published)
        .await
        .unwrap();
    // the answers follow the change log, as the map's index does
    env.follower.catch_up().await.unwrap();
    let r = get_with(&env, "/api/organizations", &[("if-none-match", &before)]).await;
    assert_eq!(r.status, StatusCode::OK, "a changed list is sent again");
    assert_ne!(etag(&r.headers), before);
    let r = get(&env.app, "/api/categories").await;
    assert_ne!(etag(&r.headers), categories_before, "the counts changed");
}

#[tokio::test]
async fn private_answers_are_never_stored_or_tagged() {
    let env = env().await;
    // a moderator's own view
    let credentials = support::credentials(support::PASSWORD);
    let r = call(&env.app, "POST", "/api/admin/login", Some(credentials), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(cache_control(&r.headers), "no-store");
    let cookie = r.cookie().unwrap();
    for uri in [
        "/api/admin/me",
        "/api/admin/submissions",
        "/api/admin/audit",
    ] {
        let r = get_with(&env, uri, &[("cookie", &cookie)]).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(r.headers.get(header::ETAG).is_none(), "{uri}");
        assert_eq!(cache_control(&r.headers), "no-store", "{uri}");
    }
    let r = get(&env.app, "/api/admin/me").await;
    assert!(r.status.is_client_error());
    assert_eq!(cache_control(&r.headers), "no-store");

    // a group's edit link
    let body = Some(support::submission("Neighbours"));
    let r = call(&env.app, "POST", "/api/submissions", body, &[]).await;
    assert!(r.status.is_success(), "{}", r.status);
    assert_eq!(cache_control(&r.headers), "no-store");
    let token = r.json()["edit_token"].as_str().unwrap().to_owned();
    let r = get(&env.app, &format!("/api/edit/{token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get(header::ETAG).is_none());
    assert_eq!(cache_control(&r.headers), "no-store");
}

#[tokio::test]
async fn compression_still_applies_on_top() {
    let env = env().await;
    let identity = get(&env.app, "/api/organizations").await;
    let tag = etag(&identity.headers);
    let json: Value = identity.json();
    assert!(json["features"].as_array().unwrap().len() >= 20);
    let identity = identity.body;

    let gz = get_with(&env, "/api/organizations", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    assert_eq!(etag(&gz.headers), tag, "the tag is of the identity body");
    assert_eq!(gz.body[..2], [0x1f, 0x8b], "gzip magic");
    assert!(gz.body.len() < identity.len());

    let br = get_with(&env, "/api/organizations", &[("accept-encoding", "br")]).await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(br.headers.get(header::CONTENT_ENCODING).unwrap(), "br");
    assert!(br.body.len() < identity.len());
    assert_eq!(etag(&br.headers), tag);
    assert_varies_with_encoding(&br.headers);

    // a revalidation of the compressed answer is a bare 304
    let headers = [("accept-encoding", "br"), ("if-none-match", tag.as_str())];
    let r = get_with(&env, "/api/organizations", &headers).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
    assert!(r.headers.get(header::CONTENT_ENCODING).is_none());
}

/// The client's files: what Trunk names by its hash is kept a year
/// without asking; the page and the other files are asked for again,
/// and answered 304 when unchanged, so a second visit on a slow
/// connection starts from the cache and still sees a new release.
#[tokio::test]
async fn hashed_client_files_are_kept_and_the_others_revalidated() {
    let env = support::setup()
        .file("index.html", "<!doctype html>")
        .file("app-8459b0021db3b74c.js", "export {}")
        .file("app-8459b0021db3b74c_bg.wasm", "\0asm")
        .file("leaflet-6c92c0056ca7a79.css", "a{}")
        .file("favicon.svg", "<svg/>")
        .start()
        .await;
    for uri in [
        "/app-8459b0021db3b74c.js",
        "/app-8459b0021db3b74c_bg.wasm",
        "/leaflet-6c92c0056ca7a79.css",
    ] {
        let r = get(&env.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(
            cache_control(&r.headers),
            "public, max-age=31536000, immutable",
            "{uri}"
        );
    }
    for uri in ["/", "/index.html", "/favicon.svg", "/org/unknown", "/join"] {
        let r = get(&env.app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(cache_control(&r.headers), "no-cache", "{uri}");
    }
    // an unchanged file is not sent again
    let r = get(&env.app, "/favicon.svg").await;
    let modified = r.headers[header::LAST_MODIFIED]
        .to_str()
        .unwrap()
        .to_owned();
    let again = get_with(&env, "/favicon.svg", &[("if-modified-since", &modified)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // a missing file is no cache's business
    let r = get(&env.app, "/app-0000000000000000.js").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(cache_control(&r.headers), "");
}
