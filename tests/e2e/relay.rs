//! The contact relay and lost edit links with the real binary and a real
//! SMTP server (`tools/smtp_sink.py`, see `mail`): a group joins, gets
//! its link, is published, loses the link and gets a new one by mail; a
//! visitor writes to it without ever seeing its address, the group
//! answers through `Reply-To`, blocks a sender, switches the form off;
//! floods are refused.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use serde_json::{Value, json};
use solidarity_map_e2e::{PgDatabase, ServeProcess, add_moderator, cli, psql_value};

use crate::instances::{Moderator, PASSWORD, submit};
use crate::mail::{Mailbox, PUBLIC_URL, text};

/// Where `submit` says the group is reached: never in a visitor's answer.
const CONTACT: &str = "contact@example.org";

/// A request from the loopback address `127.0.4.{from}`, so that each
/// step of a test has its own per-address limit: its status and body.
async fn request(
    base: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    from: u8,
) -> (u16, String) {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(
            127, 0, 4, from,
        )))
        .build()
        .unwrap();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client.request(method, format!("{base}{path}"));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A form opened a minute ago.
fn started() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        - 60_000
}

fn message(from: &str, words: &str) -> Value {
    json!({"name": "Rana", "reply_to": from, "message": words, "started_at": started()})
}

fn recovery(email: &str) -> Value {
    json!({"email": email, "started_at": started()})
}

/// The 64 characters after `prefix` in `text`.
fn token_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
        + prefix.len();
    &text[at..at + 64]
}

/// A server sending through `mailbox` on `db`, with a moderator.
async fn serving(mailbox: &Mailbox, db: &str) -> ServeProcess {
    let server = ServeProcess::start(db, &mailbox.flag_refs()).await.unwrap();
    add_moderator(db, "mod", PASSWORD).unwrap();
    server
}

#[tokio::test]
async fn a_lost_edit_link_is_sent_again_and_the_old_one_dies() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("relay.db").display());
    let server = serving(&mailbox, &db).await;
    let base = &server.base;

    let (id, token) = submit(base, "Lost Link Group", 1).await;
    let received = mailbox.wait_for(1, Duration::from_secs(20)).await;
    assert!(text(&received[0]).contains(&format!("{PUBLIC_URL}/edit/{token}")));
    let (status, _) = request(base, "GET", &format!("/api/edit/{token}"), None, 1).await;
    assert_eq!(status, 200);
    Moderator::sign_in(base).await.approve(&id).await;
    mailbox.wait_for(2, Duration::from_secs(20)).await;

    // listed or not, the same answer
    let listed = request(
        base,
        "POST",
        "/api/edit/recover",
        Some(recovery("Contact@Example.org")),
        2,
    )
    .await;
    let unlisted = request(
        base,
        "POST",
        "/api/edit/recover",
        Some(recovery("nobody@example.org")),
        3,
    )
    .await;
    assert_eq!(listed.0, 202, "{}", listed.1);
    assert_eq!(listed, unlisted);

    let all = mailbox.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(all.len(), 3, "only the listed address gets mail: {all:?}");
    let mail = all
        .iter()
        .find(|m| m["subject"] == "A new edit link for Lost Link Group")
        .unwrap_or_else(|| panic!("no new link in {all:?}"));
    assert_eq!(mail["envelope_to"][0], CONTACT);
    let new = token_after(text(mail), &format!("{PUBLIC_URL}/edit/"));
    assert_ne!(new, token);
    let (status, body) = request(base, "GET", &format!("/api/edit/{new}"), None, 4).await;
    assert_eq!(status, 200);
    assert!(body.contains("Lost Link Group"));
    let (status, _) = request(base, "GET", &format!("/api/edit/{token}"), None, 4).await;
    assert_eq!(status, 404, "the old link is dead");
    // nobody reads the new link in the outbox
    let listed = cli(&db, &["mail", "list"], "").unwrap();
    assert!(!listed.contains(new), "{listed}");
}

