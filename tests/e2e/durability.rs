//! Durability: the real server is killed with SIGKILL in the middle of a
//! burst of submissions; after a restart on the same database every
//! submission that was answered 201 is there (its edit link works), on
//! SQLite and on Postgres.
//!
//! The per-address rate limit on joining allows a burst of 5, so the burst
//! comes from many loopback source addresses (127.0.1.x; all of 127/8 is
//! the loopback on Linux), 5 submissions each.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use solidarity_map_e2e::{PgDatabase, ServeProcess};
use tokio::sync::Mutex;

/// Source addresses for the burst, 5 submissions each (the rate limit's
/// burst): 200 submissions.
const SENDERS: u8 = 40;
const PER_SENDER: usize = 5;
/// The server is killed once this many submissions were acknowledged.
const KILL_AFTER: usize = 60;

fn client_from(ip: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(ip))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn submission(name: &str) -> Value {
    json!({
        "name": {"en": name},
        "description": {"en": "Written just before the server was killed."},
        "category": "solidarity",
        "city": "Jerusalem",
        "country": "PS",
        "location": {"lat": 31.7812, "lon": 35.2345},
        "precision": "city",
        "contact_email": "contact@example.org",
        "consent": true,
        "confirm_duplicate": true,
        "started_at": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            - 60_000
    })
}

/// Fires the burst, kills the server mid-burst, restarts it on the same
/// database and checks every acknowledged submission.
async fn kill_mid_burst(database_url: &str) {
    let mut server = ServeProcess::start(database_url, &[]).await.unwrap();
    let url = format!("{}/api/submissions", server.base);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let acked_count = Arc::new(AtomicUsize::new(0));
    let other = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let http = client_from(Ipv4Addr::new(127, 0, 1, s + 1));
            let url = url.clone();
            let acked = acked.clone();
            let acked_count = acked_count.clone();
            let other = other.clone();
            tokio::spawn(async move {
                for i in 0..PER_SENDER {
                    let res = http
                        .post(&url)
                        .json(&submission(&format!("Durable {s}-{i}")))
                        .send()
                        .await;
                    let Ok(res) = res else {
                        // the server is gone: nothing more from here
                        other.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    if res.status() != 201 {
                        other.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    // acknowledged only once the whole answer is read
                    let Ok(body) = res.json::<Value>().await else {
                        other.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    let token = body["edit_token"].as_str().unwrap().to_owned();
                    acked.lock().await.push(token);
                    acked_count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    while acked_count.load(Ordering::Relaxed) < KILL_AFTER
        && !senders.iter().all(tokio::task::JoinHandle::is_finished)
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill();
    let at_kill = acked_count.load(Ordering::Relaxed);
    for s in senders {
        s.await.unwrap();
    }
    let acked = acked.lock().await.clone();
    let total = usize::from(SENDERS) * PER_SENDER;
    println!(
        "{database}: {total} submissions, killed after {at_kill} acknowledged; \
         {} acknowledged in all, {} failed or unanswered",
        acked.len(),
        other.load(Ordering::Relaxed),
        database = database_url.split(':').next().unwrap_or_default(),
    );
    assert!(
        acked.len() < total,
        "the burst finished before the kill: nothing was tested"
    );
    assert!(!acked.is_empty());

    // restart on the same database: every acknowledged submission is there
    let server = ServeProcess::start(database_url, &[]).await.unwrap();
    let mut missing = Vec::new();
    // the edit link is limited to a burst of 20 per address: 15 each
    for (n, chunk) in acked.chunks(15).enumerate() {
        let http = client_from(Ipv4Addr::new(127, 0, 2, u8::try_from(n + 1).unwrap()));
        for token in chunk {
            let res = http
                .get(format!("{}/api/edit/{token}", server.base))
                .send()
                .await
                .unwrap();
            match res.status().as_u16() {
                200 => {
                    let body: Value = res.json().await.unwrap();
                    assert!(
                        body.to_string().contains("Durable "),
                        "an unexpected entry: {body}"
                    );
                }
                status => missing.push(format!("{token}: {status}")),
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged submissions are lost: {missing:?}",
        missing.len(),
        acked.len()
    );
}

#[tokio::test]
async fn sqlite_keeps_every_acknowledged_submission_across_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("durability.db").display());
    kill_mid_burst(&url).await;
}

#[tokio::test]
async fn postgres_keeps_every_acknowledged_submission_across_kill_9() {
    let Some(db) = PgDatabase::create("dur") else {
        return;
    };
    kill_mid_burst(&db.url()).await;
}
