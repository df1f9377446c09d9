//! axe-core on the map, a card and the list, in English and Arabic: no
//! serious or critical WCAG 2.1 A/AA violation.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use solidarity_map_e2e::{Browser, Server};

#[tokio::test]
async fn the_map_and_a_card_pass_axe_in_english_and_arabic() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    for lang in ["en", "ar"] {
        browser.client.goto(&server.base).await.unwrap();
        browser
            .wait_for(".lang-picker select")
            .await
            .unwrap()
            .select_by_value(lang)
            .await
            .unwrap();
        browser.wait_for(".org-item").await.unwrap();
        let map = browser.axe_serious().await.unwrap();
        assert_eq!(map, Vec::<String>::new(), "map in {lang}");
        browser
            .wait_for(".org-item")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser.wait_for(".card h2").await.unwrap();
        let card = browser.axe_serious().await.unwrap();
        assert_eq!(card, Vec::<String>::new(), "card in {lang}");
    }
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_join_form_and_moderation_pass_axe() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    server
        .add_moderator("moderator", "a very long password")
        .unwrap();
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser
        .client
        .goto(&format!("{}/join", server.base))
        .await
        .unwrap();
    browser.wait_for("#name-en").await.unwrap();
    assert_eq!(
        browser.axe_serious().await.unwrap(),
        Vec::<String>::new(),
        "join form"
    );
    // with its errors showing
    browser
        .wait_for(".org-form button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for("#name-error:not([hidden])").await.unwrap();
    assert_eq!(
        browser.axe_serious().await.unwrap(),
        Vec::<String>::new(),
        "join form with errors"
    );
    browser
        .client
        .goto(&format!("{}/admin", server.base))
        .await
        .unwrap();
    browser.wait_for("#username").await.unwrap();
    assert_eq!(
        browser.axe_serious().await.unwrap(),
        Vec::<String>::new(),
        "sign-in"
    );
    browser.close().await.unwrap();
}
