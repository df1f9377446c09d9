//! The HTTP API in process (`oneshot`) and over a real socket.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::Router;
use axum::http::{StatusCode, header};
use serde_json::Value;
use solidarity_map_core::{NewOrganization, OrgFilter, SiteConfig, Status};

use crate::support::{self, TestApp};

fn site() -> SiteConfig {
    support::tiles_from("https://tile.example.org/{z}/{x}/{y}.png")
}

async fn env() -> TestApp {
    support::setup()
        .demo()
        .site(site())
        .file("index.html", "<!doctype html><title>map</title>")
        .file("app.js", "console.log(1)")
        .start()
        .await
}

/// `GET uri`: its status, its content type and its body.
async fn get(app: &Router, uri: &str) -> (StatusCode, String, String) {
    let r = support::get(app, uri).await;
    let ctype = r
        .header(header::CONTENT_TYPE)
        .unwrap_or_default()
        .to_owned();
    (r.status, ctype, r.text())
}

async fn get_json(app: &Router, uri: &str) -> (StatusCode, Value) {
    let r = support::get(app, uri).await;
    (r.status, r.json())
}

/// An [`support::entry`] with the contact address `secret-contact@…`,
/// shown at neighbourhood precision once published (else exact).
fn private_org(name: &str, status: Status) -> NewOrganization {
    let mut input = support::entry(name);
    input.precision = Some(
        if status == Status::Published {
            "neighbourhood"
        } else {
            "exact"
        }
        .into(),
    );
    input.contact_email = Some("secret-contact@example.org".into());
    input.validate().unwrap()
}

#[tokio::test]
async fn lists_published_organisations_as_geojson() {
    let env = env().await;
    let (status, ctype, body) = get(&env.app, "/api/organizations").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/geo+json");
    let fc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    let total = env
        .store
        .published(&OrgFilter::default())
        .await
        .unwrap()
        .total;
    assert_eq!(features.len() as u64, total);
    assert_eq!(fc["numberMatched"], total);
    for f in features {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        assert_eq!(f["id"], f["properties"]["id"]);
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        assert!(c[0].as_f64().unwrap().abs() <= 180.0 && c[1].as_f64().unwrap().abs() <= 90.0);
    }
}

#[tokio::test]
async fn jerusalem_box_returns_the_jerusalem_area() {
    let env = env().await;
    let (status, fc) = get_json(&env.app, "/api/organizations?bbox=34,31,36,33").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"]["en"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Ir Amim"));
    assert!(names.contains(&"Grassroots Jerusalem"));
    assert!(!names.contains(&"Ameinu"), "New York is not in the box");
}

