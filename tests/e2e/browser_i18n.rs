//! The interface in Arabic and Hebrew: translated, right to left, the map
//! itself not mirrored, and the choice remembered.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use fantoccini::Locator;

use crate::support::{
    ESCAPE, Setup, assert_accessible, count, js, open_first_card, press, send_form, visit, wait_dir,
};

#[test]
fn arabic_and_hebrew_mirror_the_page_but_not_the_map() {
    Setup::new(1280, 800).run(async |server, browser| {
        visit(browser, server, "/", ".org-item").await;
        assert_eq!(
            js(browser, "return document.documentElement.dir").await,
            "ltr"
        );

        for (lang, title, category) in [
            ("ar", "خريطة التضامن", "مجموعات التضامن"),
            ("he", "מפת הסולידריות", "קבוצות סולידריות"),
        ] {
            browser.choose_language(lang).await.unwrap();
            wait_dir(browser, "rtl").await;
            assert_eq!(
                js(browser, "return document.documentElement.lang").await,
                lang
            );
            assert_eq!(browser.text(".brand h1").await.unwrap(), title);
            let label = browser
                .text(r#".cat-toggle[data-category="solidarity"] .label"#)
                .await
                .unwrap();
            assert_eq!(label, category);
            // the sidebar moves to the right; the map keeps north up, east right
            let sidebar_left = js(
                browser,
                "return document.querySelector('.sidebar').getBoundingClientRect().left",
            )
            .await;
            assert!(
                sidebar_left.as_f64().unwrap() > 800.0,
                "{lang}: sidebar at {sidebar_left}"
            );
            assert_eq!(
                js(
                    browser,
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
        visit(browser, server, "/", ".org-item").await;
        assert_eq!(
            js(browser, "return document.documentElement.lang").await,
            "he"
        );
        // a card in Hebrew says which language the text is in when it differs
        open_first_card(browser).await;
        assert_eq!(
            count(browser, ".card .shown-in").await,
            1,
            "the English description is marked as such"
        );
        browser.screenshot("card-he").await.unwrap();
        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    });
}

#[test]
fn the_join_form_speaks_arabic_right_to_left() {
    Setup::new(1280, 900).run(async |server, browser| {
        browser.open(server, "/join").await.unwrap();
        browser.choose_language("ar").await.unwrap();
        wait_dir(browser, "rtl").await;
        assert_eq!(
            browser.text(".page h1").await.unwrap(),
            "أضيفوا مجموعتكم إلى الخريطة"
        );
        // with the mark of a required field
        assert_eq!(browser.text("label[for=city]").await.unwrap(), "المدينة *");
        // country names in Arabic in the picker
        let options = js(
            browser,
            "return [...document.querySelectorAll('#country option')].map(o => o.textContent)",
        )
        .await;
        let names: Vec<String> = serde_json::from_value(options).unwrap();
        assert!(
            names.iter().any(|n| n == "فلسطين" || n.contains("فلسطين")),
            "{:?}",
            &names[..5]
        );
        assert_accessible(browser, "the join form in Arabic").await;
        // sent empty: every problem is named in Arabic, next to its field
        send_form(browser).await;
        let name_error = browser.text("#name-error:not([hidden])").await.unwrap();
        assert_eq!(name_error, "حقل مطلوب.");
        let category_error = browser.text("#category-error:not([hidden])").await.unwrap();
        assert_eq!(category_error, "اختر نوع المجموعة.");
        browser.screenshot("join-ar").await.unwrap();
    });
}

/// Lists read as sentences in the visitor's language (`Intl.ListFormat`)
/// and names sort as its readers expect (`Intl.Collator`).
#[test]
fn lists_and_name_order_follow_the_visitors_language() {
    Setup::new(1280, 800).run(async |server, browser| {
        browser.open(server, "/?q=Ir%20Amim").await.unwrap();
        browser.wait_for(".org-item").await.unwrap();
        for (lang, words) in [
            ("en", "Hebrew, Arabic, and English"),
            ("ar", "العبرية والعربية والإنجليزية"),
        ] {
            browser.choose_language(lang).await.unwrap();
            browser.click(".org-item").await.unwrap();
            browser
                .wait_until(&format!("the languages in {lang}"), || async {
                    Ok(browser.text(".card .languages").await?.contains(words))
                })
                .await
                .unwrap();
            press(browser, ESCAPE).await;
        }
        // the countries of the filter, and of the join form, in Arabic order
        for (page, select) in [("/", "select.country"), ("/join", "#country")] {
            browser.open(server, page).await.unwrap();
            browser.choose_language("ar").await.unwrap();
            wait_dir(browser, "rtl").await;
            browser.wait_for(&format!("{select} option[value=PS]")).await.unwrap();
            let sorted = js(
                browser,
                &format!(
                    "const names = [...document.querySelectorAll('{select} option')]
                         .filter(o => o.value).map(o => o.textContent.replace(/ \\(\\d+\\)$/, ''));
                     const order = [...names].sort(new Intl.Collator('ar', {{sensitivity: 'base'}}).compare);
                     return [names.length > 1, JSON.stringify(names) === JSON.stringify(order)]"
                ),
            )
            .await;
            assert_eq!(sorted, serde_json::json!([true, true]), "{page}");
        }
    });
}
