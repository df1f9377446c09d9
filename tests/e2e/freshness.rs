//! "Still active?" through a real SMTP server and the real binary, its
//! clock moved on with `freshness run --now`: the group is asked, then
//! reminded, its entry goes stale on the running server's map, and the
//! link in its mail makes it fresh again. Two job runs at once on one
//! Postgres database ask each group once.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use serde_json::Value;
use solidarity_map_e2e::{PgDatabase, ServeProcess, add_moderator, cli};

use crate::instances::{Moderator, PASSWORD, submit};
use crate::mail::{Mailbox, PUBLIC_URL, on_sqlite, text};

/// `freshness run` at `days` from now, with the server's mail settings.
fn run_at(db: &str, mailbox: &Mailbox, days: i64) -> String {
    let now = (Utc::now() + TimeDelta::days(days)).to_rfc3339();
    let mut args = vec!["freshness", "run", "--now", &now];
    args.extend(mailbox.flag_refs());
    cli(db, &args, "").unwrap()
}

/// The one-click links of a mail, as paths of the site.
fn links(mail: &Value) -> Vec<String> {
    text(mail)
        .split_whitespace()
        .filter_map(|w| w.strip_prefix(PUBLIC_URL))
        .filter(|p| p.starts_with("/fresh/"))
        .map(str::to_owned)
        .collect()
}

/// The status and the page of a request to a link.
async fn open(method: reqwest::Method, url: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .request(method, url)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Whether the server says entry `id` is stale, on its own and as a
/// marker of the clustered map.
async fn stale(base: &str, id: &str) -> (bool, bool) {
    let read = |path: String| async move {
        let (_, body) = open(reqwest::Method::GET, &format!("{base}{path}")).await;
        serde_json::from_str::<Value>(&body).unwrap()
    };
    let one = read(format!("/api/organizations/{id}")).await;
    let clusters = read("/api/clusters?zoom=16".to_owned()).await;
    let marker = clusters["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .map(|f| f["properties"]["stale"] == true);
    (
        one["properties"]["stale"] == true,
        marker.unwrap_or_else(|| panic!("{id} is not drawn: {clusters}")),
    )
}

/// Waits until the server's map says `want` of entry `id` (it follows
/// the change log a command wrote within a few seconds).
async fn wait_stale(base: &str, id: &str, want: bool) {
    let start = Instant::now();
    loop {
        let got = stale(base, id).await;
        if got == (want, want) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{id}: stale {got:?}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_group_is_asked_reminded_and_confirms_by_mail() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    let (_dir, db, server) = on_sqlite(&mailbox).await;
    add_moderator(&db, "mod", PASSWORD).unwrap();
    let (id, _) = submit(&server.base, "Lasting Group", 1).await;
    Moderator::sign_in(&server.base).await.approve(&id).await;
    mailbox.wait_for(2, Duration::from_secs(20)).await;

    assert!(run_at(&db, &mailbox, 1).contains("0 asked"));
    let out = run_at(&db, &mailbox, 366);
    assert!(out.contains("1 asked, 0 reminded, 0 marked stale"), "{out}");
    let mails = mailbox.wait_for(3, Duration::from_secs(20)).await;
    let asked = mails
        .iter()
        .find(|m| m["subject"] == "Is Lasting Group still active?")
        .unwrap_or_else(|| panic!("no question in {mails:?}"));
    assert_eq!(asked["envelope_to"][0], "contact@example.org");
    let first = links(asked);
    assert_eq!(first.len(), 3, "{}", text(asked));

    let out = run_at(&db, &mailbox, 397);
    assert!(out.contains("0 asked, 1 reminded"), "{out}");
    let mails = mailbox.wait_for(4, Duration::from_secs(20)).await;
    assert!(
        mails
            .iter()
            .any(|m| m["subject"] == "Reminder: is Lasting Group still active?"),
        "{mails:?}"
    );
    wait_stale(&server.base, &id, false).await;

    let out = run_at(&db, &mailbox, 428);
    assert!(out.contains("1 marked stale"), "{out}");
    wait_stale(&server.base, &id, true).await;

    // the link in the first mail: a page with a button, then confirmed
    let link = format!("{}{}", server.base, first[0]);
    let (status, page) = open(reqwest::Method::GET, &link).await;
    assert_eq!(status, 200);
    assert!(page.contains("<button"), "{page}");
    wait_stale(&server.base, &id, true).await;
    assert_eq!(open(reqwest::Method::POST, &link).await.0, 200);
    wait_stale(&server.base, &id, false).await;
    assert_eq!(open(reqwest::Method::POST, &link).await.0, 410);
    // nothing more was sent
    assert_eq!(mailbox.wait_for(4, Duration::from_secs(5)).await.len(), 4);
}

#[tokio::test]
async fn two_job_runs_at_once_ask_each_group_once_on_postgres() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    let Some(db) = PgDatabase::create("sm_fresh") else {
        return;
    };
    let url = db.url();
    let server = ServeProcess::start(&url, &mailbox.flag_refs())
        .await
        .unwrap();
    add_moderator(&url, "mod", PASSWORD).unwrap();
    let moderator = Moderator::sign_in(&server.base).await;
    let groups = 6u8;
    for i in 0..groups {
        let (id, _) = submit(&server.base, &format!("Group {i}"), 20 + i).await;
        moderator.approve(&id).await;
    }
    let before = usize::from(groups) * 2;
    mailbox.wait_for(before, Duration::from_secs(30)).await;

    // two instances' jobs at the same moment
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (url, flags) = (url.clone(), mailbox.flag_refs().join("\u{1f}"));
            std::thread::spawn(move || {
                let now = (Utc::now() + TimeDelta::days(366)).to_rfc3339();
                let mut args = vec!["freshness", "run", "--now", &now];
                args.extend(flags.split('\u{1f}'));
                cli(&url, &args, "").unwrap()
            })
        })
        .collect();
    let outputs: Vec<String> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    let asked: usize = outputs
        .iter()
        .map(|o| {
            // the line that says what the run did: "N asked, …"
            let said = o.lines().find(|l| l.contains(" asked, ")).unwrap();
            said.split_whitespace()
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(asked, usize::from(groups), "{outputs:?}");
    let mails = mailbox
        .wait_for(before + usize::from(groups), Duration::from_secs(30))
        .await;
    let questions: Vec<&str> = mails
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .filter(|s| s.ends_with("still active?"))
        .collect();
    assert_eq!(questions.len(), usize::from(groups), "{questions:?}");
    for i in 0..groups {
        let subject = format!("Is Group {i} still active?");
        assert_eq!(questions.iter().filter(|s| **s == subject).count(), 1);
    }
}
