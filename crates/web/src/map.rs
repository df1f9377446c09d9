//! The Leaflet map: base layers, and the organisations as markers coloured
//! and marked with their category's symbol, grouped into clusters where
//! they are dense. Everything that draws markers is in this module, so the
//! way they are drawn (client-side clusters now) can change in one place.

use std::collections::HashMap;

use leaflet::{LatLng, Layer, Map, MapOptions, Marker};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use solidarity_map_core::Precision;

use crate::api::Org;
use crate::basemap::{base_map, retile};
use crate::leaflet_ext::{MarkerClusterGroup, fit_bounds, marker_cluster_group};
use crate::markers::{marker, pin};
use crate::state::{JERUSALEM_BOUNDS, Preset, UrlState, View};
use crate::state::{Load, Shared, default_view};

/// The Leaflet objects, created once the map's element is in the page.
struct MapState {
    map: Map,
    cluster: MarkerClusterGroup,
    markers: HashMap<String, Marker>,
    /// What the server clusters, in the large mode.
    server: leaflet::FeatureGroup,
    /// The selected organisation's own marker, drawn above any cluster it
    /// is in when the map stops short of splitting that cluster.
    highlight: leaflet::FeatureGroup,
}

/// A handle to the map for the other components: move it, focus an
/// organisation. Calls made before the map exists are kept and applied
/// when it does.
#[derive(Clone, Copy)]
pub struct MapCtl {
    state: StoredValue<Option<MapState>, LocalStorage>,
    initial: StoredValue<Option<UrlState>, LocalStorage>,
    pending_focus: StoredValue<Option<String>, LocalStorage>,
}

impl MapCtl {
    pub fn new() -> Self {
        Self {
            state: StoredValue::new_local(None),
            initial: StoredValue::new_local(None),
            pending_focus: StoredValue::new_local(None),
        }
    }

    /// The URL the page was opened with: its view, preset or organisation.
    pub fn set_initial(&self, state: UrlState) {
        if let Some(id) = &state.org {
            self.pending_focus.set_value(Some(id.clone()));
        }
        self.initial.set_value(Some(state));
    }

    pub fn set_view(&self, v: View) {
        let done = self.state.with_value(|s| {
            s.as_ref()
                .map(|s| s.map.set_view(&LatLng::new(v.lat, v.lon), v.zoom))
                .is_some()
        });
        if !done {
            self.initial.update_value(|i| {
                i.get_or_insert_with(UrlState::default).view = Some(v);
            });
        }
    }

    pub fn fit_bounds(&self, b: [f64; 4]) {
        self.state.with_value(|s| {
            if let Some(s) = s {
                fit_bounds(&s.map, b);
            }
        });
    }

    /// Zooms until the organisation's marker is out of its cluster, then
    /// opens its card; before the markers are drawn, remembers to.
    pub fn focus(&self, id: &str, shared: Shared) {
        if !self.try_focus(id, shared) {
            self.pending_focus.set_value(Some(id.to_owned()));
            shared.visitor.selected.set(Some(id.to_owned()));
        }
    }

    fn try_focus(&self, id: &str, shared: Shared) -> bool {
        self.state.with_value(|s| {
            let Some(s) = s else { return false };
            let org = shared.org_untracked(id);
            let closest = org
                .as_ref()
                .map_or(EXACT_ZOOM, |o| closest_zoom(o.properties.precision));
            if shared.reference.large.get_untracked() || closest < EXACT_ZOOM {
                // no closer than the group chose to be shown: over a pile of
                // markers at one rounded point, or over streets that would
                // suggest an address it did not publish. (With no markers
                // held, the server draws the organisation on its own.)
                let Some(org) = org else {
                    return false;
                };
                let (lat, lon) = org.geometry.lat_lon();
                // at once, so the clusters are redrawn for the new zoom now
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"animate".into(), &false.into());
                s.map
                    .set_view_with_options(&LatLng::new(lat, lon), closest, &options);
                highlight(s, &org, shared);
                shared.visitor.selected.set(Some(id.to_owned()));
                return true;
            }
            let Some(marker) = s.markers.get(id) else {
                return false;
            };
            let id = id.to_owned();
            let done = Closure::once_into_js(move || shared.visitor.selected.set(Some(id)));
            s.cluster
                .zoom_to_show_layer(marker, done.unchecked_ref::<js_sys::Function>());
            true
        })
    }
}

