//! The map beyond its own page, in a real browser: the statistics page
//! (its tables say what the API says, a bar per row, in English and in
//! right-to-left Arabic), the embed (one category, no site around it, its
//! language from its address, shown in a frame only by the sites allowed),
//! and the linked data on organisation pages (no CSP violation).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use serde_json::Value;
use solidarity_map_e2e::{Browser, Server, free_tcp_port};

use crate::support::{
    Setup, api_count, assert_accessible, assert_no_violation_or_error, js, visit, wait_dir,
    wait_drawn,
};

/// The rows of a chart's table: (label, count).
async fn table(browser: &Browser, chart: &str) -> Vec<(String, u64)> {
    let rows = js(
        browser,
        &format!(
            "return [...document.querySelectorAll('#{chart} table tbody tr')]
                .map(r => [r.cells[0].textContent, parseInt(r.cells[1].textContent, 10)])"
        ),
    )
    .await;
    serde_json::from_value(rows).unwrap()
}

/// The counts the chart's bars carry, in order.
async fn bars(browser: &Browser, chart: &str) -> Vec<u64> {
    let v = js(
        browser,
        &format!(
            "return [...document.querySelectorAll('#{chart} svg rect.bar')]
                .map(r => parseInt(r.dataset.count, 10))"
        ),
    )
    .await;
    serde_json::from_value(v).unwrap()
}

fn counts(v: &Value, key: &str) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_u64().unwrap())
        .collect()
}

#[test]
fn the_statistics_say_what_the_api_says() {
    Setup::new(1280, 900).run(async |server, browser| {
        browser.watch_csp().await.unwrap();
        // reached from the map
        browser.open(server, "/").await.unwrap();
        browser.click(".site-links a[href='/stats']").await.unwrap();
        browser.wait_for("#by-month table tbody tr").await.unwrap();

        let categories = server.get_json("/api/categories").await.unwrap();
        let rows = table(browser, "by-category").await;
        assert_eq!(
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            counts(&categories, "count")
        );
        let labels: Vec<String> = categories
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["labels"]["en"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), labels);

        let facets = server.get_json("/api/facets").await.unwrap();
        let rows = table(browser, "by-country").await;
        assert_eq!(
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            counts(&facets["countries"], "count")
        );
        assert!(
            rows.iter()
                .any(|r| r.0 == "Palestinian Territories" || r.0 == "Palestine")
        );

        let stats = server.get_json("/api/stats").await.unwrap();
        let monthly = counts(&stats["monthly"], "count");
        assert!(!monthly.is_empty());
        let rows = table(browser, "by-month").await;
        // the months between are shown with none
        let shown: Vec<u64> = rows.iter().map(|r| r.1).filter(|n| *n > 0).collect();
        assert_eq!(shown, monthly);
        let total: u64 = counts(&categories, "count").iter().sum();
        assert_eq!(rows.iter().map(|r| r.1).sum::<u64>(), total);

        for chart in ["by-category", "by-country", "by-month"] {
            let in_table: Vec<u64> = table(browser, chart).await.iter().map(|r| r.1).collect();
            assert_eq!(
                bars(browser, chart).await,
                in_table,
                "{chart}: a bar per row"
            );
            // the chart is named by its heading, and the table has a caption
            let named = js(
                browser,
                &format!(
                    "const svg = document.querySelector('#{chart} svg');
                     const title = document.getElementById(svg.getAttribute('aria-labelledby'));
                     const table = document.querySelector('#{chart} table');
                     return [svg.getAttribute('role'), title.tagName, title.textContent,
                             table.caption.textContent, table.querySelectorAll('thead th[scope=col]').length];"
                ),
            )
            .await;
            assert_eq!(named[0], "img", "{chart}");
            assert_eq!(named[1], "H2", "{chart}");
            assert_eq!(named[2], named[3], "{chart}");
            assert_eq!(named[4], 2, "{chart}");
        }
        assert_accessible(browser, "the statistics").await;
        assert_no_violation_or_error(browser).await;
        browser.screenshot("stats-en").await.unwrap();
    });
}

