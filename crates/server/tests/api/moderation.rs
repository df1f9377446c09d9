//! Joining, edit links and moderation through the HTTP API.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::Router;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{self, Session, TestApp, approve_uri, call, get};

async fn env() -> TestApp {
    env_with(false).await
}

/// `secure`: the site is served over HTTPS (`--behind-https`).
async fn env_with(secure: bool) -> TestApp {
    support::setup()
        .demo()
        .moderator()
        .start_with(|state| state.secure_cookies = secure)
        .await
}

/// [`support::submission`], its name in Arabic too.
fn submission(name: &str) -> Value {
    let mut body = support::submission(name);
    body["name"]["ar"] = json!("جيران");
    body
}

/// Submits the [`submission`] named `name`: its edit token and its id.
async fn join(app: &Router, name: &str) -> (String, String) {
    let created = support::submit(app, submission(name)).await;
    let field = |name: &str| created[name].as_str().unwrap().to_owned();
    (field("edit_token"), field("id"))
}

async fn public_names(app: &Router) -> Vec<String> {
    get(app, "/api/organizations?limit=10000").await.names()
}

/// The English description of the first published entry the search `q`
/// finds, and the whole answer.
async fn described(app: &Router, q: &str) -> (Value, String) {
    let public = get(app, &format!("/api/organizations?q={q}")).await.json();
    let description = public["features"][0]["properties"]["description"]["en"].clone();
    (description, public.to_string())
}

#[tokio::test]
async fn a_submission_is_public_only_after_approval_and_edits_wait_too() {
    let env = env().await;
    let app = &env.app;
    let created = support::submit(app, submission("Good Neighbours")).await;
    assert_eq!(created["status"], "pending");
    let token = created["edit_token"].as_str().unwrap().to_owned();
    assert_eq!(created["edit_url"], format!("/edit/{token}"));
    let listed = |names: Vec<String>| names.contains(&"Good Neighbours".to_owned());
    assert!(!listed(public_names(app).await));

    // the group sees its entry, private address included
    let view = get(app, &format!("/api/edit/{token}")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.json()["status"], "pending");
    assert_eq!(view.json()["current"]["contact_email"], support::CONTACT);

    let moderator = Session::sign_in(app).await;
    let queue = moderator.queue(app).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["kind"], "submission");
    moderator
        .approve(app, queue[0]["id"].as_str().unwrap())
        .await;
    assert!(listed(public_names(app).await));

    // an edit waits for a moderator; the public text stays as it was
    let mut edited = submission("Good Neighbours");
    edited["description"] = json!({"en": "We meet every day now."});
    let r = support::edit(app, &token, edited).await;
    assert_eq!(r["pending"]["description"]["en"], "We meet every day now.");
    let good = "good%20neighbours";
    assert_eq!(described(app, good).await.0, "We meet every week.");
    let queue = moderator.queue(app).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["kind"], "edit");
    assert_eq!(
        queue[0]["current"]["description"]["en"],
        "We meet every week."
    );
    let rev = queue[0]["id"].as_str().unwrap().to_owned();
    moderator.approve(app, &rev).await;
    let (description, text) = described(app, good).await;
    assert_eq!(description, "We meet every day now.");
    // never the contact address, never the exact point
    assert!(!text.contains("hidden-contact") && !text.contains("31.7812"));

    // deciding twice is refused
    let again = moderator.call(app, "POST", &approve_uri(&rev), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // the audit log says who did what
    let log = moderator.get(app, "/api/admin/audit").await.json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["approved", "edited", "approved", "submitted"]);
    assert_eq!(log[0]["actor"], "mod");

    // withdrawing takes it off the map, and the link can no longer edit
    let w = call(app, "DELETE", &format!("/api/edit/{token}"), None, &[]).await;
    assert_eq!(w.status, StatusCode::NO_CONTENT);
    assert!(!listed(public_names(app).await));
    let body = Some(submission("Good Neighbours"));
    let r = call(app, "PUT", &format!("/api/edit/{token}"), body, &[]).await;
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
    let (token, id) = join(app, "Quiet Neighbours").await;
    let id: uuid::Uuid = id.parse().unwrap();
    let moderator = Session::sign_in(app).await;
    moderator.approve_next(app).await;
    let mut edited = submission("Quiet Neighbours");
    edited["location"] = json!({"lat": 31.7813, "lon": 35.2346});
    support::edit(app, &token, edited).await;
    let before = env.db.stored(id).await;
    assert_eq!(before.contact_email.as_deref(), Some(support::CONTACT));
    assert_eq!(before.revisions.len(), 2);

    let erased = call(app, "POST", &format!("/api/edit/{token}/erase"), None, &[]).await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.text());

    assert!(
        !public_names(app)
            .await
            .contains(&"Quiet Neighbours".to_owned())
    );
    let after = env.db.stored(id).await;
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
    let log = moderator.get(app, "/api/admin/audit").await.json();
    let lines = log.as_array().unwrap();
    assert_eq!(lines[0]["action"], "erased");
    assert_eq!(lines[0]["actor"], "group");
    assert_eq!(lines[0]["org_id"], id.to_string());
    assert_eq!(lines[1]["action"], "withdrawn");
    assert!(!log.to_string().contains("hidden-contact"));
}

