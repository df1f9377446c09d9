//! The retention period as the operator sets it: the service, the
//! `admin scrub` command and the server's own job.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use chrono::{TimeDelta, Utc};
use solidarity_map_core::OrgId;
use solidarity_map_server::seed;
use solidarity_map_server::service::Service;
use solidarity_map_server::store::Store;

use crate::support::{self, TestDb};

/// A withdrawn entry, with its contact address and exact point.
async fn withdrawn(store: &dyn Store, name: &str) -> OrgId {
    let entry = support::entry(name).validate().unwrap();
    let id = store.submit(&entry, name).await.unwrap();
    store.withdraw(id).await.unwrap();
    id
}

async fn scrubbed(db: &TestDb, id: OrgId) -> bool {
    let s = db.stored(id.0).await;
    let private = s.contact_email.is_some()
        || s.lat == support::EXACT.0
        || s.revisions
            .iter()
            .any(|r| r.contains("private@example.org"));
    !private
}

async fn fresh() -> TestDb {
    let db = support::sqlite().await;
    seed::sync_categories(db.store().as_ref()).await.unwrap();
    db
}

#[tokio::test]
async fn the_service_with_no_retention_period_scrubs_at_once() {
    let db = fresh().await;
    let service = Service::new(db.store());
    let id = withdrawn(db.store().as_ref(), "gone").await;
    let days = |d| TimeDelta::try_days(d).unwrap();
    assert_eq!(
        service.scrub_expired(Utc::now(), days(30)).await.unwrap(),
        0
    );
    assert!(!scrubbed(&db, id).await);
    assert_eq!(service.scrub_expired(Utc::now(), days(0)).await.unwrap(), 1);
    assert!(scrubbed(&db, id).await);
    // 30 days on, the default period is over for what is withdrawn now
    let other = withdrawn(db.store().as_ref(), "later").await;
    let later = Utc::now() + days(30);
    assert_eq!(service.scrub_expired(later, days(30)).await.unwrap(), 1);
    assert!(scrubbed(&db, other).await);
    // a period longer than the calendar scrubs nothing, and fails nothing
    assert_eq!(
        service
            .scrub_expired(Utc::now(), TimeDelta::MAX)
            .await
            .unwrap(),
        0
    );
}

/// `admin scrub` keeps the default period, scrubs at once with
/// `--retention-days 0`; the server with `RETENTION_DAYS=0` scrubs at
/// start-up, without waiting an hour.
#[tokio::test]
async fn retention_days_0_scrubs_at_once_from_the_command_line_and_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = solidarity_map_server::store::connect(&url).await.unwrap();
    seed::sync_categories(store.as_ref()).await.unwrap();
    let db_path = dir.path().join("test.db");
    let stored = |id: OrgId| {
        let url = url.clone();
        async move {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            let (contact,): (Option<String>,) =
                sqlx::query_as("select contact_email from organizations where id = $1")
                    .bind(id.0.hyphenated().to_string())
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            contact
        }
    };
    assert!(db_path.exists());
    let scrub = |args: &[&str]| {
        let out = std::process::Command::new(support::bin())
            .args(["--database-url", &url, "admin", "scrub"])
            .args(args)
            .env_remove("RETENTION_DAYS")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        // the answer is the last line
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout.lines().last().unwrap_or_default().to_owned()
    };

    let by_cli = withdrawn(store.as_ref(), "by cli").await;
    let answer = scrub(&[]);
    assert!(answer.starts_with("0 "), "{answer}");
    assert!(stored(by_cli).await.is_some());
    let answer = scrub(&["--retention-days", "0"]);
    assert!(answer.starts_with("1 "), "{answer}");
    assert_eq!(stored(by_cli).await, None);
    let refused = std::process::Command::new(support::bin())
        .args(["--database-url", &url, "admin", "scrub"])
        .args(["--retention-days", "-1"])
        .output()
        .unwrap();
    assert!(!refused.status.success());

    let by_server = withdrawn(store.as_ref(), "by server").await;
    let _server = support::Served::start(&url, "127.0.0.1", &[("RETENTION_DAYS", "0")]).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while stored(by_server).await.is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not scrub at start-up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let log = store.audit_log(1).await.unwrap();
    assert_eq!(
        (log[0].actor.as_str(), log[0].action.as_str()),
        ("retention", "scrubbed")
    );
}
