//! An organisation's marker, drawn the same way by both map modes (the
//! browser's clusters and the server's): its category's colour and
//! symbol, and an accessible name that says what colour alone would.

use leaflet::{DivIconOptions, LatLng, Marker, MarkerOptions, Point};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::api::Org;
use crate::leaflet_ext::div_icon;
use crate::state::Shared;

/// The marker of an organisation the page holds.
pub fn marker(org: &Org, shared: Shared, lang: &str) -> Result<Marker, JsValue> {
    let (lat, lon) = org.geometry.lat_lon();
    let p = &org.properties;
    let name = p.name.text().best(lang).1.to_owned();
    pin(
        &org.id,
        lat,
        lon,
        p.category.as_str(),
        Some(name),
        p.stale,
        shared,
        lang,
    )
}

/// A category's colour, symbol and label in `lang`.
pub fn look(shared: Shared, slug: &str, lang: &str) -> (String, String, String) {
    shared
        .category_untracked(slug)
        .map(|c| {
            (
                c.category.colour.clone(),
                c.category.symbol.clone(),
                c.category.labels.best(lang).1.to_owned(),
            )
        })
        .unwrap_or_else(|| ("#555555".to_owned(), String::new(), slug.to_owned()))
}

/// One organisation's marker. Without its name (a server-drawn point not in
/// the list), its title is its category. A stale one (nobody confirmed it
/// as active lately) is drawn faded and dashed, and its name says so.
#[expect(clippy::too_many_arguments, reason = "what a marker shows, one by one")]
pub fn pin(
    id: &str,
    lat: f64,
    lon: f64,
    category: &str,
    name: Option<String>,
    stale: bool,
    shared: Shared,
    lang: &str,
) -> Result<Marker, JsValue> {
    let (colour, symbol, mut label) = look(shared, category, lang);
    if stale {
        label = format!("{label}, {}", crate::i18n::tr(lang, "legend.stale_short"));
    }

    // Built as DOM with text, never as an HTML string.
    let pin: web_sys::HtmlElement = document().create_element("span")?.unchecked_into();
    pin.set_class_name("sm-pin");
    pin.style().set_property("background-color", &colour)?;
    // a stale pin mixes its colour with white (see the style sheet)
    pin.style().set_property("--c", &colour)?;
    pin.set_text_content(Some(&symbol));
    pin.dataset().set("id", id)?;

    let icon_options = DivIconOptions::new();
    let faded = if stale { " sm-stale" } else { "" };
    icon_options.set_class_name(format!("sm-marker sm-cat-{category}{faded}"));
    icon_options.set_icon_size(Point::new(28.0, 28.0));
    icon_options.set_icon_anchor(Point::new(14.0, 14.0));
    js_sys::Reflect::set(&icon_options, &"html".into(), &pin)?;
    let icon = div_icon(&icon_options);

    let options = MarkerOptions::new();
    options.set_icon(icon);
    // the accessible name says what colour alone would
    match name {
        Some(name) => {
            // an attribute has no `dir`: beside the label, the name is
            // isolated, so an Arabic name in English (or the other way
            // round) keeps its order and leaves the label's alone
            let alt = format!("{} ({label})", solidarity_map_core::text::isolate(&name));
            options.set_title(name);
            options.set_alt(alt);
        }
        None => {
            options.set_title(label.clone());
            options.set_alt(label);
        }
    }
    options.set_keyboard(true);
    options.set_rise_on_hover(true);
    let m = Marker::new_with_options(&LatLng::new(lat, lon), &options);
    js_sys::Reflect::set(&m, &"smId".into(), &id.into())?;
    Ok(m)
}
