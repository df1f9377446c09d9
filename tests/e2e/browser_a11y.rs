//! axe-core on the map, a card and the list, in English and Arabic: no
//! serious or critical WCAG 2.1 A/AA violation.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use serde_json::Value;
use solidarity_map_e2e::Browser;

use crate::support::{
    ARROW_DOWN, ARROW_RIGHT, ARROW_UP, ENTER, ESCAPE, MODERATOR, PASSWORD, Setup, TAB,
    assert_accessible, assert_says, count, js, open_first_card, press, send_form, submit_entry,
    visit,
};

#[test]
fn the_map_and_a_card_pass_axe_in_english_and_arabic() {
    Setup::new(1280, 800).run(async |server, browser| {
        for lang in ["en", "ar"] {
            browser.open(server, "/").await.unwrap();
            browser.choose_language(lang).await.unwrap();
            browser.wait_for(".org-item").await.unwrap();
            assert_accessible(browser, &format!("map in {lang}")).await;
            // a cluster's name says what it holds, not only a number
            let named = js(
                browser,
                "return [...document.querySelectorAll('.marker-cluster')]
                     .map(c => [c.querySelector('span[aria-hidden]').textContent,
                                c.querySelector('.visually-hidden').textContent])",
            )
            .await;
            let named = named.as_array().unwrap();
            assert!(!named.is_empty(), "{lang}: no cluster on the map");
            for pair in named {
                let (n, spoken) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
                // Arabic says two as a word of its own (منظمتان)
                let said = match lang {
                    "en" => spoken == format!("{n} organisations"),
                    _ => spoken.contains("منظم"),
                };
                assert!(said, "{lang}: a cluster of {n} is called {spoken:?}");
            }
            open_first_card(browser).await;
            assert_accessible(browser, &format!("card in {lang}")).await;
        }
    });
}

#[test]
fn the_join_form_and_moderation_pass_axe() {
    Setup::moderated(1280, 800).run(async |server, browser| {
        visit(browser, server, "/join", "#name-en").await;
        assert_accessible(browser, "join form").await;
        // with its errors showing
        send_form(browser).await;
        browser.wait_for("#name-error:not([hidden])").await.unwrap();
        assert_accessible(browser, "join form with errors").await;
        visit(browser, server, "/admin", "#username").await;
        assert_accessible(browser, "sign-in").await;
        // the queue, with a new group in two languages waiting, in en and ar
        let submission = serde_json::json!({
            "name": {"en": "Axe Collective", "ar": "تجمع الفأس"},
            "description": {"en": "Checks contrast.", "ar": "تفحص التباين."},
            "category": "student", "city": "Haifa", "country": "IL",
            "location": {"lat": 32.79, "lon": 34.99}, "precision": "city",
            "contact_email": "axe@example.org", "consent": true,
            "started_at": 0
        });
        submit_entry(server, &submission).await;
        browser.log_in(MODERATOR, PASSWORD).await.unwrap();
        for (lang, approve) in [("en", "Approve"), ("ar", "موافقة")] {
            browser.choose_language(lang).await.unwrap();
            let button = browser.text(".revision .approve").await.unwrap();
            assert_eq!(button, approve);
            // both translations of what the group wrote are there to review
            browser
                .wait_count(".revision .rev-name-l", 2)
                .await
                .unwrap();
            assert_accessible(browser, &format!("moderation queue in {lang}")).await;
        }
        browser.screenshot("moderation-ar").await.unwrap();
    });
}

/// The id of the element that has the focus (empty when none has).
async fn focused(browser: &Browser) -> Value {
    js(
        browser,
        "return document.activeElement ? document.activeElement.id : ''",
    )
    .await
}

/// Waits until the element with `id` has the focus.
async fn wait_focused(browser: &Browser, id: &str) {
    let what = format!("#{id} to have the focus");
    let has_it = || async { Ok(focused(browser).await == id) };
    browser.wait_until(&what, has_it).await.unwrap();
}

/// Presses Tab until the element with `id` has focus; fails if it is never
/// reached (unreachable, or focus trapped elsewhere).
async fn tab_to(browser: &Browser, id: &str) {
    for _ in 0..80 {
        if focused(browser).await == id {
            return;
        }
        press(browser, TAB).await;
    }
    panic!("#{id} cannot be reached with Tab");
}

#[test]
fn the_join_form_can_be_completed_with_the_keyboard_alone() {
    Setup::new(1280, 900).run(async |server, browser| {
        visit(browser, server, "/join", "#name-en").await;
        for (id, keys) in [
            ("name-en", "Keyboard Collective"),
            ("category", "Student"), // selects by typing, as people do
            ("description-en", "Reachable without a mouse."),
            ("city", "Ramallah"),
        ] {
            tab_to(browser, id).await;
            press(browser, keys).await;
        }
        browser.wait_for(".suggestion").await.unwrap();
        // the arrows move through the suggestions, the city field keeps the
        // focus and says which one is active; Enter picks it and does not
        // send the form
        press(browser, ARROW_DOWN).await;
        press(browser, ARROW_DOWN).await;
        press(browser, ARROW_UP).await;
        assert_eq!(focused(browser).await, "city");
        let active = js(
            browser,
            "return document.getElementById('city').getAttribute('aria-activedescendant')",
        )
        .await;
        assert_eq!(active, "city-option-0");
        assert_eq!(
            js(
                browser,
                "return document.getElementById('city-option-0').getAttribute('aria-selected')"
            )
            .await,
            "true"
        );
        press(browser, ENTER).await; // chooses
        browser
            .wait_until("the place to be chosen", || async {
                let v = js(
                    browser,
                    "return document.querySelector('.location-value').textContent",
                )
                .await;
                Ok(v.as_str().is_some_and(|t| t.starts_with("Location: 31.8")))
            })
            .await
            .unwrap();
        // the form was not sent: no field is marked wrong
        assert_eq!(
            count(browser, "[aria-invalid=true]").await,
            0,
            "Enter sent the form"
        );
        tab_to(browser, "contact_email").await;
        press(browser, "keys@example.org").await;
        tab_to(browser, "consent").await;
        press(browser, " ").await;
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        press(browser, TAB).await; // on to the submit button
        press(browser, ENTER).await;
        assert_says(browser, ".edit-url", "/edit/").await;
    });
}

