//! What the service promises the people on the map: no contact address or
//! submitter detail in any public answer, no point more precise than its
//! group chose, no password, token or address in the logs, and no IP
//! address in the database.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use solidarity_map_core::Precision;
use sqlx::{Connection, Row};

use crate::support::{self, Backend, Session};

/// One probe entry per precision: its exact point has more decimals than
/// any precision publishes.
struct Probe {
    precision: Precision,
    name: &'static str,
    email: &'static str,
    lat: f64,
    lon: f64,
    city: &'static str,
    country: &'static str,
}

const PROBES: [Probe; 4] = [
    Probe {
        precision: Precision::Exact,
        name: "Probe Exact Collective",
        email: "exact-contact@private.example",
        lat: 52.520_012_3,
        lon: 13.404_987_6,
        city: "Berlin",
        country: "DE",
    },
    Probe {
        precision: Precision::Neighbourhood,
        name: "Probe Neighbourhood Circle",
        email: "neighbourhood-contact@private.example",
        lat: 41.008_245_6,
        lon: 28.978_378_9,
        city: "Istanbul",
        country: "TR",
    },
    Probe {
        precision: Precision::City,
        name: "Probe City Union",
        email: "city-contact@private.example",
        lat: -1.292_065_9,
        lon: 36.821_946_2,
        city: "Nairobi",
        country: "KE",
    },
    Probe {
        precision: Precision::Country,
        name: "Probe Country Network",
        email: "country-contact@private.example",
        lat: -34.603_722_2,
        lon: -58.381_559_1,
        city: "Buenos Aires",
        country: "AR",
    },
];

fn submission(p: &Probe) -> Value {
    json!({
        "name": {"en": p.name},
        "description": {"en": "A probe for the privacy test."},
        "category": "solidarity",
        "city": p.city,
        "country": p.country,
        "location": {"lat": p.lat, "lon": p.lon},
        "precision": p.precision.as_str(),
        "website": "https://probe.example.org/",
        "languages": ["en"],
        "tags": ["probe"],
        "contact_email": p.email,
        "consent": true,
        "started_at": chrono::Utc::now().timestamp_millis() - 60_000
    })
}

