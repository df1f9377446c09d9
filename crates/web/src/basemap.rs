//! The base of every map the site draws: Leaflet's credit without a flag,
//! the country outlines the app serves itself (readable with no tiles at
//! all, under the tiles, which cover them once they load), and the
//! basemap's tiles with their credit, which their licence requires.
//!
//! Raster tiles are images Leaflet shows as they are. Vector tiles (a
//! city's streets from the operator's PMTiles file) are drawn in the
//! browser by protomaps-leaflet, in the map's own quiet colours
//! (`vector_style.json`: the outlines' land and line colours, a Protomaps
//! "flavor") and with place names in the visitor's language where the
//! tiles have them (`name:ar`, `name:he`, else `name`). The canvas shapes
//! Arabic and Hebrew itself, so right-to-left names read as they should.

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

/// The deepest level the map zooms to over vector tiles, which stay sharp
/// when drawn past the deepest level they have.
const VECTOR_MAX_ZOOM: f64 = 19.0;

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
        TileKind::Vector => vector(config, lang),
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

#[wasm_bindgen]
extern "C" {
    /// `protomapsL.leafletLayer(options)`: a Leaflet layer that draws
    /// vector tiles on canvases.
    #[wasm_bindgen(catch, js_namespace = protomapsL, js_name = leafletLayer)]
    fn leaflet_layer(options: &JsValue) -> Result<Layer, JsValue>;

    /// `protomapsL.paintRules(flavor)`: how land, water, roads and
    /// buildings are painted, in the flavor's colours.
    #[wasm_bindgen(catch, js_namespace = protomapsL, js_name = paintRules)]
    fn paint_rules(flavor: &JsValue) -> Result<JsValue, JsValue>;

    /// `protomapsL.labelRules(flavor, lang)`: which names are written,
    /// `name:{lang}` first, then `name`.
    #[wasm_bindgen(catch, js_namespace = protomapsL, js_name = labelRules)]
    fn label_rules(flavor: &JsValue, lang: &str) -> Result<JsValue, JsValue>;
}

/// The map's own colours for vector tiles, as a Protomaps flavor.
const VECTOR_STYLE: &str = include_str!("vector_style.json");

/// protomaps-leaflet, copied into the build by Trunk (`index.html`).
const PROTOMAPS_LEAFLET: &str = "/protomaps/protomaps-leaflet.js";

thread_local! {
    /// protomaps-leaflet, loaded once, when a map first needs it.
    static VECTOR_LIBRARY: js_sys::Promise = load_script(PROTOMAPS_LEAFLET);
}

/// A layer group on the map at once, which the vector layer joins when
/// protomaps-leaflet has loaded: the library is fetched only by sites
/// whose basemap is vector tiles, not by every visitor of every site.
fn vector(config: &SiteConfig, lang: &str) -> Layer {
    let group = leaflet::LayerGroup::new();
    let (into, config, lang) = (group.clone(), config.clone(), lang.to_owned());
    let library = VECTOR_LIBRARY.with(Clone::clone);
    leptos::task::spawn_local(async move {
        let layer = match wasm_bindgen_futures::JsFuture::from(library).await {
            Ok(_) => vector_layer(&config, &lang),
            Err(e) => Err(e),
        };
        match layer {
            Ok(layer) => {
                into.add_layer(&layer);
            }
            Err(e) => web_sys::console::warn_2(&"vector basemap".into(), &e),
        }
    });
    group.unchecked_into()
}

/// Resolves once the script at `src` has run.
fn load_script(src: &str) -> js_sys::Promise {
    let src = src.to_owned();
    js_sys::Promise::new(&mut |resolve, reject| {
        let added = (|| {
            let document = web_sys::window()
                .and_then(|w| w.document())
                .ok_or("no document")?;
            let script = document.create_element("script")?;
            script.set_attribute("src", &src)?;
            script.add_event_listener_with_callback("load", &resolve)?;
            script.add_event_listener_with_callback("error", &reject)?;
            document.body().ok_or("no body")?.append_child(&script)?;
            Ok::<(), JsValue>(())
        })();
        if let Err(e) = added {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    })
}

fn vector_layer(config: &SiteConfig, lang: &str) -> Result<Layer, JsValue> {
    let flavor = js_sys::JSON::parse(VECTOR_STYLE)?;
    let options = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&options, &key.into(), value);
    set("url", &config.tile_url.as_str().into())?;
    set("paintRules", &paint_rules(&flavor)?)?;
    set("labelRules", &label_rules(&flavor, lang)?)?;
    set(
        "backgroundColor",
        &js_sys::Reflect::get(&flavor, &"background".into())?,
    )?;
    set("lang", &lang.into())?;
    set("attribution", &config.tile_attribution.as_str().into())?;
    set("maxZoom", &VECTOR_MAX_ZOOM.into())?;
    if let Some(max) = config.tile_max_zoom {
        set("maxDataZoom", &f64::from(max).into())?;
    }
    // a data tile of level z is drawn as the four display tiles of z + 1
    // (protomaps-leaflet's `levelDiff`)
    extent(options.unchecked_ref(), config, 1);
    leaflet_layer(&options)
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
