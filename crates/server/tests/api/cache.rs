//! HTTP caching through the real router: ETags and 304s on the public API,
//! `no-store` on private answers, compression still on top.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{OrganizationInput, SiteConfig, Status};
use solidarity_map_server::http::{AppState, app};
use solidarity_map_server::secrets;
use solidarity_map_server::seed;
use solidarity_map_server::store::Store;
use tower::ServiceExt;

struct Env {
    app: Router,
    store: Arc<dyn Store>,
    _db: support::TestDb,
    _dist: tempfile::TempDir,
}

async fn env() -> Env {
    let db = support::sqlite().await;
    let store = db.store();
    seed::sync_categories(store.as_ref()).await.unwrap();
    seed::seed_demo_if_empty(store.as_ref()).await.unwrap();
    let hash = secrets::hash_password("a long enough password").unwrap();
    store.create_user("mod", &hash).await.unwrap();
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html>").unwrap();
    let site = SiteConfig {
        tile_url: String::new(),
        tile_attribution: String::new(),
        tile_max_zoom: None,
    };
    let state = AppState::new(store.clone(), site).await.unwrap();
    let app = app(state, dist.path().to_owned()).layer(axum::Extension(ConnectInfo(
        SocketAddr::from(([127, 0, 0, 1], 4000)),
    )));
    Env {
        app,
        store,
        _db: db,
        _dist: dist,
    }
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Bytes) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes)
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
        let (status, headers, _) = send(&env.app, "GET", uri, &[], None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let tag = etag(&headers);
        assert!(
            tag.starts_with("W/\"") && tag.ends_with('"'),
            "{uri}: {tag}"
        );
        assert_eq!(cache_control(&headers), "public, no-cache", "{uri}");
    }
    // the same answer twice has the same tag
    let (_, a, _) = send(&env.app, "GET", "/api/organizations", &[], None).await;
    let (_, b, _) = send(&env.app, "GET", "/api/organizations", &[], None).await;
    assert_eq!(etag(&a), etag(&b));
    // not found is not tagged
    let (status, headers, _) = send(
        &env.app,
        "GET",
        "/api/organizations/00000000-0000-4000-8000-000000000000",
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.get(header::ETAG).is_none());
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_with_no_body() {
    let env = env().await;
    let (_, headers, full) = send(&env.app, "GET", "/api/organizations", &[], None).await;
    let tag = etag(&headers);
    assert!(!full.is_empty());
    let strong = tag.trim_start_matches("W/").to_owned();
    for condition in [
        tag.clone(),
        strong,
        format!("\"something-else\", {tag}"),
        "*".to_owned(),
    ] {
        let (status, headers, body) = send(
            &env.app,
            "GET",
            "/api/organizations",
            &[("if-none-match", &condition)],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{condition}");
        assert!(body.is_empty(), "{condition}");
        assert_eq!(etag(&headers), tag);
        assert_eq!(cache_control(&headers), "public, no-cache");
        let vary: Vec<_> = headers.get_all(header::VARY).iter().collect();
        assert!(
            vary.iter()
                .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding")),
            "{vary:?}"
        );
    }
    let (status, _, body) = send(
        &env.app,
        "GET",
        "/api/organizations",
        &[("if-none-match", "\"stale\"")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, full);
}

#[tokio::test]
async fn head_has_the_tag_of_get() {
    let env = env().await;
    let (_, get, _) = send(&env.app, "GET", "/api/categories", &[], None).await;
    let (status, head, body) = send(&env.app, "HEAD", "/api/categories", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
    assert_eq!(etag(&head), etag(&get));
}

#[tokio::test]
async fn the_tag_changes_when_the_data_does() {
    let env = env().await;
    let (_, headers, _) = send(&env.app, "GET", "/api/organizations", &[], None).await;
    let before = etag(&headers);
    let (_, headers, _) = send(&env.app, "GET", "/api/categories", &[], None).await;
    let categories_before = etag(&headers);
    let org = OrganizationInput {
        name: BTreeMap::from([("en".to_owned(), "Newly Approved".to_owned())]),
        description: BTreeMap::from([("en".to_owned(), "Just published.".to_owned())]),
        category: "media".into(),
        city: "Haifa".into(),
        country: "IL".into(),
        location: Some(RawLocation {
            lat: 32.79,
            lon: 34.99,
        }),
        ..Default::default()
    }
    .validate()
    .unwrap();
    env.store
        .insert_organization(&org, Status::Published)
        .await
        .unwrap();
    let (status, headers, _) = send(
        &env.app,
        "GET",
        "/api/organizations",
        &[("if-none-match", &before)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "a changed list is sent again");
    assert_ne!(etag(&headers), before);
    let (_, headers, _) = send(&env.app, "GET", "/api/categories", &[], None).await;
    assert_ne!(etag(&headers), categories_before, "the counts changed");
}

#[tokio::test]
async fn private_answers_are_never_stored_or_tagged() {
    let env = env().await;
    // a moderator's own view
    let (status, headers, body) = send(
        &env.app,
        "POST",
        "/api/admin/login",
        &[],
        Some(json!({"username": "mod", "password": "a long enough password"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache_control(&headers), "no-store");
    let cookie = headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let _ = body;
    for uri in [
        "/api/admin/me",
        "/api/admin/submissions",
        "/api/admin/audit",
    ] {
        let (status, headers, _) = send(&env.app, "GET", uri, &[("cookie", &cookie)], None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(headers.get(header::ETAG).is_none(), "{uri}");
        assert_eq!(cache_control(&headers), "no-store", "{uri}");
    }
    let (status, headers, _) = send(&env.app, "GET", "/api/admin/me", &[], None).await;
    assert!(status.is_client_error());
    assert_eq!(cache_control(&headers), "no-store");

    // a group's edit link
    let (status, headers, body) = send(
        &env.app,
        "POST",
        "/api/submissions",
        &[],
        Some(json!({
            "name": {"en": "Neighbours"},
            "description": {"en": "We meet every week."},
            "category": "jerusalem",
            "city": "Jerusalem",
            "country": "PS",
            "location": {"lat": 31.7812, "lon": 35.2345},
            "precision": "neighbourhood",
            "contact_email": "hidden-contact@example.org",
            "consent": true,
            "started_at": chrono::Utc::now().timestamp_millis() - 60_000
        })),
    )
    .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(cache_control(&headers), "no-store");
    let token = serde_json::from_slice::<Value>(&body).unwrap()["edit_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, headers, _) =
        send(&env.app, "GET", &format!("/api/edit/{token}"), &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::ETAG).is_none());
    assert_eq!(cache_control(&headers), "no-store");
}

#[tokio::test]
async fn compression_still_applies_on_top() {
    let env = env().await;
    let (_, identity_headers, identity) =
        send(&env.app, "GET", "/api/organizations", &[], None).await;
    let tag = etag(&identity_headers);
    let json: Value = serde_json::from_slice(&identity).unwrap();
    assert!(json["features"].as_array().unwrap().len() >= 20);

    let (status, headers, gz) = send(
        &env.app,
        "GET",
        "/api/organizations",
        &[("accept-encoding", "gzip")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    assert_eq!(etag(&headers), tag, "the tag is of the identity body");
    assert_eq!(gz[..2], [0x1f, 0x8b], "gzip magic");
    assert!(gz.len() < identity.len());

    let (status, headers, br) = send(
        &env.app,
        "GET",
        "/api/organizations",
        &[("accept-encoding", "br")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_ENCODING).unwrap(), "br");
    assert!(br.len() < identity.len());
    assert_eq!(etag(&headers), tag);
    let vary: Vec<_> = headers.get_all(header::VARY).iter().collect();
    assert!(
        vary.iter()
            .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding")),
        "{vary:?}"
    );

    // a revalidation of the compressed answer is a bare 304
    let (status, headers, body) = send(
        &env.app,
        "GET",
        "/api/organizations",
        &[("accept-encoding", "br"), ("if-none-match", &tag)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
}
