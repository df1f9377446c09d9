//! The mail outbox on both databases: each change that causes mail writes
//! it in its own transaction (a failed change writes none, and a decision
//! lost to another writes none), moderators read it, and a mail is claimed
//! by one worker at a time.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::HashSet;

use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use solidarity_map_core::CategorySlug;
use solidarity_map_server::mail::{Delivery, MailPolicy};
use solidarity_map_server::store::{MailClass, NewMail};

use crate::support::{self, Backend, CONTACT, Session, call, entry, setup, submission};

/// The outbox as the moderator reads it, newest first.
async fn outbox(app: &axum::Router, session: &Session) -> Vec<Value> {
    let r = session.get(app, "/api/admin/outbox").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));
    r.json()["items"].as_array().expect("the mails").clone()
}

/// A fresh database with the categories written, unless skipped.
async fn with_categories(backend: Backend) -> Option<support::TestDb> {
    let db = backend.fresh().await?;
    solidarity_map_server::seed::sync_categories(db.store().as_ref())
        .await
        .unwrap();
    Some(db)
}

/// Join, approve, reject, edit: each mail the group gets, in the outbox.
async fn every_decision_queues_the_groups_mail(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let t = setup().moderator().start_on(db, |_| {}).await;
    let anonymous = call(&t.app, "GET", "/api/admin/outbox", None, &[]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let joined = support::submit(&t.app, submission("Mail Group")).await;
    // no SMTP server: the link is in the outbox, not on its way
    assert_eq!(joined["link_mailed"], json!(false));
    let session = Session::sign_in(&t.app).await;
    let mails = outbox(&t.app, &session).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let received = &mails[0];
    assert_eq!(received["kind"], "received");
    assert_eq!(received["to"], CONTACT);
    assert_eq!(received["status"], "pending");
    assert_eq!(received["lang"], "en");
    let text = received["text"].as_str().unwrap();
    // waiting in the outbox, where moderators read it: never the link
    let token = joined["edit_token"].as_str().unwrap();
    assert!(!text.contains(token), "{text}");
    assert!(text.contains("shown on screen"), "{text}");

    session.approve_next(&t.app).await;
    let mails = outbox(&t.app, &session).await;
    assert_eq!(mails[0]["kind"], "published");
    let id = joined["id"].as_str().unwrap();
    assert!(
        mails[0]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("/org/{id}"))
    );
    assert_eq!(mails[0]["org_id"], json!(id));

    // an edit approved: "your edit is live"
    let token = joined["edit_token"].as_str().unwrap();
    let mut body = submission("Mail Group renamed");
    body["contact_email"] = json!("");
    support::edit(&t.app, token, body).await;
    session.approve_next(&t.app).await;
    assert_eq!(outbox(&t.app, &session).await[0]["kind"], "edit_live");

    // a submission rejected, with the moderator's reason
    support::submit(&t.app, support::confirmed_submission("Other Group")).await;
    let rev = session.next(&t.app).await;
    let reason = "Not a <group> we list";
    let r = session
        .call(
            &t.app,
            "POST",
            &format!("/api/admin/submissions/{rev}/reject"),
            Some(json!({ "reason": reason })),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let mails = outbox(&t.app, &session).await;
    assert_eq!(mails.len(), 5, "{mails:?}");
    assert_eq!(mails[0]["kind"], "rejected");
    assert!(mails[0]["text"].as_str().unwrap().contains(reason));
    // a decision lost to another writes no mail
    let again = session
        .call(&t.app, "POST", &support::approve_uri(&rev), None)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(outbox(&t.app, &session).await.len(), 5);
}

/// A group that gave no address gets no mail; an Arabic-speaking group
/// gets its mail in Arabic, right to left.
async fn mail_goes_to_an_address_in_the_groups_language(backend: Backend) {
    let Some(db) = with_categories(backend).await else {
        return;
    };
    let store = db.store();
    let service = solidarity_map_server::service::Service::new(store.clone());
    // the join form requires an address; an imported entry may have none
    let mut silent = entry("Silent Group").validate().unwrap();
    silent.contact_email = None;
    assert_eq!(MailPolicy::default().received(&silent, "/edit/x"), None);

    let mut arabic: solidarity_map_core::moderation::SubmissionRequest =
        serde_json::from_value(support::confirmed_submission("x")).unwrap();
    arabic.organization.name = [("ar".to_owned(), "بيت الجالية".to_owned())].into();
    arabic.organization.languages = vec!["fr".into(), "ar".into()];
    service.submit(&arabic).await.unwrap();
    let mails = store.outbox(10).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].lang, "ar");
    assert!(
        mails[0].subject.contains("بيت الجالية"),
        "{}",
        mails[0].subject
    );
}

