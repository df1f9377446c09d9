//! The app's own country outlines at `/tiles/outlines/{z}/{x}/{y}.png`,
//! drawn from a small TopoJSON made here: land where a country is, sea
//! elsewhere, no line across the map from a country that crosses the
//! antimeridian, long caching, 404 without outlines and 400 naming a bad
//! coordinate. And the city names written over them, in three languages.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;

use axum::http::{StatusCode, header};
use solidarity_map_server::outlines::Outlines;
use tiny_skia::Pixmap;

use crate::support::{self, TestApp};

/// Two countries, unquantized: a square over Africa (0°–20°E, 0°–20°N),
/// and one across the antimeridian (170°E to 170°W, 10°–20°S) as Natural
/// Earth draws Fiji: its ring jumps from 180° to −180°.
const TOPOLOGY: &str = r#"{"type":"Topology",
  "objects":{"countries":{"type":"GeometryCollection","geometries":[
    {"type":"Polygon","arcs":[[0]],"properties":{"name":"Square"}},
    {"type":"Polygon","arcs":[[1]],"properties":{"name":"Across"}}
  ]}},
  "arcs":[
    [[0,0],[20,0],[20,20],[0,20],[0,0]],
    [[170,-10],[180,-10],[-180,-10],[-170,-10],[-170,-20],[-180,-20],[180,-20],[170,-20],[170,-10]]
  ]}"#;

const SEA: [u8; 3] = [0xc9, 0xdb, 0xe6];
const LAND: [u8; 3] = [0xf4, 0xf1, 0xea];

async fn app(with_outlines: bool) -> TestApp {
    let outlines = with_outlines.then(|| Arc::new(Outlines::from_topojson(TOPOLOGY).unwrap()));
    support::setup()
        .file("index.html", "<!doctype html>")
        .start_with(|state| state.outlines = outlines)
        .await
}

/// The tile at `uri`, decoded.
async fn tile(app: &TestApp, uri: &str) -> Pixmap {
    let r = support::call(&app.app, "GET", uri, None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}");
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/png", "{uri}");
    Pixmap::decode_png(&r.body).unwrap()
}