/// How close the map goes to an organisation shown at its exact point.
const EXACT_ZOOM: f64 = 17.0;

/// The closest zoom that still says no more than the precision a group
/// chose: a country fills the view, a city about 10 km, a neighbourhood
/// about 1 km.
fn closest_zoom(precision: Precision) -> f64 {
    match precision {
        Precision::Country => 5.0,
        Precision::City => 10.0,
        Precision::Neighbourhood => 13.0,
        Precision::Exact => EXACT_ZOOM,
    }
}

const CLUSTER_OPTIONS: &str = r##"{"showCoverageOnHover":false,"spiderfyOnMaxZoom":true,
  "chunkedLoading":true,"maxClusterRadius":50,"spiderLegPolylineOptions":{"weight":1.5,"color":"#333"}}"##;

/// The icon of a cluster of `cluster`'s markers: the plugin's own (its
/// classes and colours by size), with the count spoken as "12
/// organisations" in the page's language, where the plugin's says "12".
fn cluster_icon(cluster: &JsValue) -> JsValue {
    let count = js_sys::Reflect::get(cluster, &"getChildCount".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(cluster).ok())
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a count
    let n = count as usize;
    let size = match n {
        0..10 => "small",
        10..100 => "medium",
        _ => "large",
    };
    let lang = document()
        .document_element()
        .and_then(|e| e.get_attribute("lang"))
        .unwrap_or_else(|| "en".to_owned());
    let build = || -> Result<JsValue, JsValue> {
        let outer = document().create_element("div")?;
        let shown = document().create_element("span")?;
        shown.set_text_content(Some(&n.to_string()));
        shown.set_attribute("aria-hidden", "true")?;
        let spoken = document().create_element("span")?;
        spoken.set_class_name("visually-hidden");
        spoken.set_text_content(Some(&crate::i18n::tr_n(&lang, "map.cluster", n)));
        outer.append_child(&shown)?;
        outer.append_child(&spoken)?;
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"html".into(), &outer)?;
        js_sys::Reflect::set(
            &options,
            &"className".into(),
            &format!("marker-cluster marker-cluster-{size}").into(),
        )?;
        js_sys::Reflect::set(
            &options,
            &"iconSize".into(),
            &leaflet::Point::new(40.0, 40.0).into(),
        )?;
        Ok(crate::leaflet_ext::div_icon(&options).into())
    };
    build().unwrap_or(JsValue::NULL)
}

