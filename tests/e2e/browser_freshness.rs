//! Stale entries in the browser: a year and a month after the demo
//! entries were last confirmed (the job's clock moved on with `freshness
//! run --now`), the map draws them faded, the legend says what faded
//! means, the filter hides them, and moderators find them in their list;
//! two groups approved now stay as they are. axe finds nothing serious,
//! in English and Arabic; the screenshots are for people to look at.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use chrono::{TimeDelta, Utc};
use serde_json::json;
use solidarity_map_e2e::{Browser, cli};

use crate::support::{
    MODERATOR, PASSWORD, Setup, api_count, assert_accessible, count, js, submit_entry, visit,
};

/// A group joining now, at `lat`, `lon` in the north of Israel.
fn group(name: &str, lat: f64, lon: f64) -> serde_json::Value {
    json!({
        "name": {"en": name}, "description": {"en": "We meet every week."},
        "category": "solidarity", "city": "Haifa", "country": "IL",
        "location": {"lat": lat, "lon": lon}, "precision": "city",
        "contact_email": "fresh@example.org", "consent": true,
        "confirm_duplicate": true, "started_at": 0
    })
}

/// Ticks "hide entries not confirmed for a year" and waits until no
/// faded marker is left.
async fn hide_stale(browser: &Browser) {
    browser.click(".hide-stale input").await.unwrap();
    browser
        .wait_until("no faded marker", || async {
            Ok(count(browser, ".sm-stale").await == 0)
        })
        .await
        .unwrap();
}

#[test]
fn stale_entries_are_faded_explained_and_can_be_hidden() {
    Setup::moderated(1280, 800).run(async |server, browser| {
        let now = (Utc::now() + TimeDelta::days(400)).to_rfc3339();
        let out = cli(
            &server.database_url,
            &["freshness", "run", "--now", &now],
            "",
        )
        .unwrap();
        // no SMTP server: nobody is asked, every demo entry goes stale
        assert!(
            out.contains("0 asked, 0 reminded, 22 marked stale"),
            "{out}"
        );
        submit_entry(server, &group("Fresh Haifa Group", 32.79, 34.99)).await;
        submit_entry(server, &group("Fresh Galilee Group", 32.70, 35.30)).await;

        // the moderators' list, then the two approved
        browser.sign_in(server, MODERATOR, PASSWORD).await.unwrap();
        browser.wait_for(".stale-list li").await.unwrap();
        assert_eq!(count(browser, ".stale-list li").await, 22);
        js(browser, "document.querySelector('.stale').scrollIntoView()").await;
        browser.screenshot("freshness-admin-en").await.unwrap();
        assert_accessible(browser, "stale list").await;
        browser.approve_first().await.unwrap();
        browser.wait_count(".revision", 1).await.unwrap();
        browser.approve_first().await.unwrap();
        browser
            .wait_until("both groups on the map", || async {
                Ok(api_count(server, "hide_stale=true").await == 2)
            })
            .await
            .unwrap();

        for lang in ["en", "ar"] {
            visit(browser, server, "/?map=8/32.2/35.0", ".sm-marker").await;
            browser.choose_language(lang).await.unwrap();
            browser.wait_for(".sm-stale").await.unwrap();
            // both fresh groups drawn as they are, the stale ones faded
            let fresh = js(
                browser,
                "return [...document.querySelectorAll('.sm-marker:not(.sm-stale)')].length",
            )
            .await;
            assert!(fresh.as_u64().unwrap() >= 2, "{lang}: {fresh}");
            let ring = js(
                browser,
                "return getComputedStyle(document.querySelector('.sm-stale .sm-pin'))
                     .borderTopStyle",
            )
            .await;
            assert_eq!(ring, "dashed", "{lang}");
            // the legend says what faded means
            let legend = browser.text(".stale-legend").await.unwrap();
            let says = if lang == "en" {
                "not confirmed"
            } else {
                "لم يُؤكَّد"
            };
            assert!(legend.contains(says), "{lang}: {legend}");
            // the legend entry in view, under the kinds of group
            js(
                browser,
                "document.querySelector('.freshness').scrollIntoView()",
            )
            .await;
            browser
                .screenshot(&format!("freshness-map-{lang}"))
                .await
                .unwrap();
            assert_accessible(browser, &format!("map with stale entries in {lang}")).await;

            // hide them: only the fresh groups are left, and the address says so
            hide_stale(browser).await;
            browser.wait_count(".org-item", 2).await.unwrap();
            assert!(browser.url().await.unwrap().contains("hide_stale=true"));
            browser
                .screenshot(&format!("freshness-hidden-{lang}"))
                .await
                .unwrap();
            assert_accessible(browser, &format!("map with stale entries hidden in {lang}")).await;
            browser.click(".hide-stale input").await.unwrap();
            browser.wait_for(".sm-stale").await.unwrap();
        }

        // the statistics count both
        visit(browser, server, "/stats", "#freshness").await;
        let counts: Vec<serde_json::Value> = js(
            browser,
            "return [...document.querySelectorAll('#freshness-table td')].map(c => c.textContent)",
        )
        .await
        .as_array()
        .unwrap()
        .clone();
        assert_eq!(counts, [json!("2"), json!("22")]);
        assert_accessible(browser, "statistics with freshness").await;
    });
}

#[test]
fn on_a_phone_the_faded_markers_and_the_filter_are_in_reach() {
    Setup::new(390, 844).run(async |server, browser| {
        let now = (Utc::now() + TimeDelta::days(400)).to_rfc3339();
        cli(
            &server.database_url,
            &["freshness", "run", "--now", &now],
            "",
        )
        .unwrap();
        for lang in ["en", "ar"] {
            visit(browser, server, "/?map=7/31.6/35.0", ".sm-stale").await;
            // the language picker is in the panel on a phone
            browser.click(".panel-toggle").await.unwrap();
            browser.choose_language(lang).await.unwrap();
            browser.wait_for(".hide-stale input").await.unwrap();
            js(
                browser,
                "document.querySelector('.freshness').scrollIntoView()",
            )
            .await;
            browser
                .screenshot(&format!("freshness-phone-panel-{lang}"))
                .await
                .unwrap();
            assert_accessible(browser, &format!("phone panel in {lang}")).await;
            hide_stale(browser).await;
            browser.click(".hide-stale input").await.unwrap();
            browser.click(".panel-toggle").await.unwrap();
            browser.wait_for(".sm-stale").await.unwrap();
            browser
                .screenshot(&format!("freshness-phone-map-{lang}"))
                .await
                .unwrap();
        }
    });
}