#[test]
fn the_statistics_page_speaks_arabic_right_to_left() {
    Setup::new(1280, 900).run(async |server, browser| {
        visit(browser, server, "/stats", "#by-category table tbody tr").await;
        browser.choose_language("ar").await.unwrap();
        wait_dir(browser, "rtl").await;
        for (css, arabic) in [
            (".page h1", "إحصاءات"),
            ("#by-country h2", "المنظمات حسب البلد"),
        ] {
            assert_eq!(browser.text(css).await.unwrap(), arabic);
        }
        // the tab's title speaks the page's language too
        assert_eq!(
            js(browser, "return document.title").await,
            "إحصاءات · خريطة التضامن"
        );
        // category labels and country names in Arabic too
        let categories = server.get_json("/api/categories").await.unwrap();
        let first = categories[0]["labels"]["ar"].as_str().unwrap().to_owned();
        browser
            .wait_until("the tables in Arabic", || async {
                let rows = table(browser, "by-category").await;
                Ok(rows.first().is_some_and(|r| r.0 == first))
            })
            .await
            .unwrap();
        let countries = table(browser, "by-country").await;
        assert!(
            countries.iter().any(|r| r.0.contains("فلسطين")),
            "{countries:?}"
        );
        // the bars grow from the right: each label's end is right of its bar
        let rtl_layout = js(
            browser,
            "const row = document.querySelector('#by-category .bar-row');
             const label = row.querySelector('.bar-label').getBoundingClientRect();
             const bar = row.querySelector('.bar').getBoundingClientRect();
             return label.left >= bar.right - 1;",
        )
        .await;
        assert_eq!(rtl_layout, true);
        assert_accessible(browser, "the statistics in Arabic").await;
        browser.screenshot("stats-ar").await.unwrap();
    });
}

#[test]
fn the_embed_shows_one_category_and_nothing_else() {
    Setup::new(900, 600).run(async |server, browser| {
        browser.watch_csp().await.unwrap();
        let media = api_count(server, "category=media").await;
        let all = api_count(server, "").await;
        assert!(media > 0 && media < all);
        browser
            .open(server, "/embed?category=media&bbox=-170,-60,170,75")
            .await
            .unwrap();
        wait_drawn(browser, media).await;
        let other = js(
            browser,
            "return document.querySelectorAll('.leaflet-marker-pane .sm-marker:not(.sm-cat-media)').length",
        )
        .await;
        assert_eq!(other, 0);
        // no site around the map
        let chrome = js(
            browser,
            "return document.querySelectorAll('.sidebar, .brand, .join-link, .site-links, .lang-picker, .org-list').length",
        )
        .await;
        assert_eq!(chrome, 0);
        let credit = browser.wait_for(".embed-credit").await.unwrap();
        assert_eq!(credit.text().await.unwrap(), "Solidarity Map");
        assert_eq!(
            credit.attr("target").await.unwrap().as_deref(),
            Some("_blank")
        );
        let href = credit.attr("href").await.unwrap().unwrap();
        assert!(
            href.starts_with(&format!("{}/?category=media", server.base)),
            "{href}"
        );
        // the address stays the embed's
        assert!(browser.url().await.unwrap().starts_with("/embed?"));
        assert_no_violation_or_error(browser).await;
        browser.screenshot("embed-en").await.unwrap();

        // its language from the address, not remembered for the site
        browser
            .open(server, "/embed?category=media&lang=ar")
            .await
            .unwrap();
        browser
            .wait_until("the embed in Arabic", || async {
                Ok(js(browser, "return document.documentElement.lang").await == "ar")
            })
            .await
            .unwrap();
        assert_eq!(
            js(browser, "return document.documentElement.dir").await,
            "rtl"
        );
        assert_eq!(
            browser.text(".embed-credit").await.unwrap(),
            "خريطة التضامن"
        );
        wait_drawn(browser, media).await;
        browser.screenshot("embed-ar").await.unwrap();
        visit(browser, server, "/join", ".page h1").await;
        assert_eq!(
            js(browser, "return document.documentElement.lang").await,
            "en"
        );
    });
}

/// A partner's site on another origin (another port of 127.0.0.1, `0` for
/// any free one), served by a minimal HTTP server on its own thread for as
/// long as the test runs: `/` has `embed` in an iframe, `/full` has `full`.
/// Returns the site's address.
fn partner_site(port: u16, embed: &str, full: &str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let page = |src: &str| {
        format!(
            "<!doctype html><html lang=\"en\"><head><title>Partner</title></head><body>\
             <h1>Partner</h1><iframe id=\"map\" src=\"{src}\" title=\"Map\" width=\"800\" height=\"500\"></iframe>\
             </body></html>"
        )
    };
    let (embed, full) = (page(embed), page(full));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let body = if buf[..n].starts_with(b"GET /full") {
                &full
            } else {
                &embed
            };
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    address
}

