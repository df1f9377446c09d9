//! A street-level basemap from a PMTiles archive the operator provides,
//! raster or vector, written here with the `pmtiles` crate's writer: the
//! right tile at the right address with the right type, vector tiles
//! stored gzipped served plain (and compressed again as the client asks),
//! 404 outside the archive, its zoom levels, bounds and credit told to the
//! client, and files that are no such archive refused, by their content.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Read;
use std::path::{Path, PathBuf};

use axum::http::{StatusCode, header};
use clap::Parser;
use solidarity_map_core::{SiteConfig, TileKind};
use solidarity_map_server::basemap::{Basemap, TileFormat};
use solidarity_map_server::config::ServeArgs;
use solidarity_map_testkit::tiles::{Archive, TileType, town_on_land, write_pmtiles};

use crate::tiles::{Env, assert_not_found, call, get, header};

/// The western half of the world: tiles of the east are outside it.
const WEST: [f64; 4] = [-180.0, -85.0, -0.5, 85.0];

const CREDIT: &str = "<a href=\"https://example.org/credit\">Example</a> contributors";

/// Bytes that say which tile they are.
fn marked(z: u8, x: u32, y: u32) -> Vec<u8> {
    format!("\u{89}PNG tile {z}/{x}/{y}").into_bytes()
}

/// The tiles of a raster archive of the western half, zoom 0 to 2
/// (XYZ: rows from the north, as Leaflet asks for them).
const RASTER: [(u8, u32, u32); 5] = [(0, 0, 0), (1, 0, 0), (1, 0, 1), (2, 0, 0), (2, 1, 3)];

fn raster(path: &Path) {
    let tiles: Vec<_> = RASTER
        .iter()
        .map(|&(z, x, y)| (z, x, y, marked(z, x, y)))
        .collect();
    write_pmtiles(
        path,
        &Archive {
            tile_type: TileType::Png,
            min_zoom: 0,
            max_zoom: 2,
            bounds: Some(WEST),
            metadata: serde_json::json!({"name": "test", "attribution": CREDIT}).to_string(),
        },
        &tiles,
    );
}

/// A vector tile: land, and a place named in Arabic.
fn land_and_place() -> Vec<u8> {
    town_on_land([2048, 2048], &[("name", "Jerusalem"), ("name:ar", "القدس")])
}

fn vector(path: &Path) {
    write_pmtiles(
        path,
        &Archive {
            tile_type: TileType::Mvt,
            min_zoom: 0,
            max_zoom: 1,
            bounds: None,
            metadata: serde_json::json!({"attribution": CREDIT, "vector_layers": []}).to_string(),
        },
        &[(0, 0, 0, land_and_place()), (1, 1, 0, land_and_place())],
    );
}

/// `solidarity-map serve --basemap FILE` (and no other setting).
fn named(file: &Path) -> ServeArgs {
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }
    Cli::parse_from([Path::new("serve"), Path::new("--basemap"), file]).serve
}

/// The archive `make` writes, opened and served as the server would with
/// `--basemap`, with what it told the client.
async fn serve(name: &str, make: fn(&Path)) -> (Env, SiteConfig) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    make(&file);
    let basemap = Basemap::open(&file).await.unwrap();
    let site = named(&file).site(Some(&basemap.info));
    let env = Env::serving(site.clone(), Some(basemap), dir).await;
    let (status, _, body) = get(&env, "/api/config").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_slice::<SiteConfig>(&body).unwrap(), site);
    (env, site)
}

