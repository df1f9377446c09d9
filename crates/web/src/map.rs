//! The Leaflet map: base layers, and one marker per organisation, coloured
//! and marked with its category's symbol.

use leaflet::{
    DivIconOptions, FeatureGroup, LatLng, Map, MapOptions, Marker, MarkerOptions, Point, TileLayer,
    TileLayerOptions,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::app::{Load, Shared};
use crate::leaflet_ext::{create_pane, div_icon, geo_json};

/// The Leaflet objects, created once the map's element is in the page.
struct MapState {
    map: Map,
    markers: FeatureGroup,
}

const OUTLINE_STYLE: &str = r##"{"pane":"outlines","interactive":false,
  "style":{"color":"#9aa3ad","weight":0.7,"fillColor":"#f4f1ea","fillOpacity":1}}"##;

fn create_map(el: &web_sys::HtmlElement, shared: Shared) -> Result<MapState, JsValue> {
    let options = MapOptions::new();
    options.set_world_copy_jump(true);
    options.set_min_zoom(2.0);
    options.set_max_zoom(18.0);
    let map = Map::new_with_element(el, &options)?;
    map.set_view(&LatLng::new(31.78, 35.22), 3.0);

    // Country outlines the app serves itself: readable with no tiles at all.
    // They sit under the tiles, which cover them once they load.
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

    if let Some(config) = shared.config.get_untracked() {
        if !config.tile_url.is_empty() {
            let tile_options = TileLayerOptions::new();
            tile_options.set_attribution(config.tile_attribution.clone());
            tile_options.set_max_zoom(19.0);
            TileLayer::new_options(&config.tile_url, &tile_options).add_to(&map);
        }
    }

    let markers = FeatureGroup::new();
    markers.add_to(&map);
    // One handler for all markers: the marker carries its organisation's id.
    let on_click = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let id = js_sys::Reflect::get(&event, &"layer".into())
            .and_then(|layer| js_sys::Reflect::get(&layer, &"smId".into()))
            .ok()
            .and_then(|v| v.as_string());
        if let Some(id) = id {
            shared.selected.set(Some(id));
        }
    });
    markers
        .unchecked_ref::<leaflet::Evented>()
        .on("click", on_click.as_ref().unchecked_ref());
    on_click.forget(); // lives as long as the page

    // Leaflet turns Enter on a focused marker into a click that does not
    // reach the group, so keyboard activation is handled here, for Enter and
    // Space alike.
    let on_key =
        Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            if e.key() != "Enter" && e.key() != " " {
                return;
            }
            let id = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .filter(|el| el.class_list().contains("sm-marker"))
                .and_then(|el| el.query_selector(".sm-pin").ok().flatten())
                .and_then(|pin| pin.get_attribute("data-id"));
            if let Some(id) = id {
                e.prevent_default();
                shared.selected.set(Some(id));
            }
        });
    el.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref())?;
    on_key.forget();

    let on_map_click = Closure::<dyn Fn(JsValue)>::new(move |_| shared.selected.set(None));
    map.unchecked_ref::<leaflet::Evented>()
        .on("click", on_map_click.as_ref().unchecked_ref());
    on_map_click.forget();

    Ok(MapState { map, markers })
}

fn marker(org: &crate::api::Org, shared: Shared, lang: &str) -> Result<Marker, JsValue> {
    let (lat, lon) = org.geometry.lat_lon();
    let p = &org.properties;
    let (colour, symbol) = shared
        .category(p.category.as_str())
        .map(|c| (c.category.colour, c.category.symbol))
        .unwrap_or_else(|| ("#555555".to_owned(), String::new()));

    // Built as DOM with text, never as an HTML string.
    let document = document();
    let pin: web_sys::HtmlElement = document.create_element("span")?.unchecked_into();
    pin.set_class_name("sm-pin");
    pin.style().set_property("background-color", &colour)?;
    pin.set_text_content(Some(&symbol));
    pin.dataset().set("id", &org.id)?;

    let icon_options = DivIconOptions::new();
    icon_options.set_class_name(format!("sm-marker sm-cat-{}", p.category));
    icon_options.set_icon_size(Point::new(28.0, 28.0));
    icon_options.set_icon_anchor(Point::new(14.0, 14.0));
    js_sys::Reflect::set(&icon_options, &"html".into(), &pin)?;
    let icon = div_icon(&icon_options);

    let name = p.name.text().best(lang).1.to_owned();
    let options = MarkerOptions::new();
    options.set_icon(icon);
    options.set_title(name.clone());
    options.set_alt(name);
    options.set_keyboard(true);
    options.set_rise_on_hover(true);
    let m = Marker::new_with_options(&LatLng::new(lat, lon), &options);
    js_sys::Reflect::set(&m, &"smId".into(), &org.id.clone().into())?;
    Ok(m)
}

#[component]
pub fn MapView() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let node = NodeRef::<leptos::html::Div>::new();
    let state = StoredValue::new_local(None::<MapState>);
    let ready = RwSignal::new(false);

    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        if shared.config.get().is_none() || state.with_value(Option::is_some) {
            return;
        }
        match create_map(&el, shared) {
            Ok(s) => {
                state.set_value(Some(s));
                ready.set(true);
            }
            Err(e) => web_sys::console::error_2(&"map".into(), &e),
        }
    });

    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        let lang = shared.lang.get();
        shared.categories.track();
        shared.orgs.with(|orgs| {
            let Load::Ready(orgs) = orgs else { return };
            state.with_value(|s| {
                let Some(s) = s else { return };
                s.markers.clear_layers();
                for org in orgs {
                    match marker(org, shared, &lang) {
                        Ok(m) => {
                            s.markers.add_layer(&m);
                        }
                        Err(e) => web_sys::console::error_2(&"marker".into(), &e),
                    }
                }
                let _ = &s.map;
            });
        });
    });

    view! {
        <div
            class="map"
            node_ref=node
            aria-label="Map of organisations"
            role="region"
        ></div>
    }
}