/// Whether the frame on the page shows the map within `secs` seconds.
async fn frame_shows_map(browser: &Browser, secs: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let frame = browser.wait_for("#map").await.unwrap();
        let found = match frame.enter_frame().await {
            Ok(()) => {
                let n = browser
                    .client
                    .find_all(fantoccini::Locator::Css(
                        ".leaflet-marker-pane .sm-marker, .leaflet-marker-pane .marker-cluster",
                    ))
                    .await
                    .map(|v| v.len())
                    .unwrap_or(0);
                let _ = browser.client.enter_parent_frame().await;
                n > 0
            }
            Err(_) => false,
        };
        if found {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn another_site_shows_the_embed_only_when_allowed() {
    // the partner's port must be known before the server starts
    let partner_port = free_tcp_port().unwrap();
    let partner = format!("http://127.0.0.1:{partner_port}");
    let Some(allowed) =
        Server::start_with(None, &["--embed-origins", &format!("'self' {partner}")])
            .await
            .unwrap()
    else {
        return;
    };
    // the default: the site itself only
    let Some(refused) = Server::start(None).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1000, 700).await.unwrap() else {
        return;
    };
    let embed = |base: &str| format!("{base}/embed?category=media");

    let site = partner_site(partner_port, &embed(&allowed.base), &allowed.base);
    browser.client.goto(&site).await.unwrap();
    assert!(
        frame_shows_map(&browser, 45).await,
        "the allowed partner shows the map"
    );
    // the main map is never framed, even by an allowed partner
    browser.client.goto(&format!("{site}/full")).await.unwrap();
    assert!(
        !frame_shows_map(&browser, 5).await,
        "the full map is framed"
    );
    // a site that is not listed cannot frame the embed
    let site = partner_site(0, &embed(&refused.base), &refused.base);
    browser.client.goto(&site).await.unwrap();
    assert!(
        !frame_shows_map(&browser, 5).await,
        "an unlisted site frames the embed"
    );
    browser.close().await.unwrap();
}

#[test]
fn an_organisation_page_carries_linked_data_without_a_csp_violation() {
    Setup::new(1280, 800).run(async |server, browser| {
        browser.watch_csp().await.unwrap();
        let fc = server.get_json("/api/organizations?limit=1").await.unwrap();
        let org = &fc["features"][0];
        let id = org["id"].as_str().unwrap();
        let name = org["properties"]["name"]["en"].as_str().unwrap();
        browser.open(server, &format!("/org/{id}")).await.unwrap();
        // the card opens as before
        assert_eq!(browser.text("#card-title").await.unwrap(), name);
        let ld = js(
            browser,
            "return [...document.querySelectorAll('script[type=\"application/ld+json\"]')].map(s => JSON.parse(s.textContent))",
        )
        .await;
        assert_eq!(ld[0]["@type"], "Organization");
        assert_eq!(ld[0]["name"], name);
        assert!(
            js(browser, "return document.title")
                .await
                .as_str()
                .unwrap()
                .starts_with(&format!("\u{2068}{name}\u{2069}")),
            "the name, isolated, in the tab's title"
        );
        assert_no_violation_or_error(browser).await;
    });
}

/// "Share or embed" carries every filter the map has (kinds, country,
/// language, words), says so, and the embed shows what the map showed.
#[test]
fn share_carries_every_filter_of_the_map() {
    Setup::new(1280, 900).run(async |server, browser| {
        let filters = "category=jerusalem&country=IL&language=he&q=Jerusalem";
        visit(browser, server, &format!("/?{filters}"), ".org-item").await;
        let want = api_count(server, filters).await;
        assert!(want >= 1);
        browser
            .click(".site-links a[href^='/embed/new']")
            .await
            .unwrap();
        browser.wait_for(".embed-code").await.unwrap();
        let code = js(
            browser,
            "return document.querySelector('.embed-code').value",
        )
        .await;
        let code = code.as_str().unwrap();
        for part in [
            "category=jerusalem",
            "country=IL",
            "language=he",
            "q=Jerusalem",
        ] {
            assert!(code.contains(part), "{part} missing from {code}");
        }
        let carried = browser.text(".carried").await.unwrap();
        assert!(
            carried.contains("Israel") && carried.contains("Hebrew"),
            "{carried}"
        );
        // the embed itself shows what the map showed
        let src = js(
            browser,
            "return document.querySelector('.embed-preview').src",
        )
        .await;
        let src = src.as_str().unwrap().replace(&server.base, "");
        browser.open(server, &src).await.unwrap();
        wait_drawn(browser, want).await;
        // and the other filters can be dropped, the kinds kept
        browser
            .open(server, &format!("/embed/new?{filters}"))
            .await
            .unwrap();
        browser.click(".drop-filters").await.unwrap();
        let code = js(
            browser,
            "return document.querySelector('.embed-code').value",
        )
        .await;
        let code = code.as_str().unwrap();
        assert!(
            code.contains("category=jerusalem") && !code.contains("country="),
            "{code}"
        );
    });
}

/// Panning or zooming the preview chooses the area: the share page offers
/// the area the preview shows, and the snippet takes it.
#[test]
fn the_preview_chooses_the_area() {
    Setup::new(1280, 900).run(async |server, browser| {
        // the whole world to start with
        visit(browser, server, "/embed/new", ".embed-code").await;
        // zoom the preview in, as a visitor would with its + button
        {
            browser
                .wait_until("the preview's map", || async {
                    let clicked = js(
                        browser,
                        "const d = document.querySelector('.embed-preview').contentDocument;
                         const plus = d && d.querySelector('.leaflet-control-zoom-in');
                         if (!plus || !d.querySelector('.leaflet-marker-icon')) return false;
                         plus.click();
                         return true;",
                    )
                    .await;
                    Ok(clicked.as_bool() == Some(true))
                })
                .await
                .unwrap();
        }
        browser
            .wait_until("the offer of the preview's area", || async {
                let shown = js(
                    browser,
                    "const p = document.querySelector('.preview-area'); return !!p && !p.hidden",
                )
                .await;
                Ok(shown.as_bool() == Some(true))
            })
            .await
            .unwrap();
        let area = browser.text(".preview-area bdi").await.unwrap();
        let span = |a: &str| {
            let v: Vec<f64> = a.split(',').map(|x| x.trim().parse().unwrap()).collect();
            v[2] - v[0]
        };
        assert!(span(&area) < 300.0, "zoomed in from the world: {area}");
        browser.click(".use-preview-area").await.unwrap();
        let code = js(
            browser,
            "return document.querySelector('.embed-code').value",
        )
        .await;
        assert!(
            code.as_str().unwrap().contains(&format!("bbox={area}")),
            "{code}"
        );
        let field = js(
            browser,
            "return document.querySelector('#embed-bbox').value",
        )
        .await;
        assert_eq!(field.as_str().unwrap(), area);
        assert_no_violation_or_error(browser).await;
    });
}

/// With `--public-url` the embed snippet hands out the public address,
/// not the one the page happened to be opened at.
#[test]
fn the_embed_snippet_uses_the_public_url() {
    let setup = Setup::new(1280, 900).flags(&["--public-url", "https://map.example.org"]);
    setup.run(async |server, browser| {
        visit(browser, server, "/embed/new?category=media", ".embed-code").await;
        browser
            .wait_until("the snippet names the public address", || async {
                let code = js(
                    browser,
                    "return document.querySelector('.embed-code').value",
                )
                .await;
                Ok(code
                    .as_str()
                    .unwrap_or_default()
                    .contains("src=\"https://map.example.org/embed"))
            })
            .await
            .unwrap();
        let code = js(
            browser,
            "return document.querySelector('.embed-code').value",
        )
        .await;
        assert!(!code.as_str().unwrap().contains("127.0.0.1"), "{code}");
        // the preview stays on this site, where it can report its area
        let preview = js(
            browser,
            "return document.querySelector('.embed-preview').getAttribute('src')",
        )
        .await;
        assert!(preview.as_str().unwrap().starts_with("/embed"), "{preview}");
    });
}

/// On a phone the statistics' charts keep their words legible (scrolling
/// sideways in their own box) and neither page scrolls sideways as a
/// whole, the API page's tables included.
#[test]
fn on_a_phone_charts_are_legible_and_pages_do_not_scroll_sideways() {
    Setup::new(390, 844).run(async |server, browser| {
        for (page, ready) in [("/stats", "svg.bars .bar-label"), ("/api/docs", "table")] {
            visit(browser, server, page, ready).await;
            let wide = js(
                browser,
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            )
            .await;
            assert!(wide.as_i64().unwrap() <= 0, "{page} scrolls sideways by {wide}px");
        }
        visit(browser, server, "/stats", "svg.bars .bar-label").await;
        let height = js(
            browser,
            "return Math.min(...[...document.querySelectorAll('svg.bars .bar-label')]
                 .map(t => t.getBoundingClientRect().height))",
        )
        .await;
        assert!(height.as_f64().unwrap() >= 11.0, "chart labels {height}px high");
    });
}
