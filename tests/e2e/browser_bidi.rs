//! Names in one direction inside a page in the other: an Arabic name in
//! the English interface and an English name in the Arabic one each read
//! in their own direction, in the list and on the card (`dir="auto"`),
//! without turning the text around them.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use serde_json::{Value, json};
use solidarity_map_e2e::Browser;

use crate::support::{Setup, assert_no_violation_or_error, js, wait_dir};

const ARABIC_ID: &str = "5b1f0c4e-2222-4c8e-9d4b-0a7e5f1c2d3e";
const ARABIC_NAME: &str = "جمعية الحي للتضامن";
const ENGLISH_ID: &str = "5b1f0c4e-3333-4c8e-9d4b-0a7e5f1c2d3e";
const ENGLISH_NAME: &str = "Open Doors Collective";
/// Where the client keeps the language a visitor chose.
const LANG_KEY: &str = "solidarity-map.lang";

fn orgs() -> Value {
    let org = |id: &str, lang: &str, name: &str, description: &str, lon: f64| {
        json!({
            "type": "Feature",
            "id": id,
            "geometry": {"type": "Point", "coordinates": [lon, 31.9]},
            "properties": {
                "name": {lang: name},
                "description": {lang: description},
                "category": "solidarity",
                "city": "Ramallah",
                "country": "PS",
                "precision": "city",
            }
        })
    };
    json!({"type": "FeatureCollection", "features": [
        org(ARABIC_ID, "ar", ARABIC_NAME, "نلتقي كل يوم سبت في مركز Open Space.", 35.2),
        org(ENGLISH_ID, "en", ENGLISH_NAME, "We meet on Saturdays near دوار المنارة.", 35.21),
    ]})
}

/// The `dir` attribute and the direction the browser lays out the
/// element of `css` in.
async fn direction(browser: &Browser, css: &str) -> (String, String) {
    let script = format!(
        "const e = document.querySelector('{css}'); \
         return e ? [e.getAttribute('dir') || (e.tagName === 'BDI' ? 'bdi' : ''), getComputedStyle(e).direction] : null"
    );
    let v = js(browser, &script).await;
    assert!(v.is_array(), "{css} is not on the page");
    (
        v[0].as_str().unwrap().to_owned(),
        v[1].as_str().unwrap().to_owned(),
    )
}

/// In the list and on the card, the name of `id` is laid out `want`.
async fn reads(browser: &Browser, id: &str, want: &str, shot: &str) {
    let item = format!(r#".org-item[data-id="{id}"]"#);
    browser.wait_for(&item).await.unwrap();
    let (dir, laid) = direction(browser, &format!("{item} .name")).await;
    assert_eq!(
        (dir.as_str(), laid.as_str()),
        ("auto", want),
        "the list's {id}"
    );
    browser.click(&item).await.unwrap();
    browser.wait_for("#card-title").await.unwrap();
    let (dir, laid) = direction(browser, "#card-title").await;
    assert_eq!(
        (dir.as_str(), laid.as_str()),
        ("auto", want),
        "the card's {id}"
    );
    let (dir, laid) = direction(browser, ".card .description").await;
    assert_eq!(
        (dir.as_str(), laid.as_str()),
        ("auto", want),
        "the description of {id}"
    );
    browser.screenshot(shot).await.unwrap();
    assert_no_violation_or_error(browser).await;
    browser.click(".card .close").await.unwrap();
}

#[test]
fn mixed_direction_names_read_in_their_own_direction() {
    Setup::with_orgs(orgs(), 1280, 800).run(async |server, browser| {
        browser
            .open(server, "/?bbox=35.1,31.8,35.3,32.0")
            .await
            .unwrap();
        reads(browser, ARABIC_ID, "rtl", "bidi-arabic-name-en-desktop").await;
        // the page around it stays left to right
        assert_eq!(
            js(
                browser,
                "return getComputedStyle(document.querySelector('.list')).direction"
            )
            .await,
            "ltr"
        );
        browser.choose_language("ar").await.unwrap();
        wait_dir(browser, "rtl").await;
        reads(browser, ENGLISH_ID, "ltr", "bidi-english-name-ar-desktop").await;
        assert_eq!(
            js(
                browser,
                "return getComputedStyle(document.querySelector('.list')).direction"
            )
            .await,
            "rtl"
        );
    });
}

#[test]
fn mixed_direction_cards_on_a_phone() {
    Setup::with_orgs(orgs(), 390, 844).run(async |server, browser| {
        for (lang, id, want) in [("en", ARABIC_ID, "rtl"), ("ar", ENGLISH_ID, "ltr")] {
            // the language a visitor chose before is remembered
            browser.open(server, "/").await.unwrap();
            js(
                browser,
                &format!("localStorage.setItem('{LANG_KEY}', '{lang}'); return null"),
            )
            .await;
            browser.open(server, &format!("/org/{id}")).await.unwrap();
            browser.wait_for("#card-title").await.unwrap();
            wait_dir(browser, if lang == "ar" { "rtl" } else { "ltr" }).await;
            let (dir, laid) = direction(browser, "#card-title").await;
            assert_eq!((dir.as_str(), laid.as_str()), ("auto", want), "{lang}");
            browser
                .screenshot(&format!("bidi-card-{lang}-phone"))
                .await
                .unwrap();
        }
    });
}
