//! Exploring the map in a real browser: filters, search, the list, links,
//! presets, clusters, and what happens when the server goes away.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use anyhow::Result;
use fantoccini::Locator;
use solidarity_map_e2e::{Browser, Server, many_orgs};

use crate::support::{
    ENTER, Setup, api_count, assert_says, count, js, open_first_card, press, visit, wait_drawn,
};

/// The whole world, where every organisation is in view.
const WORLD: &str = "/?map=2/20/0";

/// How many organisations the list names.
async fn list_len(browser: &Browser) -> u64 {
    count(browser, ".org-item").await as u64
}

/// The names in the list, read in one go: the list may be redrawn between
/// two reads.
async fn list_names(browser: &Browser) -> Result<Vec<String>> {
    let names = browser
        .eval("return [...document.querySelectorAll('.org-item .name')].map(e => e.textContent)")
        .await?;
    Ok(serde_json::from_value(names)?)
}

/// The zoom level in the view part (`map=ZOOM/LAT/LON`) of a page's address.
fn zoom(url: &str) -> Option<f64> {
    url.split("map=").nth(1)?.split('/').next()?.parse().ok()
}

/// Opens the whole world and waits until the map draws every organisation:
/// the demo data and the `generated` ones. Returns how many that is.
async fn draw_the_world(server: &Server, browser: &Browser, generated: u64) -> u64 {
    let total = api_count(server, "").await;
    assert!(total > generated, "{total} organisations in all");
    browser.open(server, WORLD).await.unwrap();
    wait_drawn(browser, total).await;
    total
}

/// Waits until the list and the markers both show `n` organisations.
async fn wait_shown(browser: &Browser, n: u64) {
    browser
        .wait_until(&format!("{n} in the list and on the map"), || async {
            Ok(list_len(browser).await == n && browser.drawn().await? == n)
        })
        .await
        .unwrap();
}

/// Waits until the list shows exactly these names, in this order.
async fn wait_for_names(browser: &Browser, names: &[&str]) {
    browser
        .wait_until(&format!("the list to be {names:?}"), || async {
            Ok(list_names(browser).await? == names)
        })
        .await
        .unwrap();
}