/// Fails unless `uri` is a 400 whose body names `field`.
async fn assert_refused(app: &TestApp, uri: &str, field: &str) {
    let r = support::call(&app.app, "GET", uri, None, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
    let body = String::from_utf8_lossy(&r.body);
    assert!(
        body.contains(&format!("\"field\":\"{field}\"")),
        "{uri}: {body}"
    );
}

/// The colour at pixel (`x`, `y`).
fn at(p: &Pixmap, x: u32, y: u32) -> [u8; 3] {
    let c = p.pixel(x, y).unwrap();
    [c.red(), c.green(), c.blue()]
}

/// The pixel of `(lat, lon)` in the tile `z`/`x`/`y`, if it is in it.
fn pixel_of(lat: f64, lon: f64, z: u8, x: u32, y: u32) -> Option<(u32, u32)> {
    let n = f64::from(1u32 << z);
    let wx = (lon + 180.0) / 360.0 * n;
    let phi = lat.to_radians();
    let wy = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    let (px, py) = ((wx - f64::from(x)) * 256.0, (wy - f64::from(y)) * 256.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked in range
    ((0.0..256.0).contains(&px) && (0.0..256.0).contains(&py)).then_some((px as u32, py as u32))
}

#[tokio::test]
async fn land_is_drawn_where_a_country_is_and_sea_elsewhere() {
    let app = app(true).await;
    let world = tile(&app, "/tiles/outlines/0/0/0.png").await;
    let (x, y) = pixel_of(10.0, 10.0, 0, 0, 0).unwrap();
    assert_eq!(at(&world, x, y), LAND, "inside the square");
    let (x, y) = pixel_of(40.0, -40.0, 0, 0, 0).unwrap();
    assert_eq!(at(&world, x, y), SEA, "the North Atlantic");
    // deeper in, the square's corner: land to its north-east, sea outside
    let z = 6;
    let (tx, ty) = (32, 31); // 0°–5.6°E, 0°–5.6°N
    let t = tile(&app, &format!("/tiles/outlines/{z}/{tx}/{ty}.png")).await;
    let (x, y) = pixel_of(3.0, 3.0, z, tx, ty).unwrap();
    assert_eq!(at(&t, x, y), LAND);
    let sw = tile(
        &app,
        &format!("/tiles/outlines/{z}/{}/{}.png", tx - 1, ty + 1),
    )
    .await;
    let (x, y) = pixel_of(-3.0, -3.0, z, tx - 1, ty + 1).unwrap();
    assert_eq!(at(&sw, x, y), SEA);
}

#[tokio::test]
async fn a_country_across_the_antimeridian_draws_no_line_across_the_map() {
    let app = app(true).await;
    // zoom 2: four tiles across; row 2 holds 0°–66°S
    let z = 2;
    for tx in 0..4 {
        let t = tile(&app, &format!("/tiles/outlines/{z}/{tx}/2.png")).await;
        for lon in [
            -175.0, -150.0, -100.0, -45.0, 0.0, 45.0, 100.0, 150.0, 175.0,
        ] {
            let Some((x, y)) = pixel_of(-15.0, lon, z, tx, 2) else {
                continue;
            };
            let near = f64::abs(lon) > 170.0;
            let want = if near { LAND } else { SEA };
            assert_eq!(
                at(&t, x, y),
                want,
                "at 15°S {lon}°E (tile {z}/{tx}/2): {}",
                if near {
                    "the country's own side is land"
                } else {
                    "a line or fill across the map"
                }
            );
        }
    }
}

#[tokio::test]
async fn outline_tiles_are_cached_a_week_and_missing_without_outlines() {
    let app = app(true).await;
    let r = support::call(&app.app, "GET", "/tiles/outlines/3/4/3.png", None, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let cache = r.headers[header::CACHE_CONTROL].to_str().unwrap();
    assert!(cache.contains("max-age=604800"), "{cache}");
    assert!(r.headers.contains_key(header::ETAG));
    for (uri, field) in [
        ("/tiles/outlines/19/0/0.png", "z"),
        ("/tiles/outlines/2/4/0.png", "x"),
        ("/tiles/outlines/2/0/0.jpg", "y"),
    ] {
        assert_refused(&app, uri, field).await;
    }
    let none = self::app(false).await;
    let r = support::call(&none.app, "GET", "/tiles/outlines/0/0/0.png", None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[test]
fn outlines_that_cannot_be_read_stop_a_start_that_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, r#"{"type":"FeatureCollection","features":[]}"#).unwrap();
    let missing = dir.path().join("missing.json");
    let db = format!("sqlite:{}", dir.path().join("t.db").display());
    for file in [&junk, &missing] {
        let out = std::process::Command::new(crate::support::bin())
            .args(["--database-url", &db, "serve", "--addr", "127.0.0.1:0"])
            .arg("--outlines")
            .arg(file)
            .env("NO_DEMO_DATA", "true")
            .env_remove("OUTLINES")
            .output()
            .unwrap();
        assert!(!out.status.success(), "started with {}", file.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--outlines") && stderr.contains(&*file.to_string_lossy()),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn city_names_come_in_the_visitors_language_and_a_bad_view_is_named() {
    let app = app(false).await;
    let jerusalem = "35.0,31.6,35.4,31.95";
    for (lang, name) in [("en", "Jerusalem"), ("ar", "القدس"), ("he", "ירושלים")] {
        let uri = format!("/api/places/labels?bbox={jerusalem}&zoom=11&lang={lang}");
        let r = support::call(&app.app, "GET", &uri, None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let labels: Vec<serde_json::Value> = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(labels[0]["name"], name, "{lang}");
        assert!((labels[0]["lat"].as_f64().unwrap() - 31.77).abs() < 0.05);
    }
    for (uri, field) in [
        ("/api/places/labels?bbox=1,2,3&zoom=3", "bbox"),
        ("/api/places/labels?bbox=0,0,1,1&zoom=21", "zoom"),
    ] {
        assert_refused(&app, uri, field).await;
    }
}

#[tokio::test]
async fn a_point_is_named_by_its_nearest_city() {
    let app = app(false).await;
    let r = support::call(
        &app.app,
        "GET",
        "/api/places/nearest?lat=31.7691&lon=35.2162",
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let place: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(place["name"], "Jerusalem");
    let r = support::call(
        &app.app,
        "GET",
        "/api/places/nearest?lat=30&lon=-40",
        None,
        &[],
    )
    .await;
    assert_eq!(&r.body[..], b"null");
    assert_refused(&app, "/api/places/nearest?lat=91&lon=0", "lat").await;
    // a parameter that is no number, or missing, is named too
    assert_refused(&app, "/api/places/nearest?lat=abc&lon=0", "lat").await;
    assert_refused(&app, "/api/places/nearest?lat=1", "lon").await;
    assert_refused(&app, "/api/places/labels?bbox=0,0,1,1&zoom=abc", "zoom").await;
    assert_refused(&app, "/api/places/labels?zoom=3", "bbox").await;
}
