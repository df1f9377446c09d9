//! The contact relay and lost edit links on both databases, in process:
//! what is queued in the outbox for each request (the worker is not
//! running, so mail that would leave through SMTP waits there to be read),
//! and that a stranger's answers never depend on private data.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};
use solidarity_map_core::outbox::OutboxMail;
use solidarity_map_server::mail::{Delivery, MailPolicy};
use solidarity_map_server::store::Store;

use crate::support::{self, Backend, CONTACT, Session, TestApp, call, confirmed_submission, setup};

/// The app on `backend` with mail that leaves (as with `--smtp-url`), a
/// moderator, and rate limits wide enough for the steps of a test.
async fn mailing(backend: Backend) -> Option<TestApp> {
    let db = backend.fresh().await?;
    let app = setup()
        .moderator()
        .start_on(db, |s| {
            s.mail = MailPolicy {
                delivery: Delivery::Smtp,
                ..MailPolicy::default()
            };
            s.rate_limit_factor = 20;
        })
        .await;
    Some(app)
}

/// A form opened a minute ago.
fn started() -> i64 {
    chrono::Utc::now().timestamp_millis() - 60_000
}

fn message(from: &str, text: &str) -> Value {
    json!({"name": "Rana", "reply_to": from, "message": text, "started_at": started()})
}

/// A visitor's "hi" to entry `id`, from `from`.
async fn write(t: &TestApp, id: &str, from: &str) -> support::Answer {
    let uri = format!("/api/organizations/{id}/messages");
    call(&t.app, "POST", &uri, Some(message(from, "hi")), &[]).await
}

/// The raw outbox (as the worker reads it) once it holds `n` mails of
/// `kind`: the queueing runs after the answer.
async fn queued(store: &dyn Store, kind: &str, n: usize) -> Vec<OutboxMail> {
    for _ in 0..100 {
        let mails: Vec<_> = store
            .outbox(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == kind)
            .collect();
        if mails.len() >= n {
            // one more moment: a mail too many would come now
            tokio::time::sleep(Duration::from_millis(300)).await;
            let again = store.outbox(100).await.unwrap();
            return again.into_iter().filter(|m| m.kind == kind).collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} {kind} mails were queued");
}

/// The token after `prefix` in `text`.
fn token_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
        + prefix.len();
    &text[at..at + 64]
}

/// Joins as `name` with [`CONTACT`] and has a moderator publish it: its
/// id and edit token.
async fn published(t: &TestApp, session: &Session, name: &str) -> (String, String) {
    let joined = support::submit(&t.app, confirmed_submission(name)).await;
    session.approve_next(&t.app).await;
    (
        joined["id"].as_str().unwrap().to_owned(),
        joined["edit_token"].as_str().unwrap().to_owned(),
    )
}

async fn recover(t: &TestApp, email: &str) -> support::Answer {
    let body = json!({"email": email, "started_at": started()});
    call(&t.app, "POST", "/api/edit/recover", Some(body), &[]).await
}

