//! The interface in English, Arabic and Hebrew. Strings live in
//! `assets/i18n/*.json`, one file per language, never in components; a
//! test fails when a key is missing in any language or a component asks
//! for a key that does not exist.
//!
//! The map's program carries only the map's words (`assets/i18n/`): a
//! visitor on a slow line downloads them first. The words only the pages
//! around it use (the forms, moderation, statistics) are in
//! `assets/i18n/pages/`, which only the pages' program carries
//! ([`with_pages_words`]); a test keeps every key a map module uses in
//! the map's files.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The map's words.
const MAP: [(&str, &str); 3] = [
    ("en", include_str!("../../../assets/i18n/en.json")),
    ("ar", include_str!("../../../assets/i18n/ar.json")),
    ("he", include_str!("../../../assets/i18n/he.json")),
];

/// The words of the pages around the map.
const PAGES: [(&str, &str); 3] = [
    ("en", include_str!("../../../assets/i18n/pages/en.json")),
    ("ar", include_str!("../../../assets/i18n/pages/ar.json")),
    ("he", include_str!("../../../assets/i18n/pages/he.json")),
];

/// More words than the map's, when a program has them.
static MORE: OnceLock<&'static [(&'static str, &'static str)]> = OnceLock::new();

/// Adds the pages' words to the map's; called by the pages' program
/// before it draws anything, so that the map's program never links them.
pub fn with_pages_words() {
    let _ = MORE.set(&PAGES);
}

/// The browser tab's title: the page's own words, then the site's name, in
/// the interface language, following it when it changes.
pub fn page_title(key: &'static str) {
    use leptos::prelude::*;
    let lang = expect_context::<Lang>().0;
    Effect::new(move |_| {
        let lang = lang.get();
        let title = format!("{} · {}", tr(&lang, key), tr(&lang, "app.title"));
        document().set_title(&title);
    });
}

/// The top of a page other than the map: the way back to the map, the
/// language picker, the page's heading and, if it has one, its lead; the
/// heading names the browser tab too.
#[leptos::component]
pub fn PageHeading(
    title: &'static str,
    #[prop(optional)] lead: Option<&'static str>,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    page_title(title);
    let lang = expect_context::<Lang>().0;
    let t = move |key: &'static str| move || tr(&lang.get(), key);
    view! {
        <p class="page-top"><a href="/">{t("join.back")}</a> <LanguagePicker /></p>
        <h1>{t(title)}</h1>
        {lead.map(|lead| view! { <p class="lead">{t(lead)}</p> })}
    }
}

/// The interface languages, each named in itself, for the picker.
pub const UI_LANGS: [(&str, &str); 3] = [("en", "English"), ("ar", "العربية"), ("he", "עברית")];

/// The interface language, shared by every page.
#[derive(Clone, Copy)]
pub struct Lang(pub leptos::prelude::RwSignal<String>);

