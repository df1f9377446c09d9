//! A street-level basemap from a PMTiles archive, in a real browser: the
//! server started with `--basemap FILE.pmtiles` and the map drawing it,
//! checked on screenshots. Raster tiles that are solid red make the map
//! red; vector tiles with land and a place named only in Arabic are drawn
//! in the map's own colours by protomaps-leaflet, with the name written
//! when the page is in Arabic and not when it is in English. No request
//! leaves the site, and the Content-Security-Policy blocks nothing.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use solidarity_map_e2e::{Browser, Server};
use solidarity_map_testkit::tiles::{
    Archive, Image, TileType, solid_png, tile_of, town_on_a_street, write_pmtiles,
};

use crate::browser_basemap::assert_stayed_on_the_site;
use crate::support::{js, visit};

/// The map's box on the page, `[left, top, right, bottom]` in pixels.
async fn map_box(browser: &Browser, map: &str) -> [u32; 4] {
    let v = js(
        browser,
        &format!(
            "const r = document.querySelector('{map}').getBoundingClientRect();
             return [r.left, r.top, r.right, r.bottom].map(Math.round)"
        ),
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// A screenshot, saved under target/screenshots/ for people to look at.
async fn screenshot(browser: &Browser, name: &str) -> Image {
    let path = browser.screenshot(name).await.unwrap();
    Image::decode(&std::fs::read(path).unwrap())
}

/// Waits until a screenshot of the page passes `check` (the map draws
/// its tiles over a few frames), and returns the last one.
async fn screenshot_until(browser: &Browser, name: &str, check: impl Fn(&Image) -> bool) -> Image {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let shot = screenshot(browser, name).await;
        if check(&shot) || std::time::Instant::now() > deadline {
            return shot;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// The tiles' red, fully faded in (over the outlines it is lighter).
fn red([r, g, b]: [u8; 3]) -> bool {
    r > 240 && g < 10 && b < 10
}

#[tokio::test]
async fn raster_tiles_from_a_pmtiles_archive_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("red.pmtiles");
    let tile = solid_png([255, 0, 0]);
    let mut tiles = Vec::new();
    for z in 0..=3u8 {
        for x in 0..1u32 << z {
            for y in 0..1u32 << z {
                tiles.push((z, x, y, tile.clone()));
            }
        }
    }
    let archive = Archive {
        tile_type: TileType::Png,
        min_zoom: 0,
        max_zoom: 3,
        bounds: None,
        metadata: r#"{"attribution":"Red test tiles"}"#.into(),
    };
    write_pmtiles(&file, &archive, &tiles);
    let Some(server) = Server::start_with_basemap_file(&file).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1100, 800).await.unwrap() else {
        return;
    };
    browser.watch_csp().await.unwrap();
    visit(&browser, &server, "/", ".leaflet-container").await;
    let map = map_box(&browser, ".leaflet-container").await;
    // all but the controls and the markers, once the tiles have faded in
    let covered = |(picked, all): (usize, usize)| picked * 10 > all * 9;
    let shot = screenshot_until(&browser, "pmtiles-raster", |shot| {
        covered(shot.count(map, red))
    })
    .await;
    let (picked, all) = shot.count(map, red);
    assert!(
        covered((picked, all)),
        "{picked} of the map's {all} pixels are red: the tiles are not drawn"
    );
    let credit = browser
        .text(".leaflet-container .leaflet-control-attribution")
        .await
        .unwrap();
    assert!(
        credit.contains("Red test tiles"),
        "the credit is {credit:?}"
    );
    assert_stayed_on_the_site(&browser, &server, "/").await;
    browser.close().await.unwrap();
}

/// The place the vector tiles name, in the South Atlantic where no demo
/// organisation is, and the area the map is fitted to around it.
const PLACE: (f64, f64) = (10.3, -30.2);
const AROUND: &str = "9.9,-30.5,10.7,-29.9";
const ARABIC_NAME: &str = "مدينة الاختبار";

/// How far below the town its street runs, in tile units (4096 a tile).
const STREET_BELOW: i32 = 300;

/// Land over every tile, at the place a town named in Arabic only (in
/// another language the map has no name to write), and a street below it.
fn vector_archive(file: &Path) {
    let (lon, lat) = PLACE;
    let mut tiles = Vec::new();
    for z in 0..=9u8 {
        let (x, y, at) = tile_of(lon, lat, z);
        let street =
            |at: [i32; 2], names: &[(&str, &str)]| town_on_a_street(at, STREET_BELOW, names);
        tiles.push((z, x, y, street(at, &[("name:ar", ARABIC_NAME)])));
        // land all around it, as far as the map shows, and the street on
        // through the tiles beside it
        let last = (1u32 << z) - 1;
        for nx in x.saturating_sub(2)..=(x + 2).min(last) {
            for ny in y.saturating_sub(2)..=(y + 2).min(last) {
                if (nx, ny) != (x, y) {
                    let row = if ny == y { at[1] } else { -10_000 };
                    tiles.push((z, nx, ny, street([0, row], &[])));
                }
            }
        }
    }
    let archive = Archive {
        tile_type: TileType::Mvt,
        min_zoom: 0,
        max_zoom: 9,
        bounds: Some([lon - 1.0, lat - 1.0, lon + 1.0, lat + 1.0]),
        metadata: r#"{"attribution":"Vector test tiles","vector_layers":[]}"#.into(),
    };
    write_pmtiles(file, &archive, &tiles);
}

/// The land's colour (`earth` in the map's vector style).
fn land([r, g, b]: [u8; 3]) -> bool {
    r.abs_diff(0xf4) < 6 && g.abs_diff(0xf1) < 6 && b.abs_diff(0xea) < 6
}

/// The colour of a place's name (`city_label`), or its anti-aliased edge.
fn ink([r, g, b]: [u8; 3]) -> bool {
    r < 150 && g < 150 && b < 150
}

/// How much of the name's colour the map at `path` shows where the place
/// is (the centre of the map), once its land is drawn and, when
/// `expected`, its name too; with the checks every map passes.
async fn name_drawn(
    browser: &Browser,
    server: &Server,
    path: &str,
    shot: &str,
    expected: bool,
) -> usize {
    let map = map_box(browser, ".leaflet-container").await;
    let [left, top, right, bottom] = map;
    let (cx, cy) = ((left + right) / 2, (top + bottom) / 2);
    let label = [cx - 120, cy - 25, cx + 120, cy + 25];
    let covered = |(on_land, all): (usize, usize)| on_land * 10 > all * 9;
    let shot = screenshot_until(browser, shot, |shot| {
        covered(shot.count(map, land)) && (!expected || shot.count(label, ink).0 > 40)
    })
    .await;
    let (on_land, all) = shot.count(map, land);
    assert!(
        covered((on_land, all)),
        "{path}: {on_land} of the map's {all} pixels are the land's colour"
    );
    let credit = browser
        .text(".leaflet-container .leaflet-control-attribution")
        .await
        .unwrap();
    assert!(
        credit.contains("Vector test tiles"),
        "{path}: the credit is {credit:?}"
    );
    assert_stayed_on_the_site(browser, server, path).await;
    let errors = browser.page_errors().await.unwrap();
    assert!(errors.is_empty(), "{path}: {errors:?}");
    shot.count(label, ink).0
}

#[tokio::test]
async fn vector_tiles_are_drawn_with_names_in_the_visitors_language() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("town.pmtiles");
    vector_archive(&file);
    let Some(server) = Server::start_with_basemap_file(&file).await.unwrap() else {
        return;
    };
    let Some(browser) = Browser::start(1100, 800).await.unwrap() else {
        return;
    };
    browser.watch_csp().await.unwrap();
    // a page opened in each language: the embed, fitted around the place
    for (lang, named) in [("en", false), ("ar", true)] {
        let path = format!("/embed?bbox={AROUND}&lang={lang}");
        visit(&browser, &server, &path, ".leaflet-container").await;
        let ink = name_drawn(
            &browser,
            &server,
            &path,
            &format!("pmtiles-vector-{lang}"),
            named,
        )
        .await;
        if named {
            assert!(
                ink > 40,
                "{path}: the Arabic name is not written ({ink} dark pixels)"
            );
        } else {
            assert_eq!(ink, 0, "{path}: a name is written on the English map");
        }
    }
    // the main map, centred on the place, when the visitor picks Arabic
    let path = format!("/?map=10/{:.4}/{:.4}", PLACE.1, PLACE.0);
    visit(&browser, &server, &path, ".leaflet-container").await;
    browser.choose_language("en").await.unwrap();
    let ink = name_drawn(&browser, &server, &path, "pmtiles-vector-map-en", false).await;
    assert_eq!(ink, 0, "{path}: a name is written on the English map");
    // the road: a white line below the town, across the map (zoom 12
    // shows the data tiles of zoom 9 eight times larger: 150 pixels down)
    let street = format!("/?map=12/{:.4}/{:.4}", PLACE.1, PLACE.0);
    visit(&browser, &server, &street, ".leaflet-container").await;
    let [left, top, right, bottom] = map_box(&browser, ".leaflet-container").await;
    let cy = (top + bottom) / 2;
    let band = [left + 100, cy + 120, right - 100, cy + 180];
    // white, a little softened by the anti-aliasing over the land
    let white = |[r, g, b]: [u8; 3]| r >= 250 && g >= 250 && b >= 248;
    let shot = screenshot_until(&browser, "pmtiles-vector-street", |shot| {
        shot.count(band, white).0 > 300
    })
    .await;
    let (road, all) = shot.count(band, white);
    assert!(
        road > 300,
        "{street}: no road drawn ({road} of {all} pixels white)"
    );
    visit(&browser, &server, &path, ".leaflet-container").await;
    browser.choose_language("ar").await.unwrap();
    let ink = name_drawn(&browser, &server, &path, "pmtiles-vector-map-ar", true).await;
    assert!(
        ink > 40,
        "{path}: the Arabic name is not written once Arabic is picked ({ink})"
    );
    browser.close().await.unwrap();
}
