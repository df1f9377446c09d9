//! Freshness on both databases, the job's clock moved on instead of
//! waiting a year: a group is asked whether it is still active, reminded,
//! its entry marked stale (the API, the clustered map, the filter, the
//! statistics and the moderators' list all say so), and its signed link
//! makes it fresh again. A link acts only on `POST`, works once, and a
//! forged one is refused with a page that says so. The mail itself goes
//! through a real SMTP server in `tests/e2e/freshness.rs`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{OrgId, Status};
use solidarity_map_server::mail::{Delivery, MailPolicy};
use solidarity_map_server::service::Service;
use solidarity_map_server::store::FreshnessRun;

use crate::support::{self, Backend, CONTACT, Session, TestApp, call, get, setup, submission};

const YEAR: TimeDelta = TimeDelta::days(365);

/// Mail that leaves (as with an SMTP server): only such mail holds links.
fn sending() -> MailPolicy {
    MailPolicy {
        delivery: Delivery::Smtp,
        ..MailPolicy::default()
    }
}

/// The app, a moderator signed in, and the use cases over the app's store
/// and map.
async fn started(backend: Backend) -> Option<(TestApp, Session, Service)> {
    let db = backend.fresh().await?;
    let t = setup()
        .moderator()
        .start_on(db, |s| s.mail = sending())
        .await;
    let session = Session::sign_in(&t.app).await;
    let service = Service::new(t.store.clone())
        .with_follower(t.follower.clone())
        .with_mail(sending());
    Some((t, session, service))
}

/// A group joins and a moderator publishes it: its id. Each name is a
/// place of its own, so that the zoomed-in map draws each group alone.
async fn published(t: &TestApp, session: &Session, name: &str) -> String {
    let mut body = submission(name);
    let n = f64::from(name.bytes().map(u32::from).sum::<u32>() % 100);
    body["location"]["lat"] = serde_json::json!(31.0 + n / 50.0);
    let joined = support::submit(&t.app, body).await;
    session.approve_next(&t.app).await;
    joined["id"].as_str().unwrap().to_owned()
}

async fn run(service: &Service, at: DateTime<Utc>) -> FreshnessRun {
    service.run_freshness(at, YEAR).await.unwrap()
}

fn counts(asked: u64, reminded: u64, stale: u64) -> FreshnessRun {
    FreshnessRun {
        asked,
        reminded,
        stale,
    }
}

/// The one-click links of the newest mail of `kind`, in the mail's order
/// (still active, update, we stopped), as the store holds it before it is
/// sent.
async fn links(t: &TestApp, kind: &str) -> Vec<String> {
    let mails = t.store.outbox(50).await.unwrap();
    let mail = mails.iter().find(|m| m.kind == kind).expect("the mail");
    assert_eq!(mail.to, CONTACT);
    mail.text
        .lines()
        .filter(|l| l.starts_with("/fresh/"))
        .map(str::to_owned)
        .collect()
}

/// The ids of the features an API answer lists, and whether each is stale.
async fn features(t: &TestApp, uri: &str) -> Vec<(String, bool)> {
    let r = get(&t.app, uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    r.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let stale = f["properties"]["stale"].as_bool().unwrap_or(false);
            (f["id"].as_str().unwrap().to_owned(), stale)
        })
        .collect()
}

