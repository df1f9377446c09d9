//! A group joins, a moderator approves, the group edits through its link
//! and then replaces the link: all in a real browser, as people would do it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use solidarity_map_e2e::{Browser, Server};

use crate::support::{
    ENTER, ESCAPE, Setup, TAB, assert_accessible, assert_says, count, js, press, send_form,
    sign_in, submit_entry, visit,
};

/// Replaces what the field holds with `text`.
async fn fill(browser: &Browser, css: &str, text: &str) {
    let el = browser.wait_for(css).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Types `typed` as the city and waits until the first suggestion names
/// `city`.
async fn suggests(browser: &Browser, typed: &str, city: &str) {
    fill(browser, "#city", typed).await;
    browser
        .wait_until(&format!("{city} suggested for {typed}"), || async {
            Ok(browser.text(".suggestion").await?.contains(city))
        })
        .await
        .unwrap();
}

/// Whether the error message of the field `id` is hidden.
async fn error_hidden(browser: &Browser, id: &str) -> bool {
    let hidden = js(
        browser,
        &format!("return document.getElementById('{id}-error').hidden"),
    )
    .await;
    hidden.as_bool().unwrap()
}

/// Whether the field `id` is marked invalid for assistive technology.
async fn marked_invalid(browser: &Browser, id: &str) -> bool {
    let script = format!("return document.getElementById('{id}').getAttribute('aria-invalid')");
    js(browser, &script).await.as_str() == Some("true")
}

/// The English description the API publishes for the first match of `q`.
async fn public_description(server: &Server, q: &str) -> Option<String> {
    let fc = server
        .get_json(&format!("/api/organizations?q={q}"))
        .await
        .unwrap();
    fc["features"][0]["properties"]["description"]["en"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn a_group_joins_is_approved_and_edits_its_entry() {
    Setup::moderated(1280, 900).run(async |server, browser| {
        browser.open(server, "/").await.unwrap();
        browser.click(".join-link").await.unwrap();
        browser.wait_for("#name-en").await.unwrap();

        // sending the empty form shows every problem beside its field
        send_form(browser).await;
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
            assert!(!error_hidden(browser, id).await, "no error shown for {id}");
        }
        // and each field says so to a screen reader
        let fields = [
            "name-en",
            "name-ar",
            "category",
            "description-en",
            "city",
            "country",
        ];
        for id in fields.into_iter().chain(["contact_email", "consent"]) {
            assert!(marked_invalid(browser, id).await, "{id} not marked invalid");
        }
        assert!(
            !marked_invalid(browser, "website").await,
            "a valid field marked invalid"
        );
        browser.screenshot("join-errors").await.unwrap();

        fill(browser, "#name-en", "Silwan Neighbours").await;
        fill(browser, "#name-ar", "جيران سلوان").await;
        // a fixed field's error goes at once; the others stay until sent again
        browser
            .wait_until("the name's error to go", || async {
                Ok(error_hidden(browser, "name").await)
            })
            .await
            .unwrap();
        assert!(
            !error_hidden(browser, "category").await,
            "an unfixed field's error went"
        );
        assert!(
            !marked_invalid(browser, "name-en").await,
            "a fixed field still invalid"
        );
        assert!(
            marked_invalid(browser, "category").await,
            "an unfixed field unmarked"
        );
        browser
            .wait_for("#category")
            .await
            .unwrap()
            .select_by_value("jerusalem")
            .await
            .unwrap();
        fill(browser, "#description-en", "We meet every week.").await;
        // a city by a Latin spelling the gazetteer knows besides its
        // English name: Yafo is Jaffa
        suggests(browser, "Yafo", "Jaffa").await;
        // the city by its Arabic name, from the gazetteer
        suggests(browser, "القدس", "Jerusalem").await;
        browser.click(".suggestion").await.unwrap();
        assert!(
            browser
                .text(".location-value")
                .await
                .unwrap()
                .starts_with("Location: 31.7")
        );
        // a bad address keeps everything else typed
        fill(browser, "#contact_email", "not-an-address").await;
        browser.click("#consent").await.unwrap();
        send_form(browser).await;
        let err = browser.text("#contact_email-error").await.unwrap();
        assert!(err.contains("e-mail"), "{err}");
        let kept = browser
            .wait_for("#name-ar")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("جيران سلوان"));
        fill(browser, "#contact_email", "hello@example.org").await;
        // people take a few seconds; the server refuses faster forms
        tokio::time::sleep(Duration::from_secs(3)).await;
        send_form(browser).await;
        let link = browser.text(".edit-url").await.unwrap();
        assert!(link.contains("/edit/"), "{link}");
        browser.screenshot("join-done").await.unwrap();

        // not public until a moderator approves; the moderator corrects the
        // keywords before approving
        assert_eq!(public_description(server, "silwan").await, None);
        sign_in(browser, server).await;
        browser.click(".revision .edit-first").await.unwrap();
        fill(browser, ".edit-before #tags", "neighbourhood, youth").await;
        browser.click(".edit-before .approve-edited").await.unwrap();
        browser.wait_status("Approved").await.unwrap();
        let fc = server
            .get_json("/api/organizations?q=silwan")
            .await
            .unwrap();
        assert_eq!(
            fc["features"][0]["properties"]["tags"],
            serde_json::json!(["neighbourhood", "youth"])
        );
        assert_eq!(
            public_description(server, "silwan").await.as_deref(),
            Some("We meet every week.")
        );

        // the edit link changes the description; the map keeps the old one
        browser.client.goto(&link).await.unwrap();
        assert_says(browser, ".status-value", "Published").await;
        // the group can also erase its contact details at once
        assert_says(browser, ".erase-entry button", "Erase").await;
        fill(browser, "#description-en", "We meet every day now.").await;
        send_form(browser).await;
        browser.wait_status("Saved").await.unwrap();
        assert_eq!(
            public_description(server, "silwan").await.as_deref(),
            Some("We meet every week.")
        );

        // the moderator sees what changes, approves, and the map shows it
        browser.open(server, "/admin").await.unwrap();
        let diff = browser.text("table.diff").await.unwrap();
        assert!(diff.contains("We meet every day now."), "{diff}");
        browser.screenshot("moderation").await.unwrap();
        sign_in(browser, server).await;
        browser.approve_first().await.unwrap();
        assert_eq!(
            public_description(server, "silwan").await.as_deref(),
            Some("We meet every day now.")
        );
        let audit = browser.text("ol.audit").await.unwrap();
        assert!(
            audit.contains("moderator") && audit.contains("approved"),
            "{audit}"
        );
        js(
            browser,
            "document.querySelector('#audit-title').scrollIntoView(); return null",
        )
        .await;
        browser.screenshot("moderation-audit").await.unwrap();

        // and on the map
        browser.open(server, "/?q=silwan").await.unwrap();
        browser.click(".org-item").await.unwrap();
        assert_eq!(
            browser.text(".card .description").await.unwrap(),
            "We meet every day now."
        );

        // the group fears its link was seen: it replaces it from the edit page
        browser.client.goto(&link).await.unwrap();
        browser.wait_for(".status-value").await.unwrap();
        js(browser, "window.confirm = () => true;").await;
        browser.click(".replace-link button").await.unwrap();
        let new_link = browser.text("code.edit-link").await.unwrap();
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
        // the old link no longer works
        assert_says(browser, "[role=alert]", "not valid").await;
        browser.client.goto(&new_link).await.unwrap();
        assert_says(browser, ".status-value", "Published").await;

        // listed in the Murmurations network by default; it opts out at once
        let fc = server
            .get_json("/api/organizations?q=silwan")
            .await
            .unwrap();
        let profile = format!(
            "{}/org/{}/murmurations.json",
            server.base,
            fc["features"][0]["id"].as_str().unwrap()
        );
        let status =
            |url: String| async move { reqwest::get(url).await.unwrap().status().as_u16() };
        assert_eq!(status(profile.clone()).await, 200);
        browser.click("#murmurations-listed").await.unwrap();
        browser.wait_status("no longer listed").await.unwrap();
        assert_eq!(status(profile.clone()).await, 404, "the profile is gone");
        assert_accessible(browser, "the edit page with its Murmurations choice").await;
        js(
            browser,
            "document.querySelector('.murmurations').scrollIntoView(); return null",
        )
        .await;
        browser.screenshot("edit-murmurations").await.unwrap();

        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    });
}

/// Before the first attempt the form marks what is required and counts
/// what is typed against its limit; a refused attempt gathers every
/// problem at the top, with the focus, each a link to its field; a
/// problem with one tag names it.
#[test]
fn a_refused_form_lists_its_problems_at_the_top_with_links_to_them() {
    Setup::new(1280, 900).run(async |server, browser| {
        visit(browser, server, "/join", "#name-en").await;
        assert!(count(browser, ".org-form .required").await >= 6);
        for id in ["city", "category", "country", "consent"] {
            let required = js(
                browser,
                &format!("return document.getElementById('{id}').getAttribute('aria-required')"),
            )
            .await;
            assert_eq!(required, "true", "{id}");
        }
        assert_says(browser, ".required-note", "Fields marked * are required").await;
        fill(browser, "#description-en", "We meet on Fridays.").await;
        assert_says(browser, "#description-en ~ .counter", "19 / 5000").await;

        let long_tag = "a".repeat(41);
        fill(browser, "#tags", &format!("housing, {long_tag}")).await;
        send_form(browser).await;
        browser
            .wait_until("the summary to take the focus", || async {
                Ok(browser.eval("return document.activeElement.id").await? == "error-summary")
            })
            .await
            .unwrap();
        let summary = browser.text(".error-summary").await.unwrap();
        assert!(summary.contains("Please correct these fields"), "{summary}");
        assert!(
            summary.contains(&long_tag),
            "the tag is not named: {summary}"
        );
        assert!(
            browser
                .text("#tags-error")
                .await
                .unwrap()
                .contains(&long_tag),
            "the tag's error does not name it"
        );
        // every problem is a link to its field
        for id in [
            "name-en",
            "category",
            "city",
            "country",
            "location-map",
            "consent",
        ] {
            assert_eq!(
                count(browser, &format!(".error-summary a[href='#{id}']")).await,
                1,
                "{id}"
            );
        }
        browser
            .click(".error-summary a[href='#city']")
            .await
            .unwrap();
        browser
            .wait_until("the city field to have the focus", || async {
                Ok(browser.eval("return document.activeElement.id").await? == "city")
            })
            .await
            .unwrap();
        // a fixed problem leaves the summary at once
        fill(browser, "#city", "Silwan").await;
        browser
            .wait_until("the city to leave the summary", || async {
                Ok(count(browser, ".error-summary a[href='#city']").await == 0)
            })
            .await
            .unwrap();
        browser.screenshot("join-error-summary").await.unwrap();
    });
}

/// A place chosen on the map fills in the city and country from the
/// nearest city the gazetteer knows, but never overwrites what the group
/// typed.
#[test]
fn the_map_fills_in_the_city_and_country_it_was_not_given() {
    Setup::new(1280, 900).run(async |server, browser| {
        visit(browser, server, "/join", ".location-map.leaflet-container").await;
        let field = |id: &'static str| async move {
            js(
                browser,
                &format!("return document.getElementById('{id}').value"),
            )
            .await
        };
        // the map opens on Jerusalem: Enter places the group at its centre
        js(
            browser,
            "document.querySelector('.location-map').focus(); return null",
        )
        .await;
        press(browser, ENTER).await;
        browser
            .wait_until("the city to be filled in", || async {
                Ok(field("city").await != "")
            })
            .await
            .unwrap();
        // the city and country the server names for the point placed
        let placed = browser.text(".location-value").await.unwrap();
        let (lat, lon) = placed
            .trim_start_matches("Location: ")
            .split_once(", ")
            .unwrap();
        let nearest = server
            .get_json(&format!("/api/places/nearest?lat={lat}&lon={lon}"))
            .await
            .unwrap();
        assert_eq!(field("city").await, nearest["name"], "{placed}");
        assert_eq!(field("country").await, nearest["country"], "{placed}");
        // a city the group typed stays when the group is placed again
        fill(browser, "#city", "Silwan").await;
        press(browser, ESCAPE).await;
        js(
            browser,
            "document.querySelector('.location-map').focus(); return null",
        )
        .await;
        press(browser, ENTER).await;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        assert_eq!(field("city").await, "Silwan");
    });
}

