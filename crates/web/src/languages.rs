//! The languages a group can say it works in, found by name: the form
//! offers a list of common ISO 639-1 codes, each named by the browser
//! (`Intl.DisplayNames`) in the interface's languages, and reads what is
//! typed ("Arabic", "عربية", "ar") as a code. The wire keeps the codes.

use std::sync::OnceLock;

use crate::i18n::UI_LANGS;

/// The languages offered: the most spoken ones, those of the region the
/// map began with, and those of its diasporas.
const CODES: [&str; 96] = [
    "af", "am", "ar", "az", "be", "bg", "bn", "bo", "bs", "ca", "cs", "cy", "da", "de", "dv", "el",
    "en", "eo", "es", "et", "eu", "fa", "fi", "fr", "ga", "gl", "gu", "ha", "he", "hi", "hr", "ht",
    "hu", "hy", "id", "ig", "is", "it", "ja", "ka", "kk", "km", "kn", "ko", "ku", "ky", "la", "lb",
    "lo", "lt", "lv", "mg", "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl", "no", "pa", "pl",
    "ps", "pt", "qu", "ro", "ru", "rw", "sd", "si", "sk", "sl", "so", "sq", "sr", "sv", "sw", "ta",
    "te", "tg", "th", "ti", "tk", "tl", "tr", "tt", "ug", "uk", "ur", "uz", "vi", "yi", "yo", "zu",
];

/// A language with its names in each interface language, and those names
/// and its code folded as search folds text.
struct Known {
    code: &'static str,
    /// In [`UI_LANGS`] order.
    names: Vec<String>,
    keys: Vec<String>,
}

fn known() -> &'static [Known] {
    static CELL: OnceLock<Vec<Known>> = OnceLock::new();
    CELL.get_or_init(|| {
        CODES
            .iter()
            .map(|code| {
                let names: Vec<String> = UI_LANGS
                    .iter()
                    .map(|(ui, _)| crate::names::language(ui, code))
                    .collect();
                let keys = names
                    .iter()
                    .map(|n| crate::names::search_key(n))
                    .chain([(*code).to_owned()])
                    .collect();
                Known { code, names, keys }
            })
            .collect()
    })
}

/// The name of `code` in the interface language `ui`.
pub fn name(ui: &str, code: &str) -> String {
    let at = UI_LANGS.iter().position(|(l, _)| *l == ui);
    match (at, known().iter().find(|k| k.code == code)) {
        (Some(i), Some(k)) => k.names[i].clone(),
        _ => crate::names::language(ui, code),
    }
}

/// The code of the language `typed` names: its name in an interface
/// language, or its code, whatever the case, accents or letter variants;
/// a code of a language not offered counts when the browser can name it.
pub fn resolve(typed: &str) -> Option<String> {
    let key = crate::names::search_key(typed);
    if key.is_empty() {
        return None;
    }
    if let Some(k) = known().iter().find(|k| k.keys.contains(&key)) {
        return Some(k.code.to_owned());
    }
    let code = typed.trim().to_ascii_lowercase();
    let code_like = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
    (code_like && crate::names::language("en", &code) != code).then_some(code)
}

/// At most how many languages the list offers at once.
const SHOWN: usize = 8;

/// The languages whose name (in an interface language) or code holds
/// `query`, except those in `chosen`: those whose name in `ui` starts
/// with it first, then in `ui`'s alphabetical order; every language for
/// an empty query. Each as its code and its name in `ui`.
pub fn matching(ui: &str, query: &str, chosen: &[String]) -> Vec<(String, String)> {
    let q = crate::names::search_key(query);
    let at = UI_LANGS.iter().position(|(l, _)| *l == ui).unwrap_or(0);
    let mut found: Vec<(bool, &Known)> = known()
        .iter()
        .filter(|k| !chosen.iter().any(|c| c == k.code))
        .filter(|k| k.keys.iter().any(|key| key.contains(&q)))
        .map(|k| {
            let first = crate::names::search_key(&k.names[at]).starts_with(&q) || k.code == q;
            (first, k)
        })
        .collect();
    let order = crate::names::collator(ui);
    found.sort_by(|(a_first, a), (b_first, b)| {
        b_first
            .cmp(a_first)
            .then_with(|| order(&a.names[at], &b.names[at]))
    });
    let limit = if q.is_empty() { usize::MAX } else { SHOWN };
    found
        .into_iter()
        .take(limit)
        .map(|(_, k)| (k.code.to_owned(), k.names[at].clone()))
        .collect()
}

/// What is typed in the languages box, as the entries between its commas.
pub fn parts(typed: &str) -> Vec<String> {
    typed
        .split([',', '،', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_entries_split_at_latin_and_arabic_commas() {
        assert_eq!(parts("Arabic, Hebrew"), ["Arabic", "Hebrew"]);
        assert_eq!(parts("العربية، العبرية ,"), ["العربية", "العبرية"]);
        assert!(parts(" , ").is_empty());
    }

    #[test]
    fn the_list_has_each_code_once() {
        let mut codes = CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CODES.len());
        assert!(CODES.iter().all(|c| c.len() == 2));
    }
}
