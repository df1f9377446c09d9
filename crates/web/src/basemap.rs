//! The base of every map the site draws: Leaflet's credit without a flag,
//! the country outlines the server draws itself (coasts and borders, as
//! tiles, wherever the basemap has none: beyond its deepest zoom level,
//! outside a city's extract, or everywhere when there is no basemap) with
//! city names over them, and the basemap's tiles with their credit, which
//! their licence requires.
//!
//! Raster tiles are images Leaflet shows as they are; vector tiles (a
//! city's streets from the operator's PMTiles file) are drawn in the
//! browser ([`crate::vector_tiles`]).

use leaflet::{Layer, Map, MapOptions, TileLayer, TileLayerOptions};
use solidarity_map_core::{SiteConfig, TileKind};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::leaflet_ext::{create_pane, lat_lng_bounds, neutral_attribution};
use crate::place_labels::{Covered, add_place_labels};

/// Where the server draws the country outlines.
const OUTLINE_URL: &str = "/tiles/outlines/{z}/{x}/{y}.png";
/// The deepest level the server draws them at; Leaflet enlarges beyond.
const OUTLINE_MAX_ZOOM: f64 = 18.0;
/// The map's deepest zoom level.
const MAX_ZOOM: f64 = 19.0;

/// A map in `el`, with a pane for the country outlines under the tiles.
/// Its owner removes it when it is done with it (`Map::remove`), so a page
/// that opens and closes maps keeps none.
pub fn base_map(el: &web_sys::HtmlElement, options: &MapOptions) -> Result<Map, JsValue> {
    let map = Map::new_with_element(el, options)?;
    neutral_attribution(&map);
    let pane = create_pane(&map, "outlines");
    // under the tile pane (200), over the map's background
    pane.style().set_property("z-index", "150")?;
    pane.style().set_property("pointer-events", "none")?;
    Ok(map)
}

/// How many levels past its deepest a raster tile server's tiles are
/// enlarged.
const ENLARGED_LEVELS: f64 = 2.0;

/// The tiles for a visitor who now reads `lang`: the first time, the
/// outlines, the city names and the tiles; then vector tiles are drawn
/// again with the names in `lang`, images stay as they are.
pub fn retile(
    map: &Map,
    config: &SiteConfig,
    lang: &str,
    previous: Option<Layer>,
) -> Option<Layer> {
    add_outlines(map, config);
    if let Some(layer) = previous {
        if config.tile_kind.is_raster() {
            return Some(layer);
        }
        layer.remove();
    }
    add_tiles(map, config, lang)
}

/// Adds the country outlines and the city names to `map`, once: where the
/// tiles end, or everywhere under a basemap that covers only an area (a
/// city's extract), whose tiles then hide them within it.
fn add_outlines(map: &Map, config: &SiteConfig) {
    let added = "smOutlines".into();
    if js_sys::Reflect::get(map, &added).is_ok_and(|v| v.is_truthy()) {
        return;
    }
    let _ = js_sys::Reflect::set(map, &added, &true.into());
    let tiled = !config.tile_url.is_empty();
    // the deepest level the tiles show, enlarged
    let tiles_to = match (tiled, config.tile_kind, config.tile_max_zoom) {
        (false, _, _) => None,
        (true, TileKind::Vector, _) | (true, TileKind::Raster, None) => Some(MAX_ZOOM),
        (true, TileKind::Raster, Some(max)) => Some(f64::from(max) + ENLARGED_LEVELS),
    };
    // an area, not the whole world (whose bounds some files state)
    let area = config
        .tile_bounds
        .filter(|[west, south, east, north]| east - west < 359.0 || north - south < 170.0);
    let outlines_from = match (tiles_to, area) {
        // a world basemap: below its last level the outlines would be
        // hidden under its tiles, asked for and never seen
        (Some(to), None) if to < MAX_ZOOM => to + 1.0,
        (Some(_), None) => MAX_ZOOM + 1.0,
        _ => 0.0,
    };
    let options = TileLayerOptions::new();
    options.set_pane("outlines".to_owned());
    options.set_min_zoom(outlines_from.min(MAX_ZOOM));
    options.set_max_native_zoom(OUTLINE_MAX_ZOOM);
    options.set_max_zoom(MAX_ZOOM);
    options.set_attribution("Natural Earth".to_owned());
    if outlines_from <= MAX_ZOOM {
        TileLayer::new_options(OUTLINE_URL, &options).add_to(map);
    }
    // the tiles have names of their own where they are drawn
    let covered = tiles_to.map(|to| Covered {
        bounds: area,
        from: f64::from(config.tile_min_zoom.unwrap_or(0)),
        to,
    });
    if let Err(e) = add_place_labels(map, covered) {
        web_sys::console::warn_1(&e);
    }
}

/// Adds the tiles the server named, with their attribution in the map's
/// corner (Leaflet's attribution control, on by default): the site's own
/// basemap unless the operator chose another server, which the
/// attribution then names. Raster tiles are enlarged two levels beyond the
/// deepest the tile server has; further in the country outlines take over.
/// Vector tiles are labelled in `lang`.
fn add_tiles(map: &Map, config: &SiteConfig, lang: &str) -> Option<Layer> {
    if config.tile_url.is_empty() {
        return None;
    }
    let layer = match config.tile_kind {
        TileKind::Raster => raster(config),
        TileKind::Vector => {
            // a data tile of level z is drawn as the four display tiles of
            // z + 1 (protomaps-leaflet's `levelDiff`)
            let options = js_sys::Object::new();
            extent(&options, config, 1);
            crate::vector_tiles::layer(config, lang, options)
        }
    };
    layer.add_to(map);
    Some(layer)
}

fn raster(config: &SiteConfig) -> Layer {
    let options = TileLayerOptions::new();
    options.set_attribution(config.tile_attribution.clone());
    options.set_max_zoom(MAX_ZOOM);
    if let Some(max) = config.tile_max_zoom {
        // two levels enlarged still read; beyond, a blur of one pixel's
        // colour would hide the map: the country outlines take over
        options.set_max_native_zoom(f64::from(max));
        options.set_max_zoom(f64::from(max) + ENLARGED_LEVELS);
    }
    extent(&options, config, 0);
    TileLayer::new_options(&config.tile_url, &options).unchecked_into()
}

/// Sets the zoom level the tiles start at and the area they cover on a
/// layer's `options`, so that the map asks for no tile the basemap
/// lacks; `shift` is how many levels deeper a data tile is displayed.
fn extent(options: &JsValue, config: &SiteConfig, shift: u8) {
    if let Some(min) = config.tile_min_zoom.filter(|m| *m > 0) {
        let _ = js_sys::Reflect::set(
            options,
            &"minZoom".into(),
            &f64::from(min.saturating_add(shift)).into(),
        );
    }
    if let Some(bbox) = config.tile_bounds {
        let _ = js_sys::Reflect::set(options, &"bounds".into(), &lat_lng_bounds(bbox));
    }
}
