//! Murmurations profiles: every published organisation of the demo has a
//! profile valid against `organizations_schema-v1.0.0`, with public fields
//! only; a group that opts out from its edit page has none (404); and an
//! index (`--murmurations-index`) is told of new, changed and removed
//! profiles through the change log, even those changed while it was away.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::{Value, json};
use solidarity_map_core::{OrgFilter, PublicUrl, SiteConfig, Status};
use solidarity_map_server::feeds::murmurations_index::Notifier;

use crate::support::{self, EXACT, Session, TestApp, entry};

const BASE: &str = "https://map.example.org";

async fn env() -> TestApp {
    let site = SiteConfig {
        public_url: Some(PublicUrl::parse(BASE).unwrap()),
        ..SiteConfig::without_tiles()
    };
    support::setup().demo().moderator().site(site).start().await
}

fn validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/schemas/organizations_schema-v1.0.0.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft7::new(&schema).unwrap()
}

#[tokio::test]
async fn every_demo_profile_is_valid_and_public_only() {
    let env = env().await;
    let validator = validator();
    let all = OrgFilter::from_query("limit=1000").unwrap();
    let orgs = env.store.published(&all).await.unwrap().items;
    assert_eq!(orgs.len(), 22);
    for org in &orgs {
        let uri = format!("/org/{}/murmurations.json", org.id);
        let r = support::get(&env.app, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let profile = r.json();
        let errors: Vec<String> = validator
            .iter_errors(&profile)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{uri}: {errors:?}\n{profile}");
        assert_eq!(
            profile["linked_schemas"],
            json!(["organizations_schema-v1.0.0"])
        );
        assert!(
            profile["urls"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["url"] == format!("{BASE}/org/{}", org.id))
        );
        // the point at the public precision, as the map shows it
        let public = org.public_location();
        assert_eq!(
            profile["geolocation"],
            json!({"lat": public.lat(), "lon": public.lon()})
        );
    }
    // a profile holds nothing private, nor an exact point
    let hidden = env
        .store
        .insert_organization(&entry("Hidden").validate().unwrap(), Status::Pending)
        .await
        .unwrap();
    let shown = env
        .store
        .insert_organization(&entry("Shown").validate().unwrap(), Status::Published)
        .await
        .unwrap();
    let r = support::get(&env.app, &format!("/org/{}/murmurations.json", shown.id)).await;
    let text = r.text();
    assert!(validator.is_valid(&r.json()), "{text}");
    assert!(!text.contains("private@example.org"));
    assert!(!text.contains(&format!("{:.4}", EXACT.0)), "{text}");
    for missing in [
        format!("/org/{}/murmurations.json", hidden.id),
        format!("/org/{}/murmurations.json", uuid::Uuid::new_v4()),
        "/org/not-an-id/murmurations.json".to_owned(),
    ] {
        assert_eq!(
            support::get(&env.app, &missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[tokio::test]
async fn a_group_opts_out_from_its_edit_page() {
    let env = env().await;
    let mut body = json!({
        "name": {"en": "Opting Group"}, "description": {"en": "We meet."},
        "category": "media", "city": "Jerusalem", "country": "PS",
        "location": {"lat": 31.78, "lon": 35.23}, "precision": "city",
        "consent": true, "started_at": chrono::Utc::now().timestamp_millis() - 60_000
    });
    body["contact_email"] = json!("group@private.example");
    let created = support::submit(&env.app, body).await;
    let (id, token) = (
        created["id"].as_str().unwrap().to_owned(),
        created["edit_token"].as_str().unwrap().to_owned(),
    );
    let profile = format!("/org/{id}/murmurations.json");
    assert_eq!(
        support::get(&env.app, &profile).await.status,
        StatusCode::NOT_FOUND,
        "pending"
    );
    Session::sign_in(&env.app)
        .await
        .approve_next(&env.app)
        .await;
    assert_eq!(
        support::get(&env.app, &profile).await.status,
        StatusCode::OK
    );
    let view = support::get(&env.app, &format!("/api/edit/{token}"))
        .await
        .json();
    assert_eq!(view["murmurations"], true, "listed by default");

    let choose = |listed: bool| {
        let app = env.app.clone();
        let uri = format!("/api/edit/{token}/murmurations");
        async move { support::call(&app, "PUT", &uri, Some(json!({ "listed": listed })), &[]).await }
    };
    let r = choose(false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["murmurations"], false);
    assert_eq!(
        support::get(&env.app, &profile).await.status,
        StatusCode::NOT_FOUND,
        "opted out"
    );
    // still on the map: only the profile is gone
    assert_eq!(
        support::get(&env.app, &format!("/api/organizations/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(choose(true).await.json()["murmurations"], true);
    assert_eq!(
        support::get(&env.app, &profile).await.status,
        StatusCode::OK
    );
    let r = support::call(
        &env.app,
        "PUT",
        "/api/edit/nope/murmurations",
        Some(json!({"listed": false})),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// A Murmurations index on a real socket: it records every profile it is
/// told of, or answers 503 while `down`.
#[derive(Clone, Default)]
struct Index {
    told: Arc<Mutex<Vec<String>>>,
    down: Arc<Mutex<bool>>,
}

impl Index {
    fn serve(&self, listener: tokio::net::TcpListener) {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/v2/nodes",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let me = me.clone();
                async move {
                    if *me.down.lock().unwrap() {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let url = body["profile_url"].as_str().unwrap_or_default().to_owned();
                    me.told.lock().unwrap().push(url);
                    StatusCode::OK
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    }

    fn told(&self) -> Vec<String> {
        std::mem::take(&mut *self.told.lock().unwrap())
    }
}

#[tokio::test]
async fn the_index_is_told_of_each_change_even_after_it_was_away() {
    let env = env().await;
    // where the index will be: nothing listens there yet
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url: url::Url = format!("http://127.0.0.1:{port}/v2").parse().unwrap();
    let notifier = Notifier::new(env.store.clone(), url, BASE.to_owned()).unwrap();
    assert!(notifier.run_once().await.is_err(), "nobody listens");
    assert_eq!(
        env.store.murmurations_cursor().await.unwrap(),
        0,
        "nothing told, nothing moved"
    );

    let index = Index::default();
    index.serve(
        tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap(),
    );
    assert_eq!(
        notifier.run_once().await.unwrap(),
        22,
        "the demo's profiles"
    );
    let told = index.told();
    assert!(
        told.iter()
            .all(|u| u.starts_with(&format!("{BASE}/org/")) && u.ends_with("/murmurations.json"))
    );
    assert_eq!(notifier.run_once().await.unwrap(), 0, "each once");

    // a new group, one withdrawn, while the index is down: told once back
    let new = env
        .store
        .insert_organization(&entry("Newcomers").validate().unwrap(), Status::Published)
        .await
        .unwrap();
    let all = OrgFilter::from_query("limit=1").unwrap();
    let gone = env.store.published(&all).await.unwrap().items[0].id;
    env.store.withdraw(gone).await.unwrap();
    *index.down.lock().unwrap() = true;
    assert!(notifier.run_once().await.is_err());
    *index.down.lock().unwrap() = false;
    assert_eq!(notifier.run_once().await.unwrap(), 2);
    assert_eq!(
        index.told(),
        [
            format!("{BASE}/org/{}/murmurations.json", new.id),
            format!("{BASE}/org/{gone}/murmurations.json"),
        ]
    );
    // opting out is a change the index hears of (it then reads a 404)
    env.store
        .set_murmurations_listed(new.id, false)
        .await
        .unwrap();
    assert_eq!(notifier.run_once().await.unwrap(), 1);
    assert_eq!(
        index.told(),
        [format!("{BASE}/org/{}/murmurations.json", new.id)]
    );
}
