//! Exploring the map in a real browser: filters, search, the list, links,
//! presets, clusters, and what happens when the server goes away.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use fantoccini::Locator;
use solidarity_map_e2e::{Browser, Server, many_orgs};

async fn api_count(server: &Server, query: &str) -> u64 {
    let fc = server
        .get_json(&format!("/api/organizations?{query}"))
        .await
        .unwrap();
    fc["numberMatched"].as_u64().unwrap()
}

async fn list_len(browser: &Browser) -> u64 {
    browser
        .client
        .find_all(Locator::Css(".org-item"))
        .await
        .unwrap()
        .len() as u64
}

async fn click(browser: &Browser, css: &str) {
    browser.wait_for(css).await.unwrap().click().await.unwrap();
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

async fn wait_drawn(browser: &Browser, n: u64) {
    browser
        .wait_until(&format!("{n} on the map"), || async {
            Ok(browser.drawn().await? == n)
        })
        .await
        .unwrap();
}

/// Waits until the list shows exactly these names, in this order.
async fn wait_for_names(browser: &Browser, names: &[&str]) {
    browser
        .wait_until(&format!("the list to be {names:?}"), || async {
            // read in one go: the list may be redrawn between two reads
            let shown = browser
                .client
                .execute(
                    "return [...document.querySelectorAll('.org-item .name')].map(e => e.textContent)",
                    vec![],
                )
                .await?;
            Ok(shown == serde_json::json!(names))
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_category_filter_shows_what_the_api_returns() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser
        .client
        .goto(&format!("{}/?map=2/20/0", server.base))
        .await
        .unwrap();
    let all = api_count(&server, "").await;
    wait_shown(&browser, all).await;
    click(&browser, r#".cat-toggle[data-category="solidarity"]"#).await;
    let solidarity = api_count(&server, "category=solidarity").await;
    assert!(solidarity > 1 && solidarity < all);
    wait_shown(&browser, solidarity).await;
    assert!(browser.url().await.unwrap().contains("category=solidarity"));
    // a second category adds to the first
    click(&browser, r#".cat-toggle[data-category="diaspora"]"#).await;
    wait_shown(
        &browser,
        api_count(&server, "category=solidarity&category=diaspora").await,
    )
    .await;
    // the country filter narrows further
    let country = browser.wait_for("select.country").await.unwrap();
    country.select_by_value("US").await.unwrap();
    wait_shown(
        &browser,
        api_count(&server, "category=solidarity&category=diaspora&country=US").await,
    )
    .await;
    click(&browser, ".filters .clear").await;
    wait_shown(&browser, all).await;
    assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    browser.close().await.unwrap();
}

#[tokio::test]
async fn search_finds_part_of_a_name_in_arabic_and_english() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser
        .client
        .goto(&format!("{}/?map=2/20/0", server.base))
        .await
        .unwrap();
    browser.wait_for(".org-item").await.unwrap();
    let search = browser
        .wait_for(".filters input[type=search]")
        .await
        .unwrap();
    search.send_keys("ائتلاف").await.unwrap(); // "coalition"
    wait_for_names(&browser, &["Jerusalem Tolerance Coalition"]).await;
    assert!(browser.url().await.unwrap().contains("q="));
    search.clear().await.unwrap();
    search.send_keys("القدس").await.unwrap(); // "Jerusalem", in two names
    wait_for_names(
        &browser,
        &["Jerusalem Foundation", "Jerusalem Tolerance Coalition"],
    )
    .await;
    search.clear().await.unwrap();
    search.send_keys("עמים").await.unwrap(); // Hebrew, without niqqud
    wait_for_names(&browser, &["Ir Amim"]).await;
    search.clear().await.unwrap();
    search.send_keys("amim").await.unwrap();
    // the name, and a description that mentions it
    wait_for_names(&browser, &["Ameinu", "Ir Amim"]).await;
    // nothing matches: a message and a way out
    search.clear().await.unwrap();
    search.send_keys("zzzz-no-such-group").await.unwrap();
    let empty = browser.wait_for(".status.empty").await.unwrap();
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("No organisation matches")
    );
    click(&browser, ".status.empty button").await;
    wait_shown(&browser, api_count(&server, "").await).await;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_shared_url_restores_filters_and_view_and_back_works() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser
        .client
        .goto(&format!(
            "{}/?category=faith&map=9/31.7800/35.2200",
            server.base
        ))
        .await
        .unwrap();
    browser
        .wait_for(r#".cat-toggle[data-category="faith"][aria-pressed="true"]"#)
        .await
        .unwrap();
    wait_shown(&browser, api_count(&server, "category=faith").await).await;
    assert!(
        browser.url().await.unwrap().contains("map=9/31.78"),
        "{}",
        browser.url().await.unwrap()
    );
    // a new filter is a new history entry; back restores the shared view
    click(&browser, r#".cat-toggle[data-category="jerusalem"]"#).await;
    wait_shown(
        &browser,
        api_count(&server, "category=faith&category=jerusalem").await,
    )
    .await;
    browser.client.back().await.unwrap();
    browser
        .wait_until("jerusalem toggled off by back", || async {
            let on = browser
                .client
                .find_all(Locator::Css(r#".cat-toggle[aria-pressed="true"]"#))
                .await?
                .len();
            Ok(on == 1)
        })
        .await
        .unwrap();
    wait_shown(&browser, api_count(&server, "category=faith").await).await;
    browser.client.forward().await.unwrap();
    wait_shown(
        &browser,
        api_count(&server, "category=faith&category=jerusalem").await,
    )
    .await;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_list_item_opens_its_card_and_the_org_link_reopens_it() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
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
    browser.client.goto(&server.base).await.unwrap();
    click(&browser, &format!(r#".org-item[data-id="{id}"]"#)).await;
    let title = browser.wait_for(".card h2").await.unwrap();
    assert_eq!(title.text().await.unwrap(), "Ir Amim");
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
    let zoom: f64 = url
        .split("map=")
        .nth(1)
        .and_then(|v| v.split('/').next())
        .and_then(|z| z.parse().ok())
        .unwrap_or_else(|| panic!("no view in {url}"));
    assert!(zoom <= 10.0, "zoomed past the group's precision: {url}");
    let tab: String = browser
        .client
        .execute("return document.title", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(tab, "Ir Amim · Solidarity Map");
    let precision = browser.wait_for(".card .precision").await.unwrap();
    assert!(precision.text().await.unwrap().contains("city level"));
    browser.screenshot("card-from-list").await.unwrap();
    // opening the organisation's link in a new visit opens its card
    browser
        .client
        .goto(&format!("{}/org/{id}", server.base))
        .await
        .unwrap();
    let title = browser.wait_for(".card h2").await.unwrap();
    assert_eq!(title.text().await.unwrap(), "Ir Amim");
    assert!(browser.wait_for(".card .copy-link").await.is_ok());
    // a link to an organisation that is not listed says so
    browser
        .client
        .goto(&format!(
            "{}/org/00000000-0000-4000-8000-000000000000",
            server.base
        ))
        .await
        .unwrap();
    let gone = browser.wait_for(".card.gone").await.unwrap();
    assert!(
        gone.text().await.unwrap().contains("No longer listed"),
        "the page does not say the organisation is gone"
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_jerusalem_view_frames_every_group_based_there() {
    let Some(server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser
        .client
        .goto(&format!("{}/jerusalem", server.base))
        .await
        .unwrap();
    // a place, not a category: the community organisations and every other
    // kind of group based there
    let n = api_count(&server, "category=jerusalem").await;
    assert!(n >= 5);
    let there = api_count(&server, "bbox=35.12,31.70,35.32,31.88").await;
    assert!(there > n);
    browser
        .wait_until("every organisation in Jerusalem in the list", || async {
            Ok(list_len(&browser).await >= there)
        })
        .await
        .unwrap();
    let names: Vec<String> = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.org-item .name')].map(e => e.textContent)",
            vec![],
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "Rabbis for Human Rights"),
        "{names:?}"
    );
    let url = browser.url().await.unwrap();
    assert!(!url.contains("category="), "{url}");
    let zoom: f64 = url
        .split("map=")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(zoom >= 10.0, "{url}");
    // the whole-world preset zooms out
    click(&browser, ".presets button:nth-child(2)").await;
    browser
        .wait_until("the world view", || async {
            Ok(browser.url().await?.contains("map=2/"))
        })
        .await
        .unwrap();
    browser.close().await.unwrap();
}

#[tokio::test]
async fn thousands_of_organisations_cluster_and_stay_usable() {
    let generated = many_orgs(2_000);
    let Some(server) = Server::start(Some(&generated)).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    let total = api_count(&server, "").await;
    assert!(total >= 2_000);
    browser
        .client
        .goto(&format!("{}/?map=2/20/0", server.base))
        .await
        .unwrap();
    browser
        .wait_until("every organisation drawn", || async {
            Ok(browser.drawn().await? == total)
        })
        .await
        .unwrap();
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
    let search = browser
        .wait_for(".filters input[type=search]")
        .await
        .unwrap();
    search.send_keys("Generated group 1999").await.unwrap();
    browser
        .wait_until("the search result", || async {
            Ok(list_len(&browser).await <= 1)
        })
        .await
        .unwrap();
    assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    browser.close().await.unwrap();
}

#[tokio::test]
async fn when_the_server_goes_away_the_page_says_so_and_offers_a_retry() {
    let Some(mut server) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    browser.client.goto(&server.base).await.unwrap();
    browser.wait_for(".org-item").await.unwrap();
    server.stop();
    click(&browser, r#".cat-toggle[data-category="media"]"#).await;
    let error = browser.wait_for(".status.error").await.unwrap();
    assert!(error.text().await.unwrap().contains("cannot be reached"));
    assert!(browser.wait_for(".status.error button").await.is_ok());
    // the map is still there, with what it showed
    assert!(
        !browser
            .client
            .find_all(Locator::Css(".leaflet-marker-pane > *"))
            .await
            .unwrap()
            .is_empty()
    );
    browser.screenshot("server-gone").await.unwrap();
    browser.close().await.unwrap();
}

#[tokio::test]
async fn at_scale_the_server_clusters_and_the_list_pages_what_is_in_view() {
    let generated = many_orgs(6_000);
    let Some(server) = Server::start(Some(&generated)).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1280, 800).await.unwrap() else {
        return;
    };
    let total = api_count(&server, "").await;
    assert!(total > 6_000);
    browser
        .client
        .goto(&format!("{}/?map=2/20/0", server.base))
        .await
        .unwrap();
    wait_drawn(&browser, total).await;
    let drawn_by_server = browser
        .client
        .find_all(Locator::Css(".leaflet-marker-pane .sm-cluster-marker"))
        .await
        .unwrap();
    assert!(!drawn_by_server.is_empty() && drawn_by_server.len() < 200);
    // the list names a page of them and says how many more there are
    assert!(list_len(&browser).await <= 300);
    let more = browser.text(".list .more").await.unwrap();
    assert!(more.contains(&(total - 300).to_string()), "{more}");
    browser.screenshot("server-clusters").await.unwrap();

    // a category filter is answered by the server's index
    click(&browser, r#".cat-toggle[data-category="media"]"#).await;
    wait_drawn(&browser, api_count(&server, "category=media").await).await;

    // a cluster zooms in where it splits, by click or by keyboard
    let zoom_of = |url: String| {
        url.split("map=")
            .nth(1)
            .and_then(|m| m.split('/').next())
            .and_then(|z| z.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let before = zoom_of(browser.url().await.unwrap());
    browser
        .client
        .execute(
            "document.querySelector('.leaflet-marker-pane .sm-cluster-marker').focus()",
            vec![],
        )
        .await
        .unwrap();
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{e007}")
        .await
        .unwrap();
    browser
        .wait_until("zoomed in", || async {
            Ok(zoom_of(browser.url().await?) > before)
        })
        .await
        .unwrap();
    // an organisation from the list: the map goes to it, drawn on its own,
    // and its card opens
    click(&browser, ".org-item").await;
    browser.wait_for(".card h2").await.unwrap();
    browser
        .wait_for(".leaflet-marker-pane .sm-marker")
        .await
        .unwrap();
    assert_eq!(browser.page_errors().await.unwrap(), Vec::<String>::new());
    browser.close().await.unwrap();
}