/// Empties the field as a person does: everything chosen, then deleted.
async fn empty(browser: &Browser, css: &str) {
    let el = browser.wait_for(css).await.unwrap();
    el.send_keys("\u{e009}a\u{e000}\u{e003}").await.unwrap();
}

/// Fills in what the join form requires, and waits as long as a person
/// takes (the server refuses faster forms): a group in Jerusalem.
async fn fill_required(browser: &Browser, name: &str) {
    fill(browser, "#name-en", name).await;
    browser
        .wait_for("#category")
        .await
        .unwrap()
        .select_by_value("student")
        .await
        .unwrap();
    fill(browser, "#description-en", "We meet on Fridays.").await;
    suggests(browser, "Jerusalem", "Jerusalem").await;
    browser.click(".suggestion").await.unwrap();
    fill(browser, "#contact_email", "group@example.org").await;
    browser.click("#consent").await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
}

/// The chips of the languages chosen: the name each removes.
async fn chips(browser: &Browser) -> Vec<String> {
    let names = js(
        browser,
        "return [...document.querySelectorAll('.chips .chip')].map(c => c.getAttribute('aria-label'))",
    )
    .await;
    serde_json::from_value(names).unwrap()
}

/// Waits until the chips remove `names`, in that order.
async fn wait_chips(browser: &Browser, names: &[&str]) {
    browser
        .wait_until(&format!("the chips {names:?}"), || async {
            Ok(chips(browser).await == names)
        })
        .await
        .unwrap();
}

