//! The promise of a default install, in a real browser: the map, the join
//! form and the embed, with the server's default tile settings, ask no
//! server but the site itself for anything, and show the basemap's tiles
//! with its credit in the corner of every map.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use solidarity_map_e2e::{Browser, Server};

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

#[tokio::test]
async fn by_default_no_page_asks_another_server_for_anything() {
    let Some(server) = Server::start_with_basemap().await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1100, 800).await.unwrap() else {
        return;
    };
    browser.watch_csp().await.unwrap();
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
