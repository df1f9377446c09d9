//! The API document: served, complete, and readable as a page. Its
//! agreement with the answers is checked by the fuzzing run
//! (`cargo xtask fuzz`), which generates requests from it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::http::{StatusCode, header};
use serde_json::Value;

use crate::support::{self, TestApp};

async fn router() -> TestApp {
    support::setup()
        .file("index.html", "<!doctype html>")
        .start()
        .await
}

/// `GET uri`: its status, its content type and its body.
async fn get(env: &TestApp, uri: &str) -> (StatusCode, String, String) {
    let r = support::get(&env.app, uri).await;
    let kind = r.header(header::CONTENT_TYPE).expect("a content type");
    (r.status, kind.to_owned(), r.text())
}

#[tokio::test]
async fn every_endpoint_is_described() {
    let env = router().await;
    let (status, kind, body) = get(&env, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/json");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/organizations", "get"),
        ("/api/organizations/{id}", "get"),
        ("/api/clusters", "get"),
        ("/api/categories", "get"),
        ("/api/facets", "get"),
        ("/api/places", "get"),
        ("/api/config", "get"),
        ("/api/submissions", "post"),
        ("/api/edit/{token}", "get"),
        ("/api/edit/{token}", "put"),
        ("/api/edit/{token}", "delete"),
        ("/api/admin/login", "post"),
        ("/api/admin/logout", "post"),
        ("/api/admin/me", "get"),
        ("/api/admin/submissions", "get"),
        ("/api/admin/submissions/{id}/approve", "post"),
        ("/api/admin/submissions/{id}/reject", "post"),
        ("/api/admin/audit", "get"),
        ("/api/stats", "get"),
        ("/api/export.geojson", "get"),
        ("/api/export.csv", "get"),
        ("/api/changes", "get"),
        ("/api/openapi.json", "get"),
        ("/healthz", "get"),
    ] {
        let op = &paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is missing"))[method];
        assert!(op.is_object(), "{method} {path} is missing");
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path} has no responses"
        );
    }
    // moderation needs the session; the public map does not
    let queue = &paths["/api/admin/submissions"]["get"];
    assert_eq!(queue["security"][0]["session"], Value::Array(Vec::new()));
    assert!(paths["/api/organizations"]["get"]["security"].is_null());
    // a change a moderator makes names the CSRF header it needs
    for (path, method) in [
        ("/api/admin/logout", "post"),
        ("/api/admin/submissions/{id}/approve", "post"),
        ("/api/admin/submissions/{id}/reject", "post"),
    ] {
        let params = paths[path][method]["parameters"].as_array().unwrap();
        let header = |p: &&Value| p["name"] == "X-CSRF-Token" && p["in"] == "header";
        assert!(
            params.iter().any(|p| header(&p)),
            "{method} {path}: no X-CSRF-Token header"
        );
    }
    // the public shape names no private field
    let public = &doc["components"]["schemas"]["PublicOrganization"]["properties"];
    assert!(public["name"].is_object());
    assert!(public.get("contact_email").is_none());
    // the change feed says what an old cursor gets
    assert!(paths["/api/changes"]["get"]["responses"]["410"].is_object());
    // GeoJSON is described as what it is
    assert!(
        paths["/api/organizations"]["get"]["responses"]["200"]["content"]["application/geo+json"]
            .is_object()
    );
}

#[tokio::test]
async fn the_document_reads_as_a_page() {
    let env = router().await;
    let (status, kind, page) = get(&env, "/api/docs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(page.contains("<code>/api/organizations</code>"), "{page}");
    assert!(page.contains("id=\"schema-PublicOrganization\""));
    assert!(page.contains("href=\"/api/openapi.json\""));
    assert!(!page.contains("<script"), "the page runs no script");
    let (status, kind, _) = get(&env, "/api/docs.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/css"), "{kind}");
}