#[tokio::test]
async fn a_visitor_writes_to_a_group_that_never_shows_its_address() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    let Some(db) = PgDatabase::create("sm_relay") else {
        return;
    };
    let url = db.url();
    let server = serving(&mailbox, &url).await;
    let base = &server.base;
    let (id, token) = submit(base, "Relay Group", 2).await;
    Moderator::sign_in(base).await.approve(&id).await;
    mailbox.wait_for(2, Duration::from_secs(20)).await;

    // everything a visitor gets on the way to writing
    let mut seen = Vec::new();
    for path in [
        format!("/api/organizations/{id}"),
        format!("/api/organizations/{id}/relay"),
        "/api/organizations".to_owned(),
        "/api/export.geojson".to_owned(),
    ] {
        seen.push(request(base, "GET", &path, None, 10).await);
    }
    assert_eq!(seen[1], (200, r#"{"open":true}"#.to_owned()));
    let messages = format!("/api/organizations/{id}/messages");
    let words = "Could we meet on Tuesday?\nRana";
    let sent = request(
        base,
        "POST",
        &messages,
        Some(message("rana@example.net", words)),
        10,
    )
    .await;
    assert_eq!(sent, (202, r#"{"status":"accepted"}"#.to_owned()));
    seen.push(sent.clone());
    for (_, body) in &seen {
        assert!(!body.contains(CONTACT), "the address leaked: {body}");
    }

    let all = mailbox.wait_for(3, Duration::from_secs(20)).await;
    let relayed = all
        .iter()
        .find(|m| m["subject"] == "Rana wrote to Relay Group through the map")
        .unwrap_or_else(|| panic!("no relayed message in {all:?}"));
    assert_eq!(relayed["envelope_to"][0], CONTACT);
    assert_eq!(relayed["reply_to"], "rana@example.net");
    let quoted: Vec<&str> = text(relayed)
        .lines()
        .filter(|l| l.starts_with("> "))
        .collect();
    assert_eq!(
        quoted,
        ["> Could we meet on Tuesday?", "> Rana"],
        "{}",
        text(relayed)
    );
    let report = token_after(text(relayed), &format!("{PUBLIC_URL}/relay/block/")).to_owned();
    // sent: neither the words nor the visitor's address stay
    let kept = "select status || '|' || body_text || body_html || '|' || coalesce(reply_to, '') \
                from outbox where kind = 'relay'";
    assert_eq!(psql_value(&url, kept).as_deref(), Some("sent||"));

    // the group blocks the sender: the same answer, nothing arrives
    let block = format!("/api/relay/block/{report}");
    let (status, _) = request(base, "POST", &block, None, 11).await;
    assert_eq!(status, 204);
    let again = request(
        base,
        "POST",
        &messages,
        Some(message("RANA@example.net", "again")),
        12,
    )
    .await;
    assert_eq!(again, sent);
    let other = request(
        base,
        "POST",
        &messages,
        Some(message("sami@example.net", "hello")),
        13,
    )
    .await;
    assert_eq!(other, sent);
    let all = mailbox.wait_for(4, Duration::from_secs(20)).await;
    assert_eq!(all.len(), 4, "{all:?}");
    assert!(all.iter().any(|m| m["reply_to"] == "sami@example.net"));

    // a group without an address: the same answer, and no mail
    let file = tempfile::Builder::new()
        .suffix(".geojson")
        .tempfile()
        .unwrap();
    let silent = "0b7d3a4e-9a53-4c3e-9b8e-2f1a2b3c4d5e";
    let org = solidarity_map_e2e::one_org(silent, "Silent Group", "No address.", 31.9, 35.2);
    std::fs::write(file.path(), org.to_string()).unwrap();
    cli(
        &url,
        &["import", "--publish", &file.path().to_string_lossy()],
        "",
    )
    .unwrap();
    let to_silent = format!("/api/organizations/{silent}/messages");
    let quiet = request(
        base,
        "POST",
        &to_silent,
        Some(message("lina@example.net", "hi")),
        14,
    )
    .await;
    assert_eq!(quiet, sent);

    // the group switches the form off: no form, and messages stop
    let off = request(
        base,
        "PUT",
        &format!("/api/edit/{token}/relay"),
        Some(json!({"open": false})),
        15,
    )
    .await;
    assert_eq!(off, (200, r#"{"open":false}"#.to_owned()));
    let status = request(
        base,
        "GET",
        &format!("/api/organizations/{id}/relay"),
        None,
        15,
    )
    .await;
    assert_eq!(status, (200, r#"{"open":false}"#.to_owned()));
    let refused = request(
        base,
        "POST",
        &messages,
        Some(message("omar@example.net", "hi")),
        16,
    )
    .await;
    assert_eq!(refused.0, 409);
    assert!(refused.1.contains("relay_off"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(mailbox.messages().len(), 4, "no mail after the last one");
}

#[tokio::test]
async fn floods_of_recoveries_and_messages_are_refused() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("flood.db").display());
    let server = serving(&mailbox, &db).await;
    let base = &server.base;
    let moderator = Moderator::sign_in(base).await;
    let mut groups = Vec::new();
    for (i, name) in ["Flooded One", "Flooded Two"].into_iter().enumerate() {
        let (id, _) = submit(base, name, 20 + u8::try_from(i).unwrap()).await;
        moderator.approve(&id).await;
        groups.push(id);
    }
    let statuses = async |requests: Vec<(Value, u8)>, path: &str| {
        let mut out = Vec::new();
        for (body, from) in requests {
            out.push(request(base, "POST", path, Some(body), from).await);
        }
        out
    };
    // from one address: three recoveries, then no more
    let asked: Vec<_> = (0..4u8)
        .map(|i| (recovery(&format!("someone{i}@example.org")), 30))
        .collect();
    let answers = statuses(asked, "/api/edit/recover").await;
    let codes: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(codes, [202, 202, 202, 429]);
    // for one address, from many: two, then no more
    let asked: Vec<_> = (0..3u8)
        .map(|i| (recovery("flood@example.org"), 31 + i))
        .collect();
    let codes: Vec<u16> = statuses(asked, "/api/edit/recover")
        .await
        .iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(codes, [202, 202, 429]);

    // from one reply address, from many places: five, then no more
    let to_one = format!("/api/organizations/{}/messages", groups[0]);
    let asked: Vec<_> = (0..6u8)
        .map(|i| (message("same@example.net", "hi"), 40 + i))
        .collect();
    let codes: Vec<u16> = statuses(asked, &to_one).await.iter().map(|a| a.0).collect();
    assert_eq!(codes, [202, 202, 202, 202, 202, 429]);
    // to one group, from everyone: ten, then no more
    let to_two = format!("/api/organizations/{}/messages", groups[1]);
    let asked: Vec<_> = (0..11u8)
        .map(|i| (message(&format!("v{i}@example.net"), "hi"), 50 + i))
        .collect();
    let answers = statuses(asked, &to_two).await;
    let codes: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(codes, [[202; 10].as_slice(), &[429]].concat());
    // every limit answers alike
    assert!(answers[10].1.contains("rate_limited"));
}