/// Chooses the interface language.
#[leptos::component]
pub fn LanguagePicker() -> impl leptos::IntoView {
    use leptos::prelude::*;
    let lang = expect_context::<Lang>().0;
    view! {
        <label class="lang-picker">
            <span class="visually-hidden">{move || tr(&lang.get(), "app.language")}</span>
            <select
                prop:value=move || lang.get()
                on:change=move |ev| lang.set(event_target_value(&ev))
            >
                {UI_LANGS.iter().map(|(code, name)| view! {
                    <option value=*code lang=*code selected=move || lang.get() == *code>{*name}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

const STORAGE_KEY: &str = "solidarity-map.lang";

type Table = HashMap<String, String>;

fn tables() -> &'static HashMap<&'static str, Table> {
    static CELL: OnceLock<HashMap<&'static str, Table>> = OnceLock::new();
    CELL.get_or_init(|| {
        #[cfg(test)]
        with_pages_words();
        let more = MORE.get().copied().unwrap_or_default();
        let mut tables = HashMap::new();
        for (lang, text) in MAP.iter().chain(more) {
            let table: Table = serde_json::from_str(text).unwrap_or_default();
            tables.entry(*lang).or_insert_with(Table::new).extend(table);
        }
        tables
    })
}

/// The string for `key` in `lang`, else in English, else the key itself.
pub fn tr(lang: &str, key: &str) -> String {
    let t = tables();
    t.get(lang)
        .and_then(|m| m.get(key))
        .or_else(|| t.get("en").and_then(|m| m.get(key)))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The CLDR plural category of the whole number `n` in `lang`, which picks
/// the form of a counted noun: Arabic has six (zero, one, two, few for 3
/// to 10, many for 11 to 99, other), Hebrew three (one, two, other),
/// English two.
pub fn plural(lang: &str, n: usize) -> &'static str {
    match lang {
        "ar" => match (n, n % 100) {
            (0, _) => "zero",
            (1, _) => "one",
            (2, _) => "two",
            (_, 3..=10) => "few",
            (_, 11..=99) => "many",
            _ => "other",
        },
        "he" => match n {
            1 => "one",
            2 => "two",
            _ => "other",
        },
        _ if n == 1 => "one",
        _ => "other",
    }
}

/// [`tr`] for a count, with `{n}` replaced by it: `key#category` (see
/// [`plural`]) where the language has that form, else `key`.
pub fn tr_n(lang: &str, key: &str, n: usize) -> String {
    let form = format!("{key}#{}", plural(lang, n));
    let text = tables().get(lang).and_then(|t| t.get(&form)).cloned();
    text.unwrap_or_else(|| tr(lang, key))
        .replace("{n}", &n.to_string())
}

/// A validation problem in the visitor's language: by its code when the
/// interface has words for it, else the server's English sentence.
pub fn field_message(lang: &str, e: &solidarity_map_core::FieldError) -> String {
    let key = format!("invalid.{}", e.code);
    if e.code.is_empty() || !tables()["en"].contains_key(&key) {
        return e.message.clone();
    }
    let text = tr(lang, &key);
    match e.limit {
        Some(n) => text.replace("{n}", &n.to_string()),
        None => text,
    }
}

/// A message that follows the interface language: the key of its words,
/// the problems of a refused request (said by their codes), or words
/// already written (what the network said).
#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    Key(&'static str),
    Problems(Vec<solidarity_map_core::FieldError>),
    Text(String),
}

impl Said {
    /// The message in `lang`.
    pub fn words(&self, lang: &str) -> String {
        match self {
            Said::Key(key) => tr(lang, key),
            Said::Problems(problems) => problems
                .iter()
                .map(|p| field_message(lang, p))
                .collect::<Vec<_>>()
                .join(" "),
            Said::Text(text) => text.clone(),
        }
    }
}

pub fn is_rtl(lang: &str) -> bool {
    matches!(lang, "ar" | "he")
}

fn supported(code: &str) -> Option<&'static str> {
    let base = code
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    UI_LANGS.iter().map(|(l, _)| *l).find(|l| *l == base)
}

/// The visitor's remembered choice, else the first of the browser's
/// languages the interface speaks, else English.
pub fn initial_lang() -> String {
    let window = leptos::prelude::window();
    if let Some(saved) = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|s| supported(&s))
    {
        return saved.to_owned();
    }
    window
        .navigator()
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .find_map(|l| supported(&l))
        .unwrap_or("en")
        .to_owned()
}

/// The interface language a query string asks for (`lang=ar`), if the
/// interface speaks it.
pub fn lang_param(query: &str) -> Option<String> {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| supported(&v))
        .map(str::to_owned)
}

/// The event fired on `window` when the interface language changes.
pub const LANGUAGE_EVENT: &str = "sm-language";

/// Sets `lang` and `dir` on `<html>`, tells the page (see
/// [`LANGUAGE_EVENT`]) and, if `remember`, remembers the choice.
pub fn apply(lang: &str, remember: bool) {
    let window = leptos::prelude::window();
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang);
        let _ = root.set_attribute("dir", if is_rtl(lang) { "rtl" } else { "ltr" });
    }
    // what is written on the map (city names) follows
    if let Ok(event) = web_sys::Event::new(LANGUAGE_EVENT) {
        let _ = window.dispatch_event(&event);
    }
    if !remember {
        return;
    }
    if let Some(storage) = window.local_storage().ok().flatten() {
        let _ = storage.set_item(STORAGE_KEY, lang);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let t = tables();
        let en = &t["en"];
        assert!(en.len() > 20);
        for (lang, table) in t {
            for key in en.keys() {
                assert!(table.contains_key(key), "{lang} lacks {key}");
                assert!(!table[key].trim().is_empty(), "{lang} has an empty {key}");
            }
            for key in table.keys() {
                // a plural form of a key English has, in a category the
                // language uses
                let (base, form) = key.split_once('#').unwrap_or((key, ""));
                assert!(
                    en.contains_key(base),
                    "{lang} has {key}, which English lacks"
                );
                let forms: std::collections::BTreeSet<_> =
                    (0..200).map(|n| plural(lang, n)).collect();
                assert!(
                    form.is_empty() || forms.contains(form),
                    "{lang} has {key}, a plural form it does not use"
                );
            }
        }
    }

    /// The string literals of `src` that look like keys: a known prefix,
    /// a dot, lower-case words.
    fn keys_in<'s>(src: &'s str, prefixes: &std::collections::BTreeSet<&str>) -> Vec<&'s str> {
        src.split('"')
            .skip(1)
            .step_by(2) // inside quotes (close enough for this code)
            .filter(|literal| {
                literal.split_once('.').is_some_and(|(prefix, rest)| {
                    prefixes.contains(prefix)
                        && !rest.is_empty()
                        && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
            })
            .collect()
    }

    /// Every key prefix there is.
    fn prefixes() -> std::collections::BTreeSet<&'static str> {
        tables()["en"]
            .keys()
            .filter_map(|k| k.split('.').next())
            .collect()
    }

    /// Every string literal in the sources that looks like a key names a
    /// key that exists.
    #[test]
    fn every_key_used_exists() {
        let en = &tables()["en"];
        let prefixes = prefixes();
        let mut used = 0;
        for (path, _, src) in crate::tests::sources() {
            for key in keys_in(&src, &prefixes) {
                used += 1;
                assert!(
                    en.contains_key(key),
                    "{}: unknown key {key}",
                    path.display()
                );
            }
        }
        assert!(used > 25, "found only {used} uses");
    }

    /// The map's program carries only the map's files: every key a module
    /// it draws with uses (and every problem's words, said by code) is
    /// there, and no key is in both files.
    #[test]
    fn the_map_carries_every_word_it_uses() {
        let parse = |files: &[(&'static str, &'static str)]| -> HashMap<&'static str, Table> {
            files
                .iter()
                .map(|(lang, text)| (*lang, serde_json::from_str(text).unwrap()))
                .collect()
        };
        let (map, pages) = (parse(&MAP), parse(&PAGES));
        for (lang, table) in &pages {
            for key in table.keys() {
                assert!(
                    !map[lang].contains_key(key),
                    "{lang}: {key} is in both files"
                );
            }
            // each language's map file has every key of the English one
            for key in map["en"].keys() {
                assert!(
                    map[lang].contains_key(key),
                    "{lang}: {key} is not in its map file"
                );
            }
        }
        // what `start_map` draws with
        let modules = crate::tests::reachable(&["app", "i18n"]);
        assert!(modules.contains("card") && modules.contains("filters"));
        assert!(!modules.contains("admin") && !modules.contains("stats"));
        let prefixes = prefixes();
        let mut used = 0;
        for (path, module, src) in crate::tests::sources() {
            if !modules.contains(&module) {
                continue;
            }
            for key in keys_in(&src, &prefixes) {
                used += 1;
                assert!(
                    map["en"].contains_key(key),
                    "{}: {key} is not in the map's words (assets/i18n/en.json)",
                    path.display()
                );
            }
        }
        assert!(used > 25, "found only {used} uses");
        for code in solidarity_map_core::error::CODES {
            assert!(map["en"].contains_key(&format!("invalid.{code}")), "{code}");
        }
    }

    /// Every problem the shared rules can report has words in every
    /// language, and a number it names is filled in.
    #[test]
    fn every_problem_code_is_translated() {
        for code in solidarity_map_core::error::CODES {
            for lang in ["en", "ar", "he"] {
                let key = format!("invalid.{code}");
                assert!(tables()[lang].contains_key(&key), "{lang} lacks {key}");
            }
        }
        let long = solidarity_map_core::City::parse(&"x".repeat(500)).unwrap_err();
        assert_eq!(field_message("en", &long), "At most 100 characters.");
        assert!(field_message("ar", &long).contains("100"));
        let plain = solidarity_map_core::FieldError::new("q", "odd");
        assert_eq!(field_message("he", &plain), "odd");
    }

    /// Arabic counts have six forms, Hebrew three: the words change with
    /// the number, as CLDR (and the browser's `Intl.PluralRules`) say.
    #[test]
    fn counted_words_take_the_form_of_their_number() {
        let ar: Vec<_> = [0, 1, 2, 3, 11, 100, 103, 111]
            .iter()
            .map(|&n| plural("ar", n))
            .collect();
        assert_eq!(
            ar,
            ["zero", "one", "two", "few", "many", "other", "few", "many"]
        );
        assert_eq!(tr_n("ar", "map.cluster", 2), "منظمتان");
        assert_eq!(tr_n("ar", "map.cluster", 3), "3 منظمات");
        assert_eq!(tr_n("ar", "map.cluster", 11), "11 منظمة");
        assert_eq!(tr_n("ar", "map.cluster", 100), "100 منظمة");
        assert_eq!(tr_n("he", "map.cluster", 2), "שני ארגונים");
        assert_eq!(tr_n("he", "map.cluster", 3), "3 ארגונים");
        assert_eq!(tr_n("en", "map.cluster", 1), "1 organisation");
        assert_eq!(tr_n("en", "map.cluster", 11), "11 organisations");
    }

    #[test]
    fn fallbacks() {
        assert_eq!(tr("fr", "filters.clear"), "Clear filters");
        assert_eq!(tr("ar", "no.such.key"), "no.such.key");
        assert_eq!(tr_n("en", "list.many", 3), "3 organisations in view");
        assert_eq!(supported("ar-PS"), Some("ar"));
        assert_eq!(supported("he_IL"), Some("he"));
        assert_eq!(supported("fr"), None);
        assert_eq!(lang_param("?category=media&lang=he").as_deref(), Some("he"));
        assert_eq!(lang_param("lang=fr"), None);
        assert_eq!(lang_param(""), None);
    }
}