/// The audit log names the entry each line is about, and keeps what a
/// moderator corrected when approving: field by field, before and after,
/// but never the values of a private field.
#[tokio::test]
async fn the_audit_log_names_entries_and_keeps_a_moderators_corrections() {
    let env = env().await;
    let app = &env.app;
    join(app, "Corrected Neighbours").await;
    let moderator = Session::sign_in(app).await;
    let rev = moderator.next(app).await;
    let mut corrected = submission("Corrected Neighbours");
    for sent_only in ["consent", "started_at", "nickname", "confirm_duplicate"] {
        corrected.as_object_mut().unwrap().remove(sent_only);
    }
    corrected["tags"] = json!(["youth"]);
    corrected["precision"] = json!("country");
    corrected["contact_email"] = json!("moderated@example.org");
    let body = Some(json!({ "edited": corrected }));
    let r = moderator.call(app, "POST", &approve_uri(&rev), body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());

    let log = moderator.get(app, "/api/admin/audit").await.json();
    let (approved, submitted) = (&log[0], &log[1]);
    assert_eq!(approved["action"], "approved");
    assert_eq!(approved["org_name"]["en"], "Corrected Neighbours");
    assert_eq!(approved["org_name"]["ar"], "جيران");
    assert_eq!(submitted["action"], "submitted");
    assert_eq!(submitted["actor"], "group");
    assert_eq!(submitted["org_name"]["en"], "Corrected Neighbours");
    assert!(submitted.get("changes").is_none(), "{submitted}");
    let changes = approved["changes"].as_array().unwrap();
    let fields: Vec<&str> = changes
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["precision", "tags", "contact_email"]);
    assert_eq!(changes[0]["before"], "neighbourhood");
    assert_eq!(changes[0]["after"], "country");
    assert_eq!(changes[1]["before"], json!([]));
    assert_eq!(changes[1]["after"], json!(["youth"]));
    // the private address is named as changed, never kept in the log
    assert_eq!(changes[2]["before"], Value::Null);
    assert_eq!(changes[2]["after"], Value::Null);
    assert!(!log.to_string().contains("moderated@example.org"));
    assert!(!log.to_string().contains(support::CONTACT));
}

#[tokio::test]
async fn a_rejected_submission_never_appears() {
    let env = env().await;
    let app = &env.app;
    let (_, id) = join(app, "Spam Spam").await;
    let moderator = Session::sign_in(app).await;
    let reject = format!(
        "/api/admin/submissions/{}/reject",
        moderator.next(app).await
    );
    let no_reason = moderator
        .call(app, "POST", &reject, Some(json!({"reason": " "})))
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_reason.json()["fields"][0]["field"], "reason");
    // with a code, so that the moderation page says it in its language
    assert_eq!(no_reason.json()["fields"][0]["code"], "reason_required");
    let reason = json!({"reason": "not a real group"});
    let r = moderator.call(app, "POST", &reject, Some(reason)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    for uri in [
        "/api/organizations?limit=10000".to_owned(),
        "/api/organizations?q=spam".to_owned(),
        format!("/api/organizations/{id}"),
        "/api/categories".to_owned(),
        "/api/facets".to_owned(),
    ] {
        let r = get(app, &uri).await;
        assert!(!r.text().contains("Spam Spam"), "{uri}");
    }
    assert_eq!(
        get(app, &format!("/api/organizations/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(moderator.queue(app).await.is_empty());
}

#[tokio::test]
async fn admin_needs_a_session_and_changes_need_the_csrf_token() {
    let env = env().await;
    let app = &env.app;
    let forged = "sm_session=00000000000000000000000000000000000000000000000000000000000000aa";
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
        let r = call(app, method, uri, None, &[("cookie", forged)]).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with a forged cookie"
        );
    }
    let sign_in = |username: &'static str| {
        let body = json!({"username": username, "password": "wrong"});
        call(app, "POST", "/api/admin/login", Some(body), &[])
    };
    let wrong = sign_in("mod").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let nobody = sign_in("nobody").await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.json(),
        wrong.json(),
        "the answer does not tell which user names exist"
    );

    let moderator = Session::sign_in(app).await;
    let me = moderator.get(app, "/api/admin/me").await;
    assert_eq!(me.json()["username"], "mod");
    let cookie = [("cookie", moderator.cookie.as_str())];
    let no_csrf = call(app, "POST", "/api/admin/logout", None, &cookie).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let out = moderator.call(app, "POST", "/api/admin/logout", None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = moderator.get(app, "/api/admin/me").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the session ended");
}

