//! Moderator accounts from the outside: password checks that leave the map
//! answering, and the command line's account management (removing a
//! moderator or changing a password ends their sessions at once).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use serde_json::json;
use solidarity_map_server::service::{Error, Service};
use solidarity_map_server::store::{SqliteStore, Store};

use crate::support::{PASSWORD, TestApp, call};

/// How many wrong sign-ins the flood sends at once: far more than the
/// server's worker threads.
const FLOOD: usize = 24;

/// Argon2 takes a core for tens of milliseconds. Run on the server's
/// worker threads, a handful of sign-in attempts would leave none to
/// answer anybody else until they were done; checked off those threads,
/// the map answers while the flood is still being checked.
#[tokio::test]
async fn a_flood_of_sign_ins_does_not_stall_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("flood.db").display());
    support::add_moderator(&url, "mod", PASSWORD);
    let env = [
        // as few worker threads as a small server has, whatever this
        // machine has
        ("TOKIO_WORKER_THREADS", "2"),
        // the flood comes from one address and half of it for one name: it
        // is the password checks that are tested here, not the rate limits
        ("RATE_LIMIT_FACTOR", "1000"),
    ];
    let server = support::Served::start(&url, "127.0.0.1", &env).await;
    let base = server.base.clone();

    let done = Arc::new(AtomicUsize::new(0));
    let first_done = Arc::new(tokio::sync::Notify::new());
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..FLOOD {
        let (base, done, first_done) = (base.clone(), done.clone(), first_done.clone());
        flood.spawn(async move {
            // half against a real account, half against names that do
            // not exist (checked against a stand-in hash, as costly)
            let name = if i % 2 == 0 {
                "mod".to_owned()
            } else {
                format!("nobody-{i}")
            };
            let status = reqwest::Client::new()
                .post(format!("{base}/api/admin/login"))
                .json(&json!({"username": name, "password": "not the password"}))
                .send()
                .await
                .unwrap()
                .status();
            done.fetch_add(1, Ordering::SeqCst);
            first_done.notify_one();
            status
        });
    }
    // the server is busy with the flood once it has answered one of it
    first_done.notified().await;
    assert!(
        done.load(Ordering::SeqCst) < FLOOD,
        "the flood was over before the map was asked: nothing was tested"
    );
    let health = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    let done_when_answered = done.load(Ordering::SeqCst);
    assert_eq!(health.status(), 200);
    // checked on the workers, the map answers among the flood's last few
    // answers; off them, right after its first ones: half way between
    // tells the two apart, whatever the speed of the machine
    assert!(
        done_when_answered < FLOOD / 2,
        "the map answered only after {done_when_answered} of {FLOOD} sign-ins were checked"
    );
    while let Some(status) = flood.join_next().await {
        assert_eq!(status.unwrap(), 401);
    }
}

// ---- ending sessions

/// The map with one moderator, `mod`, served in process.
struct Env {
    test: TestApp,
    service: Service,
}

async fn env() -> Env {
    let test = support::setup().moderator().start().await;
    Env {
        service: Service::new(test.store.clone()),
        test,
    }
}

/// Signs `mod` in with `password`: the session cookie, or the status.
async fn sign_in(app: &axum::Router, password: &str) -> Result<String, StatusCode> {
    let body = Some(support::credentials(password));
    let r = call(app, "POST", "/api/admin/login", body, &[]).await;
    match r.status {
        StatusCode::OK => Ok(r.cookie().expect("a session cookie")),
        other => Err(other),
    }
}

/// The status of the moderation queue for a session cookie.
async fn queue(app: &axum::Router, cookie: &str) -> StatusCode {
    let headers = [("cookie", cookie)];
    call(app, "GET", "/api/admin/submissions", None, &headers)
        .await
        .status
}

/// Whether `result` is the error of an unknown moderator.
fn unknown<T>(result: &Result<T, Error>) -> bool {
    matches!(result, Err(Error::NotFound(_)))
}

#[tokio::test]
async fn a_removed_moderator_is_signed_out_at_once() {
    let env = env().await;
    let cookie = sign_in(&env.test.app, PASSWORD).await.unwrap();
    assert_eq!(queue(&env.test.app, &cookie).await, StatusCode::OK);
    env.service.remove_moderator("mod").await.unwrap();
    assert_eq!(
        queue(&env.test.app, &cookie).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&env.test.app, PASSWORD).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    assert!(unknown(&env.service.remove_moderator("mod").await));
}