/// With SMTP, the answer says the link is on its way; with mail disabled
/// the mail is kept, held, and the answer says it is not.
async fn the_answer_says_whether_the_link_is_mailed(backend: Backend) {
    for (delivery, mailed, status) in [
        (Delivery::Smtp, true, "pending"),
        (Delivery::Disabled, false, "held"),
    ] {
        let Some(db) = backend.fresh().await else {
            return;
        };
        let policy = MailPolicy {
            delivery,
            ..MailPolicy::default()
        };
        let t = setup()
            .moderator()
            .start_on(db, |state| state.mail = policy)
            .await;
        let joined = support::submit(&t.app, submission("Told Group")).await;
        assert_eq!(joined["link_mailed"], json!(mailed), "{delivery:?}");
        let session = Session::sign_in(&t.app).await;
        let r = session.get(&t.app, "/api/admin/outbox").await;
        assert_eq!(r.json()["delivery"], delivery.as_str());
        assert_eq!(r.json()["items"][0]["status"], status, "{delivery:?}");
    }
}

/// The moderation page reads and changes the signed-in moderator's own
/// digest setting, with the session's CSRF token only.
async fn a_moderator_turns_the_digest_off(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let t = setup().moderator().start_on(db, |_| {}).await;
    let session = Session::sign_in(&t.app).await;
    let r = session.get(&t.app, "/api/admin/settings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!({"email": null, "digest": true}));
    let off = json!({"digest": false});
    let forged = call(
        &t.app,
        "PUT",
        "/api/admin/settings",
        Some(off.clone()),
        &[("cookie", &session.cookie)],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let r = session
        .call(&t.app, "PUT", "/api/admin/settings", Some(off))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["digest"], json!(false));
    let anonymous = call(&t.app, "GET", "/api/admin/settings", None, &[]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

/// A mail to queue, as the use cases write it.
fn mail(to: &str) -> NewMail {
    NewMail {
        kind: "received",
        class: MailClass::Transactional,
        org: None,
        to: to.to_owned(),
        lang: "en",
        subject: "s".into(),
        text: "t".into(),
        html: "<p>t</p>".into(),
        unsubscribe: None,
        reply_to: None,
        held: false,
    }
}

/// A change that fails writes no mail: the mail is in its transaction.
async fn a_failed_change_queues_no_mail(backend: Backend) {
    let Some(db) = with_categories(backend).await else {
        return;
    };
    let store = db.store();
    let mut org = entry("Nowhere").validate().unwrap();
    org.category = CategorySlug::parse("no-such-category").unwrap();
    let failed = store
        .submit_mailing(&org, "hash-1", Some(&mail("a@example.org")))
        .await;
    assert!(failed.is_err());
    assert!(store.outbox(10).await.unwrap().is_empty());
    assert_eq!(store.count_organizations().await.unwrap(), 0);
}

/// Of many workers on two connections pools (two instances), each mail
/// is claimed once; a claim holds until its lease is over, a failure until
/// its next try, and a sent mail is never claimed again.
async fn claiming_is_exclusive(backend: Backend) {
    let Some(db) = with_categories(backend).await else {
        return;
    };
    let store = db.store();
    let org = entry("Queued").validate().unwrap();
    for i in 0..20 {
        let hash = format!("hash-{i}");
        store
            .submit_mailing(&org, &hash, Some(&mail(&format!("g{i}@example.org"))))
            .await
            .unwrap();
    }
    let other = db.another_store().await;
    let now = chrono::Utc::now();
    let lease = now + chrono::TimeDelta::minutes(5);
    let mut workers = Vec::new();
    for w in 0..6 {
        let s = if w % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        workers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(m) = s.claim_mail(now, lease).await.unwrap() {
                assert_eq!(m.attempts, 1);
                got.push(m.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 20, "every mail claimed");
    assert_eq!(unique.len(), 20, "none twice");
    // claimed: nobody else's until the lease is over
    assert!(store.claim_mail(now, lease).await.unwrap().is_none());
    let after = lease + chrono::TimeDelta::seconds(1);
    let lease_after = after + chrono::TimeDelta::minutes(5);
    let taken_over = store.claim_mail(after, lease_after).await.unwrap().unwrap();
    assert_eq!(taken_over.attempts, 2);
    // failed: due again at its next try, not before
    let next = after + chrono::TimeDelta::minutes(1);
    store
        .mail_failed(taken_over.id, "down", next)
        .await
        .unwrap();
    let before_next = store.claim_mail(after, lease_after).await.unwrap().unwrap();
    assert_ne!(before_next.id, taken_over.id);
    store.mail_sent(before_next.id, after).await.unwrap();
    let mails = store.outbox(100).await.unwrap();
    let sent = mails.iter().find(|m| m.id == before_next.id).unwrap();
    assert_eq!(sent.status, "sent");
    // a received mail holds the private edit link: not kept once sent
    assert_eq!(sent.text, "");
    let failed = mails.iter().find(|m| m.id == taken_over.id).unwrap();
    assert_eq!(failed.last_error.as_deref(), Some("down"));
    assert_eq!(
        failed.next_attempt_at.timestamp_micros(),
        next.timestamp_micros()
    );
    // sent: never claimed again, however late
    let late = next + chrono::TimeDelta::days(1);
    let mut later = HashSet::new();
    let late_lease = late + chrono::TimeDelta::minutes(5);
    while let Some(m) = store.claim_mail(late, late_lease).await.unwrap() {
        later.insert(m.id);
    }
    assert_eq!(later.len(), 19);
    assert!(!later.contains(&before_next.id));
}

/// Mail disabled (a staging copy of real data): what was pending is held,
/// kept to be read and never claimed.
async fn disabled_mail_holds_what_is_pending(backend: Backend) {
    let Some(db) = with_categories(backend).await else {
        return;
    };
    let store = db.store();
    let org = entry("Staged").validate().unwrap();
    store
        .submit_mailing(&org, "hash-1", Some(&mail("a@example.org")))
        .await
        .unwrap();
    assert!(store.next_mail_due().await.unwrap().is_some());
    assert_eq!(store.hold_pending_mail().await.unwrap(), 1);
    assert_eq!(store.next_mail_due().await.unwrap(), None);
    let now = chrono::Utc::now();
    let later = now + chrono::TimeDelta::days(1);
    assert!(store.claim_mail(later, later).await.unwrap().is_none());
    let mails = store.outbox(10).await.unwrap();
    assert_eq!(mails[0].status, "held");
    // never sent, so a received mail's text (it may hold an edit link) goes
    assert_eq!(mails[0].text, "");
}

/// An erased entry's mail goes with it: no address of its stays behind in
/// the outbox, sent or not; another entry's mail stays.
async fn an_erased_entry_leaves_no_mail(backend: Backend) {
    let Some(db) = with_categories(backend).await else {
        return;
    };
    let store = db.store();
    let org = entry("Erased").validate().unwrap();
    let gone = store
        .submit_mailing(&org, "hash-1", Some(&mail("gone@example.org")))
        .await
        .unwrap();
    store
        .submit_mailing(&org, "hash-2", Some(&mail("kept@example.org")))
        .await
        .unwrap();
    assert_eq!(store.outbox(10).await.unwrap().len(), 2);
    assert!(store.erase(gone).await.unwrap());
    let left: Vec<String> = store
        .outbox(10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.to)
        .collect();
    assert_eq!(left, ["kept@example.org"]);
}

/// A moderator with an address who wants it gets a digest when the queue
/// is not empty, at most once a period; one who turned it off, or has no
/// address, gets none.
async fn digests_come_at_most_once_a_period(backend: Backend) {
    let Some(db) = with_categories(backend).await else {
        return;
    };
    let store = db.store();
    let service = solidarity_map_server::service::Service::new(store.clone());
    for name in ["alice", "bob", "carol"] {
        service
            .add_moderator(name, support::PASSWORD)
            .await
            .unwrap();
    }
    service
        .set_moderator_email("alice", Some("alice@example.org"))
        .await
        .unwrap();
    service
        .set_moderator_email("carol", Some("carol@example.org"))
        .await
        .unwrap();
    let off = service.set_digest("carol", false).await.unwrap();
    assert!(!off.digest);
    assert!(
        service
            .set_moderator_email("alice", Some("not an address"))
            .await
            .is_err()
    );
    assert!(service.set_digest("nobody", true).await.is_err());

    let policy = MailPolicy::default();
    let digest = |to: &str, n: u64| policy.digest(to, n);
    let day = chrono::TimeDelta::hours(24);
    let at = chrono::Utc::now();
    assert_eq!(
        store.queue_digests(at, at - day, &digest).await.unwrap(),
        0,
        "empty queue"
    );
    store
        .submit(&entry("Waiting").validate().unwrap(), "hash")
        .await
        .unwrap();
    assert_eq!(store.queue_digests(at, at - day, &digest).await.unwrap(), 1);
    let soon = at + chrono::TimeDelta::hours(1);
    assert_eq!(
        store
            .queue_digests(soon, soon - day, &digest)
            .await
            .unwrap(),
        0
    );
    let mails = store.outbox(10).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        (mails[0].kind.as_str(), mails[0].to.as_str()),
        ("digest", "alice@example.org")
    );
    assert_eq!(mails[0].class, "notification");
    assert!(mails[0].text.contains("1 submission"), "{}", mails[0].text);
    let tomorrow = at + chrono::TimeDelta::hours(25);
    assert_eq!(
        store
            .queue_digests(tomorrow, tomorrow - day, &digest)
            .await
            .unwrap(),
        1
    );
}

on_both_backends!(backend:
    every_decision_queues_the_groups_mail,
    the_answer_says_whether_the_link_is_mailed,
    claiming_is_exclusive,
    mail_goes_to_an_address_in_the_groups_language,
    a_failed_change_queues_no_mail,
    digests_come_at_most_once_a_period,
    disabled_mail_holds_what_is_pending,
    an_erased_entry_leaves_no_mail,
    a_moderator_turns_the_digest_off,
);
