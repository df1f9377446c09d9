//! The base of every map the site draws: Leaflet's credit without a flag,
//! the country outlines the app serves itself (readable with no tiles at
//! all, under the tiles, which cover them once they load), and the
//! basemap's tiles with their credit, which their licence requires.
//!
//! Raster tiles are images Leaflet shows as they are; vector tiles (a
//! city's streets from the operator's PMTiles file) are drawn in the
//! browser ([`crate::vector_tiles`]).

use leaflet::{Layer, Map, MapOptions, TileLayer, TileLayerOptions};
use solidarity_map_core::{SiteConfig, TileKind};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::leaflet_ext::{create_pane, geo_json, lat_lng_bounds, neutral_attribution};

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

/// How many levels past its deepest a raster tile server's tiles are
/// enlarged.
const ENLARGED_LEVELS: f64 = 2.0;

/// Adds the tiles the server named, with their attribution in the map's
/// corner (Leaflet's attribution control, on by default): the site's own
/// basemap unless the operator chose another server, which the
/// attribution then names. Raster tiles are enlarged two levels beyond the
/// deepest the tile server has; further in, and without a tile URL, the
/// country outlines stand alone. Vector tiles are labelled in `lang`.
/// Returns the layer, for [`retile`].
pub fn add_tiles(map: &Map, config: &SiteConfig, lang: &str) -> Option<Layer> {
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

/// The tiles for a visitor who now reads `lang`: vector tiles are drawn
/// again with the names in it, images stay as they are.
pub fn retile(
    map: &Map,
    config: &SiteConfig,
    lang: &str,
    previous: Option<Layer>,
) -> Option<Layer> {
    if let Some(layer) = previous {
        if config.tile_kind.is_raster() {
            return Some(layer);
        }
        layer.remove();
    }
    add_tiles(map, config, lang)
}

fn raster(config: &SiteConfig) -> Layer {
    let options = TileLayerOptions::new();
    options.set_attribution(config.tile_attribution.clone());
    options.set_max_zoom(19.0);
    if let Some(max) = config.tile_max_zoom {
        // two levels enlarged still read; beyond, a blur of one pixel's
        // colour would hide the map: the country outlines stand alone
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

const OUTLINE_STYLE: &str = r##"{"pane":"outlines","interactive":false,
  "style":{"color":"#9aa3ad","weight":0.7,"fillColor":"#f4f1ea","fillOpacity":1}}"##;