/// The location map without a mouse: focused, moved with the arrow keys,
/// Enter places the group at its centre.
#[test]
fn the_join_forms_map_places_the_group_with_the_keyboard() {
    Setup::new(1280, 900).run(async |server, browser| {
        visit(browser, server, "/join", ".location-map.leaflet-container").await;
        assert_says(
            browser,
            "#location-hint",
            "Choosing your city above is enough",
        )
        .await;
        js(browser, "document.querySelector('.location-map').focus()").await;
        for _ in 0..3 {
            press(browser, ARROW_RIGHT).await;
        }
        press(browser, ENTER).await;
        browser
            .wait_until("the group to be placed", || async {
                let v = browser.text(".location-value").await?;
                Ok(v.starts_with("Location: "))
            })
            .await
            .unwrap();
        // the group's marker (the city names on the map are markers too)
        assert_eq!(
            count(
                browser,
                ".location-map .leaflet-marker-icon:not(.place-label)"
            )
            .await,
            1
        );
    });
}

#[test]
fn the_first_tab_skips_to_the_map() {
    Setup::new(1280, 800).run(async |server, browser| {
        visit(browser, server, "/", ".leaflet-container").await;
        // the first stop of Tab, shown when it has focus
        browser
            .wait_for("body")
            .await
            .unwrap()
            .send_keys(TAB)
            .await
            .unwrap();
        assert_eq!(
            focused(browser).await,
            "skip-map",
            "the first Tab lands elsewhere"
        );
        assert_eq!(browser.text("#skip-map").await.unwrap(), "Skip to the map");
        press(browser, ENTER).await;
        wait_focused(browser, "map").await;
    });
}

/// A card opened from the list takes the focus (its title), and gives it
/// back to the row that opened it when Escape closes it.
#[test]
fn a_card_takes_the_focus_and_escape_gives_it_back() {
    Setup::new(1280, 800).run(async |server, browser| {
        visit(browser, server, "/", ".org-item").await;
        js(
            browser,
            "document.querySelector('.org-item').id = 'first-row'",
        )
        .await;
        js(browser, "document.getElementById('first-row').focus()").await;
        press(browser, ENTER).await;
        wait_focused(browser, "card-title").await;
        press(browser, ESCAPE).await;
        browser
            .wait_until("the card to close", || async {
                Ok(count(browser, ".card").await == 0)
            })
            .await
            .unwrap();
        wait_focused(browser, "first-row").await;
    });
}

/// The languages box with the keyboard alone, as the city box: typing
/// opens a list the arrows move through while the box keeps the focus,
/// Enter picks and sends nothing, a chosen language is a button that
/// removes it, and the focus comes back to the box.
#[test]
fn languages_are_picked_and_removed_with_the_keyboard() {
    Setup::new(1280, 900).run(async |server, browser| {
        visit(browser, server, "/join", "#languages").await;
        tab_to(browser, "languages").await;
        // the arrows alone open the whole list, to browse
        press(browser, ARROW_DOWN).await;
        browser
            .wait_until("the whole list", || async {
                Ok(count(browser, "#languages-suggestions .suggestion").await > 50)
            })
            .await
            .unwrap();
        press(browser, ESCAPE).await;
        press(browser, "heb").await;
        browser
            .wait_for("#languages-suggestions .suggestion")
            .await
            .unwrap();
        press(browser, ARROW_DOWN).await;
        assert_eq!(focused(browser).await, "languages");
        let active = js(
            browser,
            "return document.getElementById('languages').getAttribute('aria-activedescendant')",
        )
        .await;
        assert_eq!(active, "languages-option-0");
        assert_says(browser, "#languages-option-0", "Hebrew").await;
        press(browser, ENTER).await;
        browser.wait_for("#language-he").await.unwrap();
        assert_eq!(focused(browser).await, "languages");
        assert_eq!(
            count(browser, "[aria-invalid=true]").await,
            0,
            "Enter sent the form"
        );
        // Tab reaches the chip; Enter removes it and the box has the focus
        press(browser, TAB).await;
        assert_eq!(focused(browser).await, "language-he");
        let name = js(
            browser,
            "return document.getElementById('language-he').getAttribute('aria-label')",
        )
        .await;
        assert_eq!(name, "Remove Hebrew");
        press(browser, ENTER).await;
        wait_focused(browser, "languages").await;
        assert_eq!(count(browser, ".chips .chip").await, 0);
        assert_accessible(browser, "join form after choosing languages").await;
    });
}
