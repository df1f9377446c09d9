//! The contact relay and a lost edit link in Chromium: a visitor writes
//! to a group from its card and hears, with the focus on it, that the
//! message was passed on; the group's mailbox gets it. A group asks for
//! its lost link on `/edit` and hears the same whatever the address.
//! Both pages pass axe, in English and Arabic, and are screenshotted.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use serde_json::json;

use crate::mail::{Mailbox, text};
use crate::support::{Setup, assert_accessible, count, js};

const GROUP: &str = "6f1c2b7e-3a44-4d2b-9c1e-5a6b7c8d9e0f";

/// A group with a contact address, to write to.
fn group() -> serde_json::Value {
    let mut orgs = solidarity_map_e2e::one_org(GROUP, "Relay Collective", "We answer.", 31.9, 35.2);
    orgs["features"][0]["properties"]["contact_email"] = json!("collective@example.org");
    orgs
}

/// The flags that send through `mailbox`, for the whole test run.
fn flags(mailbox: &Mailbox) -> Vec<&'static str> {
    mailbox
        .flag_refs()
        .into_iter()
        .map(|f| &*Box::leak(f.to_owned().into_boxed_str()))
        .collect()
}

/// The id of the element that has the focus.
async fn focused(browser: &solidarity_map_e2e::Browser) -> String {
    let id = js(
        browser,
        "return document.activeElement && document.activeElement.id",
    )
    .await;
    id.as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_visitor_writes_to_a_group_from_its_card() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    for (lang, width, height) in [("en", 1280, 800), ("ar", 390, 844)] {
        let setup = Setup::with_orgs(group(), width, height).flags(&flags(&mailbox));
        setup.run(async |server, browser| {
            // a page whose language picker a phone shows too: the choice
            // is remembered for the map
            browser.open(server, "/edit").await.unwrap();
            browser.choose_language(lang).await.unwrap();
            browser
                .wait_until("the page to speak the language", || async {
                    Ok(js(browser, "return document.documentElement.lang").await == lang)
                })
                .await
                .unwrap();
            browser
                .open(server, &format!("/org/{GROUP}"))
                .await
                .unwrap();
            browser.click(".card .relay summary").await.unwrap();
            browser.type_into("#relay-name", "Rana").await.unwrap();
            browser
                .type_into("#relay-reply-to", "rana@example.net")
                .await
                .unwrap();
            browser
                .type_into("#relay-message", &format!("Hello from the card ({lang})"))
                .await
                .unwrap();
            assert_accessible(browser, &format!("relay form in {lang}")).await;
            browser
                .screenshot(&format!("relay-form-{lang}"))
                .await
                .unwrap();
            // a person takes longer than the form's minimum
            tokio::time::sleep(Duration::from_secs(3)).await;
            browser
                .click(".relay-form button[type=submit]")
                .await
                .unwrap();
            browser.wait_for("#relay-sent").await.unwrap();
            browser
                .wait_until("the confirmation to have the focus", || async {
                    Ok(focused(browser).await == "relay-sent")
                })
                .await
                .unwrap();
            let said = browser.text("#relay-sent").await.unwrap();
            let expected = if lang == "en" {
                "passed on"
            } else {
                "نُقلت"
            };
            assert!(said.contains(expected), "{said}");
            let page = js(browser, "return document.body.innerText").await;
            assert!(!page.as_str().unwrap().contains("collective@example.org"));
            assert_accessible(browser, &format!("relay confirmation in {lang}")).await;
            browser
                .screenshot(&format!("relay-sent-{lang}"))
                .await
                .unwrap();

            // the group opens the mail's "report abuse" link and blocks
            let n = if lang == "en" { 1 } else { 2 };
            let mails = mailbox.wait_for(n, Duration::from_secs(20)).await;
            let words = format!("Hello from the card ({lang})");
            let mail = mails.iter().map(text).find(|t| t.contains(&words)).unwrap();
            let at = mail.find("/relay/block/").unwrap();
            browser.open(server, &mail[at..at + 77]).await.unwrap();
            browser.wait_for(".page button.danger").await.unwrap();
            assert_accessible(browser, &format!("block page in {lang}")).await;
            browser
                .screenshot(&format!("relay-block-{lang}"))
                .await
                .unwrap();
            browser.click(".page button.danger").await.unwrap();
            let done = if lang == "en" {
                "Blocked"
            } else {
                "تم الحجب"
            };
            browser
                .wait_until("the block to be confirmed", || async {
                    Ok(browser.text("#block-status").await?.contains(done))
                })
                .await
                .unwrap();
            assert_eq!(count(browser, ".page button.danger").await, 0);
        });
    }
    let arrived = mailbox.messages();
    assert_eq!(arrived.len(), 2, "{arrived:?}");
    for m in &arrived {
        assert_eq!(m["envelope_to"][0], "collective@example.org");
        assert_eq!(m["reply_to"], "rana@example.net");
        assert!(text(m).contains("Hello from the card"));
    }
}

