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

/// "Arabic" for `ar` in English.
pub fn language(ui_lang: &str, code: &str) -> String {
    display_name("language", ui_lang, code).unwrap_or_else(|| code.to_owned())
}