fn create_map(
    el: &web_sys::HtmlElement,
    shared: Shared,
    initial: Option<UrlState>,
) -> Result<MapState, JsValue> {
    let options = MapOptions::new();
    options.set_world_copy_jump(true);
    options.set_min_zoom(2.0);
    options.set_max_zoom(18.0);
    let still = reduced_motion();
    if still {
        options.set_zoom_animation(false);
        options.set_fade_animation(false);
        options.set_marker_zoom_animation(false);
    }
    let map = base_map(el, &options)?;
    let initial = initial.unwrap_or_default();
    match (initial.preset, initial.view, initial.fit) {
        (Some(Preset::Jerusalem), _, _) => fit_bounds(&map, JERUSALEM_BOUNDS),
        (None, Some(v), _) => {
            map.set_view(&LatLng::new(v.lat, v.lon), v.zoom);
        }
        (None, None, Some(b)) => fit_bounds(&map, b),
        (None, None, None) => {
            let v = default_view();
            map.set_view(&LatLng::new(v.lat, v.lon), v.zoom);
        }
    }

    let cluster_options = js_sys::JSON::parse(CLUSTER_OPTIONS)?;
    if still {
        js_sys::Reflect::set(&cluster_options, &"animate".into(), &false.into())?;
    }
    // a cluster says how many it holds, to a screen reader too
    let icon = Closure::<dyn Fn(JsValue) -> JsValue>::new(|c: JsValue| cluster_icon(&c));
    js_sys::Reflect::set(
        &cluster_options,
        &"iconCreateFunction".into(),
        icon.as_ref(),
    )?;
    icon.forget();
    let cluster = marker_cluster_group(&cluster_options);
    cluster.unchecked_ref::<leaflet::Layer>().add_to(&map);
    // One handler for all markers: the marker carries its organisation's id.
    let on_click = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let id = js_sys::Reflect::get(&event, &"layer".into())
            .and_then(|layer| js_sys::Reflect::get(&layer, &"smId".into()))
            .ok()
            .and_then(|v| v.as_string());
        if let Some(id) = id {
            shared.visitor.selected.set(Some(id));
        }
    });
    cluster
        .unchecked_ref::<leaflet::Evented>()
        .on("click", on_click.as_ref().unchecked_ref());
    // the server's clusters and markers: a cluster zooms in, a marker opens
    let server = leaflet::FeatureGroup::new();
    server.unchecked_ref::<leaflet::Layer>().add_to(&map);
    let server_map = map.clone();
    let on_server_click = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let Ok(layer) = js_sys::Reflect::get(&event, &"layer".into()) else {
            return;
        };
        let get = |k: &str| js_sys::Reflect::get(&layer, &k.into()).ok();
        if let Some(zoom) = get("smZoom").and_then(|z| z.as_f64()) {
            let at = layer.unchecked_ref::<Marker>().get_lat_lng();
            crate::clustered::expand(&server_map, at.lat(), at.lng(), zoom);
        } else if let Some(id) = get("smId").and_then(|v| v.as_string()) {
            shared.visitor.selected.set(Some(id));
        }
    });
    server
        .unchecked_ref::<leaflet::Evented>()
        .on("click", on_server_click.as_ref().unchecked_ref());
    on_click.forget(); // both live as long as the page
    on_server_click.forget();

    // Leaflet turns Enter on a focused marker into a click that does not
    // reach the group, so keyboard activation is handled here, for Enter and
    // Space alike.
    let key_map = map.clone();
    let on_key =
        Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            if e.key() != "Enter" && e.key() != " " {
                return;
            }
            let Some(target) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let inner = |css: &str| target.query_selector(css).ok().flatten();
            if target.class_list().contains("sm-cluster-marker") {
                let Some(c) = inner(".sm-cluster") else {
                    return;
                };
                let num = |k: &str| c.get_attribute(k).and_then(|v| v.parse::<f64>().ok());
                if let (Some(lat), Some(lon), Some(zoom)) =
                    (num("data-lat"), num("data-lon"), num("data-zoom"))
                {
                    e.prevent_default();
                    crate::clustered::expand(&key_map, lat, lon, zoom);
                }
                return;
            }
            let id = Some(&target)
                .filter(|el| el.class_list().contains("sm-marker"))
                .and_then(|_| inner(".sm-pin"))
                .and_then(|pin| pin.get_attribute("data-id"));
            if let Some(id) = id {
                e.prevent_default();
                shared.visitor.selected.set(Some(id));
            }
        });
    el.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref())?;
    on_key.forget();

    let on_map_click = Closure::<dyn Fn(JsValue)>::new(move |_| shared.visitor.selected.set(None));
    map.unchecked_ref::<leaflet::Evented>()
        .on("click", on_map_click.as_ref().unchecked_ref());
    on_map_click.forget();

    let moved_map = map.clone();
    let on_move = Closure::<dyn Fn(JsValue)>::new(move |_| publish_view(&moved_map, shared));
    map.unchecked_ref::<leaflet::Evented>()
        .on("moveend", on_move.as_ref().unchecked_ref());
    on_move.forget();
    publish_view(&map, shared);

    let highlight = leaflet::FeatureGroup::new();
    highlight.unchecked_ref::<leaflet::Layer>().add_to(&map);
    Ok(MapState {
        map,
        cluster,
        markers: HashMap::new(),
        server,
        highlight,
    })
}

/// Whether the visitor asked the system for less motion.
fn reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Tells the rest of the app where the map is.
fn publish_view(map: &Map, shared: Shared) {
    let c = map.get_center();
    let b = map.get_bounds();
    let (sw, ne) = (b.get_south_west(), b.get_north_east());
    shared.visitor.view.set(Some(View {
        lat: c.lat(),
        lon: c.lng(),
        zoom: map.get_zoom(),
    }));
    shared
        .visitor
        .bounds
        .set(Some([sw.lng(), sw.lat(), ne.lng(), ne.lat()]));
}

