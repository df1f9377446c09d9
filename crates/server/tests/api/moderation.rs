//! Joining, edit links and moderation through the HTTP API.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::support;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use solidarity_map_core::SiteConfig;
use solidarity_map_server::http::{AppState, app};
use solidarity_map_server::secrets;
use solidarity_map_server::seed;
use tower::ServiceExt;

struct Env {
    app: Router,
    _db: support::TestDb,
    _dist: tempfile::TempDir,
}

async fn env() -> Env {
    env_with(false).await
}

/// `secure`: the site is served over HTTPS (`--behind-https`).
async fn env_with(secure: bool) -> Env {
    let db = support::sqlite().await;
    let store = db.store();
    seed::sync_categories(store.as_ref()).await.unwrap();
    seed::seed_demo_if_empty(store.as_ref()).await.unwrap();
    let hash = secrets::hash_password("a long enough password").unwrap();
    store.create_user("mod", &hash).await.unwrap();
    let dist = tempfile::tempdir().unwrap();
    let site = SiteConfig {
        tile_url: String::new(),
        tile_attribution: String::new(),
        tile_max_zoom: None,
    };
    let mut state = AppState::new(store, site).await.unwrap();
    state.secure_cookies = secure;
    let app = app(state, dist.path().to_owned())
        // what the real server adds from the socket: the rate limits key on it
        .layer(axum::Extension(ConnectInfo(SocketAddr::from((
            [127, 0, 0, 1],
            4000,
        )))));
    Env {
        app,
        _db: db,
        _dist: dist,
    }
}

