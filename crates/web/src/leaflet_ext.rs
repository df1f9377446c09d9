//! The few Leaflet calls the `leaflet` crate does not bind, and the
//! Leaflet.markercluster plugin.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `L.divIcon(options)`. The crate's `DivIcon::new` constructs a plain
    /// `L.Icon`, which needs an image URL.
    #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
    pub fn div_icon(options: &JsValue) -> leaflet::Icon;

    /// A Leaflet map, seen through the methods bound here.
    type MapExt;

    #[wasm_bindgen(method, js_name = createPane)]
    fn create_pane(this: &MapExt, name: &str) -> web_sys::HtmlElement;

    #[wasm_bindgen(method, js_name = fitBounds)]
    fn fit_bounds_array(this: &MapExt, bounds: &JsValue);

    /// `L.markerClusterGroup`: markers grouped into counted clusters that
    /// split on zoom and spiderfy at the last zoom level.
    #[wasm_bindgen(extends = leaflet::Layer, extends = leaflet::Evented)]
    pub type MarkerClusterGroup;

    #[wasm_bindgen(js_namespace = L, js_name = markerClusterGroup)]
    pub fn marker_cluster_group(options: &JsValue) -> MarkerClusterGroup;

    #[wasm_bindgen(method, js_name = addLayers)]
    pub fn add_layers(this: &MarkerClusterGroup, layers: &js_sys::Array);

    #[wasm_bindgen(method, js_name = clearLayers)]
    pub fn clear_layers(this: &MarkerClusterGroup);

    #[wasm_bindgen(method, js_name = zoomToShowLayer)]
    pub fn zoom_to_show_layer(
        this: &MarkerClusterGroup,
        layer: &leaflet::Layer,
        done: &js_sys::Function,
    );
}

/// Leaflet's credit without the national flag its default carries: on a
/// map used across lines of conflict, the prefix stays text only.
pub fn neutral_attribution(map: &leaflet::Map) {
    let control = js_sys::Reflect::get(map, &"attributionControl".into()).unwrap_or_default();
    if let Ok(set_prefix) = js_sys::Reflect::get(&control, &"setPrefix".into())
        && let Some(f) = set_prefix.dyn_ref::<js_sys::Function>()
    {
        let _ = f.call1(
            &control,
            &r#"<a href="https://leafletjs.com">Leaflet</a>"#.into(),
        );
    }
}

/// `map.createPane(name)`: a layer pane with its own z-index.
pub fn create_pane(map: &leaflet::Map, name: &str) -> web_sys::HtmlElement {
    map.unchecked_ref::<MapExt>().create_pane(name)
}

/// `[[south, west], [north, east]]`, as Leaflet takes bounds.
pub fn lat_lng_bounds([west, south, east, north]: [f64; 4]) -> js_sys::Array {
    let corner = |lat: f64, lon: f64| js_sys::Array::of2(&lat.into(), &lon.into());
    js_sys::Array::of2(&corner(south, west), &corner(north, east))
}

/// `map.fitBounds([[south, west], [north, east]])`.
pub fn fit_bounds(map: &leaflet::Map, bbox: [f64; 4]) {
    map.unchecked_ref::<MapExt>()
        .fit_bounds_array(&lat_lng_bounds(bbox));
}
