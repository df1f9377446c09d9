//! Joining the map and moderating it through the HTTP API: the steps many
//! tests take before what they test, written once.

use axum::Router;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use solidarity_map_core::moderation::SubmissionRequest;
use solidarity_map_core::org::RawLocation;

use super::{Answer, MODERATOR, PASSWORD, call};

/// The private contact address of a [`submission`].
pub const CONTACT: &str = "hidden-contact@example.org";

/// A submission as the join form sends it (the client serialises this
/// very type): a group in Jerusalem shown at neighbourhood precision, with
/// the private address [`CONTACT`], its form filled in a minute.
pub fn submission(name: &str) -> Value {
    let mut organization = super::entry(name);
    organization.description = [("en".to_owned(), "We meet every week.".to_owned())].into();
    organization.category = "jerusalem".into();
    organization.location = Some(RawLocation {
        lat: 31.7812,
        lon: 35.2345,
    });
    organization.precision = Some("neighbourhood".into());
    organization.contact_email = Some(CONTACT.into());
    let request = SubmissionRequest {
        organization,
        consent: true,
        started_at: Some(chrono::Utc::now().timestamp_millis() - 60_000),
        ..Default::default()
    };
    serde_json::to_value(request).expect("a submission as JSON")
}

/// A [`submission`] that has answered the duplicate warning already, for
/// tests that send many alike.
pub fn confirmed_submission(name: &str) -> Value {
    let mut body = submission(name);
    body["confirm_duplicate"] = json!(true);
    body
}

/// Sends `body` as a submission and asserts it is taken: the answer
/// (`id`, `edit_token`, `edit_url`, `status`).
pub async fn submit(app: &Router, body: Value) -> Value {
    let r = call(app, "POST", "/api/submissions", Some(body), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

/// What the sign-in form sends for [`MODERATOR`] with `password`.
pub fn credentials(password: &str) -> Value {
    json!({"username": MODERATOR, "password": password})
}

/// A moderator's session: its cookie, and the CSRF token its changes need.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// The address that approves the revision `rev`.
pub fn approve_uri(rev: &str) -> String {
    format!("/api/admin/submissions/{rev}/approve")
}

impl Session {
    /// Signs [`MODERATOR`] in, asserting that its cookie is out of the
    /// reach of scripts and of other sites.
    pub async fn sign_in(app: &Router) -> Session {
        let r = call(
            app,
            "POST",
            "/api/admin/login",
            Some(credentials(PASSWORD)),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let set = r.header(header::SET_COOKIE).expect("a session cookie");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        Session {
            cookie: r.cookie().expect("a session cookie"),
            csrf: r.json()["csrf_token"]
                .as_str()
                .expect("a CSRF token")
                .to_owned(),
        }
    }

    /// `method uri` as this moderator, the CSRF token sent along.
    pub async fn call(&self, app: &Router, method: &str, uri: &str, body: Option<Value>) -> Answer {
        let headers = [
            ("cookie", self.cookie.as_str()),
            ("x-csrf-token", &self.csrf),
        ];
        call(app, method, uri, body, &headers).await
    }

    /// `GET uri` as this moderator (a read needs no CSRF token).
    pub async fn get(&self, app: &Router, uri: &str) -> Answer {
        call(app, "GET", uri, None, &[("cookie", &self.cookie)]).await
    }

    /// The revisions waiting for a moderator, oldest first.
    pub async fn queue(&self, app: &Router) -> Vec<Value> {
        let r = self.get(app, "/api/admin/submissions").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["items"].as_array().expect("the items").clone()
    }

    /// Approves the revision `rev`, asserting it is approved.
    pub async fn approve(&self, app: &Router, rev: &str) {
        let r = self.call(app, "POST", &approve_uri(rev), None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }

    /// The id of the first revision waiting.
    pub async fn next(&self, app: &Router) -> String {
        let queue = self.queue(app).await;
        queue.first().expect("a revision waiting")["id"]
            .as_str()
            .expect("its id")
            .to_owned()
    }

    /// Approves the first revision waiting.
    pub async fn approve_next(&self, app: &Router) {
        let rev = self.next(app).await;
        self.approve(app, &rev).await;
    }
}

/// Sends `body` as the new text of the entry behind the edit link `token`,
/// asserting it is taken: the answer (`pending`, …).
pub async fn edit(app: &Router, token: &str, body: Value) -> Value {
    let r = call(app, "PUT", &format!("/api/edit/{token}"), Some(body), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}