struct Res {
    status: StatusCode,
    body: Value,
    cookie: Option<String>,
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Res {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Res {
        status,
        body,
        cookie,
    }
}

fn submission(name: &str) -> Value {
    json!({
        "name": {"en": name, "ar": "جيران"},
        "description": {"en": "We meet every week."},
        "category": "jerusalem",
        "city": "Jerusalem",
        "country": "PS",
        "location": {"lat": 31.7812, "lon": 35.2345},
        "precision": "neighbourhood",
        "contact_email": "hidden-contact@example.org",
        "consent": true,
        "started_at": chrono::Utc::now().timestamp_millis() - 60_000
    })
}

async fn public_names(app: &Router) -> Vec<String> {
    let r = call(app, "GET", "/api/organizations?limit=10000", None, &[]).await;
    r.body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["properties"]["name"]["en"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

/// Signs in; returns the cookie header value and the CSRF token.
async fn login(app: &Router) -> (String, String) {
    let r = call(
        app,
        "POST",
        "/api/admin/login",
        Some(json!({"username": "mod", "password": "a long enough password"})),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cookie = r.cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    (pair, r.body["csrf_token"].as_str().unwrap().to_owned())
}

async fn pending(app: &Router, cookie: &str) -> Vec<Value> {
    let r = call(
        app,
        "GET",
        "/api/admin/submissions",
        None,
        &[("cookie", cookie)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    r.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_submission_is_public_only_after_approval_and_edits_wait_too() {
    let env = env().await;
    let app = &env.app;
    let r = call(
        app,
        "POST",
        "/api/submissions",
        Some(submission("Good Neighbours")),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    let token = r.body["edit_token"].as_str().unwrap().to_owned();
    assert_eq!(r.body["edit_url"], format!("/edit/{token}"));
    assert!(
        !public_names(app)
            .await
            .contains(&"Good Neighbours".to_owned())
    );

    // the group sees its entry, private address included
    let view = call(app, "GET", &format!("/api/edit/{token}"), None, &[]).await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.body["status"], "pending");
    assert_eq!(
        view.body["current"]["contact_email"],
        "hidden-contact@example.org"
    );

    let (cookie, csrf) = login(app).await;
    let queue = pending(app, &cookie).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["kind"], "submission");
    let rev = queue[0]["id"].as_str().unwrap().to_owned();
    let ok = call(
        app,
        "POST",
        &format!("/api/admin/submissions/{rev}/approve"),
        None,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    assert!(
        public_names(app)
            .await
            .contains(&"Good Neighbours".to_owned())
    );

    // an edit waits for a moderator; the public text stays as it was
    let mut edited = submission("Good Neighbours");
    edited["description"] = json!({"en": "We meet every day now."});
    let r = call(app, "PUT", &format!("/api/edit/{token}"), Some(edited), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["pending"]["description"]["en"],
        "We meet every day now."
    );
    let public = call(
        app,
        "GET",
        "/api/organizations?q=good%20neighbours",
        None,
        &[],
    )
    .await;
    assert_eq!(
        public.body["features"][0]["properties"]["description"]["en"],
        "We meet every week."
    );
    let queue = pending(app, &cookie).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["kind"], "edit");
    assert_eq!(
        queue[0]["current"]["description"]["en"],
        "We meet every week."
    );
    let rev = queue[0]["id"].as_str().unwrap().to_owned();
    call(
        app,
        "POST",
        &format!("/api/admin/submissions/{rev}/approve"),
        None,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
    )
    .await;
    let public = call(
        app,
        "GET",
        "/api/organizations?q=good%20neighbours",
        None,
        &[],
    )
    .await;
    assert_eq!(
        public.body["features"][0]["properties"]["description"]["en"],
        "We meet every day now."
    );
    // never the contact address, never the exact point
    let text = public.body.to_string();
    assert!(!text.contains("hidden-contact") && !text.contains("31.7812"));

    // deciding twice is refused
    let again = call(
        app,
        "POST",
        &format!("/api/admin/submissions/{rev}/approve"),
        None,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // the audit log says who did what
    let log = call(app, "GET", "/api/admin/audit", None, &[("cookie", &cookie)]).await;
    let actions: Vec<&str> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["approved", "edited", "approved", "submitted"]);
    assert_eq!(log.body[0]["actor"], "mod");

    // withdrawing takes it off the map, and the link can no longer edit
    let w = call(app, "DELETE", &format!("/api/edit/{token}"), None, &[]).await;
    assert_eq!(w.status, StatusCode::NO_CONTENT);
    assert!(
        !public_names(app)
            .await
            .contains(&"Good Neighbours".to_owned())
    );
    let r = call(
        app,
        "PUT",
        &format!("/api/edit/{token}"),
        Some(submission("Good Neighbours")),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

/// The group erases its published entry through its edit link: off the
/// map, its contact address and exact point gone from the row and from
/// every revision at once, the link dead, and the audit log says who did
/// what without a word of personal data.
#[tokio::test]
async fn erasure_through_the_edit_link_leaves_nothing_private() {
    let env = env().await;
    let app = &env.app;
    let r = call(
        app,
        "POST",
        "/api/submissions",
        Some(submission("Quiet Neighbours")),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.body["edit_token"].as_str().unwrap().to_owned();
    let id: uuid::Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let (cookie, csrf) = login(app).await;
    let rev = pending(app, &cookie).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok = call(
        app,
        "POST",
        &format!("/api/admin/submissions/{rev}/approve"),
        None,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let mut edited = submission("Quiet Neighbours");
    edited["location"] = json!({"lat": 31.7813, "lon": 35.2346});
    let r = call(app, "PUT", &format!("/api/edit/{token}"), Some(edited), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let before = env._db.stored(id).await;
    assert_eq!(
        before.contact_email.as_deref(),
        Some("hidden-contact@example.org")
    );
    assert_eq!(before.revisions.len(), 2);

    let erased = call(app, "POST", &format!("/api/edit/{token}/erase"), None, &[]).await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);

    assert!(
        !public_names(app)
            .await
            .contains(&"Quiet Neighbours".to_owned())
    );
    let after = env._db.stored(id).await;
    assert_eq!(after.contact_email, None);
    assert!((after.lat, after.lon) != (31.7812, 35.2345), "{after:?}");
    assert_eq!(after.revisions.len(), 2);
    for data in &after.revisions {
        assert!(
            !data.contains("hidden-contact")
                && !data.contains("31.7812")
                && !data.contains("31.7813"),
            "{data}"
        );
    }
    // the link is dead, for every route
    for (method, path) in [
        ("GET", format!("/api/edit/{token}")),
        ("POST", format!("/api/edit/{token}/erase")),
        ("DELETE", format!("/api/edit/{token}")),
    ] {
        let r = call(app, method, &path, None, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let log = call(app, "GET", "/api/admin/audit", None, &[("cookie", &cookie)]).await;
    let lines = log.body.as_array().unwrap();
    assert_eq!(lines[0]["action"], "erased");
    assert_eq!(lines[0]["actor"], "group");
    assert_eq!(lines[0]["org_id"], id.to_string());
    assert_eq!(lines[1]["action"], "withdrawn");
    assert!(!log.body.to_string().contains("hidden-contact"));
}

#[tokio::test]
async fn a_rejected_submission_never_appears() {
    let env = env().await;
    let app = &env.app;
    let r = call(
        app,
        "POST",
        "/api/submissions",
        Some(submission("Spam Spam")),
        &[],
    )
    .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let (cookie, csrf) = login(app).await;
    let rev = pending(app, &cookie).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let no_reason = call(
        app,
        "POST",
        &format!("/api/admin/submissions/{rev}/reject"),
        Some(json!({"reason": " "})),
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_reason.body["fields"][0]["field"], "reason");
    let r = call(
        app,
        "POST",
        &format!("/api/admin/submissions/{rev}/reject"),
        Some(json!({"reason": "not a real group"})),
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    for uri in [
        "/api/organizations?limit=10000".to_owned(),
        "/api/organizations?q=spam".to_owned(),
        format!("/api/organizations/{id}"),
        "/api/categories".to_owned(),
        "/api/facets".to_owned(),
    ] {
        let r = call(app, "GET", &uri, None, &[]).await;
        assert!(!r.body.to_string().contains("Spam Spam"), "{uri}");
    }
    assert_eq!(
        call(app, "GET", &format!("/api/organizations/{id}"), None, &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(pending(app, &cookie).await.is_empty());
}

#[tokio::test]
async fn admin_needs_a_session_and_changes_need_the_csrf_token() {
    let env = env().await;
    let app = &env.app;
    for (method, uri) in [
        ("GET", "/api/admin/submissions"),
        ("GET", "/api/admin/audit"),
        ("GET", "/api/admin/me"),
        ("GET", "/api/admin/anything"),
        (
            "POST",
            "/api/admin/submissions/00000000-0000-4000-8000-000000000000/approve",
        ),
        ("POST", "/api/admin/logout"),
    ] {
        let r = call(app, method, uri, None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        let forged = call(
            app,
            method,
            uri,
            None,
            &[(
                "cookie",
                "sm_session=00000000000000000000000000000000000000000000000000000000000000aa",
            )],
        )
        .await;
        assert_eq!(
            forged.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with a forged cookie"
        );
    }
    let wrong = call(
        app,
        "POST",
        "/api/admin/login",
        Some(json!({"username": "mod", "password": "wrong"})),
        &[],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let nobody = call(
        app,
        "POST",
        "/api/admin/login",
        Some(json!({"username": "nobody", "password": "wrong"})),
        &[],
    )
    .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.body, wrong.body,
        "the answer does not tell which user names exist"
    );

    let (cookie, csrf) = login(app).await;
    let me = call(app, "GET", "/api/admin/me", None, &[("cookie", &cookie)]).await;
    assert_eq!(me.body["username"], "mod");
    let no_csrf = call(
        app,
        "POST",
        "/api/admin/logout",
        None,
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let out = call(
        app,
        "POST",
        "/api/admin/logout",
        None,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = call(app, "GET", "/api/admin/me", None, &[("cookie", &cookie)]).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the session ended");
}

#[tokio::test]
async fn bad_submissions_are_refused_with_every_field_named() {
    let env = env().await;
    let app = &env.app;
    let mut bad = submission("X");
    bad["name"] = json!({});
    bad["country"] = json!("XX");
    bad["location"] = json!({"lat": 95, "lon": 0});
    bad["contact_email"] = json!("not-an-address");
    bad["website"] = json!("javascript:alert(1)");
    bad["consent"] = json!(false);
    let r = call(app, "POST", "/api/submissions", Some(bad), &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = r.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "country",
            "location.lat",
            "website",
            "contact_email",
            "consent"
        ]
    );

    let broken = call(app, "POST", "/api/submissions", None, &[]).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.body["fields"][0]["field"], "body");

    // a bot fills the hidden field, or is faster than any person
    let mut bot = submission("Bot");
    bot["nickname"] = json!("gotcha");
    assert_eq!(
        call(app, "POST", "/api/submissions", Some(bot), &[])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let mut fast = submission("Fast");
    fast["started_at"] = json!(chrono::Utc::now().timestamp_millis());
    let r = call(app, "POST", "/api/submissions", Some(fast), &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["fields"][0]["field"], "form");

    // (a fresh server: the five requests above used this address's burst)
    let env2 = self::env().await;
    let app = &env2.app;
    // the same name near the same place: a warning first, then accepted
    let mut dup = submission("Ir Amim");
    dup["location"] = json!({"lat": 31.77, "lon": 35.21});
    let r = call(app, "POST", "/api/submissions", Some(dup.clone()), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["error"], "possible_duplicate");
    dup["confirm_duplicate"] = json!(true);
    assert_eq!(
        call(app, "POST", "/api/submissions", Some(dup), &[])
            .await
            .status,
        StatusCode::CREATED
    );

    // a body over the limit
    let huge = json!({"description": {"en": "x".repeat(100_000)}});
    let r = call(app, "POST", "/api/submissions", Some(huge), &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    // an unknown edit link
    let r = call(
        app,
        "GET",
        &format!("/api/edit/{}", "ab".repeat(32)),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(app, "GET", "/api/edit/short", None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_flood_from_one_address_gets_429_while_the_map_keeps_serving() {
    let env = env().await;
    let app = &env.app;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let r = call(
            app,
            "POST",
            "/api/submissions",
            Some(submission(&format!("Flood {i}"))),
            &[],
        )
        .await;
        statuses.push(r.status);
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(created, 5, "{statuses:?}");
    assert_eq!(limited, 7, "{statuses:?}");
    let map = call(app, "GET", "/api/organizations", None, &[]).await;
    assert_eq!(map.status, StatusCode::OK);
    // logins are limited too
    let mut login_statuses = Vec::new();
    for _ in 0..8 {
        let r = call(
            app,
            "POST",
            "/api/admin/login",
            Some(json!({"username": "mod", "password": "x"})),
            &[],
        )
        .await;
        login_statuses.push(r.status);
    }
    assert!(
        login_statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{login_statuses:?}"
    );
}

/// How many organisations the clustered map shows for `query`.
async fn clustered(app: &Router, query: &str) -> u64 {
    let r = call(app, "GET", &format!("/api/clusters?{query}"), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn the_clustered_map_follows_approvals_moves_and_withdrawals_at_once() {
    let env = env().await;
    let app = &env.app;
    let world = "zoom=2";
    let jerusalem = "zoom=14&bbox=35.1,31.7,35.4,31.9&category=jerusalem";
    let before = clustered(app, world).await;
    let here = clustered(app, jerusalem).await;
    let r = call(
        app,
        "POST",
        "/api/submissions",
        Some(submission("Moving Neighbours")),
        &[],
    )
    .await;
    let token = r.body["edit_token"].as_str().unwrap().to_owned();
    assert_eq!(clustered(app, world).await, before, "pending is not public");

    let (cookie, csrf) = login(app).await;
    let approve = |rev: String| {
        let (cookie, csrf) = (cookie.clone(), csrf.clone());
        async move {
            let uri = format!("/api/admin/submissions/{rev}/approve");
            let h = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
            let ok = call(app, "POST", &uri, None, &h).await;
            assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
        }
    };
    let rev = pending(app, &cookie).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    approve(rev).await;
    assert_eq!(clustered(app, world).await, before + 1);
    assert_eq!(clustered(app, jerusalem).await, here + 1);

    // the group moves to Haifa and becomes a student group: once approved,
    // the map follows
    let mut moved = submission("Moving Neighbours");
    moved["category"] = json!("student");
    moved["city"] = json!("Haifa");
    moved["country"] = json!("IL");
    moved["location"] = json!({"lat": 32.79, "lon": 34.99});
    let r = call(app, "PUT", &format!("/api/edit/{token}"), Some(moved), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rev = pending(app, &cookie).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    approve(rev).await;
    assert_eq!(clustered(app, jerusalem).await, here);
    assert_eq!(
        clustered(app, "zoom=12&bbox=34.9,32.7,35.1,32.9&category=student").await,
        1
    );
    assert_eq!(clustered(app, world).await, before + 1);

    let gone = call(app, "DELETE", &format!("/api/edit/{token}"), None, &[]).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(clustered(app, world).await, before);
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure() {
    for secure in [false, true] {
        let env = env_with(secure).await;
        let r = call(
            &env.app,
            "POST",
            "/api/admin/login",
            Some(json!({"username": "mod", "password": "a long enough password"})),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let cookie = r.cookie.unwrap();
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
    }
}
