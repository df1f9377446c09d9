//! Text in several languages, and the one normalisation that search uses on
//! both database backends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::FieldError;

/// An ISO 639-1 (or 639-2/3) language code in lower case: `en`, `ar`, `he`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "ar"))]
pub struct LangCode(String);

impl LangCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_lowercase();
        if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(code))
        } else {
            Err(FieldError::new(
                "language",
                format!("\"{raw}\" is not a language code (two or three letters, e.g. en, ar, he)"),
            )
            .code("lang_code"))
        }
    }

    /// Whether text in this language is written right to left.
    pub fn is_rtl(&self) -> bool {
        matches!(self.0.as_str(), "ar" | "he" | "fa" | "ur" | "yi")
    }
}

string_newtype!(LangCode);

/// The same text in one or more languages. Never empty.
///
/// New languages need no schema change: the map is stored as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "BTreeMap<LangCode, String>",
    into = "BTreeMap<LangCode, String>"
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = std::collections::BTreeMap<String, String>))]
pub struct LocalizedText(BTreeMap<LangCode, String>);

impl LocalizedText {
    /// Trims every translation, drops empty ones, and checks that at least
    /// one is left and that none is longer than `max_chars`.
    pub fn parse(
        field: &str,
        raw: BTreeMap<LangCode, String>,
        max_chars: usize,
    ) -> Result<Self, FieldError> {
        let mut out = BTreeMap::new();
        for (lang, text) in raw {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            if text.chars().count() > max_chars {
                return Err(FieldError::new(
                    format!("{field}.{lang}"),
                    format!("must be at most {max_chars} characters"),
                )
                .code("too_long")
                .limit(max_chars));
            }
            if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                return Err(FieldError::new(
                    format!("{field}.{lang}"),
                    "must not contain control characters",
                )
                .code("control_chars"));
            }
            out.insert(lang, text.to_owned());
        }
        if out.is_empty() {
            return Err(FieldError::new(field, "is required").code("required"));
        }
        Ok(Self(out))
    }

    /// A single-language text, for data that has only one.
    pub fn single(lang: LangCode, text: impl Into<String>) -> Self {
        Self(BTreeMap::from([(lang, text.into())]))
    }

    /// The text in `lang`, else English, else the first there is, and the
    /// language actually returned.
    pub fn best(&self, lang: &str) -> (&LangCode, &str) {
        self.0
            .iter()
            .find(|(l, _)| l.as_str() == lang)
            .or_else(|| self.0.iter().find(|(l, _)| l.as_str() == "en"))
            .or_else(|| self.0.iter().next())
            .map(|(l, t)| (l, t.as_str()))
            .expect("LocalizedText is never empty")
    }

    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(l, _)| l.as_str() == lang)
            .map(|(_, t)| t.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&LangCode, &str)> {
        self.0.iter().map(|(l, t)| (l, t.as_str()))
    }
}

impl TryFrom<BTreeMap<LangCode, String>> for LocalizedText {
    type Error = FieldError;
    fn try_from(value: BTreeMap<LangCode, String>) -> Result<Self, Self::Error> {
        // Wire data is checked for shape only; length limits are applied by
        // the field newtypes that wrap this.
        Self::parse("text", value, usize::MAX)
    }
}

impl From<LocalizedText> for BTreeMap<LangCode, String> {
    fn from(value: LocalizedText) -> Self {
        value.0
    }
}

/// Folds text for search so that what people type finds what was written:
/// case, Latin accents, Arabic letter variants and vowel marks, tatweel and
/// Hebrew niqqud are all ignored. Both backends store and query this form.
pub fn normalize_for_search(text: &str) -> String {
    fold_for_search(text.nfkd())
}

