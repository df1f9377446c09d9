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
        browser.choose_language(lang).await.unwrap();
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
    // the queue, with a new group in two languages waiting, in en and ar
    let submission = serde_json::json!({
        "name": {"en": "Axe Collective", "ar": "تجمع الفأس"},
        "description": {"en": "Checks contrast.", "ar": "تفحص التباين."},
        "category": "student", "city": "Haifa", "country": "IL",
        "location": {"lat": 32.79, "lon": 34.99}, "precision": "city",
        "contact_email": "axe@example.org", "consent": true,
        "started_at": 0
    });
    let res = reqwest::Client::new()
        .post(format!("{}/api/submissions", server.base))
        .json(&submission)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    browser.type_into("#username", "moderator").await.unwrap();
    browser
        .type_into("#password", "a very long password")
        .await
        .unwrap();
    browser.click(".login button[type=submit]").await.unwrap();
    for (lang, approve) in [("en", "Approve"), ("ar", "موافقة")] {
        browser.choose_language(lang).await.unwrap();
        let button = browser.text(".revision .approve").await.unwrap();
        assert_eq!(button, approve);
        // both translations of what the group wrote are there to review
        browser
            .wait_count(".revision .rev-name-l", 2)
            .await
            .unwrap();
        assert_eq!(
            browser.axe_serious().await.unwrap(),
            Vec::<String>::new(),
            "moderation queue in {lang}"
        );
    }
    browser.screenshot("moderation-ar").await.unwrap();
    browser.close().await.unwrap();
}

/// Presses Tab until the element with `id` has focus; fails if it is never
/// reached (unreachable, or focus trapped elsewhere).
async fn tab_to(browser: &Browser, id: &str) {
    for _ in 0..80 {
        let active = browser
            .client
            .execute(
                "return document.activeElement ? document.activeElement.id : ''",
                vec![],
            )
            .await
            .unwrap();
        if active == id {
            return;
        }
        browser
            .client
            .active_element()
            .await
            .unwrap()
            .send_keys("\u{e004}")
            .await
            .unwrap();
    }
    panic!("#{id} cannot be reached with Tab");
}

async fn type_keys(browser: &Browser, keys: &str) {
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_join_form_can_be_completed_with_the_keyboard_alone() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 900).await.unwrap() else {
        return;
    };
    browser
        .client
        .goto(&format!("{}/join", server.base))
        .await
        .unwrap();
    browser.wait_for("#name-en").await.unwrap();
    tab_to(&browser, "name-en").await;
    type_keys(&browser, "Keyboard Collective").await;
    tab_to(&browser, "category").await;
    type_keys(&browser, "Student").await; // selects by typing, as people do
    tab_to(&browser, "description-en").await;
    type_keys(&browser, "Reachable without a mouse.").await;
    tab_to(&browser, "city").await;
    type_keys(&browser, "Ramallah").await;
    browser.wait_for(".suggestion").await.unwrap();
    type_keys(&browser, "\u{e004}").await; // Tab into the suggestions
    type_keys(&browser, "\u{e007}").await; // Enter chooses
    browser
        .wait_until("the place to be chosen", || async {
            let v = browser
                .client
                .execute(
                    "return document.querySelector('.location-value').textContent",
                    vec![],
                )
                .await?;
            Ok(v.as_str().is_some_and(|t| t.starts_with("Location: 31.8")))
        })
        .await
        .unwrap();
    tab_to(&browser, "contact_email").await;
    type_keys(&browser, "keys@example.org").await;
    tab_to(&browser, "consent").await;
    type_keys(&browser, " ").await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    type_keys(&browser, "\u{e004}").await; // on to the submit button
    type_keys(&browser, "\u{e007}").await;
    let link = browser.wait_for(".edit-url").await.unwrap();
    assert!(link.text().await.unwrap().contains("/edit/"));
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_first_tab_skips_to_the_map() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser.client.goto(&server.base).await.unwrap();
    browser.wait_for(".leaflet-container").await.unwrap();
    // the first stop of Tab, shown when it has focus
    browser
        .client
        .find(fantoccini::Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{e004}")
        .await
        .unwrap();
    let first = browser
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(first, "skip-map", "the first Tab lands elsewhere");
    let link = browser.wait_for("#skip-map").await.unwrap();
    assert_eq!(link.text().await.unwrap(), "Skip to the map");
    type_keys(&browser, "\u{e007}").await; // Enter
    browser
        .wait_until("the map to have focus", || async {
            Ok(browser
                .client
                .execute("return document.activeElement.id", vec![])
                .await?
                == "map")
        })
        .await
        .unwrap();
    browser.close().await.unwrap();
}
