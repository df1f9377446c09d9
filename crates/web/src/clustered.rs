//! The map at scale: with more organisations than a browser can hold, the
//! server clusters them for the view and this module draws what it sends.
//! A cluster shows its count and, as a ring, its mix of categories (and
//! says both in its accessible name); activating it zooms to where it
//! splits. Single organisations are the usual markers.

use leaflet::{DivIconOptions, FeatureGroup, LatLng, Map, Marker, MarkerOptions, Point};
use leptos::prelude::*;
use solidarity_map_core::Feature;
use solidarity_map_core::cluster::{ClusterProperties, ClusterQuery};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::i18n::tr_n;
use crate::markers::{look, pin};
use crate::state::Shared;

/// `conic-gradient(...)` of the categories' colours in proportion.
fn ring(shared: Shared, props: &ClusterProperties, lang: &str) -> String {
    let total: u64 = props.categories.values().sum::<u64>().max(1);
    let mut from = 0.0;
    let stops: Vec<String> = props
        .categories
        .iter()
        .map(|(slug, n)| {
            let (colour, _, _) = look(shared, slug, lang);
            let to = from + 360.0 * (*n as f64) / (total as f64);
            let stop = format!("{colour} {from:.1}deg {to:.1}deg");
            from = to;
            stop
        })
        .collect();
    format!("conic-gradient({})", stops.join(", "))
}

/// "120 organisations: 80 Student groups, 40 Media".
fn describe(shared: Shared, props: &ClusterProperties, lang: &str) -> String {
    let mut parts: Vec<(u64, String)> = props
        .categories
        .iter()
        .map(|(slug, n)| (*n, format!("{n} {}", look(shared, slug, lang).2)))
        .collect();
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    let list: Vec<String> = parts.into_iter().map(|(_, s)| s).collect();
    let count = usize::try_from(props.count).unwrap_or(usize::MAX);
    format!(
        "{}: {}",
        tr_n(lang, "map.cluster", count),
        crate::names::list(lang, &list)
    )
}

fn cluster_marker(
    shared: Shared,
    lat: f64,
    lon: f64,
    props: &ClusterProperties,
    lang: &str,
) -> Result<Marker, JsValue> {
    let size = match props.count {
        0..=9 => 30.0,
        10..=99 => 36.0,
        100..=9_999 => 44.0,
        _ => 52.0,
    };
    // Built as DOM with text, never as an HTML string.
    let outer: web_sys::HtmlElement = document().create_element("span")?.unchecked_into();
    outer.set_class_name("sm-cluster");
    outer
        .style()
        .set_property("background", &ring(shared, props, lang))?;
    let inner: web_sys::HtmlElement = document().create_element("span")?.unchecked_into();
    inner.set_class_name("sm-count");
    inner.set_text_content(Some(&compact(props.count)));
    outer.append_child(&inner)?;
    let data = outer.dataset();
    data.set("count", &props.count.to_string())?;
    data.set("zoom", &props.expansion_zoom.unwrap_or(18).to_string())?;
    data.set("lat", &lat.to_string())?;
    data.set("lon", &lon.to_string())?;

    let icon_options = DivIconOptions::new();
    icon_options.set_class_name("sm-cluster-marker".to_owned());
    icon_options.set_icon_size(Point::new(size, size));
    icon_options.set_icon_anchor(Point::new(size / 2.0, size / 2.0));
    js_sys::Reflect::set(&icon_options, &"html".into(), &outer)?;
    let options = MarkerOptions::new();
    options.set_icon(crate::leaflet_ext::div_icon(&icon_options));
    let label = describe(shared, props, lang);
    options.set_title(label.clone());
    options.set_alt(label);
    options.set_keyboard(true);
    let m = Marker::new_with_options(&LatLng::new(lat, lon), &options);
    js_sys::Reflect::set(
        &m,
        &"smZoom".into(),
        &f64::from(props.expansion_zoom.unwrap_or(18)).into(),
    )?;
    Ok(m)
}

/// 1234 → "1.2k", 2500000 → "2.5M": the ring stays small.
fn compact(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1_000.0).replace(".0k", "k"),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0).replace(".0M", "M"),
    }
}

/// Replaces what `layer` shows with the server's answer.
pub fn draw(
    layer: &FeatureGroup,
    shared: Shared,
    features: &[Feature<ClusterProperties>],
    lang: &str,
) {
    layer.clear_layers();
    for f in features {
        let (lat, lon) = f.geometry.lat_lon();
        let p = &f.properties;
        let m = if p.cluster {
            cluster_marker(shared, lat, lon, p, lang)
        } else {
            let name = shared
                .org_untracked(&f.id)
                .map(|o| o.properties.name.text().best(lang).1.to_owned());
            let category = p.category.as_deref().unwrap_or_default();
            pin(&f.id, lat, lon, category, name, p.stale, shared, lang)
        };
        match m {
            Ok(m) => {
                layer.add_layer(&m);
            }
            Err(e) => web_sys::console::error_2(&"cluster marker".into(), &e),
        }
    }
}

/// Zooms into a cluster: to where it splits, centred on it.
pub fn expand(map: &Map, lat: f64, lon: f64, zoom: f64) {
    let zoom = zoom.max(map.get_zoom() + 1.0).min(18.0);
    map.set_view(&LatLng::new(lat, lon), zoom);
}

/// Keeps the server's clusters in step with the view and the filters; an
/// answer that arrives after a newer request is dropped.
pub fn follow(shared: Shared, layer: FeatureGroup) {
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let large = shared.reference.large.get();
        let filters = shared.visitor.filters.get();
        shared.reload.track();
        shared.reference.categories.track();
        shared.visitor.lang.track();
        let (Some(bounds), Some(view)) = (shared.visitor.bounds.get(), shared.visitor.view.get())
        else {
            return;
        };
        if !large {
            layer.clear_layers();
            return;
        }
        let mut filter = filters.to_org_filter();
        filter.bbox = crate::state::bbox_of(bounds);
        let query = ClusterQuery {
            filter,
            // clamped to 0..=22 first: the cast cannot truncate or wrap
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            zoom: view.zoom.round().clamp(0.0, 22.0) as u8,
        };
        let this = generation.get_value() + 1;
        generation.set_value(this);
        let layer = layer.clone();
        leptos::task::spawn_local(async move {
            let result = crate::api::clusters(&query).await;
            if generation.get_value() != this {
                return;
            }
            match result {
                Ok(features) => draw(
                    &layer,
                    shared,
                    &features,
                    &shared.visitor.lang.get_untracked(),
                ),
                Err(e) => web_sys::console::warn_1(&format!("clusters: {e}").into()),
            }
        });
    });
}
