//! A group joins, a moderator approves, the group edits through its link
//! and then replaces the link: all in a real browser, as people would do it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use fantoccini::Locator;
use solidarity_map_e2e::{Browser, Server};

async fn fill(browser: &Browser, css: &str, text: &str) {
    let el = browser.wait_for(css).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn click(browser: &Browser, css: &str) {
    browser.wait_for(css).await.unwrap().click().await.unwrap();
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser.wait_for(css).await.unwrap().text().await.unwrap()
}

async fn public_description(server: &Server, q: &str) -> Option<String> {
    let fc = server
        .get_json(&format!("/api/organizations?q={q}"))
        .await
        .unwrap();
    fc["features"][0]["properties"]["description"]["en"]
        .as_str()
        .map(str::to_owned)
}

/// Signs in on /admin and approves the first item in the queue.
async fn approve_first(browser: &Browser, server: &Server) {
    browser
        .sign_in(server, "moderator", "a very long password")
        .await
        .unwrap();
    browser.approve_first().await.unwrap();
}

#[tokio::test]
async fn a_group_joins_is_approved_and_edits_its_entry() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    server
        .add_moderator("moderator", "a very long password")
        .unwrap();
    let Some(browser) = Browser::start(1280, 900).await.unwrap() else {
        return;
    };
    browser.client.goto(&server.base).await.unwrap();
    click(&browser, ".join-link").await;
    browser.wait_for("#name-en").await.unwrap();

    // sending the empty form shows every problem beside its field
    click(&browser, ".org-form button[type=submit]").await;
    for id in [
        "name",
        "category",
        "description",
        "city",
        "country",
        "location",
        "contact_email",
        "consent",
    ] {
        let shown = browser
            .client
            .execute(
                &format!("return !document.getElementById('{id}-error').hidden"),
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(shown, true, "no error shown for {id}");
    }
    browser.screenshot("join-errors").await.unwrap();

    fill(&browser, "#name-en", "Silwan Neighbours").await;
    fill(&browser, "#name-ar", "جيران سلوان").await;
    // a fixed field's error goes at once; the others stay until sent again
    let hidden = |id: &'static str| {
        let browser = &browser;
        async move {
            browser
                .client
                .execute(
                    &format!("return document.getElementById('{id}-error').hidden"),
                    vec![],
                )
                .await
                .unwrap()
                == true
        }
    };
    browser
        .wait_until("the name's error to go", || async {
            Ok(hidden("name").await)
        })
        .await
        .unwrap();
    assert!(!hidden("category").await, "an unfixed field's error went");
    browser
        .wait_for("#category")
        .await
        .unwrap()
        .select_by_value("jerusalem")
        .await
        .unwrap();
    fill(&browser, "#description-en", "We meet every week.").await;
    // the city by its Arabic name, from the gazetteer
    fill(&browser, "#city", "القدس").await;
    let suggestion = browser.wait_for(".suggestion").await.unwrap();
    assert!(suggestion.text().await.unwrap().contains("Jerusalem"));
    suggestion.click().await.unwrap();
    assert!(
        text_of(&browser, ".location-value")
            .await
            .starts_with("Location: 31.7")
    );
    // a bad address keeps everything else typed
    fill(&browser, "#contact_email", "not-an-address").await;
    click(&browser, "#consent").await;
    click(&browser, ".org-form button[type=submit]").await;
    let err = text_of(&browser, "#contact_email-error").await;
    assert!(err.contains("e-mail"), "{err}");
    let kept = browser
        .wait_for("#name-ar")
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("جيران سلوان"));
    fill(&browser, "#contact_email", "hello@example.org").await;
    // people take a few seconds; the server refuses faster forms
    tokio::time::sleep(Duration::from_secs(3)).await;
    click(&browser, ".org-form button[type=submit]").await;
    let link = text_of(&browser, ".edit-url").await;
    assert!(link.contains("/edit/"), "{link}");
    browser.screenshot("join-done").await.unwrap();

    // not public until a moderator approves; the moderator corrects the
    // keywords before approving
    assert_eq!(public_description(&server, "silwan").await, None);
    browser
        .client
        .goto(&format!("{}/admin", server.base))
        .await
        .unwrap();
    fill(&browser, "#username", "moderator").await;
    fill(&browser, "#password", "a very long password").await;
    click(&browser, ".login button[type=submit]").await;
    click(&browser, ".revision .edit-first").await;
    fill(&browser, ".edit-before #tags", "neighbourhood, youth").await;
    click(&browser, ".edit-before .approve-edited").await;
    browser
        .wait_until("the approval to be confirmed", || async {
            Ok(browser
                .client
                .find(Locator::Css(".form-status"))
                .await?
                .text()
                .await?
                .contains("Approved"))
        })
        .await
        .unwrap();
    let fc = server
        .get_json("/api/organizations?q=silwan")
        .await
        .unwrap();
    assert_eq!(
        fc["features"][0]["properties"]["tags"],
        serde_json::json!(["neighbourhood", "youth"])
    );
    assert_eq!(
        public_description(&server, "silwan").await.as_deref(),
        Some("We meet every week.")
    );

    // the edit link changes the description; the map keeps the old one
    browser.client.goto(&link).await.unwrap();
    assert!(
        text_of(&browser, ".status-value")
            .await
            .contains("Published")
    );
    // the group can also erase its contact details at once
    assert!(
        text_of(&browser, ".erase-entry button")
            .await
            .contains("Erase")
    );
    fill(&browser, "#description-en", "We meet every day now.").await;
    click(&browser, ".org-form button[type=submit]").await;
    browser
        .wait_until("the save to be confirmed", || async {
            Ok(browser
                .client
                .find(Locator::Css(".form-status"))
                .await?
                .text()
                .await?
                .contains("Saved"))
        })
        .await
        .unwrap();
    assert_eq!(
        public_description(&server, "silwan").await.as_deref(),
        Some("We meet every week.")
    );

    // the moderator sees what changes, approves, and the map shows it
    browser
        .client
        .goto(&format!("{}/admin", server.base))
        .await
        .unwrap();
    let diff = text_of(&browser, "table.diff").await;
    assert!(diff.contains("We meet every day now."), "{diff}");
    browser.screenshot("moderation").await.unwrap();
    approve_first(&browser, &server).await;
    assert_eq!(
        public_description(&server, "silwan").await.as_deref(),
        Some("We meet every day now.")
    );
    let audit = text_of(&browser, "table.audit").await;
    assert!(
        audit.contains("moderator") && audit.contains("approved"),
        "{audit}"
    );

    // and on the map
    browser
        .client
        .goto(&format!("{}/?q=silwan", server.base))
        .await
        .unwrap();
    click(&browser, ".org-item").await;
    assert_eq!(
        text_of(&browser, ".card .description").await,
        "We meet every day now."
    );

    // the group fears its link was seen: it replaces it from the edit page
    browser.client.goto(&link).await.unwrap();
    browser.wait_for(".status-value").await.unwrap();
    browser
        .client
        .execute("window.confirm = () => true;", vec![])
        .await
        .unwrap();
    click(&browser, ".replace-link button").await;
    let new_link = text_of(&browser, "code.edit-link").await;
    assert!(
        new_link.contains("/edit/") && new_link != link,
        "{new_link}"
    );
    let address = browser.client.current_url().await.unwrap();
    assert_eq!(
        address.as_str(),
        new_link,
        "the address bar keeps the old secret"
    );
    browser.client.goto(&link).await.unwrap();
    assert!(
        text_of(&browser, "[role=alert]")
            .await
            .contains("not valid"),
        "the old link still works"
    );
    browser.client.goto(&new_link).await.unwrap();
    assert!(
        text_of(&browser, ".status-value")
            .await
            .contains("Published")
    );

    assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    browser.close().await.unwrap();
}
