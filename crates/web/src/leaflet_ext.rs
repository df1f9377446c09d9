//! The few Leaflet calls the `leaflet` crate does not bind.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `L.geoJSON(data, options)`.
    #[wasm_bindgen(js_namespace = L, js_name = geoJSON)]
    pub fn geo_json(data: &JsValue, options: &JsValue) -> leaflet::Layer;

    /// `L.divIcon(options)`. The crate's `DivIcon::new` constructs a plain
    /// `L.Icon`, which needs an image URL.
    #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
    pub fn div_icon(options: &JsValue) -> leaflet::Icon;

    /// A Leaflet map, seen through the methods bound here.
    type MapExt;

    #[wasm_bindgen(method, js_name = createPane)]
    fn create_pane(this: &MapExt, name: &str) -> web_sys::HtmlElement;
}

/// `map.createPane(name)`: a layer pane with its own z-index.
pub fn create_pane(map: &leaflet::Map, name: &str) -> web_sys::HtmlElement {
    map.unchecked_ref::<MapExt>().create_pane(name)
}