#[test]
fn a_category_filter_shows_what_the_api_returns() {
    Setup::new(1280, 800).run(async |server, browser| {
        browser.open(server, WORLD).await.unwrap();
        let all = api_count(server, "").await;
        wait_shown(browser, all).await;
        browser
            .click(r#".cat-toggle[data-category="solidarity"]"#)
            .await
            .unwrap();
        let solidarity = api_count(server, "category=solidarity").await;
        assert!(solidarity > 1 && solidarity < all);
        wait_shown(browser, solidarity).await;
        assert!(browser.url().await.unwrap().contains("category=solidarity"));
        // a second category adds to the first
        browser
            .click(r#".cat-toggle[data-category="diaspora"]"#)
            .await
            .unwrap();
        wait_shown(
            browser,
            api_count(server, "category=solidarity&category=diaspora").await,
        )
        .await;
        // the country filter narrows further
        let country = browser.wait_for("select.country").await.unwrap();
        country.select_by_value("US").await.unwrap();
        wait_shown(
            browser,
            api_count(server, "category=solidarity&category=diaspora&country=US").await,
        )
        .await;
        browser.click(".filters .clear").await.unwrap();
        wait_shown(browser, all).await;
        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    });
}

#[test]
fn search_finds_names_in_arabic_english_and_hebrew_and_a_city_by_any_of_its_names() {
    Setup::new(1280, 800).run(async |server, browser| {
        visit(browser, server, WORLD, ".org-item").await;
        let search = browser
            .wait_for(".filters input[type=search]")
            .await
            .unwrap();
        for (query, names) in [
            ("ائتلاف", &["Jerusalem Tolerance Coalition"][..]), // "coalition"
            // "Jerusalem Foundation", in its Arabic name
            ("مؤسسة القدس", &["Jerusalem Foundation"]),
            ("עמים", &["Ir Amim"]), // Hebrew, without niqqud
            // the name, and a description that mentions it
            ("amim", &["Ameinu", "Ir Amim"]),
        ] {
            search.send_keys(query).await.unwrap();
            wait_for_names(browser, names).await;
            assert!(browser.url().await.unwrap().contains("q="));
            search.clear().await.unwrap();
        }
        // a city's name in any language or spelling finds the same groups:
        // those that wrote "Jerusalem", "القدس" or "al-Quds"
        let jerusalem = api_count(server, "q=Jerusalem").await;
        assert!(jerusalem >= 9, "{jerusalem}");
        for query in ["القدس", "ירושלים", "al-Quds", "Jerusalem"] {
            search.send_keys(query).await.unwrap();
            wait_shown(browser, jerusalem).await;
            search.clear().await.unwrap();
        }
        // nothing matches: a message and a way out
        search.send_keys("zzzz-no-such-group").await.unwrap();
        assert_says(browser, ".status.empty", "No organisation matches").await;
        // in the sidebar too, where the list was
        assert_says(browser, ".list-count", "No organisation matches").await;
        browser.click(".status.empty button").await.unwrap();
        wait_shown(browser, api_count(server, "").await).await;
    });
}

/// The number a filter option shows: `Israel (5)` → 5.
fn shown_count(text: &str) -> u64 {
    text.trim()
        .trim_end_matches(')')
        .rsplit(['(', ' '])
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {text:?}"))
}

/// Waits until the option or count at `css` shows `want`.
async fn wait_count_shown(browser: &Browser, css: &str, want: u64) {
    browser
        .wait_until(&format!("{css} to count {want}"), || async {
            Ok(shown_count(&browser.text(css).await?) == want)
        })
        .await
        .unwrap();
}

#[test]
fn counts_follow_the_other_filters_and_clear_filters_stays_in_view() {
    Setup::new(1280, 800).run(async |server, browser| {
        visit(browser, server, &format!("{WORLD}&country=IL"), ".org-item").await;
        // each category counts what the country lets through
        for slug in ["solidarity", "diaspora", "jerusalem"] {
            let want = api_count(server, &format!("category={slug}&country=IL")).await;
            wait_count_shown(
                browser,
                &format!(".cat-toggle[data-category={slug}] .n"),
                want,
            )
            .await;
        }
        // a category chosen too: the countries count within it, the chosen
        // country as well as the others
        browser
            .click(".cat-toggle[data-category=jerusalem]")
            .await
            .unwrap();
        for code in ["IL", "PS"] {
            let want = api_count(server, &format!("category=jerusalem&country={code}")).await;
            wait_count_shown(
                browser,
                &format!("select.country option[value={code}]"),
                want,
            )
            .await;
        }
        // "Clear filters" is on screen and not covered, and the list below
        // the filters has room
        let layout = js(
            browser,
            "const b = document.querySelector('.filters .clear').getBoundingClientRect();
             const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
             return [b.top >= 0 && b.bottom <= innerHeight,
                     hit && hit.closest('.clear') !== null,
                     document.querySelector('.list').getBoundingClientRect().height / innerHeight]",
        )
        .await;
        assert_eq!(layout[0], true, "Clear filters is off screen");
        assert_eq!(layout[1], true, "Clear filters is covered");
        assert!(layout[2].as_f64().unwrap() >= 0.35, "the list has {layout}");
        browser.click(".filters .clear").await.unwrap();
        wait_shown(browser, api_count(server, "").await).await;
    });
}

#[test]
fn a_shared_url_restores_filters_and_view_and_back_works() {
    Setup::new(1280, 800).run(async |server, browser| {
        visit(
            browser,
            server,
            "/?category=faith&map=9/31.7800/35.2200",
            r#".cat-toggle[data-category="faith"][aria-pressed="true"]"#,
        )
        .await;
        let faith = api_count(server, "category=faith").await;
        let and_jerusalem = api_count(server, "category=faith&category=jerusalem").await;
        wait_shown(browser, faith).await;
        let url = browser.url().await.unwrap();
        assert!(url.contains("map=9/31.78"), "{url}");
        // a new filter is a new history entry; back restores the shared view
        browser
            .click(r#".cat-toggle[data-category="jerusalem"]"#)
            .await
            .unwrap();
        wait_shown(browser, and_jerusalem).await;
        browser.client.back().await.unwrap();
        // jerusalem toggled off by back
        browser
            .wait_count(r#".cat-toggle[aria-pressed="true"]"#, 1)
            .await
            .unwrap();
        wait_shown(browser, faith).await;
        browser.client.forward().await.unwrap();
        wait_shown(browser, and_jerusalem).await;
    });
}

#[test]
fn a_list_item_opens_its_card_and_the_org_link_reopens_it() {
    Setup::new(1280, 800).run(async |server, browser| {
        let fc = server
            .get_json("/api/organizations?q=ir%20amim")
            .await
            .unwrap();
        let id = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["name"]["en"] == "Ir Amim")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        browser.open(server, "/").await.unwrap();
        browser
            .click(&format!(r#".org-item[data-id="{id}"]"#))
            .await
            .unwrap();
        assert_eq!(browser.text(".card h2").await.unwrap(), "Ir Amim");
        browser
            .wait_until("the URL names the organisation", || async {
                Ok(browser.url().await?.starts_with(&format!("/org/{id}")))
            })
            .await
            .unwrap();
        // the marker came out of its cluster, without zooming closer than the
        // city level the group chose (closer, the view would suggest an address)
        browser
            .wait_for(r#".leaflet-marker-pane .sm-marker[title="Ir Amim"]"#)
            .await
            .unwrap();
        let url = browser.url().await.unwrap();
        let zoom = zoom(&url).unwrap_or_else(|| panic!("no view in {url}"));
        assert!(zoom <= 10.0, "zoomed past the group's precision: {url}");
        assert_eq!(
            js(browser, "return document.title").await,
            "\u{2068}Ir Amim\u{2069} · Solidarity Map",
            "the name isolated in the tab's title"
        );
        assert_says(browser, ".card .precision", "city level").await;
        browser.screenshot("card-from-list").await.unwrap();
        // opening the organisation's link in a new visit opens its card
        browser.open(server, &format!("/org/{id}")).await.unwrap();
        assert_eq!(browser.text(".card h2").await.unwrap(), "Ir Amim");
        assert!(browser.wait_for(".card .copy-link").await.is_ok());
        // a link to an organisation that is not listed says so
        browser
            .open(server, "/org/00000000-0000-4000-8000-000000000000")
            .await
            .unwrap();
        assert_says(browser, ".card.gone", "No longer listed").await;
    });
}

#[test]
fn the_jerusalem_view_frames_every_group_based_there() {
    Setup::new(1280, 800).run(async |server, browser| {
        browser.open(server, "/jerusalem").await.unwrap();
        // a place, not a category: the community organisations and every other
        // kind of group based there
        let n = api_count(server, "category=jerusalem").await;
        assert!(n >= 5);
        let there = api_count(server, "bbox=35.12,31.70,35.32,31.88").await;
        assert!(there > n);
        browser
            .wait_until("every organisation in Jerusalem in the list", || async {
                Ok(list_len(browser).await >= there)
            })
            .await
            .unwrap();
        let names = list_names(browser).await.unwrap();
        assert!(
            names.iter().any(|n| n == "Rabbis for Human Rights"),
            "{names:?}"
        );
        let url = browser.url().await.unwrap();
        assert!(!url.contains("category="), "{url}");
        assert!(zoom(&url).unwrap() >= 10.0, "{url}");
        // the whole-world preset zooms out
        browser.click(".presets button:nth-child(2)").await.unwrap();
        browser
            .wait_until("the world view", || async {
                Ok(browser.url().await?.contains("map=2/"))
            })
            .await
            .unwrap();
    });
}

#[test]
fn thousands_of_organisations_cluster_and_stay_usable() {
    Setup::with_orgs(many_orgs(2_000), 1280, 800).run(async |server, browser| {
        draw_the_world(server, browser, 2_000).await;
        let clusters = browser
            .client
            .find_all(Locator::Css(".leaflet-marker-pane .marker-cluster"))
            .await
            .unwrap();
        assert!(
            !clusters.is_empty() && clusters.len() < 100,
            "{} clusters",
            clusters.len()
        );
        browser.screenshot("clusters-2000").await.unwrap();
        // a cluster splits on click: the map zooms in
        clusters[0].click().await.unwrap();
        browser
            .wait_until("zoomed in", || async {
                Ok(!browser.url().await?.contains("map=2/"))
            })
            .await
            .unwrap();
        // and the page still answers
        browser
            .type_into(".filters input[type=search]", "Generated group 1999")
            .await
            .unwrap();
        browser
            .wait_until("the search result", || async {
                Ok(list_len(browser).await <= 1)
            })
            .await
            .unwrap();
        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    });
}

#[test]
fn when_the_server_goes_away_the_page_says_so_and_offers_a_retry() {
    Setup::new(1280, 800).run(async |server, browser| {
        visit(browser, server, "/", ".org-item").await;
        server.stop();
        browser
            .click(r#".cat-toggle[data-category="media"]"#)
            .await
            .unwrap();
        assert_says(browser, ".status.error", "cannot be reached").await;
        assert!(browser.wait_for(".status.error button").await.is_ok());
        // the map is still there, with what it showed
        assert!(count(browser, ".leaflet-marker-pane > *").await > 0);
        browser.screenshot("server-gone").await.unwrap();
    });
}

#[test]
fn at_scale_the_server_clusters_and_the_list_pages_what_is_in_view() {
    Setup::with_orgs(many_orgs(6_000), 1280, 800).run(async |server, browser| {
        let total = draw_the_world(server, browser, 6_000).await;
        let drawn_by_server = count(browser, ".leaflet-marker-pane .sm-cluster-marker").await;
        assert!(drawn_by_server > 0 && drawn_by_server < 200);
        // the list names a page of them and says how many more there are
        assert!(list_len(browser).await <= 300);
        let more = browser.text(".list .more").await.unwrap();
        assert!(more.contains(&(total - 300).to_string()), "{more}");
        browser.screenshot("server-clusters").await.unwrap();

        // a category filter is answered by the server's index
        browser
            .click(r#".cat-toggle[data-category="media"]"#)
            .await
            .unwrap();
        wait_drawn(browser, api_count(server, "category=media").await).await;

        // a cluster zooms in where it splits, by click or by keyboard
        let zoom_now = || async { zoom(&browser.url().await.unwrap()).unwrap_or(0.0) };
        let before = zoom_now().await;
        js(
            browser,
            "document.querySelector('.leaflet-marker-pane .sm-cluster-marker').focus()",
        )
        .await;
        press(browser, ENTER).await;
        browser
            .wait_until("zoomed in", || async { Ok(zoom_now().await > before) })
            .await
            .unwrap();
        // an organisation from the list: the map goes to it, drawn on its own,
        // and its card opens
        open_first_card(browser).await;
        browser
            .wait_for(".leaflet-marker-pane .sm-marker")
            .await
            .unwrap();
        assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    });
}
