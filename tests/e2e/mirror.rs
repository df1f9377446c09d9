//! Two real maps, and a third, connected as an operator connects them:
//! B mirrors A (`mirror add`, then B's own job, reading every second).
//! What A publishes, edits and withdraws is on B within a few polls,
//! with A's name and licence; B killed while A changes resumes from its
//! cursor with nothing lost or twice; A away is retried until it is
//! back; A mirroring B in turn sends nothing round; C mirroring B keeps
//! the name of the map each entry comes from; and nothing B serves holds
//! what A keeps private. On SQLite and on Postgres. Then, on SQLite: an
//! answer that is not a feed stops a mirror and changes nothing, a busy
//! map is only waited for, and a moderator's corrections to a mirrored
//! entry are refused while hiding it holds against its source.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use solidarity_map_e2e::{PgDatabase, ServeProcess, add_moderator, cli};

use crate::instances::{Moderator, PASSWORD, submit, withdraw};
use crate::support::{get_text, http};

/// How long a change may take to reach a map that reads every second.
const WITHIN: Duration = Duration::from_secs(20);

/// Entry `id` as map `base` serves it, or `None` when it does not.
async fn entry(base: &str, id: &str) -> Option<Value> {
    let r = http()
        .get(format!("{base}/api/organizations/{id}"))
        .send()
        .await
        .unwrap();
    match r.status().as_u16() {
        200 => Some(r.json().await.unwrap()),
        404 => None,
        s => panic!("{base}: {id} answered {s}"),
    }
}