/// Languages are chosen by name in the visitor's language, never typed as
/// codes: names typed with commas become chips, a name typed in part
/// opens a list, an entry that names no language is explained by name,
/// and the API receives codes. The edit page shows the same chips.
#[test]
fn languages_are_picked_by_name_and_sent_as_codes() {
    Setup::new(1280, 900).run(async |server, browser| {
        visit(browser, server, "/join", "#languages").await;
        // what used to give an unexplained error twice
        fill(browser, "#languages", "Arabic, Hebrew").await;
        press(browser, TAB).await;
        wait_chips(browser, &["Remove Arabic", "Remove Hebrew"]).await;
        assert_eq!(
            js(browser, "return document.getElementById('languages').value").await,
            ""
        );
        // a name in part: the list, without the languages chosen
        fill(browser, "#languages", "fren").await;
        browser
            .wait_until("French suggested", || async {
                Ok(browser.text("#languages-suggestions .suggestion").await? == "French")
            })
            .await
            .unwrap();
        browser
            .click("#languages-suggestions .suggestion")
            .await
            .unwrap();
        wait_chips(
            browser,
            &["Remove Arabic", "Remove Hebrew", "Remove French"],
        )
        .await;
        // by code too, and what names no language is said, by name
        fill(browser, "#languages", "es, Klingon,").await;
        wait_chips(
            browser,
            &[
                "Remove Arabic",
                "Remove Hebrew",
                "Remove French",
                "Remove Spanish",
            ],
        )
        .await;
        assert_says(browser, "#languages-unknown", "“Klingon”").await;
        assert_says(browser, "#languages-unknown", "Not a language we know").await;
        browser.screenshot("join-languages").await.unwrap();
        // sent as it is: the error names the entry, in the summary too
        send_form(browser).await;
        assert_says(
            browser,
            "#languages-error",
            "“Klingon”: Not a language we know",
        )
        .await;
        assert_says(browser, ".error-summary a[href='#languages']", "Klingon").await;
        // a chip removes its language
        browser.click("#language-he").await.unwrap();
        wait_chips(
            browser,
            &["Remove Arabic", "Remove French", "Remove Spanish"],
        )
        .await;
        empty(browser, "#languages").await;
        browser
            .wait_until("the error to go with the entry", || async {
                Ok(error_hidden(browser, "languages").await)
            })
            .await
            .unwrap();

        // in Arabic: the names in Arabic, found by their Arabic names
        browser.choose_language("ar").await.unwrap();
        wait_chips(
            browser,
            &["إزالة العربية", "إزالة الفرنسية", "إزالة الإسبانية"],
        )
        .await;
        fill(browser, "#languages", "عبر").await;
        assert_says(browser, "#languages-suggestions .suggestion", "العبرية").await;
        assert_accessible(browser, "join form with languages, in Arabic").await;
        browser.screenshot("join-languages-ar").await.unwrap();
        press(browser, ENTER).await;
        wait_chips(
            browser,
            &[
                "إزالة العربية",
                "إزالة الفرنسية",
                "إزالة الإسبانية",
                "إزالة العبرية",
            ],
        )
        .await;
        browser.choose_language("en").await.unwrap();

        // the API stores codes; the edit page names them again
        fill_required(browser, "Language Pickers").await;
        send_form(browser).await;
        let link = browser.text(".edit-url").await.unwrap();
        let token = link.rsplit('/').next().unwrap();
        let entry = server
            .get_json(&format!("/api/edit/{token}"))
            .await
            .unwrap();
        assert_eq!(
            entry["current"]["languages"],
            serde_json::json!(["ar", "fr", "es", "he"])
        );
        browser.client.goto(&link).await.unwrap();
        wait_chips(
            browser,
            &[
                "Remove Arabic",
                "Remove French",
                "Remove Spanish",
                "Remove Hebrew",
            ],
        )
        .await;
    });
}