#[tokio::test]
async fn raster_tiles_are_served_from_a_pmtiles_archive() {
    let (env, site) = serve("city.pmtiles", raster).await;
    assert_eq!(site.tile_url, "/tiles/{z}/{x}/{y}.png");
    assert_eq!(site.tile_kind, TileKind::Raster);
    assert_eq!((site.tile_min_zoom, site.tile_max_zoom), (Some(0), Some(2)));
    assert_eq!(site.tile_bounds, Some(WEST));
    assert_eq!(site.tile_attribution, CREDIT);
    for (z, x, y) in RASTER {
        let uri = format!("/tiles/{z}/{x}/{y}.png");
        let (status, headers, body) = get(&env, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(body, marked(z, x, y), "{uri}");
        assert_eq!(header(&headers, &header::CONTENT_TYPE), "image/png");
        assert!(headers.get(header::CONTENT_ENCODING).is_none(), "{uri}");
        assert!(headers.get(header::ETAG).is_some(), "{uri}");
    }
    assert_not_found(
        &env,
        &[
            // in the grid and the bounds, not in the archive
            "/tiles/2/0/3.png",
            // east of its bounds
            "/tiles/1/1/0.png",
            "/tiles/2/3/1.png",
            // deeper than it goes
            "/tiles/3/0/0.png",
            "/tiles/24/0/0.png",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_wrong_extension_is_a_400_that_says_the_right_one() {
    let (env, _) = serve("city.pmtiles", raster).await;
    for uri in ["/tiles/0/0/0.mvt", "/tiles/0/0/0.jpg", "/tiles/0/0/0.pbf"] {
        let (status, _, body) = get(&env, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["fields"][0]["field"], "y", "{uri}: {body}");
        let says = body["fields"][0]["message"].as_str().unwrap_or_default();
        assert!(
            says.contains("{y}.png") && says.contains("PNG"),
            "{uri}: {says}"
        );
    }
    let (env, _) = serve("streets.pmtiles", vector).await;
    let (status, _, body) = get(&env, "/tiles/0/0/0.png").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("{y}.mvt"));
}

#[tokio::test]
async fn vector_tiles_are_served_plain_and_compressed_as_the_client_asks() {
    let (env, site) = serve("streets.pmtiles", vector).await;
    assert_eq!(site.tile_url, "/tiles/{z}/{x}/{y}.mvt");
    assert_eq!(site.tile_kind, TileKind::Vector);
    assert_eq!((site.tile_min_zoom, site.tile_max_zoom), (Some(0), Some(1)));
    assert_eq!(site.tile_attribution, CREDIT);

    // stored gzipped, sent as the tile itself to a client that asks for
    // no encoding
    let tile = land_and_place();
    let (status, headers, body) = get(&env, "/tiles/1/1/0.mvt").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, tile);
    assert_eq!(
        header(&headers, &header::CONTENT_TYPE),
        "application/vnd.mapbox-vector-tile"
    );
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    let tag = header(&headers, &header::ETAG).to_owned();

    // gzipped by the response layer for a browser, with the same tag
    let (status, headers, body) = call(
        &env,
        "GET",
        "/tiles/1/1/0.mvt",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, &header::CONTENT_ENCODING), "gzip");
    assert!(
        header(&headers, &header::VARY)
            .to_lowercase()
            .contains("accept-encoding")
    );
    assert_eq!(header(&headers, &header::ETAG), tag);
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, tile);

    // and revalidated
    let (status, _, body) = call(
        &env,
        "GET",
        "/tiles/1/1/0.mvt",
        &[("if-none-match", &tag), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    assert_not_found(&env, &["/tiles/1/0/0.mvt", "/tiles/2/0/0.mvt"]).await;
}

/// Files that are no archive to serve (truncated, foreign, of an old
/// version, missing), each with what opening it must say.
pub fn bad_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let good = dir.join("good.pmtiles");
    raster(&good);
    let bytes = std::fs::read(&good).unwrap();
    let write = |name: &str, data: &[u8]| {
        let file = dir.join(name);
        std::fs::write(&file, data).unwrap();
        file
    };
    vec![
        (
            write("cut.pmtiles", &bytes[..bytes.len() - 10]),
            "truncated",
        ),
        (write("header.pmtiles", &bytes[..60]), "truncated"),
        (
            write("text.pmtiles", b"<html>not a basemap</html>"),
            "neither",
        ),
        (write("empty.pmtiles", b""), "empty"),
        (
            write("old.pmtiles", b"PM\x02\x00 an archive of version 2"),
            "version 1 or 2",
        ),
        (dir.join("missing.pmtiles"), "no such file"),
    ]
}

#[tokio::test]
async fn archives_that_cannot_be_served_are_refused_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    for (file, says) in bad_files(dir.path()) {
        let why = Basemap::open(&file).await.unwrap_err().to_string();
        assert!(why.contains(&*file.to_string_lossy()), "{why}");
        assert!(why.contains(says), "{}: {why}", file.display());
    }
    // told by content, not by name
    let archive = dir.path().join("archive.mbtiles");
    raster(&archive);
    assert_eq!(
        Basemap::open(&archive).await.unwrap().info.format,
        TileFormat::Png
    );
}