/// Waits until entry `id` on `base` is as `want` says.
async fn wait_entry(base: &str, id: &str, what: &str, want: impl Fn(Option<&Value>) -> bool) {
    let start = Instant::now();
    loop {
        let got = entry(base, id).await;
        if want(got.as_ref()) {
            return;
        }
        assert!(
            start.elapsed() < WITHIN,
            "{what}: not so on {base} within {WITHIN:?}: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn name_of(e: Option<&Value>) -> Option<&str> {
    e.and_then(|e| e["properties"]["name"]["en"].as_str())
}

/// Changes entry `token`'s name on its map, and a moderator approves it.
async fn rename(moderator: &Moderator, id: &str, token: &str, name: &str) {
    let body = json!({
        "name": {"en": name},
        "description": {"en": "We meet every week."},
        "category": "solidarity",
        "city": "Haifa",
        "country": "IL",
        "location": {"lat": 32.8, "lon": 34.989},
        "precision": "city",
    });
    let r = http()
        .put(format!("{}/api/edit/{token}", moderator.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    moderator.approve(id).await;
}

/// A page of a map's change feed.
async fn changes(base: &str, since: &str) -> Value {
    http()
        .get(format!("{base}/api/changes?since={since}&limit=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every `(id, kind)` of a map's change feed, from its start.
async fn feed(base: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut since = String::new();
    loop {
        let page = changes(base, &since).await;
        for c in page["changes"].as_array().unwrap() {
            out.push((
                c["id"].as_str().unwrap().to_owned(),
                c["kind"].as_str().unwrap().to_owned(),
            ));
        }
        since = page["next"].as_str().unwrap().to_owned();
        if page["more"] != true {
            return out;
        }
    }
}

/// The end of a map's change feed.
async fn head(base: &str) -> String {
    changes(base, "now").await["next"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What `mirror list` says on a database.
fn mirrors(db: &str) -> String {
    cli(db, &["mirror", "list"], "").unwrap()
}

/// Everything a visitor, a partner or a crawler can read of `base`.
async fn everything_served(base: &str, ids: &[&str]) -> String {
    let mut paths = vec![
        "/api/organizations?limit=1000".to_owned(),
        "/api/export.geojson".to_owned(),
        "/api/export.csv".to_owned(),
        "/api/changes?limit=1000".to_owned(),
        "/api/clusters?zoom=18".to_owned(),
        "/api/facets".to_owned(),
        "/feed.atom".to_owned(),
        "/sitemap.xml".to_owned(),
    ];
    for id in ids {
        paths.push(format!("/api/organizations/{id}"));
        paths.push(format!("/org/{id}/murmurations.json"));
    }
    let mut all = String::new();
    for path in paths {
        all.push_str(&get_text(&format!("{base}{path}")).await);
    }
    all
}

/// The whole story on one kind of database: `db(name)` makes a database
/// and gives its URL.
async fn maps_follow_each_other(a_db: &str, b_db: &str, c_db: &str) {
    let mut a = ServeProcess::start(a_db, &["--mirror-every", "1"])
        .await
        .unwrap();
    add_moderator(a_db, "mod", PASSWORD).unwrap();
    let moderator = Moderator::sign_in(&a.base).await;
    let (x, x_token) = submit(&a.base, "Harbour Solidarity", 1).await;
    moderator.approve(&x).await;
    // waits for a moderator on A: never anywhere else
    let (secret, _) = submit(&a.base, "Unreviewed Secret Group", 2).await;

    // a wrong address is refused at once, and nothing is stored
    let refused = cli(b_db, &["mirror", "add", "http://127.0.0.1:9/"], "").unwrap_err();
    assert!(refused.to_string().contains("does not answer"), "{refused}");
    let added = cli(
        b_db,
        &["mirror", "add", &a.base, "--publish", "--name", "Map A"],
        "",
    )
    .unwrap();
    assert!(added.contains("Map A"), "{added}");
    let again = cli(b_db, &["mirror", "add", &a.base], "").unwrap_err();
    assert!(again.to_string().contains("exists already"), "{again}");
    let mut b = ServeProcess::start(b_db, &["--mirror-every", "1"])
        .await
        .unwrap();

    // published on A: on B, with A's name and licence
    wait_entry(&b.base, &x, "published", |e| e.is_some()).await;
    let on_b = entry(&b.base, &x).await.unwrap();
    let source = &on_b["properties"]["source"];
    assert_eq!(source["name"], "Map A", "{on_b}");
    assert_eq!(source["url"], a.base.as_str());
    assert_eq!(source["license"], "ODbL-1.0");
    assert!(entry(&b.base, &secret).await.is_none());
    // the CSV export credits the map it came from too
    let csv = get_text(&format!("{}/api/export.csv", b.base)).await;
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with(",source,source_url,source_license"),
        "{header}"
    );
    let row = csv.lines().find(|l| l.starts_with(&x)).unwrap();
    assert!(
        row.ends_with(&format!(",Map A,{},ODbL-1.0", a.base)),
        "{row}"
    );

    // edited on A: edited on B
    rename(&moderator, &x, &x_token, "Harbour Solidarity Network").await;
    wait_entry(&b.base, &x, "edited", |e| {
        name_of(e) == Some("Harbour Solidarity Network")
    })
    .await;

    // withdrawn on A: gone from B
    withdraw(&a.base, &x_token).await;
    wait_entry(&b.base, &x, "withdrawn", |e| e.is_none()).await;

    // B killed while A changes: it resumes from its cursor
    b.kill();
    let mut later = Vec::new();
    for (i, name) in [
        "First Later Group",
        "Second Later Group",
        "Third Later Group",
    ]
    .iter()
    .enumerate()
    {
        let (id, _) = submit(&a.base, name, 10 + u8::try_from(i).unwrap()).await;
        moderator.approve(&id).await;
        later.push(id);
    }
    let b = ServeProcess::start_at(b_db, b.port(), &["--mirror-every", "1"])
        .await
        .unwrap();
    for id in &later {
        wait_entry(&b.base, id, "published while B was away", |e| e.is_some()).await;
    }
    // each arrived once: B's own feed tells of each one publication
    let b_feed = feed(&b.base).await;
    for id in &later {
        let published = b_feed
            .iter()
            .filter(|(i, k)| i == id && k == "published")
            .count();
        assert_eq!(published, 1, "{id} in {b_feed:?}");
    }

    // A away: B retries, and follows again once A is back
    let a_port = a.port();
    a.kill();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let list = mirrors(b_db);
    assert!(list.contains("following"), "{list}");
    assert!(list.contains("cannot be reached"), "{list}");
    let a = ServeProcess::start_at(a_db, a_port, &["--mirror-every", "1"])
        .await
        .unwrap();
    let moderator = Moderator::sign_in(&a.base).await;
    let (back, _) = submit(&a.base, "Back Again Group", 20).await;
    moderator.approve(&back).await;
    let start = Instant::now();
    while entry(&b.base, &back).await.is_none() {
        // the wait doubles from a second: within a minute it is asked again
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "A is back, B not"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let list = mirrors(b_db);
    assert!(!list.contains("error"), "{list}");

    // A mirrors B in turn: nothing goes round
    cli(a_db, &["mirror", "add", &b.base, "--publish"], "").unwrap();
    let (own_b, _) = {
        add_moderator(b_db, "mod", PASSWORD).unwrap();
        let on_b = Moderator::sign_in(&b.base).await;
        let made = submit(&b.base, "Only On B", 30).await;
        on_b.approve(&made.0).await;
        made
    };
    wait_entry(&a.base, &own_b, "B's own entry on A", |e| e.is_some()).await;
    let on_a = entry(&a.base, &own_b).await.unwrap();
    assert_eq!(on_a["properties"]["source"]["url"], b.base.as_str());
    // a few rounds each way: both feeds stand still
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (a_head, b_head) = (head(&a.base).await, head(&b.base).await);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(head(&a.base).await, a_head, "A's feed keeps moving");
    assert_eq!(head(&b.base).await, b_head, "B's feed keeps moving");
    let a_list = cli(a_db, &["mirror", "list"], "").unwrap();
    assert!(
        a_list.contains("\t1 kept (0 hidden)"),
        "A keeps only B's own: {a_list}"
    );

    // C mirrors B by hand: A's entries keep A's name, B's keep B's
    cli(
        c_db,
        &["mirror", "add", &b.base, "--publish", "--name", "Map B"],
        "",
    )
    .unwrap();
    let ran = cli(c_db, &["mirror", "run"], "").unwrap();
    assert!(ran.contains("(read the whole map)"), "{ran}");
    let export = cli(c_db, &["export", "--format", "geojson"], "").unwrap();
    let export: Value = serde_json::from_str(&export).unwrap();
    let source_of = |id: &str| {
        export["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["properties"]["source"]["name"].clone())
    };
    assert_eq!(source_of(&later[0]), Some(json!("Map A")), "{export}");
    assert_eq!(source_of(&own_b), Some(json!("Map B")), "{export}");
    let ran = cli(c_db, &["mirror", "run"], "").unwrap();
    assert!(ran.contains("0 added, 0 updated, 0 removed"), "{ran}");

    // nothing private of A is anywhere on B
    let mut ids: Vec<&str> = later.iter().map(String::as_str).collect();
    ids.extend([x.as_str(), secret.as_str(), back.as_str()]);
    let served = everything_served(&b.base, &ids).await;
    // the address, the pending entry, the exact longitude (shown at city precision)
    for private in ["contact@example.org", "Unreviewed Secret Group", "34.989"] {
        assert!(!served.contains(private), "B serves {private:?}");
    }
    assert!(served.contains("Third Later Group"));
}

#[tokio::test]
async fn maps_follow_each_other_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = |name: &str| format!("sqlite:{}", dir.path().join(name).display());
    maps_follow_each_other(&db("a.db"), &db("b.db"), &db("c.db")).await;
}

#[tokio::test]
async fn maps_follow_each_other_on_postgres() {
    let (Some(a), Some(b), Some(c)) = (
        PgDatabase::create("mirror_a"),
        PgDatabase::create("mirror_b"),
        PgDatabase::create("mirror_c"),
    ) else {
        return;
    };
    maps_follow_each_other(&a.url(), &b.url(), &c.url()).await;
}

/// A server on `port` that answers every request with `answer`, until
/// it is dropped.
struct Impostor {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Impostor {
    fn start(port: u16, answer: &'static str) -> Impostor {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut socket, _)) => {
                        socket.set_nonblocking(false).unwrap();
                        let mut buf = [0_u8; 4096];
                        let _ = socket.read(&mut buf);
                        let _ = socket.write_all(answer.as_bytes());
                        let _ = socket.shutdown(std::net::Shutdown::Both);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Impostor {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Impostor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[tokio::test]
async fn a_bad_answer_stops_a_mirror_and_a_busy_map_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let a_db = format!("sqlite:{}", dir.path().join("a.db").display());
    let b_db = format!("sqlite:{}", dir.path().join("b.db").display());
    let mut a = ServeProcess::start(&a_db, &[]).await.unwrap();
    add_moderator(&a_db, "mod", PASSWORD).unwrap();
    let (x, _) = submit(&a.base, "Steady Group", 1).await;
    Moderator::sign_in(&a.base).await.approve(&x).await;
    cli(&b_db, &["mirror", "add", &a.base, "--publish"], "").unwrap();
    let ran = cli(&b_db, &["mirror", "run"], "").unwrap();
    assert!(ran.contains("1 added"), "{ran}");
    let before = cli(&b_db, &["export", "--format", "geojson"], "").unwrap();

    // busy: asked again later, not stopped
    let port = a.port();
    a.kill();
    let busy = Impostor::start(
        port,
        "HTTP/1.1 429 Too Many Requests\r\nretry-after: 30\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    assert!(cli(&b_db, &["mirror", "run"], "").is_err());
    let list = mirrors(&b_db);
    assert!(list.contains("following") && list.contains("429"), "{list}");
    drop(busy);

    // not a feed: stopped, with the reason, and nothing changed
    let liar = Impostor::start(
        port,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 16\r\nconnection: close\r\n\r\n{\"changes\": 42}\n",
    );
    let failed = cli(&b_db, &["mirror", "run"], "").unwrap_err();
    assert!(
        failed.to_string().contains("not a Solidarity Map feed"),
        "{failed}"
    );
    let list = mirrors(&b_db);
    assert!(list.contains("stopped"), "{list}");
    assert_eq!(
        cli(&b_db, &["export", "--format", "geojson"], "").unwrap(),
        before
    );
    // a stopped mirror is left alone until it is resumed
    let ran = cli(&b_db, &["mirror", "run"], "").unwrap();
    assert!(ran.contains("stopped, skipped"), "{ran}");
    drop(liar);
    let _a = ServeProcess::start_at(&a_db, port, &[]).await.unwrap();
    cli(&b_db, &["mirror", "resume", "1"], "").unwrap();
    let ran = cli(&b_db, &["mirror", "run"], "").unwrap();
    assert!(ran.contains("0 added"), "{ran}");
    assert!(mirrors(&b_db).contains("following"));
}

#[tokio::test]
async fn a_mirrored_entry_is_changed_only_at_its_source_and_can_be_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let a_db = format!("sqlite:{}", dir.path().join("a.db").display());
    let b_db = format!("sqlite:{}", dir.path().join("b.db").display());
    let a = ServeProcess::start(&a_db, &[]).await.unwrap();
    add_moderator(&a_db, "mod", PASSWORD).unwrap();
    let on_a = Moderator::sign_in(&a.base).await;
    let (x, x_token) = submit(&a.base, "Source Owned Group", 1).await;
    on_a.approve(&x).await;

    // as pending: it waits for B's moderators, with its source in the queue
    cli(&b_db, &["mirror", "add", &a.base, "--as-pending"], "").unwrap();
    cli(&b_db, &["mirror", "run"], "").unwrap();
    let b = ServeProcess::start(&b_db, &[]).await.unwrap();
    add_moderator(&b_db, "mod", PASSWORD).unwrap();
    let on_b = Moderator::sign_in(&b.base).await;
    assert!(entry(&b.base, &x).await.is_none());
    let revision = on_b.revision_of(&x).await;
    // corrections are refused: its own map alone changes it
    let edited = json!({
        "name": {"en": "Renamed Here"},
        "description": {"en": "We meet every week."},
        "category": "solidarity",
        "city": "Haifa",
        "country": "IL",
        "location": {"lat": 32.8, "lon": 35.0},
        "precision": "city",
    });
    let r = on_b
        .post(
            &format!("/submissions/{revision}/approve"),
            Some(json!({"edited": edited})),
        )
        .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "kept_by_source", "{body}");
    // as it is: public
    on_b.approve(&x).await;
    assert!(entry(&b.base, &x).await.is_some());

    // hidden on B: it stays hidden whatever A does
    let r = on_b.post(&format!("/mirrored/{x}/hide"), None).await;
    assert_eq!(r.status(), 204);
    assert!(entry(&b.base, &x).await.is_none());
    let r = on_b
        .post(&format!("/mirrored/{}/hide", uuid_nil()), None)
        .await;
    assert_eq!(r.status(), 404);
    rename(&on_a, &x, &x_token, "Source Owned Group, Renamed").await;
    cli(&b_db, &["mirror", "run"], "").unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(entry(&b.base, &x).await.is_none(), "hidden came back");
    let page = on_b.get("/mirrors").await;
    assert_eq!(page["hidden"][0]["id"], x.as_str(), "{page}");
    assert_eq!(page["mirrors"][0]["hidden"], 1, "{page}");

    // shown again: as its source has it now, waiting for a moderator
    let r = on_b.post(&format!("/mirrored/{x}/show"), None).await;
    assert_eq!(r.status(), 204);
    on_b.approve(&x).await;
    let shown = entry(&b.base, &x).await.unwrap();
    assert_eq!(
        name_of(Some(&shown)),
        Some("Source Owned Group, Renamed"),
        "{shown}"
    );
}

fn uuid_nil() -> &'static str {
    "00000000-0000-0000-0000-000000000000"
}
