//! The promise of a default install, in a real browser: the map, the join
//! form and the embed, with the server's default tile settings, ask no
//! server but the site itself for anything, and show the basemap's tiles
//! with its credit in the corner of every map. The world view's basemap
//! stays within its budget on a cold visit; beyond the basemap's zoom
//! levels the app's own outlines and city names, in the visitor's
//! language, still show where things are.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use solidarity_map_e2e::{Browser, Server};
use solidarity_map_testkit::tiles::Image;

use crate::support::{js, visit};

/// Every address the page asked for: the document's own, and every
/// resource the browser fetched for it (scripts, styles, the WebAssembly,
/// API calls, tiles, images).
async fn requests(browser: &Browser) -> Vec<String> {
    let v = js(
        browser,
        "return [location.href].concat(
             performance.getEntriesByType('navigation').map(e => e.name),
             performance.getEntriesByType('resource').map(e => e.name))",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// Whether `url` is on the site at `base` (or needs no server: `data:`,
/// `blob:`).
fn own(url: &str, base: &str) -> bool {
    url == base
        || url.starts_with(&format!("{base}/"))
        || url.starts_with("data:")
        || url.starts_with("blob:")
}

/// The page at `path` asked the site, and only the site, for tiles and
/// everything else, and the Content-Security-Policy blocked nothing on the
/// way (a blocked request is no resource entry).
pub async fn assert_stayed_on_the_site(browser: &Browser, server: &Server, path: &str) {
    let asked = requests(browser).await;
    assert!(
        asked.iter().any(|u| u.contains("/tiles/")),
        "{path}: no tile among {asked:?}"
    );
    let elsewhere: Vec<&String> = asked.iter().filter(|u| !own(u, &server.base)).collect();
    assert!(
        elsewhere.is_empty(),
        "{path} asked other servers: {elsewhere:?}"
    );
    assert_eq!(
        browser.csp_violations().await.unwrap(),
        Vec::<String>::new(),
        "{path}"
    );
}

/// What the world view's basemap may cost over the wire on a cold visit.
const WORLD_VIEW_BUDGET: u64 = 300_000;

/// The bytes the basemap's tiles (and outlines) took over the wire so far:
/// headers and bodies, as the browser counted them.
async fn basemap_bytes(browser: &Browser) -> u64 {
    // the tiles in view are loaded; let the last responses be counted
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    js(
        browser,
        "return performance.getEntriesByType('resource')
             .filter(e => e.name.includes('/tiles/'))
             .reduce((n, e) => n + e.transferSize, 0)",
    )
    .await
    .as_u64()
    .unwrap()
}

#[tokio::test]
async fn by_default_no_page_asks_another_server_for_anything() {
    let Some(server) = Server::start_with_basemap().await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1100, 800).await.unwrap() else {
        return;
    };
    browser.watch_csp().await.unwrap();
    let mut first = true;
    for (path, map) in [
        ("/", ".leaflet-container"),
        ("/join", ".location-map.leaflet-container"),
        ("/embed", ".leaflet-container"),
    ] {
        visit(&browser, &server, path, map).await;
        // the basemap's tiles, from the site itself
        browser
            .wait_until(&format!("{path}: tiles loaded"), || async {
                let n = browser
                    .eval(&format!(
                        "return document.querySelectorAll('{map} img.leaflet-tile-loaded').length"
                    ))
                    .await?;
                Ok(n.as_u64().unwrap_or(0) > 0)
            })
            .await
            .unwrap();
        if first {
            // a fresh profile: nothing cached, every byte crossed the wire
            first = false;
            let bytes = basemap_bytes(&browser).await;
            eprintln!("world view, cold visit: the basemap cost {bytes} bytes");
            assert!(
                bytes > 0 && bytes <= WORLD_VIEW_BUDGET,
                "the world view's basemap cost {bytes} bytes on a cold visit"
            );
        }
        assert_stayed_on_the_site(&browser, &server, path).await;
        let credit = browser
            .text(&format!("{map} .leaflet-control-attribution"))
            .await
            .unwrap();
        assert!(
            credit.contains("OpenStreetMap") && credit.contains("ODbL"),
            "{path}: the map's credit is {credit:?}"
        );
    }
    browser.close().await.unwrap();
}

const LAND: [u8; 3] = [0xf4, 0xf1, 0xea];

