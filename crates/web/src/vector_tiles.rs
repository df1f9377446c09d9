//! Vector basemaps (a city's streets from the operator's PMTiles file),
//! drawn in the browser by protomaps-leaflet: in the map's own quiet
//! colours (`vector_style.json`, a Protomaps "flavor" made of the
//! outlines' land and line colours and the stylesheet's sea) and with
//! names in the visitor's language where the tiles have them (`name:ar`,
//! `name:he`, else `name`). The canvas shapes Arabic and Hebrew itself, so
//! right-to-left names read as they should.
//!
//! The library is loaded only when a map needs it: a site whose basemap
//! is images sends none of it.

use leaflet::Layer;
use solidarity_map_core::SiteConfig;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The deepest level the map zooms to over vector tiles, which stay sharp
/// when drawn past the deepest level they have.
const MAX_ZOOM: f64 = 19.0;

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

/// The vector tiles of `config`, named in `lang`, with `options` (their
/// zoom levels and bounds) for the layer: a layer group at once, which
/// the drawing layer joins when protomaps-leaflet has loaded.
pub fn layer(config: &SiteConfig, lang: &str, options: js_sys::Object) -> Layer {
    let group = leaflet::LayerGroup::new();
    let (into, config, lang) = (group.clone(), config.clone(), lang.to_owned());
    let library = VECTOR_LIBRARY.with(Clone::clone);
    leptos::task::spawn_local(async move {
        let layer = match wasm_bindgen_futures::JsFuture::from(library).await {
            Ok(_) => drawing_layer(&config, &lang, &options),
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

fn drawing_layer(
    config: &SiteConfig,
    lang: &str,
    options: &js_sys::Object,
) -> Result<Layer, JsValue> {
    let flavor = js_sys::JSON::parse(VECTOR_STYLE)?;
    let set = |key: &str, value: &JsValue| js_sys::Reflect::set(options, &key.into(), value);
    set("url", &config.tile_url.as_str().into())?;
    set("paintRules", &paint_rules(&flavor)?)?;
    set("labelRules", &label_rules(&flavor, lang)?)?;
    set(
        "backgroundColor",
        &js_sys::Reflect::get(&flavor, &"background".into())?,
    )?;
    set("lang", &lang.into())?;
    set("attribution", &config.tile_attribution.as_str().into())?;
    set("maxZoom", &MAX_ZOOM.into())?;
    if let Some(max) = config.tile_max_zoom {
        set("maxDataZoom", &f64::from(max).into())?;
    }
    leaflet_layer(options)
}
