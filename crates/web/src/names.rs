//! Country and language names in the visitor's language, from the
//! browser's own `Intl.DisplayNames`: no name tables to ship.

use wasm_bindgen::JsValue;

fn display_name(kind: &str, ui_lang: &str, code: &str) -> Option<String> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor = js_sys::Reflect::get(&intl, &"DisplayNames".into()).ok()?;
    let ctor: js_sys::Function = ctor.dyn_into_function()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &kind.into()).ok()?;
    js_sys::Reflect::set(&options, &"fallback".into(), &"none".into()).ok()?;
    let locales = js_sys::Array::of1(&ui_lang.into());
    let names = js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&locales, &options)).ok()?;
    let of: js_sys::Function = js_sys::Reflect::get(&names, &"of".into())
        .ok()?
        .dyn_into_function()?;
    of.call1(&names, &JsValue::from_str(code)).ok()?.as_string()
}

trait IntoFunction {
    fn dyn_into_function(self) -> Option<js_sys::Function>;
}

impl IntoFunction for JsValue {
    fn dyn_into_function(self) -> Option<js_sys::Function> {
        wasm_bindgen::JsCast::dyn_into(self).ok()
    }
}

/// "Palestine" for `PS` in English, "فلسطين" in Arabic; the code itself
/// when the browser does not know it.
pub fn country(ui_lang: &str, code: &str) -> String {
    display_name("region", ui_lang, code).unwrap_or_else(|| code.to_owned())
}

/// Text folded as search folds it ([`normalize_for_search`]), decomposed
/// by the browser (`String.prototype.normalize`), so the client carries
/// no Unicode tables of its own. Outside a browser (the tests), by Rust.
///
/// [`normalize_for_search`]: solidarity_map_core::text::normalize_for_search
pub fn search_key(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let decomposed = String::from(js_sys::JsString::from(text).normalize("NFKD"));
        solidarity_map_core::text::fold_for_search(decomposed.chars())
    }
    #[cfg(not(target_arch = "wasm32"))]
    solidarity_map_core::text::normalize_for_search(text)
}

/// "Arabic" for `ar` in English.
pub fn language(ui_lang: &str, code: &str) -> String {
    display_name("language", ui_lang, code).unwrap_or_else(|| code.to_owned())
}

/// A constructed `Intl.<kind>(ui_lang, options)`, if the browser has it.
fn intl(kind: &str, ui_lang: &str, options: &[(&str, &str)]) -> Option<JsValue> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor: js_sys::Function = js_sys::Reflect::get(&intl, &kind.into())
        .ok()?
        .dyn_into_function()?;
    let opts = js_sys::Object::new();
    for (k, v) in options {
        js_sys::Reflect::set(&opts, &(*k).into(), &(*v).into()).ok()?;
    }
    let locales = js_sys::Array::of1(&ui_lang.into());
    js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&locales, &opts)).ok()
}

/// `items` as a sentence's list in the visitor's language, by the
/// browser's `Intl.ListFormat`: "Hebrew, Arabic and English",
/// "العبرية والعربية والإنجليزية"; joined with commas where there is none.
pub fn list(ui_lang: &str, items: &[String]) -> String {
    let formatted = intl("ListFormat", ui_lang, &[("type", "conjunction")]).and_then(|f| {
        let format = js_sys::Reflect::get(&f, &"format".into())
            .ok()?
            .dyn_into_function()?;
        let array: js_sys::Array = items.iter().map(|s| JsValue::from_str(s)).collect();
        format.call1(&f, &array).ok()?.as_string()
    });
    formatted.unwrap_or_else(|| items.join(", "))
}

/// Orders names as readers of `ui_lang` expect (`Intl.Collator`: Arabic
/// by its alphabet, accents beside their letters, case ignored); by code
/// points where the browser has no collator.
pub fn collator(ui_lang: &str) -> impl Fn(&str, &str) -> std::cmp::Ordering + use<> {
    let compare = intl("Collator", ui_lang, &[("sensitivity", "base")]).and_then(|c| {
        js_sys::Reflect::get(&c, &"compare".into())
            .ok()?
            .dyn_into_function()
    });
    move |a: &str, b: &str| {
        let by_collator = compare
            .as_ref()
            .and_then(|f| f.call2(&JsValue::NULL, &a.into(), &b.into()).ok()?.as_f64());
        match by_collator {
            Some(n) => n.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal),
            None => a.cmp(b),
        }
    }
}
