//! City names written over the country outlines, where the basemap has
//! none: beyond its last zoom level, outside a city's extract, or
//! everywhere without a basemap. A visitor who zooms into Jerusalem past
//! the bundled tiles still reads where Jerusalem, Ramallah and Bethlehem
//! are, in their own language.
//!
//! The names are page text (a `span` per city), so the browser shapes
//! Arabic and runs Arabic and Hebrew right to left, and screen readers
//! skip them (`aria-hidden`: the map's markers and list say what matters).

use std::cell::Cell;
use std::rc::Rc;

use leaflet::{DivIconOptions, LatLng, LayerGroup, Map, Marker, MarkerOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::i18n::LANGUAGE_EVENT;
use crate::leaflet_ext::{create_pane, div_icon};

/// Where the basemap's tiles are drawn, with names of their own: between
/// zoom levels `from` and `to`, within `bounds` (`[west, south, east,
/// north]`) or everywhere.
#[derive(Debug, Clone, Copy)]
pub struct Covered {
    pub bounds: Option<[f64; 4]>,
    pub from: f64,
    pub to: f64,
}

impl Covered {
    fn at_zoom(&self, zoom: f64) -> bool {
        (self.from..=self.to).contains(&zoom)
    }

    /// Whether the tiles name the place at `lat`, `lon` at `zoom`.
    fn names(&self, zoom: f64, lat: f64, lon: f64) -> bool {
        self.at_zoom(zoom)
            && self.bounds.is_none_or(|[west, south, east, north]| {
                (south..=north).contains(&lat) && (west..=east).contains(&lon)
            })
    }
}

/// Writes city names on `map` where the basemap's tiles (`covered`, none
/// without tiles) do not, refreshed after every move and when the
/// interface language changes.
pub fn add_place_labels(map: &Map, covered: Option<Covered>) -> Result<(), JsValue> {
    let pane = create_pane(map, "labels");
    // over the tiles (200) and shapes (400), under the markers (600)
    pane.style().set_property("z-index", "450")?;
    pane.style().set_property("pointer-events", "none")?;
    let group = LayerGroup::new();
    group.add_to(map);
    let generation = Rc::new(Cell::new(0u32));
    let refresh = {
        let map = map.clone();
        move || refresh(&map, &group, covered, &generation)
    };
    let refresh = Rc::new(refresh);
    let on_move = refresh.clone();
    map.on_move_end(Box::new(move |_| on_move()));
    // the map has its first view already: label it now
    refresh();
    let on_language = Closure::<dyn Fn()>::new(move || refresh());
    let window = leptos::prelude::window();
    window
        .add_event_listener_with_callback(LANGUAGE_EVENT, on_language.as_ref().unchecked_ref())?;
    // a map that is removed stops listening
    let on_unload = Closure::<dyn Fn()>::new({
        let listener: js_sys::Function = on_language
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone();
        move || {
            let _ = window.remove_event_listener_with_callback(LANGUAGE_EVENT, &listener);
        }
    });
    leaflet::Evented::on(map.unchecked_ref(), "unload", on_unload.as_ref());
    on_unload.forget();
    on_language.forget();
    Ok(())
}

/// The page's language, as `<html lang>` says.
fn page_language() -> String {
    leptos::prelude::document()
        .document_element()
        .and_then(|e| e.get_attribute("lang"))
        .unwrap_or_else(|| "en".to_owned())
}

/// The view as the API's `bbox`, longitudes brought into −180…180 (a view
/// across the antimeridian has its west edge east of its east edge).
fn view_bbox(map: &Map) -> String {
    let b = map.get_bounds();
    let (sw, ne) = (b.get_south_west(), b.get_north_east());
    let wrap = |lon: f64| (lon + 180.0).rem_euclid(360.0) - 180.0;
    let (west, east) = if ne.lng() - sw.lng() >= 360.0 {
        (-180.0, 180.0)
    } else {
        (wrap(sw.lng()), wrap(ne.lng()))
    };
    let lat = |l: f64| l.clamp(-90.0, 90.0);
    format!("{west},{},{east},{}", lat(sw.lat()), lat(ne.lat()))
}

fn refresh(map: &Map, group: &LayerGroup, covered: Option<Covered>, generation: &Rc<Cell<u32>>) {
    let turn = generation.get().wrapping_add(1);
    generation.set(turn);
    let zoom = map.get_zoom();
    // a world basemap names everything at its levels: nothing to ask
    if covered.is_some_and(|c| c.bounds.is_none() && c.at_zoom(zoom)) {
        group.clear_layers();
        return;
    }
    let bbox = view_bbox(map);
    let center = map.get_center().lng();
    let (group, generation) = (group.clone(), generation.clone());
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 to 19
    let level = zoom.round().clamp(0.0, 20.0) as u8;
    leptos::task::spawn_local(async move {
        let Ok(labels) = crate::api::place_labels(&bbox, level, &page_language()).await else {
            return;
        };
        // a later move or language has asked again: its answer wins
        if generation.get() != turn {
            return;
        }
        group.clear_layers();
        for label in labels {
            if covered.is_some_and(|c| c.names(zoom, label.lat, label.lon)) {
                continue;
            }
            // on the copy of the world in view
            let lon = label.lon + 360.0 * ((center - label.lon) / 360.0).round();
            if let Ok(m) = marker(&label.name, label.lat, lon) {
                group.add_layer(m.unchecked_ref());
            }
        }
    });
}

/// A city's name at `lat`, `lon`: text in a span, centred on the place.
fn marker(name: &str, lat: f64, lon: f64) -> Result<Marker, JsValue> {
    let text: web_sys::HtmlElement = leptos::prelude::document()
        .create_element("span")?
        .unchecked_into();
    text.set_text_content(Some(name));
    text.set_attribute("dir", "auto")?;
    text.set_attribute("aria-hidden", "true")?;
    let icon_options = DivIconOptions::new();
    icon_options.set_class_name("place-label".to_owned());
    js_sys::Reflect::set(&icon_options, &"html".into(), &text)?;
    js_sys::Reflect::set(&icon_options, &"iconSize".into(), &JsValue::NULL)?;
    let options = MarkerOptions::new();
    options.set_icon(div_icon(&icon_options));
    options.set_keyboard(false);
    options.set_pane("labels".to_owned());
    js_sys::Reflect::set(&options, &"interactive".into(), &false.into())?;
    Ok(Marker::new_with_options(&LatLng::new(lat, lon), &options))
}
