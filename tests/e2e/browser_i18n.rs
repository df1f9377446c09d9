//! The interface in Arabic and Hebrew: translated, right to left, the map
//! itself not mirrored, and the choice remembered.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use fantoccini::Locator;
use serde_json::Value;
use solidarity_map_e2e::{Browser, Server};

async fn js(browser: &Browser, script: &str) -> Value {
    browser.client.execute(script, vec![]).await.unwrap()
}

#[tokio::test]
async fn arabic_and_hebrew_mirror_the_page_but_not_the_map() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser.client.goto(&server.base).await.unwrap();
    browser.wait_for(".org-item").await.unwrap();
    assert_eq!(
        js(&browser, "return document.documentElement.dir").await,
        "ltr"
    );

    for (lang, title, category) in [
        ("ar", "خريطة التضامن", "مجموعات التضامن"),
        ("he", "מפת הסולידריות", "קבוצות סולידריות"),
    ] {
        browser
            .wait_for(".lang-picker select")
            .await
            .unwrap()
            .select_by_value(lang)
            .await
            .unwrap();
        browser
            .wait_until("the page to turn right to left", || async {
                Ok(js(&browser, "return document.documentElement.dir").await == "rtl")
            })
            .await
            .unwrap();
        assert_eq!(
            js(&browser, "return document.documentElement.lang").await,
            lang
        );
        assert_eq!(
            browser
                .wait_for(".brand h1")
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            title
        );
        let label = browser
            .wait_for(r#".cat-toggle[data-category="solidarity"] .label"#)
            .await
            .unwrap();
        assert_eq!(label.text().await.unwrap(), category);
        // the sidebar moves to the right; the map keeps north up, east right
        let sidebar_left = js(
            &browser,
            "return document.querySelector('.sidebar').getBoundingClientRect().left",
        )
        .await;
        assert!(
            sidebar_left.as_f64().unwrap() > 800.0,
            "{lang}: sidebar at {sidebar_left}"
        );
        assert_eq!(
            js(
                &browser,
                "return getComputedStyle(document.querySelector('.map')).direction"
            )
            .await,
            "ltr"
        );
        // country names in the visitor's language
        let options = browser
            .client
            .find_all(Locator::Css("select.country option"))
            .await
            .unwrap();
        let mut texts = Vec::new();
        for o in &options {
            texts.push(o.text().await.unwrap());
        }
        assert!(texts.iter().all(|t| !t.starts_with("IL ")), "{texts:?}");
        browser.screenshot(&format!("map-{lang}")).await.unwrap();
    }
    // remembered on the next visit
    browser.client.goto(&server.base).await.unwrap();
    browser.wait_for(".org-item").await.unwrap();
    assert_eq!(
        js(&browser, "return document.documentElement.lang").await,
        "he"
    );
    // a card in Hebrew says which language the text is in when it differs
    browser
        .wait_for(".org-item")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for(".card h2").await.unwrap();
    let shown_in = browser
        .client
        .find_all(Locator::Css(".card .shown-in"))
        .await
        .unwrap();
    assert_eq!(
        shown_in.len(),
        1,
        "the English description is marked as such"
    );
    browser.screenshot("card-he").await.unwrap();
    assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_join_form_speaks_arabic_right_to_left() {
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
    browser
        .wait_for(".lang-picker select")
        .await
        .unwrap()
        .select_by_value("ar")
        .await
        .unwrap();
    browser
        .wait_until("the page to turn right to left", || async {
            Ok(js(&browser, "return document.documentElement.dir").await == "rtl")
        })
        .await
        .unwrap();
    assert_eq!(
        browser
            .wait_for(".page h1")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "أضيفوا مجموعتكم إلى الخريطة"
    );
    assert_eq!(
        browser
            .wait_for("label[for=city]")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "المدينة"
    );
    // country names in Arabic in the picker
    let options = js(
        &browser,
        "return [...document.querySelectorAll('#country option')].map(o => o.textContent)",
    )
    .await;
    let names: Vec<String> = serde_json::from_value(options).unwrap();
    assert!(
        names.iter().any(|n| n == "فلسطين" || n.contains("فلسطين")),
        "{:?}",
        &names[..5]
    );
    assert_eq!(browser.axe_serious().await.unwrap(), Vec::<String>::new());
    // sent empty: every problem is named in Arabic, next to its field
    browser
        .click(".org-form button[type=submit]")
        .await
        .unwrap();
    let name_error = browser.text("#name-error:not([hidden])").await.unwrap();
    assert_eq!(name_error, "حقل مطلوب.");
    let category_error = browser.text("#category-error:not([hidden])").await.unwrap();
    assert_eq!(category_error, "اختر نوع المجموعة.");
    browser.screenshot("join-ar").await.unwrap();
    browser.close().await.unwrap();
}