/// The private link after joining survives a reload of the tab, and the
/// secret never enters the address; the page asks before it is left; it
/// says honestly that the link is shown only here.
#[test]
fn the_edit_link_survives_a_reload_and_leaving_is_asked_about() {
    Setup::new(390, 844).run(async |server, browser| {
        visit(browser, server, "/join", "#name-en").await;
        fill_required(browser, "Reload Safe").await;
        send_form(browser).await;
        let link = browser.text(".edit-url").await.unwrap();
        assert_says(browser, ".link-kept", "it is shown only here").await;
        // no SMTP server here: the page does not promise a mail
        assert_says(browser, ".link-kept", "not on its way to you by mail").await;
        browser.screenshot("join-done-phone").await.unwrap();
        // leaving is asked about while the link is shown
        let asks = js(
            browser,
            "const e = new Event('beforeunload', {cancelable: true});
             window.dispatchEvent(e); return e.defaultPrevented",
        )
        .await;
        assert_eq!(asks, true, "leaving the link is not asked about");

        reload(browser).await;
        assert_eq!(browser.text(".edit-url").await.unwrap(), link);
        assert_eq!(browser.url().await.unwrap(), "/join");
        let token = link.rsplit('/').next().unwrap();
        let history = js(browser, "return location.href + ' ' + history.length").await;
        assert!(!history.to_string().contains(token), "{history}");
        browser.choose_language("ar").await.unwrap();
        assert_says(browser, ".link-kept", "لا يُعرض إلا هنا").await;
        browser.screenshot("join-done-ar-phone").await.unwrap();

        // once saved, the page lets go of it
        browser.click(".saved-it").await.unwrap();
        browser
            .wait_until("the map", || async {
                Ok(browser.eval("return location.pathname").await? == "/")
            })
            .await
            .unwrap();
        visit(browser, server, "/join", "#name-en").await;
        assert_eq!(count(browser, ".edit-url").await, 0);
    });
}

