//! Linked data on organisation pages: `/org/{id}` of a published entry
//! carries its schema.org JSON-LD, public fields only, and no text a group
//! submitted can break out of the script element; other ids get the plain
//! client.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::Router;
use axum::http::{StatusCode, header};
use serde_json::Value;
use solidarity_map_core::{NewOrganization, Organization, OrganizationInput, Status};

use crate::support::{self, TestApp};

const INDEX: &str = "<!doctype html><html><head>\
    <meta name=\"description\" content=\"An open map.\" />\
    <title>Solidarity Map</title>\
    <script type=\"module\">import init from '/app.js'; await init();</script>\
    </head><body></body></html>";

async fn env() -> TestApp {
    support::setup().file("index.html", INDEX).start().await
}

/// `GET uri`: its status, its body and its Content-Security-Policy.
async fn get(app: &Router, uri: &str) -> (StatusCode, String, String) {
    let r = support::get(app, uri).await;
    let csp = r
        .header(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_default();
    (r.status, r.text(), csp.to_owned())
}

/// [`org`] named `name` at `precision`, stored with `status`.
async fn stored(env: &TestApp, name: &str, precision: &str, status: Status) -> Organization {
    env.store
        .insert_organization(&org(name, precision), status)
        .await
        .unwrap()
}

fn org(name: &str, precision: &str) -> NewOrganization {
    OrganizationInput {
        name: [
            ("en".to_owned(), name.to_owned()),
            ("ar".to_owned(), "مجموعة".to_owned()),
        ]
        .into(),
        description: [(
            "en".to_owned(),
            "Reports from the ground & more.".to_owned(),
        )]
        .into(),
        category: "media".into(),
        city: "Ramallah".into(),
        country: "PS".into(),
        location: Some(solidarity_map_core::org::RawLocation {
            lat: 31.90321,
            lon: 35.20456,
        }),
        precision: Some(precision.into()),
        website: Some("https://group.example/".into()),
        languages: vec!["ar".into(), "en".into()],
        tags: vec!["news".into()],
        contact_email: Some("secret@example.org".into()),
        ..Default::default()
    }
    .validate()
    .unwrap()
}

/// The JSON-LD blocks of a page, parsed.
fn json_ld(html: &str) -> Vec<Value> {
    html.split("<script type=\"application/ld+json\">")
        .skip(1)
        .map(|rest| {
            let text = rest.split("</script>").next().unwrap();
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
        })
        .collect()
}

#[tokio::test]
async fn a_published_organisation_page_carries_its_json_ld() {
    let env = env().await;
    let stored = stored(&env, "Ground Reports", "city", Status::Published).await;
    let (status, html, csp) = get(&env.app, &format!("/org/{}", stored.id)).await;
    assert_eq!(status, StatusCode::OK);
    let blocks = json_ld(&html);
    assert_eq!(blocks.len(), 1, "{html}");
    let ld = &blocks[0];
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Organization");
    assert_eq!(ld["name"], "Ground Reports");
    assert_eq!(ld["alternateName"], serde_json::json!(["مجموعة"]));
    assert_eq!(ld["url"], format!("/org/{}", stored.id));
    assert_eq!(ld["description"], "Reports from the ground & more.");
    assert_eq!(ld["sameAs"], serde_json::json!(["https://group.example/"]));
    assert_eq!(ld["address"]["addressCountry"], "PS");
    assert_eq!(ld["address"]["addressLocality"], "Ramallah");
    assert_eq!(ld["knowsLanguage"], serde_json::json!(["ar", "en"]));
    // the public point, rounded to the city, as the API gives it
    let (_, feature, _) = get(&env.app, &format!("/api/organizations/{}", stored.id)).await;
    let feature: Value = serde_json::from_str(&feature).unwrap();
    let geo = &ld["location"]["geo"];
    assert_eq!(geo["longitude"], feature["geometry"]["coordinates"][0]);
    assert_eq!(geo["latitude"], feature["geometry"]["coordinates"][1]);
    assert_ne!(geo["latitude"], 31.90321);
    // nothing private
    assert!(!html.contains("secret@example.org"));
    assert!(!html.contains("31.90321") && !html.contains("35.20456"));
    // a title and a description of its own, the client still loads
    assert!(
        html.contains("<title>Ground Reports · Solidarity Map</title>"),
        "{html}"
    );
    assert!(
        html.contains("content=\"Reports from the ground &amp; more.\""),
        "{html}"
    );
    assert!(html.contains("import init from '/app.js'"));
    // the policy does not need to (and does not) allow the data block
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

#[tokio::test]
async fn other_ids_get_the_plain_client() {
    let env = env().await;
    let pending = stored(&env, "Not Yet", "city", Status::Pending).await;
    for uri in [
        format!("/org/{}", pending.id),
        "/org/00000000-0000-4000-8000-000000000000".to_owned(),
        "/org/not-a-uuid".to_owned(),
        "/".to_owned(),
        "/stats".to_owned(),
    ] {
        let (status, html, _) = get(&env.app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(html, INDEX, "{uri}");
    }
}

#[tokio::test]
async fn submitted_text_cannot_break_out_of_the_script() {
    let env = env().await;
    let evil = "</script><script>alert(1)</script><!--";
    let stored = stored(&env, evil, "exact", Status::Published).await;
    let (_, html, _) = get(&env.app, &format!("/org/{}", stored.id)).await;
    // one data block, and the loader: no other script element
    assert_eq!(html.matches("<script").count(), 2, "{html}");
    assert_eq!(html.matches("</script>").count(), 2, "{html}");
    assert!(!html.contains("alert(1)</script>"));
    let ld = json_ld(&html);
    assert_eq!(ld[0]["name"], evil);
    // the title is text too
    assert!(
        html.contains("<title>&lt;/script&gt;&lt;script&gt;alert(1)"),
        "{html}"
    );
}

/// With `--public-url` the links the site gives out are absolute under it:
/// the JSON-LD page, the export's own links, a page's `next` link, and the
/// address the embed snippet uses (in `/api/config`).
#[tokio::test]
async fn a_public_url_makes_the_links_absolute() {
    let public = solidarity_map_core::PublicUrl::parse("https://map.example.org/").unwrap();
    let site = solidarity_map_core::SiteConfig {
        public_url: Some(public),
        ..solidarity_map_core::SiteConfig::without_tiles()
    };
    let public_env = support::setup()
        .file("index.html", INDEX)
        .site(site)
        .start()
        .await;
    let first = stored(&public_env, "Ground Reports", "city", Status::Published).await;
    stored(&public_env, "Second Group", "city", Status::Published).await;

    let (_, html, _) = get(&public_env.app, &format!("/org/{}", first.id)).await;
    let ld = &json_ld(&html)[0];
    let page = format!("https://map.example.org/org/{}", first.id);
    assert_eq!(ld["url"], page);
    assert_eq!(ld["@id"], page);

    let (_, export, _) = get(&public_env.app, "/api/export.geojson").await;
    let export: Value = serde_json::from_str(&export).unwrap();
    let links = export["links"].as_array().unwrap();
    let href = |rel: &str| {
        links
            .iter()
            .find(|l| l["rel"] == rel)
            .map(|l| l["href"].clone())
    };
    assert_eq!(
        href("self").unwrap(),
        "https://map.example.org/api/export.geojson"
    );
    assert_eq!(href("alternate").unwrap(), "https://map.example.org/");

    let (_, list, _) = get(&public_env.app, "/api/organizations?limit=1").await;
    let list: Value = serde_json::from_str(&list).unwrap();
    let next = list["links"][0]["href"].as_str().unwrap();
    assert!(
        next.starts_with("https://map.example.org/api/organizations?"),
        "{next}"
    );

    let (_, config, _) = get(&public_env.app, "/api/config").await;
    let config: Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config["public_url"], "https://map.example.org");

    // without it, all stay relative (and the config says nothing)
    let plain = env().await;
    let (_, config, _) = get(&plain.app, "/api/config").await;
    assert!(!config.contains("public_url"));
    let (_, export, _) = get(&plain.app, "/api/export.geojson").await;
    assert!(!export.contains("\"rel\":\"self\""));
}