/// Every pending or published entry of an address gets its own new link,
/// the old ones stop working, withdrawn entries get nothing, and the
/// answer is the same for an address nobody gave.
async fn a_lost_link_is_sent_again_to_each_live_entry(backend: Backend) {
    let Some(t) = mailing(backend).await else {
        return;
    };
    let session = Session::sign_in(&t.app).await;
    let (published_id, old_published) = published(&t, &session, "Recovered One").await;
    let pending = support::submit(&t.app, confirmed_submission("Recovered Two")).await;
    let withdrawn = support::submit(&t.app, confirmed_submission("Recovered Gone")).await;
    let gone_token = withdrawn["edit_token"].as_str().unwrap();
    let r = call(
        &t.app,
        "DELETE",
        &format!("/api/edit/{gone_token}"),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    let listed = recover(&t, &CONTACT.to_uppercase()).await;
    let unlisted = recover(&t, "nobody@example.org").await;
    assert_eq!(listed.status, StatusCode::ACCEPTED, "{}", listed.text());
    assert_eq!(
        (listed.status, listed.body.clone()),
        (unlisted.status, unlisted.body)
    );
    assert_eq!(listed.json(), json!({"status": "accepted"}));

    let mails = queued(t.store.as_ref(), "recovered", 2).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let old_pending = pending["edit_token"].as_str().unwrap();
    for (id, old) in [
        (published_id.as_str(), old_published.as_str()),
        (pending["id"].as_str().unwrap(), old_pending),
    ] {
        let mail = mails
            .iter()
            .find(|m| m.org_id.map(|o| o.to_string()).as_deref() == Some(id));
        let mail = mail.unwrap_or_else(|| panic!("no new link for {id}: {mails:?}"));
        assert_eq!(mail.to, CONTACT);
        let new = token_after(&mail.text, "/edit/");
        let opened = support::get(&t.app, &format!("/api/edit/{new}")).await;
        assert_eq!(opened.status, StatusCode::OK);
        assert_eq!(opened.json()["id"], json!(id));
        let dead = support::get(&t.app, &format!("/api/edit/{old}")).await;
        assert_eq!(dead.status, StatusCode::NOT_FOUND);
    }
    // the withdrawn entry's link was left as it was
    let gone = support::get(&t.app, &format!("/api/edit/{gone_token}")).await;
    assert_eq!(gone.status, StatusCode::OK);
    // moderators read the outbox without the links
    let r = session.get(&t.app, "/api/admin/outbox").await;
    let text = r.text();
    for m in &mails {
        assert!(!text.contains(token_after(&m.text, "/edit/")), "{text}");
    }
}

/// A message to a published group is queued to its address with the
/// visitor's as Reply-To; moderators never read it; a blocked sender and
/// a switched-off relay get nothing through, and the text is emptied once
/// the mail is sent.
async fn the_relay_passes_messages_on_as_the_group_wants(backend: Backend) {
    let Some(t) = mailing(backend).await else {
        return;
    };
    let session = Session::sign_in(&t.app).await;
    let (id, token) = published(&t, &session, "Relay Group").await;
    let status = support::get(&t.app, &format!("/api/organizations/{id}/relay")).await;
    assert_eq!(status.json(), json!({"open": true}));
    let app = &t.app;
    let uri = format!("/api/organizations/{id}/messages");
    let send = |from: &str, text: &str| {
        let (body, uri) = (message(from, text), uri.clone());
        async move { call(app, "POST", &uri, Some(body), &[]).await }
    };
    let first = send("rana@example.net", "Can we <meet>?").await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text());
    assert!(!first.text().contains(CONTACT));
    let mails = queued(t.store.as_ref(), "relay", 1).await;
    assert_eq!(mails[0].to, CONTACT);
    assert!(mails[0].text.contains("Can we <meet>?"));
    let report = token_after(&mails[0].text, "/relay/block/").to_owned();
    // moderators see that it exists, never what it says
    let listed = session.get(&t.app, "/api/admin/outbox").await.text();
    assert!(
        listed.contains("\"relay\"") && !listed.contains("meet"),
        "{listed}"
    );

    // blocked: the same answer, nothing queued; another sender still passes
    let r = call(
        &t.app,
        "POST",
        &format!("/api/relay/block/{report}"),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let blocked = send("Rana@Example.net", "again").await;
    assert_eq!(
        (blocked.status, blocked.body),
        (first.status, first.body.clone())
    );
    let other = send("sami@example.net", "hello").await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
    let mails = queued(t.store.as_ref(), "relay", 2).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(!mails.iter().any(|m| m.text.contains("again")));
    let r = call(
        &t.app,
        "POST",
        &format!("/api/relay/block/{}", "0".repeat(64)),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // sent: the visitor's words are not kept
    let now = chrono::Utc::now();
    while let Some(mail) = t
        .store
        .claim_mail(now, now + chrono::TimeDelta::minutes(5))
        .await
        .unwrap()
    {
        t.store.mail_sent(mail.id, now).await.unwrap();
    }
    let kept = t.store.outbox(100).await.unwrap();
    for m in kept.iter().filter(|m| m.kind == "relay") {
        assert_eq!((m.status.as_str(), m.text.as_str()), ("sent", ""));
    }

    // the group switches the form off: no form, no message
    let off = call(
        &t.app,
        "PUT",
        &format!("/api/edit/{token}/relay"),
        Some(json!({"open": false})),
        &[],
    )
    .await;
    assert_eq!(off.json(), json!({"open": false}));
    let status = support::get(&t.app, &format!("/api/organizations/{id}/relay")).await;
    assert_eq!(status.json(), json!({"open": false}));
    let refused = send("new@example.net", "hi").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["error"], "relay_off");
    let on = call(
        &t.app,
        "PUT",
        &format!("/api/edit/{token}/relay"),
        Some(json!({"open": true})),
        &[],
    )
    .await;
    assert_eq!(on.json(), json!({"open": true}));
}

/// The form's rules, and what is not public is not found.
async fn the_relay_checks_what_it_is_sent(backend: Backend) {
    let Some(t) = mailing(backend).await else {
        return;
    };
    let session = Session::sign_in(&t.app).await;
    let (id, _) = published(&t, &session, "Checked Group").await;
    let uri = format!("/api/organizations/{id}/messages");
    let bad = json!({"name": "", "reply_to": "nope", "message": "x".repeat(4001), "started_at": started()});
    let r = call(&t.app, "POST", &uri, Some(bad), &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let fields: Vec<_> = r.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("name", "required"),
            ("reply_to", "email"),
            ("message", "too_long")
        ]
        .map(|(f, c)| (f.to_owned(), c.to_owned()))
    );
    let mut bot = message("bot@example.net", "spam");
    bot["nickname"] = json!("filled");
    assert_eq!(
        call(&t.app, "POST", &uri, Some(bot), &[]).await.status,
        StatusCode::BAD_REQUEST
    );
    let mut fast = message("fast@example.net", "spam");
    fast["started_at"] = json!(chrono::Utc::now().timestamp_millis());
    assert_eq!(
        call(&t.app, "POST", &uri, Some(fast), &[]).await.status,
        StatusCode::BAD_REQUEST
    );
    // a pending entry does not exist for the public
    let pending = support::submit(&t.app, confirmed_submission("Pending Group")).await;
    let pending = pending["id"].as_str().unwrap();
    let r = support::get(&t.app, &format!("/api/organizations/{pending}/relay")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = write(&t, pending, "a@example.net").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        t.store
            .outbox(100)
            .await
            .unwrap()
            .iter()
            .all(|m| m.kind != "relay")
    );
}

/// Without an SMTP server nothing is relayed or recovered, and both forms
/// say so: the operator's choice, the same for every group and address.
async fn without_mail_the_forms_say_so(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let t = setup().moderator().start_on(db, |_| {}).await;
    let session = Session::sign_in(&t.app).await;
    let (id, _) = published(&t, &session, "Quiet Group").await;
    let status = support::get(&t.app, &format!("/api/organizations/{id}/relay")).await;
    assert_eq!(status.json(), json!({"open": false}));
    let r = write(&t, &id, "a@example.net").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"], "mail_unavailable");
    for email in [CONTACT, "nobody@example.org"] {
        let r = recover(&t, email).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.json()["error"], "mail_unavailable");
    }
}

on_both_backends!(backend:
    a_lost_link_is_sent_again_to_each_live_entry,
    the_relay_passes_messages_on_as_the_group_wants,
    the_relay_checks_what_it_is_sent,
    without_mail_the_forms_say_so,
);