/// Reloads the page, saying yes if the browser asks before leaving.
async fn reload(browser: &Browser) {
    if browser.client.refresh().await.is_err() {
        browser.client.accept_alert().await.unwrap();
    }
    // a reload that waits on the question
    let _ = browser.client.accept_alert().await;
}

/// After "Save changes for review" on a phone, the word on it is where
/// the button is, with the focus, in view; an entry never published is
/// not told that the map shows its previous version.
#[test]
fn a_save_on_a_phone_is_confirmed_beside_the_button() {
    Setup::new(390, 844).run(async |server, browser| {
        let entry = serde_json::json!({
            "name": {"en": "Never Published"},
            "description": {"en": "Waiting.\nStill waiting."},
            "category": "student", "city": "Haifa", "country": "IL",
            "location": {"lat": 32.79, "lon": 34.99}, "precision": "city",
            "languages": ["ar", "he"],
            "contact_email": "np@example.org", "consent": true,
            "started_at": 0
        });
        let created = submit_entry(server, &entry).await;
        let url = created["edit_url"].as_str().unwrap();
        visit(browser, server, url, "#description-en").await;
        wait_chips(browser, &["Remove Arabic", "Remove Hebrew"]).await;
        fill(browser, "#description-en", "We meet on Mondays now.").await;
        send_form(browser).await;
        browser
            .wait_until("the save's word to take the focus", || async {
                Ok(browser.eval("return document.activeElement.id").await? == "save-status")
            })
            .await
            .unwrap();
        let status = browser.text("#save-status").await.unwrap();
        assert!(status.contains("before it appears on the map"), "{status}");
        assert!(!status.contains("previous version"), "{status}");
        let seen = js(
            browser,
            "const r = document.getElementById('save-status').getBoundingClientRect();
             return r.top >= 0 && r.bottom <= innerHeight
                 && document.getElementById('save-status').getAttribute('role') === 'status'",
        )
        .await;
        assert_eq!(seen, true, "the word on the save is out of view");
        browser.screenshot("edit-saved-phone").await.unwrap();
        // the chips and the word on the save speak the visitor's language
        browser.choose_language("ar").await.unwrap();
        wait_chips(browser, &["إزالة العربية", "إزالة العبرية"]).await;
        assert_says(browser, "#save-status", "قبل ظهوره على الخريطة").await;
        js(
            browser,
            "document.getElementById('languages').scrollIntoView(); return null",
        )
        .await;
        browser.screenshot("edit-ar-phone").await.unwrap();
    });
}