#[tokio::test]
async fn private_fields_and_unpublished_entries_never_leave() {
    let env = env().await;
    let insert = |name, status| {
        let store = env.store.clone();
        async move {
            let org = private_org(name, status);
            store.insert_organization(&org, status).await.unwrap()
        }
    };
    let published = insert("Published One", Status::Published).await;
    let pending = insert("Pending One", Status::Pending).await;
    for uri in [
        "/api/organizations".to_owned(),
        "/api/organizations?q=one".to_owned(),
        format!("/api/organizations/{}", published.id),
        "/api/categories".to_owned(),
    ] {
        let (_, _, body) = get(&env.app, &uri).await;
        assert!(
            !body.contains("secret-contact"),
            "{uri} leaks the contact e-mail"
        );
        assert!(
            !body.contains("contact_email"),
            "{uri} names the private field"
        );
        assert!(!body.contains("Pending One"), "{uri} shows a pending entry");
        assert!(
            !body.contains("31.78123") && !body.contains("35.23456"),
            "{uri} leaks the exact point"
        );
    }
    let (_, one) = get_json(&env.app, &format!("/api/organizations/{}", published.id)).await;
    assert_eq!(
        one["geometry"]["coordinates"],
        serde_json::json!([35.23, 31.78])
    );
    let (status, body) = get_json(&env.app, &format!("/api/organizations/{}", pending.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn one_organisation_by_id() {
    let env = env().await;
    let (_, fc) = get_json(&env.app, "/api/organizations?limit=1").await;
    let id = fc["features"][0]["id"].as_str().unwrap().to_owned();
    let (status, f) = get_json(&env.app, &format!("/api/organizations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(f["id"], id.as_str());
    assert_eq!(f["type"], "Feature");
    let (status, body) = get_json(
        &env.app,
        &format!("/api/organizations/{}", uuid::Uuid::new_v4()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    let (status, body) = get_json(&env.app, "/api/organizations/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["field"], "id");
}

#[tokio::test]
async fn bad_input_gets_400_naming_the_parameter() {
    let env = env().await;
    let long = "x".repeat(20_000);
    let cases = [
        ("/api/organizations?bbox=34,31,36".to_owned(), "bbox"),
        ("/api/organizations?bbox=34,31,36,91".to_owned(), "bbox"),
        ("/api/organizations?bbox=34,91,36,33".to_owned(), "bbox"),
        (
            "/api/organizations?category=unknown-kind".to_owned(),
            "category",
        ),
        (
            "/api/organizations?category=BAD%20SLUG".to_owned(),
            "category",
        ),
        ("/api/organizations?limit=ten".to_owned(), "limit"),
        ("/api/organizations?limit=-5".to_owned(), "limit"),
        ("/api/organizations?offset=x".to_owned(), "offset"),
        ("/api/organizations?after=nowhere".to_owned(), "after"),
        ("/api/organizations?country=ZZ".to_owned(), "country"),
        (format!("/api/organizations?q={}", &long[..300]), "q"),
        (format!("/api/organizations?q={long}"), "query"),
        ("/api/clusters".to_owned(), "zoom"),
        ("/api/clusters?zoom=23".to_owned(), "zoom"),
        ("/api/clusters?zoom=3&bbox=1,2".to_owned(), "bbox"),
        (
            "/api/clusters?zoom=3&category=unknown-kind".to_owned(),
            "category",
        ),
    ];
    for (uri, field) in cases {
        let (status, ctype, body) = get(&env.app, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(ctype, "application/json", "{uri}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "invalid_parameter");
        assert_eq!(v["fields"][0]["field"], field, "{uri}: {body}");
        assert!(v["message"].as_str().unwrap().contains(field));
    }
}

/// Organisations drawn by `/api/clusters`: clusters' counts plus singles.
async fn clustered(app: &Router, query: &str) -> (u64, Vec<Value>) {
    let (status, v) = get_json(app, &format!("/api/clusters?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {v}");
    let features = v["features"].as_array().unwrap().clone();
    let n = features
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    (n, features)
}

async fn listed(app: &Router, query: &str) -> u64 {
    let (_, v) = get_json(app, &format!("/api/organizations?{query}")).await;
    v["numberMatched"].as_u64().unwrap()
}

/// A filter of every kind the map and the list share.
const FILTERS: [&str; 9] = [
    "",
    "&category=jerusalem",
    "&category=student&category=media",
    "&country=PS",
    "&category=jerusalem&country=IL",
    "&bbox=35.1,31.7,35.4,31.9",
    "&bbox=170,-60,-170,60", // across the antimeridian
    "&q=jerusalem",          // words: answered by the store
    "&language=ar",
];

#[tokio::test]
async fn clusters_count_what_the_list_counts_for_every_filter() {
    let env = env().await;
    for filter in FILTERS {
        for zoom in [0, 2, 6, 12, 18] {
            let (n, _) = clustered(&env.app, &format!("zoom={zoom}{filter}")).await;
            let expected = listed(&env.app, filter).await;
            if filter.contains("bbox") && zoom < 18 {
                // a cluster is a grid cell: one that reaches into the box
                // counts all of its organisations, as on any clustered map
                assert!(n >= expected, "zoom {zoom}{filter}");
            } else {
                assert_eq!(n, expected, "zoom {zoom}{filter}");
            }
        }
    }
    // the world at zoom 2 is a few clusters, each with its category mix and
    // where it splits; at street level every organisation stands alone
    let (total, world) = clustered(&env.app, "zoom=2").await;
    let clusters: Vec<&Value> = world
        .iter()
        .filter(|f| f["properties"]["cluster"] == true)
        .collect();
    assert!(!clusters.is_empty() && (world.len() as u64) < total);
    for c in &clusters {
        let p = &c["properties"];
        let mix: u64 = p["categories"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(mix, p["count"].as_u64().unwrap());
        assert!(p["expansion_zoom"].as_u64().unwrap() > 2);
    }
    let (_, street) = clustered(&env.app, "zoom=18").await;
    assert!(street.iter().all(|f| f["properties"]["cluster"] == false));
    let one = &street[0];
    let (status, org) = get_json(
        &env.app,
        &format!("/api/organizations/{}", one["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        org["geometry"], one["geometry"],
        "the public point, no other"
    );
}

#[tokio::test]
async fn paging_links_to_the_next_page() {
    let env = env().await;
    let (_, first) = get_json(&env.app, "/api/organizations?limit=5").await;
    assert_eq!(first["numberReturned"], 5);
    let next = first["links"][0]["href"].as_str().unwrap().to_owned();
    assert_eq!(first["links"][0]["rel"], "next");
    assert!(next.contains("after="), "{next}");
    let (_, second) = get_json(&env.app, &next).await;
    assert_eq!(second["numberReturned"], 5);
    assert_ne!(first["features"][0]["id"], second["features"][0]["id"]);
    let total = first["numberMatched"].as_u64().unwrap();
    let (_, last) = get_json(
        &env.app,
        &format!("/api/organizations?offset={}", total - 1),
    )
    .await;
    assert_eq!(last["numberReturned"], 1);
    assert!(last.get("links").is_none());

    // following the links walks every entry once, in the offsets' order
    let (_, all) = get_json(&env.app, "/api/organizations").await;
    let ids = |fc: &Value| -> Vec<String> {
        fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut walked = Vec::new();
    let mut url = "/api/organizations?limit=7".to_owned();
    loop {
        let (status, page) = get_json(&env.app, &url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(page["numberMatched"].as_u64(), Some(total));
        walked.extend(ids(&page));
        match page["links"][0]["href"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(walked, ids(&all));
    assert_eq!(walked.len() as u64, total);
}

#[tokio::test]
async fn categories_with_counts() {
    let env = env().await;
    let (status, cats) = get_json(&env.app, "/api/categories").await;
    assert_eq!(status, StatusCode::OK);
    let cats = cats.as_array().unwrap();
    assert_eq!(cats.len(), 7);
    for c in cats {
        let slug = c["slug"].as_str().unwrap();
        let (_, fc) = get_json(&env.app, &format!("/api/organizations?category={slug}")).await;
        assert_eq!(c["count"], fc["numberMatched"], "{slug}");
        assert!(c["colour"].as_str().unwrap().starts_with('#'));
        assert!(c["labels"]["ar"].is_string() && c["labels"]["he"].is_string());
    }
}

#[tokio::test]
async fn facets_count_countries_and_languages() {
    let env = env().await;
    let (status, facets) = get_json(&env.app, "/api/facets").await;
    assert_eq!(status, StatusCode::OK);
    for (facet, param) in [("countries", "country"), ("languages", "language")] {
        let list = facets[facet].as_array().unwrap();
        assert!(!list.is_empty());
        for f in list {
            let code = f["code"].as_str().unwrap();
            let (_, fc) = get_json(&env.app, &format!("/api/organizations?{param}={code}")).await;
            assert_eq!(f["count"], fc["numberMatched"], "{facet} {code}");
        }
    }
    let il = facets["countries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "IL")
        .unwrap();
    assert!(il["count"].as_u64().unwrap() >= 10);
}

#[tokio::test]
async fn health_config_and_static_files() {
    let env = env().await;
    let (status, h) = get_json(&env.app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["status"], "ok");
    let (status, cfg) = get_json(&env.app, "/api/config").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cfg["tile_url"], "https://tile.example.org/{z}/{x}/{y}.png");
    let (status, _, body) = get(&env.app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>map</title>"));
    let (status, _, body) = get(&env.app, "/org/some-id").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "client routes fall back to index.html"
    );
    assert!(body.contains("<title>map</title>"));
    let (status, _, _) = get(&env.app, "/app.js").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = get(&env.app, "/missing.js").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a missing asset is not index.html"
    );
    assert!(!body.contains("<title>"));
    let (status, v) = get_json(&env.app, "/api/no-such-endpoint").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "not_found");
}

/// A real store whose database goes away under the running app: its
/// connection pool is closed, as when Postgres is gone for good.
#[tokio::test]
async fn database_down_means_503_not_500() {
    let Some(db) = support::postgres().await else {
        return;
    };
    let env = support::setup()
        .demo()
        .site(site())
        .start_on(db, |_| {})
        .await;
    let app = &env.app;
    let (status, _) = get_json(app, "/healthz").await;
    assert_eq!(status, StatusCode::OK, "up before the database goes away");
    env.db.close_pool().await;
    // the legend and the filters' counts are answered from memory,
    // database or not; a search's counts need it
    for uri in ["/api/categories", "/api/facets", "/api/facets?language=ar"] {
        let (status, _) = get_json(app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri} needs no database");
    }
    for uri in [
        "/healthz",
        "/api/organizations",
        "/api/facets?q=press",
        "/api/stats",
    ] {
        let (status, v) = get_json(app, uri).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        let body = v.to_string();
        assert!(
            !body.contains("PoolClosed") && !body.contains("closed pool"),
            "no internals in the body: {body}"
        );
    }
}

#[tokio::test]
async fn serves_over_a_real_socket() {
    let env = env().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(solidarity_map_server::http::serve(
        listener,
        env.app.clone(),
    ));
    let client = reqwest::Client::new();
    let res = client
        .get(format!("http://{addr}/api/organizations?bbox=34,31,36,33"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/geo+json");
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let res = client
        .get(format!("http://{addr}/api/organizations?bbox=34,31,36,33"))
        .send()
        .await
        .unwrap();
    let fc: Value = res.json().await.unwrap();
    assert!(fc["features"].as_array().unwrap().len() >= 10);
    let res = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    server.abort();
}

/// A submission over the API, as the join form sends it.
fn joining() -> Value {
    support::confirmed_submission("Plain Name")
}

async fn submit(app: &Router, body: &Value) -> (StatusCode, Value) {
    let r = support::call(app, "POST", "/api/submissions", Some(body.clone()), &[]).await;
    (r.status, r.json())
}

fn problems(body: &Value) -> Vec<(String, String)> {
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_submission_needs_its_fill_time_and_names_without_direction_controls() {
    let env = env().await;
    let (status, body) = submit(&env.app, &joining()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // without the time the form was opened: refused, naming it
    let mut timeless = joining();
    timeless.as_object_mut().unwrap().remove("started_at");
    let (status, body) = submit(&env.app, &timeless).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(problems(&body), [("started_at".into(), "required".into())]);

    // a name shown backwards and a city in an isolate
    let mut turned = joining();
    turned["name"]["ar"] = "\u{202E}مكتبة الحي".into();
    turned["city"] = "\u{2066}Jerusalem\u{2069}".into();
    let (status, body) = submit(&env.app, &turned).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        problems(&body),
        [
            ("name.ar".into(), "bidi_controls".into()),
            ("city".into(), "bidi_controls".into())
        ]
    );

    // the API's description says the field is required, and a number
    let (_, doc) = get_json(&env.app, "/api/openapi.json").await;
    let schema = &doc["components"]["schemas"]["SubmissionRequest"];
    let with_started_at = std::iter::once(schema)
        .chain(schema["allOf"].as_array().into_iter().flatten())
        .find(|s| s["properties"].get("started_at").is_some())
        .unwrap_or_else(|| panic!("no started_at in {schema}"));
    assert!(
        with_started_at["required"]
            .as_array()
            .is_some_and(|r| r.contains(&"started_at".into())),
        "{with_started_at}"
    );
    assert_eq!(
        with_started_at["properties"]["started_at"]["type"], "integer",
        "{with_started_at}"
    );
}

/// A city's name in any language or spelling finds the same
/// organisations: those that wrote "Jerusalem", "القدس" or "al-Quds".
#[tokio::test]
async fn a_citys_name_in_any_language_finds_the_same_organisations() {
    let env = env().await;
    let english = listed(&env.app, "q=Jerusalem").await;
    assert!(english >= 9, "{english}");
    for q in [
        "%D8%A7%D9%84%D9%82%D8%AF%D8%B3",             // القدس
        "%D7%99%D7%A8%D7%95%D7%A9%D7%9C%D7%99%D7%9D", // ירושלים
        "al-Quds",
        "JERUSALEM",
    ] {
        assert_eq!(listed(&env.app, &format!("q={q}")).await, english, "{q}");
        // the map's clusters agree with the list
        let (clustered, _) = clustered(&env.app, &format!("zoom=3&q={q}")).await;
        assert_eq!(clustered, english, "{q}");
    }
    // words that are no city are searched as typed
    assert!(listed(&env.app, "q=Ir%20Amim").await < english);
}