#[tokio::test]
async fn a_new_password_signs_the_moderator_out_everywhere() {
    let env = env().await;
    let laptop = sign_in(&env.test.app, PASSWORD).await.unwrap();
    let phone = sign_in(&env.test.app, PASSWORD).await.unwrap();
    let listed = env.service.moderators().await.unwrap();
    assert_eq!(listed[0].live_sessions, 2);
    let new = "another long password";
    assert!(matches!(
        env.service.set_moderator_password("mod", "too short").await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        queue(&env.test.app, &laptop).await,
        StatusCode::OK,
        "unchanged"
    );
    env.service
        .set_moderator_password("mod", new)
        .await
        .unwrap();
    assert_eq!(
        queue(&env.test.app, &laptop).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(queue(&env.test.app, &phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(&env.test.app, PASSWORD).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let again = sign_in(&env.test.app, new).await.unwrap();
    assert_eq!(queue(&env.test.app, &again).await, StatusCode::OK);
    // revoking ends it as well, and leaves the account
    assert_eq!(env.service.revoke_sessions("mod").await.unwrap(), 1);
    assert_eq!(queue(&env.test.app, &again).await, StatusCode::UNAUTHORIZED);
    assert!(sign_in(&env.test.app, new).await.is_ok());
    assert!(unknown(
        &env.service.set_moderator_password("nobody", new).await
    ));
    assert!(unknown(&env.service.revoke_sessions("nobody").await));
}

#[tokio::test]
async fn signing_in_purges_expired_sessions() {
    let env = env().await;
    let store = &env.test.store;
    let user = store.user("mod").await.unwrap().unwrap();
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    store
        .create_session("expired", &user.id, "csrf", past)
        .await
        .unwrap();
    sign_in(&env.test.app, PASSWORD).await.unwrap();
    assert_eq!(
        store.purge_expired_sessions().await.unwrap(),
        0,
        "the expired session was left behind"
    );
}

// ---- the command line

/// Runs `solidarity-map --database-url URL admin ARGS…` with `stdin`:
/// whether it succeeded, and what it printed on standard output and error.
fn admin(url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(support::bin())
        .args(["--database-url", url, "admin"])
        .args(args)
        // only problems in the log (standard error)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_command_line_lists_resets_and_removes_moderators() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("admin.db").display());
    support::add_moderator(&url, "mod", PASSWORD);

    let (ok, out, _) = admin(&url, &["list-users"], "");
    assert!(ok);
    assert!(out.starts_with("mod\t"), "{out}");
    assert!(out.contains("0 live session(s)"), "{out}");

    let new = "a brand new passphrase";
    let (ok, _, err) = admin(
        &url,
        &["set-password", "mod", "--password-stdin"],
        "short\n",
    );
    assert!(!ok, "a short password is refused");
    assert!(err.contains("password"), "{err}");
    let (ok, _, err) = admin(
        &url,
        &["set-password", "mod", "--password-stdin"],
        &format!("{new}\n"),
    );
    assert!(ok, "{err}");
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&url).await.unwrap());
        let service = Service::new(store);
        assert!(matches!(
            service.sign_in("mod", PASSWORD).await,
            Err(Error::Unauthorized)
        ));
        service.sign_in("mod", new).await.unwrap();
    }
    let (ok, out, _) = admin(&url, &["list-users"], "");
    assert!(ok && out.contains("1 live session(s)"), "{out}");
    let (ok, out, _) = admin(&url, &["revoke-sessions", "mod"], "");
    assert!(ok && out.contains("1 session(s) ended"), "{out}");

    // an unknown user name is an error, and changes nothing
    for args in [
        &["remove-user", "nobody"][..],
        &["revoke-sessions", "nobody"],
        &["set-password", "nobody", "--password-stdin"],
    ] {
        let (ok, _, err) = admin(&url, args, &format!("{new}\n"));
        assert!(!ok, "{args:?}");
        assert!(err.contains("nobody: no such moderator"), "{args:?}: {err}");
    }

    let (ok, _, err) = admin(&url, &["remove-user", "mod"], "");
    assert!(ok, "{err}");
    let (ok, out, _) = admin(&url, &["list-users"], "");
    assert!(ok && !out.contains("mod"), "{out}");
}

#[tokio::test]
async fn the_command_line_gives_moderators_an_address_and_a_digest_setting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("admin.db").display());
    let password = format!("{PASSWORD}\n");
    let add = ["add-user", "--username", "ana", "--password-stdin"];
    let (ok, _, err) = admin(
        &url,
        &[&add[..], &["--email", "not an address"]].concat(),
        &password,
    );
    assert!(!ok && err.contains("--email"), "{err}");
    let (ok, _, err) = admin(
        &url,
        &[&add[..], &["--email", "ana@example.org"]].concat(),
        &password,
    );
    assert!(ok, "{err}");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let settings = || async { store.user_mail("ana").await.unwrap().unwrap() };
    assert_eq!(settings().await.email.as_deref(), Some("ana@example.org"));
    assert!(settings().await.digest, "on by default");

    let (ok, out, _) = admin(&url, &["set-digest", "ana", "off"], "");
    assert!(ok && out.contains("digest off"), "{out}");
    assert!(!settings().await.digest);
    let (ok, _, _) = admin(&url, &["set-email", "ana", "ana@example.net"], "");
    assert!(ok);
    assert_eq!(settings().await.email.as_deref(), Some("ana@example.net"));
    let (ok, _, _) = admin(&url, &["set-email", "ana", "--none"], "");
    assert!(ok);
    assert_eq!(settings().await.email, None);
    let (ok, _, err) = admin(&url, &["set-digest", "nobody", "on"], "");
    assert!(!ok && err.contains("nobody: no such moderator"), "{err}");
}
