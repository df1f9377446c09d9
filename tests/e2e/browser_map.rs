//! The map in a real browser: markers, cards, and text that stays text.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;
use solidarity_map_e2e::{Browser, one_org};

use crate::support::{ENTER, Setup, api_count, assert_says, count, js, visit, wait_drawn};

/// Closes the open card and waits until it is gone.
async fn close_card(browser: &Browser) {
    browser.click(".card .close").await.unwrap();
    browser.wait_count(".card", 0).await.unwrap();
}

/// Whether the sidebar (filters and list) is `visible` or `hidden`.
async fn sidebar_visibility(browser: &Browser) -> Value {
    js(
        browser,
        "return getComputedStyle(document.querySelector('.sidebar')).visibility",
    )
    .await
}

#[test]
fn every_published_organisation_has_a_marker_and_no_errors() {
    Setup::new(1280, 800).run(async |server, browser| {
        let expected = api_count(server, "").await;
        assert!(expected >= 20);

        browser.open(server, "/").await.unwrap();
        wait_drawn(browser, expected).await;
        let categories = server.get_json("/api/categories").await.unwrap();
        assert_eq!(
            count(browser, ".cat-toggle").await,
            categories.as_array().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        // the map library's credit is text only: no national flag on a map
        // used across lines of conflict
        let credit = browser
            .wait_for(".leaflet-control-attribution")
            .await
            .unwrap();
        assert!(credit.text().await.unwrap().contains("Leaflet"));
        assert!(
            credit.find(Locator::Css("svg, img")).await.is_err(),
            "the attribution carries a picture"
        );
        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
        browser.screenshot("map-desktop").await.unwrap();
    });
}

#[test]
fn clicking_a_marker_opens_its_card() {
    Setup::new(1280, 800).run(async |server, browser| {
        browser.open(server, "/").await.unwrap();
        wait_drawn(browser, api_count(server, "").await).await;
        // London has one organisation, so it has a marker of its own
        let marker = browser
            .wait_for(r#".sm-marker[title="Jewish Labour Movement"]"#)
            .await
            .unwrap();
        marker.click().await.unwrap();
        let title = browser.wait_for(".card h2").await.unwrap();
        assert_eq!(title.text().await.unwrap(), "Jewish Labour Movement");
        let card = browser.client.find(Locator::Css(".card")).await.unwrap();
        let text = card.text().await.unwrap();
        assert!(text.contains("London"), "{text}");
        assert!(text.contains("Diaspora groups"), "{text}");
        browser.screenshot("card-desktop").await.unwrap();
        // closing it
        close_card(browser).await;
    });
}

#[test]
fn markup_in_a_name_is_shown_as_text_and_never_runs() {
    let name = "<img src=x onerror=alert(1)>";
    let description = "<script>alert(2)</script><b onmouseover=alert(3)>bold?</b>";
    let org = one_org(
        "0b6f0c4e-1111-4c8e-9d4b-0a7e5f1c2d3e",
        name,
        description,
        31.9,
        35.2,
    );
    Setup::with_orgs(org, 1280, 800).run(async |server, browser| {
        browser.open(server, "/").await.unwrap();
        // the list shows the name as text
        let item = browser
            .wait_for(r#".org-item[data-id="0b6f0c4e-1111-4c8e-9d4b-0a7e5f1c2d3e"]"#)
            .await
            .unwrap();
        assert_eq!(
            item.find(Locator::Css(".name"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            name
        );
        // the list opens the card, taking the marker out of its cluster
        item.click().await.unwrap();
        assert_eq!(browser.text(".card h2").await.unwrap(), name);
        close_card(browser).await;
        // the marker opens it from the keyboard too
        let marker = browser
            .wait_for(r#".sm-marker[title="<img src=x onerror=alert(1)>"]"#)
            .await
            .unwrap();
        marker.send_keys(ENTER).await.unwrap();
        assert_eq!(browser.text(".card h2").await.unwrap(), name);
        let desc = browser
            .client
            .find(Locator::Css(".card .description"))
            .await
            .unwrap();
        assert_eq!(desc.text().await.unwrap(), description);
        let injected = count(
            browser,
            ".card img, .card script, .card b, .leaflet-marker-pane img",
        )
        .await;
        assert_eq!(injected, 0, "markup from the API became elements");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            browser.alerts().await.unwrap(),
            0,
            "a script from the API ran"
        );
        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    });
}

#[test]
fn phone_layout_keeps_the_map_visible() {
    Setup::new(390, 844).run(async |server, browser| {
        browser.open(server, "/").await.unwrap();
        wait_drawn(browser, api_count(server, "").await).await;
        // filters and list start folded away on a phone, one tap from the map
        assert_eq!(sidebar_visibility(browser).await, "hidden");
        // the title and the way to join stay in view
        let bar = "const b = document.querySelector('.phone-bar').getBoundingClientRect(); \
                   return b.height > 0 && b.top >= 0 && b.bottom < 100";
        assert_eq!(js(browser, bar).await, true, "no title bar on a phone");
        assert_says(browser, ".phone-bar", "Solidarity Map").await;
        assert_says(browser, ".phone-bar .join-link", "Add your group").await;
        let toggle = browser.wait_for(".panel-toggle").await.unwrap();
        toggle.click().await.unwrap();
        browser
            .wait_until("the panel to open", || async {
                Ok(sidebar_visibility(browser).await == "visible")
            })
            .await
            .unwrap();
        // it leaves the top of the map visible
        let top = js(
            browser,
            "return document.querySelector('.sidebar').getBoundingClientRect().top",
        )
        .await;
        assert!(top.as_f64().unwrap() > 200.0, "{top}");
        browser.screenshot("panel-phone").await.unwrap();
        // a search's results come right after the search box, above the
        // kinds of group, which wait until the search is cleared
        let search = browser
            .wait_for(".filters input[type=search]")
            .await
            .unwrap();
        search.send_keys("Ir Amim").await.unwrap();
        browser
            .wait_until("the results above the kinds", || async {
                let v = browser
                    .eval(
                        "const first = document.querySelector('.org-item');
                         const kinds = document.querySelector('.filters fieldset.categories');
                         return first !== null && kinds.getClientRects().length === 0
                             && first.getBoundingClientRect().top
                                 > document.querySelector('.filters input').getBoundingClientRect().bottom",
                    )
                    .await?;
                Ok(v == true)
            })
            .await
            .unwrap();
        browser.screenshot("search-phone").await.unwrap();
        search.clear().await.unwrap();
        search.send_keys(" ").await.unwrap();
        browser
            .wait_until("the kinds back", || async {
                let v = browser
                    .eval("return document.querySelector('.filters fieldset.categories').getClientRects().length")
                    .await?;
                Ok(v.as_u64() == Some(1))
            })
            .await
            .unwrap();
        toggle.click().await.unwrap();
        browser.screenshot("map-phone").await.unwrap();
    });
}

#[test]
fn before_the_app_starts_the_page_is_not_blank_and_has_an_icon() {
    Setup::new(1280, 800).run(async |server, browser| {
        // what a slow connection paints first: the title and a word in each
        // of the interface's languages, before any script has run
        let html = reqwest::get(&server.base)
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let first_paint = ["Solidarity Map", "Loading the map…", "جارٍ تحميل الخريطة…"];
        for text in first_paint {
            assert!(html.contains(text), "{text:?} is not in index.html");
        }
        let icon = reqwest::get(format!("{}/favicon.svg", server.base))
            .await
            .unwrap();
        assert_eq!(icon.status(), 200);
        assert!(
            icon.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("image/svg+xml")
        );

        // the app takes the placeholder's place
        visit(browser, server, "/", ".leaflet-container").await;
        let left = js(
            browser,
            "return document.getElementById('skeleton') !== null",
        )
        .await;
        assert_eq!(left, false, "the placeholder stays after the app started");
        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    });
}