/// [`normalize_for_search`] of text already in Unicode's compatibility
/// decomposition (NFKD). The browser has its own (`String.normalize`), so
/// the map folds what it sorts and matches with this and ships no
/// decomposition tables (a seventh of its download).
pub fn fold_for_search(decomposed: impl IntoIterator<Item = char>) -> String {
    let mut out = String::new();
    let mut last_space = true;
    for c in decomposed {
        let c = match c {
            // Combining marks: Latin accents, Arabic tashkeel, Hebrew niqqud
            // and cantillation.
            '\u{0300}'..='\u{036F}'
            | '\u{0591}'..='\u{05BD}'
            | '\u{05BF}'
            | '\u{05C1}'..='\u{05C2}'
            | '\u{05C4}'..='\u{05C5}'
            | '\u{05C7}'
            | '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{06D6}'..='\u{06ED}'
            // Tatweel (kashida) only stretches a word.
            | '\u{0640}'
            // Invisible direction and joiner marks.
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}' => continue,
            // Alef with hamza or madda, and alef wasla, are searched as alef.
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            'ؤ' => 'و',
            'ئ' => 'ي',
            // Hebrew final forms are searched as the plain letters.
            'ך' => 'כ',
            'ם' => 'מ',
            'ן' => 'נ',
            'ף' => 'פ',
            'ץ' => 'צ',
            c => c,
        };
        if c.is_whitespace() || matches!(c, '’' | '\'' | '"' | '“' | '”' | '-' | '_') {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        for lower in c.to_lowercase() {
            out.push(lower);
        }
        last_space = false;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// `text` in a first-strong isolate (U+2068 … U+2069): where no `dir`
/// attribute or `<bdi>` can go (a tooltip, a page title, an alt text),
/// a name in one direction inside text in the other keeps its own order
/// and leaves the text around it in its order. Names and cities never
/// hold direction controls of their own (see `OrgName`), so the isolate
/// is always closed.
pub fn isolate(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}

/// Text for HTML content or a quoted attribute value: what the server
/// writes into pages and mail that someone typed.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_isolate_holds_the_text_whole() {
        assert_eq!(isolate("عير عميم"), "\u{2068}عير عميم\u{2069}");
    }

    #[test]
    fn arabic_variants_fold_together() {
        assert_eq!(normalize_for_search("القُدْس"), normalize_for_search("القدس"));
        assert_eq!(normalize_for_search("إئتلاف"), normalize_for_search("ائتلاف"));
        assert_eq!(normalize_for_search("مدرسة"), "مدرسه");
        assert_eq!(normalize_for_search("مستشفـــى"), "مستشفي");
        assert_eq!(normalize_for_search("أحمد"), normalize_for_search("احمد"));
    }

    #[test]
    fn hebrew_niqqud_and_final_letters_fold() {
        assert_eq!(
            normalize_for_search("יְרוּשָׁלַיִם"),
            normalize_for_search("ירושלים")
        );
        assert_eq!(normalize_for_search("שלום"), "שלומ");
    }

    #[test]
    fn latin_case_accents_and_punctuation_fold() {
        assert_eq!(normalize_for_search("  Café  Ir-Amim’s "), "cafe ir amim s");
    }

    #[test]
    fn localized_text_drops_blank_and_limits_length() {
        let en = LangCode::parse("en").unwrap();
        let ar = LangCode::parse("ar").unwrap();
        let t = LocalizedText::parse(
            "name",
            BTreeMap::from([(en.clone(), " Hi ".into()), (ar.clone(), "  ".into())]),
            10,
        )
        .unwrap();
        assert_eq!(t.get("en"), Some("Hi"));
        assert_eq!(t.get("ar"), None);
        assert_eq!(t.best("ar"), (&en, "Hi"));
        let err =
            LocalizedText::parse("name", BTreeMap::from([(ar, "  ".into())]), 10).unwrap_err();
        assert_eq!(err.field, "name");
        let err =
            LocalizedText::parse("name", BTreeMap::from([(en, "x".repeat(11))]), 10).unwrap_err();
        assert_eq!(err.field, "name.en");
    }

    #[test]
    fn lang_codes() {
        assert!(LangCode::parse("AR").unwrap().is_rtl());
        assert!(LangCode::parse("e").is_err());
        assert!(LangCode::parse("en-US").is_err());
    }
}