/// Draws the selected organisation's marker on its own, on top, marked as
/// selected.
fn highlight(s: &MapState, org: &Org, shared: Shared) {
    s.highlight.clear_layers();
    let lang = shared.visitor.lang.get_untracked();
    let (lat, lon) = org.geometry.lat_lon();
    let name = org.properties.name.text().best(&lang).1.to_owned();
    let category = org.properties.category.as_str();
    let stale = org.properties.stale;
    match pin(
        &org.id,
        lat,
        lon,
        category,
        Some(name),
        stale,
        shared,
        &lang,
    ) {
        Ok(m) => {
            m.set_z_index_offset(1000.0);
            let layer: &leaflet::Layer = m.unchecked_ref();
            s.highlight.add_layer(layer);
            // its element exists once it is on the map
            let element = js_sys::Reflect::get(&m, &"getElement".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .and_then(|f| f.call0(&m).ok())
                .and_then(|e| e.dyn_into::<web_sys::Element>().ok());
            if let Some(el) = element {
                let _ = el.class_list().add_1("sm-selected");
            }
        }
        Err(e) => web_sys::console::error_2(&"highlight".into(), &e),
    }
}

#[component]
pub fn MapView() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let ctl = expect_context::<MapCtl>();
    let node = NodeRef::<leptos::html::Div>::new();
    let ready = RwSignal::new(false);
    on_cleanup(move || {
        ctl.state.update_value(|s| {
            if let Some(s) = s.take() {
                s.map.remove();
            }
        });
    });

    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        if ctl.state.with_value(Option::is_some) {
            return;
        }
        let initial = ctl.initial.with_value(Clone::clone);
        match create_map(&el, shared, initial) {
            Ok(s) => {
                crate::clustered::follow(shared, s.server.clone());
                ctl.state.set_value(Some(s));
                ready.set(true);
            }
            Err(e) => web_sys::console::error_2(&"map".into(), &e),
        }
    });

    // a highlight stays only while its organisation is selected
    Effect::new(move |_| {
        let selected = shared.visitor.selected.get();
        ctl.state.with_value(|s| {
            if let Some(s) = s {
                let shown = s.highlight.get_layers();
                let stale = shown.iter().any(|m| {
                    js_sys::Reflect::get(&m, &"smId".into())
                        .ok()
                        .and_then(|v| v.as_string())
                        != selected
                });
                if stale {
                    s.highlight.clear_layers();
                }
            }
        });
    });

    // tiles, once the server has said which, and vector tiles' names again
    // in the language the visitor picks
    Effect::new(move |layer: Option<Option<Layer>>| {
        let previous = layer.flatten();
        let lang = shared.visitor.lang.get();
        let config = shared.reference.config.get();
        let (Some(config), true) = (config, ready.get()) else {
            return previous;
        };
        ctl.state.with_value(|s| match s {
            Some(s) => retile(&s.map, &config, &lang, previous),
            None => previous,
        })
    });

    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        let lang = shared.visitor.lang.get();
        shared.reference.categories.track();
        let orgs = shared.orgs.with(|o| match o {
            Load::Ready(list) => Some(list.clone()),
            _ => None,
        });
        let Some(mut orgs) = orgs else { return };
        if shared.reference.large.get() {
            // the server draws; the list's page is not the whole map
            orgs.clear();
        }
        ctl.state.update_value(|s| {
            let Some(s) = s else { return };
            s.cluster.clear_layers();
            s.markers.clear();
            let all = js_sys::Array::new();
            for org in &orgs {
                match marker(org, shared, &lang) {
                    Ok(m) => {
                        all.push(&m);
                        s.markers.insert(org.id.clone(), m);
                    }
                    Err(e) => web_sys::console::error_2(&"marker".into(), &e),
                }
            }
            s.cluster.add_layers(&all);
        });
        if let Some(id) = ctl.pending_focus.with_value(Clone::clone) {
            if shared.reference.large.get_untracked() && shared.org_untracked(&id).is_none() {
                return; // an organisation outside the page: the card fetches it
            }
            ctl.pending_focus.set_value(None);
            if !ctl.try_focus(&id, shared) {
                // not among what the filters show, or no such entry: which
                // of the two, the server says
                shared.visitor.selected.set(None);
                crate::state::fetch_or_mark_gone(shared, id);
            }
        }
    });

    view! {
        <div class="map" id="map" dir="ltr" node_ref=node role="region"
            aria-label=move || crate::i18n::tr(&shared.visitor.lang.get(), "app.map_label")></div>
    }
}