/// Every coordinate pair in a GeoJSON answer, with its feature's id.
fn points(v: &Value, out: &mut Vec<(String, f64, f64)>) {
    match v {
        Value::Object(m) => {
            if m.get("type").and_then(Value::as_str) == Some("Feature")
                && let Some([lon, lat]) = m["geometry"]["coordinates"].as_array().map(Vec::as_slice)
            {
                let id = match &m["id"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push((id, lon.as_f64().unwrap(), lat.as_f64().unwrap()));
            }
            for child in m.values() {
                points(child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| points(c, out)),
        _ => {}
    }
}

/// No more decimals than the precision publishes, and no farther from the
/// exact point than its grid.
fn assert_coarse(what: &str, p: &Probe, lon: f64, lat: f64) {
    let grid = p.precision.grid_degrees();
    for (v, exact) in [(lon, p.lon), (lat, p.lat)] {
        let steps = v / grid;
        assert!(
            (steps - steps.round()).abs() < 1e-6,
            "{what}: {} shown at {v}, finer than its precision {:?}",
            p.name,
            p.precision
        );
        assert!(
            (v - exact).abs() <= grid,
            "{what}: {} shown at {v}, far from {exact}",
            p.name
        );
    }
}

on_both_backends!(backend: public_answers_hold_no_contact_and_no_precise_point);

async fn public_answers_hold_no_contact_and_no_precise_point(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let env = support::setup()
        .demo()
        .moderator()
        .start_on(db, |_| {})
        .await;
    let app = &env.app;

    let mut ids = Vec::new();
    let mut tokens = Vec::new();
    for p in &PROBES {
        let created = support::submit(app, submission(p)).await;
        ids.push(created["id"].as_str().unwrap().to_owned());
        tokens.push(created["edit_token"].as_str().unwrap().to_owned());
    }
    let moderator = Session::sign_in(app).await;
    let queue = moderator.queue(app).await;
    assert_eq!(queue.len(), PROBES.len());
    for rev in &queue {
        moderator.approve(app, rev["id"].as_str().unwrap()).await;
    }

    // a published entry with an edit waiting (a new address), and an entry
    // nobody approved: neither may show
    let mut edited = submission(&PROBES[0]);
    edited["contact_email"] = json!("changed-contact@private.example");
    edited["description"] = json!({"en": "A pending change."});
    support::edit(app, &tokens[0], edited).await;
    let mut hidden = submission(&PROBES[1]);
    hidden["name"] = json!({"en": "Probe Unapproved Group"});
    hidden["contact_email"] = json!("unapproved-contact@private.example");
    hidden["location"] = json!({"lat": 40.416_775_3, "lon": -3.703_790_1});
    hidden["city"] = json!("Madrid");
    hidden["country"] = json!("ES");
    support::submit(app, hidden).await;

    let mut uris: Vec<String> = vec![
        "/api/organizations".into(),
        "/api/organizations?limit=10000".into(),
        "/api/organizations?limit=2&offset=1".into(),
        "/api/organizations?q=probe".into(),
        "/api/organizations?q=private.example".into(),
        "/api/organizations?category=solidarity".into(),
        "/api/organizations?bbox=-180,-90,180,90".into(),
        "/api/organizations?bbox=13,52,14,53".into(),
        "/api/categories".into(),
        "/api/facets".into(),
        "/api/stats".into(),
        "/api/config".into(),
        "/api/places?q=Berlin".into(),
        "/api/places?q=Nair".into(),
        "/healthz".into(),
        "/api/changes".into(),
        "/api/changes?limit=1".into(),
        "/api/changes?limit=2&since=c3".into(),
    ];
    for p in &PROBES {
        uris.push(format!("/api/organizations?country={}", p.country));
    }
    for id in &ids {
        uris.push(format!("/api/organizations/{id}"));
    }
    for zoom in [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22] {
        uris.push(format!("/api/clusters?zoom={zoom}"));
        uris.push(format!("/api/clusters?zoom={zoom}&q=probe"));
        uris.push(format!("/api/clusters?zoom={zoom}&category=solidarity"));
        uris.push(format!("/api/clusters?zoom={zoom}&bbox=-180,-90,180,90"));
    }

    let mut seen_probes = 0;
    for uri in &uris {
        let r = support::get(app, uri).await;
        let text = r.text();
        assert_eq!(r.status, StatusCode::OK, "{uri}: {text}");
        for secret in [
            "private.example",
            "contact_email",
            "edit_token",
            "token",
            "consent",
            "started_at",
            "Unapproved",
            "A pending change",
        ] {
            assert!(!text.contains(secret), "{uri} shows {secret:?}: {text}");
        }
        for t in &tokens {
            assert!(!text.contains(t.as_str()), "{uri} shows an edit token");
        }
        // the exact points' digits, for every entry that is not exact
        for p in PROBES.iter().filter(|p| p.precision != Precision::Exact) {
            for v in [p.lat, p.lon] {
                let digits = format!("{:.4}", v);
                assert!(
                    !text.contains(&digits),
                    "{uri} shows {digits} of {}",
                    p.name
                );
            }
        }
        let Ok(json) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let mut found = Vec::new();
        points(&json, &mut found);
        for (id, lon, lat) in found {
            if let Some(i) = ids.iter().position(|x| *x == id) {
                seen_probes += 1;
                assert_coarse(uri, &PROBES[i], lon, lat);
            }
            // no point (a cluster's included) sits on a hidden exact point
            for p in PROBES.iter().filter(|p| p.precision != Precision::Exact) {
                assert!(
                    (lon - p.lon).abs() > 1e-5 || (lat - p.lat).abs() > 1e-5,
                    "{uri}: a point at the exact place of {}",
                    p.name
                );
            }
        }
    }
    // the probes were really there to be looked at
    assert!(seen_probes > PROBES.len() * 10, "{seen_probes}");
}

// ---- the real binary: its logs and its database ----

#[tokio::test]
async fn logs_hold_no_secret_and_the_database_no_address() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("privacy.db");
    let database_url = format!("sqlite:{}", db_path.display());
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let password = "correct horse battery staple 42";
    let wrong_password = "wrong horse battery staple 43";
    let email = "logs-contact@private.example";
    let new_email = "logs-changed@private.example";

    support::add_moderator_logged(&database_url, "mod", password, &log);
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>map</title>").unwrap();
    let debug = [("RUST_LOG", "debug")];
    let server = support::Served::start_logged(&database_url, &debug, &dist, &log).await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", server.base);
    // an address a proxy would claim: not stored either
    let forwarded = "203.0.113.77";

    let sign_in = |password: &str| {
        let body = json!({"username": "mod", "password": password});
        http.post(url("/api/admin/login")).json(&body).send()
    };
    assert_eq!(sign_in(wrong_password).await.unwrap().status(), 401);
    let r = sign_in(password).await.unwrap();
    assert_eq!(r.status(), 200);
    let set_cookie = r.headers()[header::SET_COOKIE].to_str().unwrap();
    let session = set_cookie.split(';').next().unwrap().to_owned();
    let session_token = session.split_once('=').unwrap().1.to_owned();
    let csrf = r.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut body = submission(&PROBES[2]);
    body["contact_email"] = json!(email);
    // the group's requests come through a proxy that names an address
    let as_the_group = |req: reqwest::RequestBuilder, body: &Value| {
        req.header("x-forwarded-for", forwarded).json(body).send()
    };
    let r = as_the_group(http.post(url("/api/submissions")), &body)
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["edit_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // the group opens its page and changes its address
    for path in [format!("/edit/{token}"), format!("/api/edit/{token}")] {
        let r = http.get(url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    body["contact_email"] = json!(new_email);
    let r = as_the_group(http.put(url(&format!("/api/edit/{token}"))), &body)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // a moderator approves
    let queue: Value = http
        .get(url("/api/admin/submissions"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rev = queue["items"][0]["id"].as_str().unwrap();
    let r = http
        .post(url(&format!("/api/admin/submissions/{rev}/approve")))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = http
        .post(url("/api/admin/logout"))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    drop(server);

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("submission received"),
        "the logs were captured at debug level:\n{logs}"
    );
    for (what, secret) in [
        ("the password", password),
        ("a wrong password", wrong_password),
        ("the contact address", email),
        ("the changed contact address", new_email),
        ("the edit token", token.as_str()),
        ("the session token", session_token.as_str()),
        ("the CSRF token", csrf.as_str()),
        ("an address", "private.example"),
    ] {
        if let Some(at) = logs.find(secret) {
            let line = logs[..at].rsplit('\n').next().unwrap_or("");
            panic!("the logs contain {what}: …{line}{secret}…");
        }
    }

    // every value of every table: no IP address, no token in the clear
    let mut conn = sqlx::SqliteConnection::connect(&database_url)
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("select name from sqlite_master where type = 'table'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(tables.iter().any(|t| t == "organizations"), "{tables:?}");
    let mut values = 0;
    for table in &tables {
        let columns: Vec<String> = sqlx::query(&format!("pragma table_info(\"{table}\")"))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("name"))
            .collect();
        for column in columns {
            let rows: Vec<Option<Vec<u8>>> = sqlx::query_scalar(&format!(
                "select cast(\"{column}\" as blob) from \"{table}\""
            ))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            for bytes in rows.into_iter().flatten() {
                values += 1;
                let text = String::from_utf8_lossy(&bytes);
                for (what, needle) in [
                    ("an IP address", "127.0.0.1"),
                    ("a forwarded IP address", forwarded),
                    ("the edit token", token.as_str()),
                    ("the session token", session_token.as_str()),
                    ("the password", password),
                ] {
                    assert!(
                        !text.contains(needle),
                        "{table}.{column} holds {what}: {text}"
                    );
                }
                assert!(
                    !bytes.windows(4).any(|w| w == [127, 0, 0, 1]),
                    "{table}.{column} holds a binary IP address"
                );
            }
        }
    }
    assert!(values > 50, "{values}");
}
