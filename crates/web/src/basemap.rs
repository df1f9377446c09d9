//! The base of every map the site draws: Leaflet's credit without a flag,
//! the country outlines the server draws itself (coasts and borders, as
//! tiles, wherever the basemap has none: beyond its deepest zoom level, or
//! everywhere when there is no basemap), and the basemap's tiles with
//! their credit, which their licence requires.

use leaflet::{Map, MapOptions, TileLayer, TileLayerOptions};
use solidarity_map_core::SiteConfig;
use wasm_bindgen::prelude::*;

use crate::leaflet_ext::{create_pane, neutral_attribution};

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

/// How many levels past its deepest a tile server's tiles are enlarged.
const ENLARGED_LEVELS: f64 = 2.0;

/// Adds the tiles the server named, with their attribution in the map's
/// corner (Leaflet's attribution control, on by default): the site's own
/// basemap unless the operator chose another server, which the
/// attribution then names. Two levels beyond the deepest the tile server
/// has, that level's tiles are enlarged; further in the country outlines
/// take over, with city names written over them, as they do everywhere
/// without a tile URL.
pub fn add_tiles(map: &Map, config: &SiteConfig) {
    // the outlines from where the tiles end: below that they would be
    // hidden under the tiles, asked for and never seen
    let outlines_from = match (config.tile_url.is_empty(), config.tile_max_zoom) {
        (true, _) | (false, None) => 0.0,
        (false, Some(max)) => f64::from(max) + ENLARGED_LEVELS + 1.0,
    };
    let outline_options = TileLayerOptions::new();
    outline_options.set_pane("outlines".to_owned());
    outline_options.set_min_zoom(outlines_from);
    outline_options.set_max_native_zoom(OUTLINE_MAX_ZOOM);
    outline_options.set_max_zoom(MAX_ZOOM);
    outline_options.set_attribution("Natural Earth".to_owned());
    TileLayer::new_options(OUTLINE_URL, &outline_options).add_to(map);
    if let Err(e) = crate::place_labels::add_place_labels(map, outlines_from) {
        web_sys::console::warn_1(&e);
    }
    if config.tile_url.is_empty() {
        return;
    }
    let tile_options = TileLayerOptions::new();
    tile_options.set_attribution(config.tile_attribution.clone());
    tile_options.set_max_zoom(MAX_ZOOM);
    if let Some(max) = config.tile_max_zoom {
        // two levels enlarged still read; beyond, a blur of one pixel's
        // colour would hide the map: the country outlines take over
        tile_options.set_max_native_zoom(f64::from(max));
        tile_options.set_max_zoom(f64::from(max) + ENLARGED_LEVELS);
    }
    TileLayer::new_options(&config.tile_url, &tile_options).add_to(map);
}