/// The share of the screenshot `name`'s pixels that are the outlines'
/// land colour.
async fn land_share(browser: &Browser, name: &str) -> f64 {
    let path = browser.screenshot(name).await.unwrap();
    let shot = Image::decode(&std::fs::read(path).unwrap());
    let (land, all) = shot.count([0, 0, shot.width, shot.height], |p| p == LAND);
    #[allow(clippy::cast_precision_loss)] // a screen's pixels
    let share = land as f64 / all as f64;
    share
}

/// Waits until a city label on the map says `name`.
async fn wait_label(browser: &Browser, name: &str) {
    browser
        .wait_until(&format!("a city label saying {name}"), || async {
            let names = browser
                .eval(
                    "return [...document.querySelectorAll('.place-label')].map(e => e.textContent)",
                )
                .await?;
            Ok(names
                .as_array()
                .is_some_and(|a| a.iter().any(|n| n == name)))
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn beyond_the_basemap_outlines_and_city_names_show_jerusalem_in_each_language() {
    let Some(server) = Server::start_with_basemap().await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1100, 800).await.unwrap() else {
        return;
    };
    browser.watch_csp().await.unwrap();
    // zoom 12, far past the world basemap's 6
    visit(
        &browser,
        &server,
        "/?map=12/31.7812/35.2213",
        ".leaflet-container",
    )
    .await;
    browser
        .wait_until("the outline tiles to load", || async {
            let n = browser
                .eval("return document.querySelectorAll('.leaflet-outlines-pane img.leaflet-tile-loaded').length")
                .await?;
            Ok(n.as_u64().unwrap_or(0) >= 4)
        })
        .await
        .unwrap();
    wait_label(&browser, "Jerusalem").await;
    // the view is land (Jerusalem is inland), drawn in the outlines' colour
    let share = land_share(&browser, "basemap-jerusalem-en").await;
    assert!(share > 0.3, "only {share:.2} of the screen is land");
    // the names follow the interface language
    browser.choose_language("ar").await.unwrap();
    wait_label(&browser, "القدس").await;
    land_share(&browser, "basemap-jerusalem-ar").await;
    browser.choose_language("he").await.unwrap();
    wait_label(&browser, "ירושלים").await;
    // all of it from the site itself
    let asked = requests(&browser).await;
    assert!(
        asked.iter().any(|u| u.contains("/tiles/outlines/")),
        "{asked:?}"
    );
    assert!(
        asked.iter().any(|u| u.contains("/api/places/labels")),
        "{asked:?}"
    );
    let elsewhere: Vec<&String> = asked.iter().filter(|u| !own(u, &server.base)).collect();
    assert!(elsewhere.is_empty(), "asked other servers: {elsewhere:?}");
    assert_eq!(
        browser.csp_violations().await.unwrap(),
        Vec::<String>::new()
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_second_visit_starts_from_the_browsers_cache() {
    let Some(server) = Server::start_with_basemap().await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1100, 800).await.unwrap() else {
        return;
    };
    let tiles_loaded = || async {
        browser
            .wait_until("the tiles to load", || async {
                let n = browser
                    .eval("return document.querySelectorAll('img.leaflet-tile-loaded').length")
                    .await?;
                Ok(n.as_u64().unwrap_or(0) > 4)
            })
            .await
            .unwrap();
    };
    visit(&browser, &server, "/", ".leaflet-container").await;
    tiles_loaded().await;
    // come back the way a visitor does: a new page load of the same map
    js(
        &browser,
        "location.href = location.origin + '/'; return null",
    )
    .await;
    browser
        .wait_until("the new page", || async {
            Ok(browser
                .eval("return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))")
                .await?
                == true)
        })
        .await
        .unwrap();
    tiles_loaded().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // what crossed the wire this time, by file: the app's code, styles and
    // tiles came from the cache (0 bytes), not even revalidated
    let entries = js(
        &browser,
        "return performance.getEntriesByType('resource')
             .map(e => [e.name.replace(location.origin, ''), e.transferSize])",
    )
    .await;
    let entries: Vec<(String, u64)> = serde_json::from_value(entries).unwrap();
    let cached = |path: &str| {
        path.ends_with(".wasm")
            || path.ends_with(".js")
            || path.ends_with(".css")
            || path.starts_with("/tiles/")
    };
    let mut from_cache = 0;
    for (path, bytes) in &entries {
        if cached(path) {
            assert_eq!(*bytes, 0, "{path} crossed the wire again ({bytes} bytes)");
            from_cache += 1;
        }
    }
    assert!(from_cache >= 8, "{entries:?}");
    let total: u64 = entries.iter().map(|(_, b)| b).sum();
    eprintln!("second visit: {from_cache} files from the cache, {total} bytes over the wire");
    browser.close().await.unwrap();
}