/// Whether `id` is on the map, and stale, in every public answer: the
/// list, the clustered map (zoomed in, where each entry is its own
/// marker), each with and without the filter, and the statistics.
async fn on_the_map(t: &TestApp, id: &str, stale: bool) {
    let one = get(&t.app, &format!("/api/organizations/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["properties"]["stale"], Value::Bool(stale));
    assert!(one.json()["properties"]["last_confirmed"].is_string());
    // the list with and without a box (chosen by the database, then by the
    // index), and the clustered map
    for base in [
        "/api/organizations?",
        "/api/organizations?bbox=-180,-90,180,90&",
        "/api/clusters?zoom=16&",
    ] {
        let all = features(t, base).await;
        assert!(all.contains(&(id.to_owned(), stale)), "{base}: {all:?}");
        let shown = features(t, &format!("{base}hide_stale=true")).await;
        assert_eq!(
            shown.iter().any(|(f, _)| f == id),
            !stale,
            "{base}hide_stale=true: {shown:?}"
        );
    }
}

async fn stats(t: &TestApp) -> (u64, u64) {
    let s = get(&t.app, "/api/stats").await.json();
    let n = |k: &str| s["freshness"][k].as_u64().unwrap();
    (n("fresh"), n("stale"))
}

async fn stale_list(t: &TestApp, session: &Session) -> Value {
    let r = session.get(&t.app, "/api/admin/stale").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Asked, reminded, stale everywhere; confirmed by its link, fresh again
/// everywhere; the used link, and one after the change, refused.
async fn a_year_without_an_answer_and_back(backend: Backend) {
    let Some((t, session, service)) = started(backend).await else {
        return;
    };
    let id = published(&t, &session, "Old Group").await;
    // an entry with no address to ask (an import, say), in Haifa
    let mut silent = support::entry("Silent Group");
    silent.contact_email = None;
    silent.city = "Haifa".into();
    silent.country = "IL".into();
    silent.location = Some(RawLocation {
        lat: 32.79,
        lon: 34.99,
    });
    let silent = t
        .store
        .insert_organization(&silent.validate().unwrap(), Status::Published)
        .await
        .unwrap()
        .id;
    t.follower.catch_up().await.unwrap();

    let now = Utc::now();
    assert_eq!(run(&service, now).await, counts(0, 0, 0));
    on_the_map(&t, &id, false).await;

    // a year on: the group is asked, once however often the job runs
    let asked_at = now + YEAR + TimeDelta::days(1);
    assert_eq!(run(&service, asked_at).await, counts(1, 0, 0));
    assert_eq!(run(&service, asked_at).await, counts(0, 0, 0));
    let first = links(&t, "fresh_ask").await;
    assert_eq!(first.len(), 3, "{first:?}");
    // moderators read the mail without its links
    let outbox = session.get(&t.app, "/api/admin/outbox").await.text();
    assert!(outbox.contains("still active"), "{outbox}");
    assert!(!outbox.contains(&first[0]), "{outbox}");

    // a month on: reminded; the entry nobody could ask is stale
    let reminded_at = asked_at + TimeDelta::days(31);
    assert_eq!(run(&service, reminded_at).await, counts(0, 1, 1));
    let reminder = links(&t, "fresh_remind").await;
    assert_eq!(reminder.len(), 3);
    on_the_map(&t, &id, false).await;
    on_the_map(&t, &silent.to_string(), true).await;

    // another month: stale
    let stale_at = reminded_at + TimeDelta::days(31);
    assert_eq!(run(&service, stale_at).await, counts(0, 0, 1));
    on_the_map(&t, &id, true).await;
    assert_eq!(stats(&t).await, (0, 2));
    let list = stale_list(&t, &session).await;
    assert_eq!(list["total"], 2);
    let listed: Vec<(&str, bool)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e["asked"].as_bool().unwrap()))
        .collect();
    assert!(listed.contains(&(id.as_str(), true)), "{listed:?}");
    assert!(
        listed.contains(&(silent.to_string().as_str(), false)),
        "{listed:?}"
    );

    // "we stopped", opened: a page with a button, and nothing done
    let stopped = get(&t.app, &first[2]).await;
    assert_eq!(stopped.status, StatusCode::OK);
    assert!(
        stopped.text().contains("<form method=\"post\">"),
        "{}",
        stopped.text()
    );
    assert_eq!(stopped.header("cache-control"), Some("no-store"));
    assert_eq!(stopped.header("referrer-policy"), Some("no-referrer"));
    on_the_map(&t, &id, true).await;

    // "still active", from the first mail: a page, then its button
    let page = get(&t.app, &first[0]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Yes, still active"), "{}", page.text());
    on_the_map(&t, &id, true).await;
    let done = call(&t.app, "POST", &first[0], None, &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(
        done.text().contains("confirmed as active"),
        "{}",
        done.text()
    );
    on_the_map(&t, &id, false).await;
    assert_eq!(stats(&t).await, (1, 1));
    assert_eq!(stale_list(&t, &session).await["total"], 1);

    // used: refused, and so is every other link of both mails
    for link in [&first[0], &first[2], &reminder[0], &reminder[2]] {
        let again = call(&t.app, "POST", link, None, &[]).await;
        assert_eq!(again.status, StatusCode::GONE, "{link}");
        assert!(again.text().contains("no longer works"), "{}", again.text());
    }
    on_the_map(&t, &id, false).await;
    // forged, or cut short: refused
    // one character of the signed part changed: another action or entry
    let mut forged: Vec<char> = first[0].chars().collect();
    forged[20] = if forged[20] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    for link in [forged.as_str(), "/fresh/not-a-link"] {
        let r = call(&t.app, "POST", link, None, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{link}");
        assert!(
            r.text().contains("not a link this map sent"),
            "{}",
            r.text()
        );
    }

    // fresh again: asked again a year after the confirmation, not before
    let before = Utc::now() + YEAR - TimeDelta::days(1);
    assert_eq!(run(&service, before).await, counts(0, 0, 0));

    // a moderator archives the entry nobody could ask
    let uri = format!("/api/admin/stale/{silent}/archive");
    let r = session.call(&t.app, "POST", &uri, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let gone = get(&t.app, &format!("/api/organizations/{silent}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let again = session.call(&t.app, "POST", &uri, None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(stale_list(&t, &session).await["total"], 0);
}

/// "We stopped" takes the entry off the map on `POST` only; "update"
/// opens the edit page with a new edit link and confirms the entry.
async fn we_stopped_and_update(backend: Backend) {
    let Some((t, session, service)) = started(backend).await else {
        return;
    };
    let stops = published(&t, &session, "Stopping Group").await;
    let asked_at = Utc::now() + YEAR + TimeDelta::days(1);
    assert_eq!(run(&service, asked_at).await, counts(1, 0, 0));
    let stop_links = links(&t, "fresh_ask").await;
    let updates = published(&t, &session, "Updating Group").await;
    let later = asked_at + TimeDelta::days(1);
    assert_eq!(run(&service, later + YEAR).await.asked, 1);
    let update_links = links(&t, "fresh_ask").await;
    assert_ne!(stop_links, update_links);

    // a mail scanner fetches every link: nothing happens
    for link in stop_links.iter().chain(&update_links) {
        assert_eq!(get(&t.app, link).await.status, StatusCode::OK, "{link}");
    }
    on_the_map(&t, &stops, false).await;

    let r = call(&t.app, "POST", &stop_links[2], None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("off the map"), "{}", r.text());
    let gone = get(&t.app, &format!("/api/organizations/{stops}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let org: OrgId = stops.parse().unwrap();
    assert_eq!(
        t.store.organization(org).await.unwrap().unwrap().status,
        Status::Withdrawn
    );

    // update: to the edit page, with a link that opens the entry
    let r = call(&t.app, "POST", &update_links[1], None, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r.header("location").unwrap().to_owned();
    let token = to.strip_prefix("/edit/").unwrap();
    let opened = get(&t.app, &format!("/api/edit/{token}")).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());
    assert_eq!(opened.json()["id"].as_str(), Some(updates.as_str()));
    let used = call(&t.app, "POST", &update_links[1], None, &[]).await;
    assert_eq!(used.status, StatusCode::GONE);
}

/// A map that sends no mail asks nobody: its links would only wait in
/// the outbox; the entry goes stale a month after the period instead.
async fn without_mail_nobody_is_asked(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let t = setup().moderator().start_on(db, |_| {}).await;
    let session = Session::sign_in(&t.app).await;
    let id = published(&t, &session, "Unasked Group").await;
    let service = Service::new(t.store.clone()).with_follower(t.follower.clone());
    let at = Utc::now() + YEAR + TimeDelta::days(1);
    assert_eq!(run(&service, at).await, counts(0, 0, 0));
    let kinds: Vec<String> = t
        .store
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect();
    assert!(!kinds.iter().any(|k| k.starts_with("fresh")), "{kinds:?}");
    assert_eq!(
        run(&service, at + TimeDelta::days(30)).await,
        counts(0, 0, 1)
    );
    on_the_map(&t, &id, true).await;
}

/// The points an index is built from at start-up (read in bulk, as json
/// pages on SQLite) and the one a change refreshes say alike that an entry
/// is stale.
async fn the_index_reads_staleness_in_bulk_and_one_by_one(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let store = db.store();
    solidarity_map_server::seed::sync_categories(store.as_ref())
        .await
        .unwrap();
    let mut quiet = support::entry("Quiet Group");
    quiet.contact_email = None;
    let quiet = quiet.validate().unwrap();
    let id = store
        .insert_organization(&quiet, Status::Published)
        .await
        .unwrap()
        .id;
    let service = Service::new(store.clone());
    let later = Utc::now() + YEAR + TimeDelta::days(31);
    assert_eq!(run(&service, later).await, counts(0, 0, 1));
    let points = store.published_points().await.unwrap();
    assert_eq!(points.len(), 1);
    assert!(points[0].stale);
    assert!(store.published_point(id).await.unwrap().unwrap().stale);
    let slugs = solidarity_map_server::seed::categories()
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let index = solidarity_map_server::clusters::Clusters::load(store.as_ref(), slugs)
        .await
        .unwrap();
    let drawn = index.query(&solidarity_map_core::OrgFilter::default(), 16);
    assert!(
        matches!(
            drawn.as_slice(),
            [solidarity_map_server::clusters::Drawn::One { stale: true, .. }]
        ),
        "{drawn:?}"
    );
}

on_both_backends!(backend: a_year_without_an_answer_and_back, we_stopped_and_update, without_mail_nobody_is_asked, the_index_reads_staleness_in_bulk_and_one_by_one);
