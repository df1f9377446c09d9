//! Several instances of the real server on one database, as behind a load
//! balancer: what one instance (or a command-line import) changes is on
//! every instance's map within two seconds; an instance killed with
//! SIGKILL catches up when it comes back and then draws the same world as
//! the others, byte for byte and with the same ETag; a dropped `LISTEN` connection loses no change; two
//! instances started at once on an empty Postgres database both come up,
//! migrated once. On SQLite, an import into a running server's file is on
//! its map within seconds, without a restart, and the operators' metrics
//! address says so.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use solidarity_map_e2e::{PgDatabase, ServeProcess, add_moderator, cli, free_tcp_port, psql_value};

use crate::support::{get_text, http};

/// What the issue promises: a change is everywhere within this.
const WITHIN: Duration = Duration::from_secs(2);

pub(crate) const PASSWORD: &str = "a long enough passphrase";

async fn get_json(base: &str, path: &str) -> Value {
    let r = http().get(format!("{base}{path}")).send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// How many published entries an instance lists.
async fn total(base: &str) -> u64 {
    get_json(base, "/api/organizations?limit=1").await["numberMatched"]
        .as_u64()
        .unwrap()
}

/// Whether an instance's map (its clustering index, at street level)
/// draws the entry `id`.
async fn draws(base: &str, id: &str) -> bool {
    get_json(base, "/api/clusters?zoom=18")
        .await
        .to_string()
        .contains(id)
}

/// Waits until `check` holds on every instance, at most [`WITHIN`] after
/// `since`; says how long it took.
async fn everywhere<F, Fut>(what: &str, bases: &[&str], since: Instant, check: F) -> Duration
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for base in bases {
        while !check((*base).to_owned()).await {
            assert!(
                since.elapsed() < WITHIN,
                "{what}: not on {base} within {WITHIN:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    since.elapsed()
}

/// The whole world as an instance draws it at `zoom`: its `ETag`, and the
/// body as sent.
async fn world(base: &str, zoom: u8) -> (String, String) {
    let r = http()
        .get(format!("{base}/api/clusters?zoom={zoom}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (etag, r.text().await.unwrap())
}

/// Waits until `/readyz` is 200.
async fn ready(base: &str) {
    let started = Instant::now();
    loop {
        let r = http().get(format!("{base}/readyz")).send().await;
        if r.is_ok_and(|r| r.status() == 200) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{base} never ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A join-form submission from its own loopback address (each address
/// has a small burst of submissions).
pub(crate) async fn submit(base: &str, name: &str, from: u8) -> (String, String) {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(
            127, 0, 3, from,
        )))
        .build()
        .unwrap();
    let started_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        - 60_000;
    let body = json!({
        "name": {"en": name},
        "description": {"en": "We meet every week."},
        "category": "solidarity",
        "city": "Haifa",
        "country": "IL",
        "location": {"lat": 32.794 + f64::from(from) / 100.0, "lon": 34.989},
        "precision": "city",
        "contact_email": "contact@example.org",
        "consent": true,
        "confirm_duplicate": true,
        "started_at": started_at,
    });
    let r = client
        .post(format!("{base}/api/submissions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let body: Value = r.json().await.unwrap();
    (
        body["id"].as_str().unwrap().to_owned(),
        body["edit_token"].as_str().unwrap().to_owned(),
    )
}

/// A moderator signed in on one instance.
pub(crate) struct Moderator {
    pub(crate) base: String,
    cookie: String,
    csrf: String,
}

impl Moderator {
    pub(crate) async fn sign_in(base: &str) -> Moderator {
        let r = http()
            .post(format!("{base}/api/admin/login"))
            .json(&json!({"username": "mod", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let info: Value = r.json().await.unwrap();
        Moderator {
            base: base.to_owned(),
            cookie,
            csrf: info["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A moderator's read of `path` (under `/api/admin`).
    pub(crate) async fn get(&self, path: &str) -> Value {
        http()
            .get(format!("{}/api/admin{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A moderator's change at `path` (under `/api/admin`), with `body`.
    pub(crate) async fn post(&self, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut request = http()
            .post(format!("{}/api/admin{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// The pending submission or edit of entry `org`.
    pub(crate) async fn revision_of(&self, org: &str) -> String {
        let queue = self.get("/submissions").await;
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_id"] == org)
            .unwrap_or_else(|| panic!("{org} is not in the queue: {queue}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Approves the pending submission of entry `org`.
    pub(crate) async fn approve(&self, org: &str) {
        let revision = self.revision_of(org).await;
        let r = self
            .post(&format!("/submissions/{revision}/approve"), None)
            .await;
        assert_eq!(r.status(), 204);
    }
}

pub(crate) async fn withdraw(base: &str, token: &str) {
    let r = http()
        .delete(format!("{base}/api/edit/{token}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

/// A GeoJSON file of `n` organisations for the command-line import.
fn import_file(dir: &std::path::Path, n: u32) -> String {
    let features: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [2.35 + f64::from(i) / 10.0, 48.85]},
                "properties": {
                    "id": format!("row-{i}"),
                    "name": format!("Imported group {i}"),
                    "description": "Imported from another map.",
                    "category": "diaspora",
                    "city": "Paris",
                    "country": "FR",
                    "precision": "city"
                }
            })
        })
        .collect();
    let path = dir.join("groups.geojson");
    let doc = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&path, doc.to_string()).unwrap();
    path.display().to_string()
}

fn import(database_url: &str, file: &str) {
    cli(
        database_url,
        &["import", file, "--publish", "--source", "other-map"],
        "",
    )
    .unwrap();
}

#[tokio::test]
async fn instances_on_one_postgres_stay_in_step() {
    let Some(db) = PgDatabase::create("instances") else {
        return;
    };
    let url = db.url();

    // two at once on an empty database: both come up, migrated once
    let (a, b) = tokio::join!(
        ServeProcess::start(&url, &[]),
        ServeProcess::start(&url, &[])
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let migrations = std::fs::read_dir(
        solidarity_map_e2e::workspace_root().join("crates/server/migrations/postgres"),
    )
    .unwrap()
    .count();
    let applied = psql_value(
        &url,
        "select count(*) || ' ' || count(distinct version) from _sqlx_migrations where success",
    )
    .unwrap();
    assert_eq!(applied, format!("{migrations} {migrations}"));
    let mut c = ServeProcess::start(&url, &[]).await.unwrap();
    for s in [&a, &b, &c] {
        ready(&s.base).await;
    }
    add_moderator(&url, "mod", PASSWORD).unwrap();
    let moderator = Moderator::sign_in(&a.base).await;

    // submitted on B, approved on A: on every map
    let (first, first_token) = submit(&b.base, "Haifa Neighbours", 1).await;
    let since = Instant::now();
    moderator.approve(&first).await;
    let took = everywhere("an approval", &[&a.base, &b.base, &c.base], since, |base| {
        let first = first.clone();
        async move { draws(&base, &first).await && total(&base).await == 1 }
    })
    .await;
    println!("an approval on A was on every instance after {took:?}");

    // withdrawn through B: off A and C
    let since = Instant::now();
    withdraw(&b.base, &first_token).await;
    everywhere("a withdrawal", &[&a.base, &c.base], since, |base| {
        let first = first.clone();
        async move { !draws(&base, &first).await && total(&base).await == 0 }
    })
    .await;

    // an import through the command line: on every map
    let dir = tempfile::tempdir().unwrap();
    let file = import_file(dir.path(), 5);
    let since = Instant::now();
    import(&url, &file);
    everywhere(
        "an import",
        &[&a.base, &b.base, &c.base],
        since,
        |base| async move { total(&base).await == 5 },
    )
    .await;

    // C is killed; what happens meanwhile reaches it when it is back
    c.kill();
    let (second, _) = submit(&a.base, "Carmel Circle", 2).await;
    moderator.approve(&second).await;
    let (third, third_token) = submit(&a.base, "Wadi Nisnas Youth", 3).await;
    moderator.approve(&third).await;
    withdraw(&a.base, &third_token).await;
    let c = ServeProcess::start(&url, &[]).await.unwrap();
    ready(&c.base).await;
    assert!(draws(&c.base, &second).await);
    assert!(!draws(&c.base, &third).await);
    for zoom in [0, 3, 6, 9, 12, 16] {
        let on_a = world(&a.base, zoom).await;
        assert!(on_a.1.contains("Feature"));
        assert_eq!(on_a, world(&b.base, zoom).await, "B differs at zoom {zoom}");
        assert_eq!(on_a, world(&c.base, zoom).await, "C differs at zoom {zoom}");
    }

    // every listening connection is cut: no change is lost
    let cut = psql_value(
        &url,
        &format!(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity
             where datname = '{}' and query ilike 'listen%'",
            db.name
        ),
    )
    .unwrap();
    assert_eq!(cut, "3", "each instance listens on one connection");
    let (fourth, _) = submit(&b.base, "Hadar Mutual Aid", 4).await;
    let since = Instant::now();
    moderator.approve(&fourth).await;
    everywhere(
        "a change right after LISTEN was cut",
        &[&a.base, &b.base, &c.base],
        since,
        |base| {
            let fourth = fourth.clone();
            async move { draws(&base, &fourth).await }
        },
    )
    .await;
    for s in [&a, &b, &c] {
        ready(&s.base).await;
    }
}

#[tokio::test]
async fn an_import_into_a_running_sqlite_server_is_on_its_map() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("map.db").display());
    let port = free_tcp_port().unwrap();
    let metrics_addr = format!("127.0.0.1:{port}");
    let server = ServeProcess::start(&url, &["--metrics-addr", &metrics_addr])
        .await
        .unwrap();
    ready(&server.base).await;
    assert_eq!(total(&server.base).await, 0);
    let file = import_file(dir.path(), 3);
    let since = Instant::now();
    import(&url, &file);
    // polled once a second
    while total(&server.base).await == 0 {
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "not on the map in 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(total(&server.base).await, 3);
    ready(&server.base).await;

    // the operators' address counts it; the public port has no metrics
    let scrape = get_text(&format!("http://{metrics_addr}/metrics")).await;
    assert!(scrape.contains("map_index_points 3"), "{scrape}");
    assert!(scrape.contains("map_index_lag_changes 0"), "{scrape}");
    assert!(
        scrape.contains(r#"route="/api/organizations",status="200""#),
        "{scrape}"
    );
    let public = http()
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert!(!public.text().await.unwrap().contains("http_requests_total"));
}