#[test]
fn a_group_asks_for_its_lost_link_on_the_edit_page() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    let setup = Setup::with_orgs(group(), 1280, 800).flags(&flags(&mailbox));
    setup.run(async |server, browser| {
        let mut answers = Vec::new();
        for (lang, email) in [
            ("en", "collective@example.org"),
            ("ar", "nobody@example.org"),
        ] {
            browser.open(server, "/edit").await.unwrap();
            browser.choose_language(lang).await.unwrap();
            browser.type_into("#recover-email", email).await.unwrap();
            assert_accessible(browser, &format!("recovery form in {lang}")).await;
            tokio::time::sleep(Duration::from_secs(3)).await;
            browser
                .click(".recover-form button[type=submit]")
                .await
                .unwrap();
            browser
                .wait_until("the answer to have the focus", || async {
                    Ok(focused(browser).await == "recover-status"
                        && !browser.text("#recover-status").await?.is_empty())
                })
                .await
                .unwrap();
            answers.push(browser.text("#recover-status").await.unwrap());
            assert_accessible(browser, &format!("recovery answer in {lang}")).await;
            browser
                .screenshot(&format!("recover-{lang}"))
                .await
                .unwrap();
        }
        assert!(
            answers[0].contains("If this address belongs"),
            "{answers:?}"
        );
        assert!(answers[1].contains("إن كان هذا العنوان"), "{answers:?}");
        // the listed address got its new link; the other got nothing
        let arrived = mailbox.wait_for(1, Duration::from_secs(20)).await;
        assert_eq!(arrived.len(), 1, "{arrived:?}");
        assert!(text(&arrived[0]).contains("/edit/"));
        // a wrong address is said beside its field
        browser.open(server, "/edit").await.unwrap();
        browser.choose_language("en").await.unwrap();
        browser
            .type_into("#recover-email", "not an address")
            .await
            .unwrap();
        browser
            .click(".recover-form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for("#recover-email-error:not([hidden])")
            .await
            .unwrap();
        assert_accessible(browser, "recovery form with an error").await;

        // the new link opens the edit page, where the group switches the
        // form off: its card shows none
        let mail = text(&arrived[0]);
        let at = mail.find("/edit/").unwrap();
        browser.open(server, &mail[at..at + 70]).await.unwrap();
        browser.wait_for("#relay-open").await.unwrap();
        let checked = "return document.getElementById('relay-open').checked";
        assert_eq!(js(browser, checked).await, true);
        browser.click("#relay-open").await.unwrap();
        browser
            .wait_status("The contact form is off")
            .await
            .unwrap();
        assert_eq!(js(browser, checked).await, false);
        assert_accessible(browser, "edit page with the relay off").await;
        browser.screenshot("relay-switch-en").await.unwrap();
        browser
            .open(server, &format!("/org/{GROUP}"))
            .await
            .unwrap();
        browser.wait_for(".card .copy-link").await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            count(browser, ".card .relay").await,
            0,
            "a form on the card"
        );
    });
}