/// The status of `body` sent as a submission, and the first field its
/// answer names.
async fn refused(app: &Router, body: Option<Value>) -> (StatusCode, Value) {
    let r = call(app, "POST", "/api/submissions", body, &[]).await;
    (r.status, r.json()["fields"][0]["field"].clone())
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
    let body = r.json();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    let named = [
        "name",
        "country",
        "location.lat",
        "website",
        "contact_email",
        "consent",
    ];
    assert_eq!(fields, named);

    let broken = refused(app, None).await;
    assert_eq!(broken, (StatusCode::BAD_REQUEST, json!("body")));

    // a bot fills the hidden field, or is faster than any person
    let mut bot = submission("Bot");
    bot["nickname"] = json!("gotcha");
    assert_eq!(refused(app, Some(bot)).await.0, StatusCode::BAD_REQUEST);
    let mut fast = submission("Fast");
    fast["started_at"] = json!(chrono::Utc::now().timestamp_millis());
    let fast = refused(app, Some(fast)).await;
    assert_eq!(fast, (StatusCode::BAD_REQUEST, json!("form")));

    // (a fresh server: the five requests above used this address's burst)
    let env2 = self::env().await;
    let app = &env2.app;
    // the same name near the same place: a warning first, then accepted
    let mut dup = submission("Ir Amim");
    dup["location"] = json!({"lat": 31.77, "lon": 35.21});
    let r = call(app, "POST", "/api/submissions", Some(dup.clone()), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"], "possible_duplicate");
    dup["confirm_duplicate"] = json!(true);
    support::submit(app, dup).await;

    // a body over the limit
    let huge = json!({"description": {"en": "x".repeat(100_000)}});
    let r = call(app, "POST", "/api/submissions", Some(huge), &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    // an unknown edit link
    let r = get(app, &format!("/api/edit/{}", "ab".repeat(32))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(app, "/api/edit/short").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_flood_from_one_address_gets_429_while_the_map_keeps_serving() {
    let env = env().await;
    let app = &env.app;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let body = Some(submission(&format!("Flood {i}")));
        statuses.push(
            call(app, "POST", "/api/submissions", body, &[])
                .await
                .status,
        );
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
    let map = get(app, "/api/organizations").await;
    assert_eq!(map.status, StatusCode::OK);
    // logins are limited too
    let mut login_statuses = Vec::new();
    for _ in 0..8 {
        let body = Some(support::credentials("x"));
        let r = call(app, "POST", "/api/admin/login", body, &[]).await;
        login_statuses.push(r.status);
    }
    assert!(
        login_statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{login_statuses:?}"
    );
}

/// How many organisations the clustered map shows for `query`.
async fn clustered(app: &Router, query: &str) -> u64 {
    let r = get(app, &format!("/api/clusters?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["features"]
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
    let (token, _) = join(app, "Moving Neighbours").await;
    assert_eq!(clustered(app, world).await, before, "pending is not public");

    let moderator = Session::sign_in(app).await;
    moderator.approve_next(app).await;
    assert_eq!(clustered(app, world).await, before + 1);
    assert_eq!(clustered(app, jerusalem).await, here + 1);

    // the group moves to Haifa and becomes a student group: once approved,
    // the map follows
    let mut moved = submission("Moving Neighbours");
    moved["category"] = json!("student");
    moved["city"] = json!("Haifa");
    moved["country"] = json!("IL");
    moved["location"] = json!({"lat": 32.79, "lon": 34.99});
    support::edit(app, &token, moved).await;
    moderator.approve_next(app).await;
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
        let body = Some(support::credentials(support::PASSWORD));
        let r = call(&env.app, "POST", "/api/admin/login", body, &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        let cookie = r.header(axum::http::header::SET_COOKIE).unwrap();
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
    }
}
