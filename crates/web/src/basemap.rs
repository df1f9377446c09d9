//! The base of every map the site draws: Leaflet's credit without a flag,
//! the country outlines the app serves itself (readable with no tiles at
//! all, under the tiles, which cover them once they load), and the
//! basemap's tiles with their credit, which their licence requires.

use leaflet::{Map, MapOptions, TileLayer, TileLayerOptions};
use solidarity_map_core::SiteConfig;
use wasm_bindgen::prelude::*;

use crate::leaflet_ext::{create_pane, geo_json, neutral_attribution};

/// A map in `el`, with the country outlines under everything else. Its
/// owner removes it when it is done with it (`Map::remove`), so a page
/// that opens and closes maps keeps none.
pub fn base_map(el: &web_sys::HtmlElement, options: &MapOptions) -> Result<Map, JsValue> {
    let map = Map::new_with_element(el, options)?;
    neutral_attribution(&map);
    let pane = create_pane(&map, "outlines");
    pane.style().set_property("z-index", "150")?;
    let outline_map = map.clone();
    leptos::task::spawn_local(async move {
        match crate::api::outlines().await {
            Ok(data) => {
                if let Ok(opts) = js_sys::JSON::parse(OUTLINE_STYLE) {
                    geo_json(&data, &opts).add_to(&outline_map);
                }
            }
            Err(e) => web_sys::console::warn_1(&format!("country outlines: {e}").into()),
        }
    });
    Ok(map)
}

/// How many levels past its deepest a tile server's tiles are enlarged.
const ENLARGED_LEVELS: f64 = 2.0;

/// Adds the tiles the server named, with their attribution in the map's
/// corner (Leaflet's attribution control, on by default): the site's own
/// basemap unless the operator chose another server, which the
/// attribution then names. Two levels beyond the deepest the tile server
/// has, that level's tiles are enlarged; further in, and without a tile
/// URL, the country outlines stand alone.
pub fn add_tiles(map: &Map, config: &SiteConfig) {
    if config.tile_url.is_empty() {
        return;
    }
    let tile_options = TileLayerOptions::new();
    tile_options.set_attribution(config.tile_attribution.clone());
    tile_options.set_max_zoom(19.0);
    if let Some(max) = config.tile_max_zoom {
        // two levels enlarged still read; beyond, a blur of one pixel's
        // colour would hide the map: the country outlines stand alone
        tile_options.set_max_native_zoom(f64::from(max));
        tile_options.set_max_zoom(f64::from(max) + ENLARGED_LEVELS);
    }
    TileLayer::new_options(&config.tile_url, &tile_options).add_to(map);
}

const OUTLINE_STYLE: &str = r##"{"pane":"outlines","interactive":false,
  "style":{"color":"#9aa3ad","weight":0.7,"fillColor":"#f4f1ea","fillOpacity":1}}"##;
