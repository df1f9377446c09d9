//! What the feeds say themselves, in each language of the pages: English,
//! Arabic and Hebrew. Every language has every key (a test checks).

/// The languages a feed is written in; the first is the default.
pub const LANGUAGES: [&str; 3] = ["en", "ar", "he"];

const EN: &[(&str, &str)] = &[
    ("title", "Solidarity Map: new groups"),
    ("subtitle", "Groups newly published on the map"),
    ("filtered", "filtered"),
    ("category", "Kind of group"),
    ("place", "Where"),
];

const AR: &[(&str, &str)] = &[
    ("title", "خريطة التضامن: مجموعات جديدة"),
    ("subtitle", "مجموعات نُشرت حديثاً على الخريطة"),
    ("filtered", "مع تصفية"),
    ("category", "نوع المجموعة"),
    ("place", "المكان"),
];

const HE: &[(&str, &str)] = &[
    ("title", "מפת הסולידריות: קבוצות חדשות"),
    ("subtitle", "קבוצות שפורסמו לאחרונה במפה"),
    ("filtered", "מסונן"),
    ("category", "סוג הקבוצה"),
    ("place", "היכן"),
];

fn table(lang: &str) -> &'static [(&'static str, &'static str)] {
    match lang {
        "ar" => AR,
        "he" => HE,
        _ => EN,
    }
}

/// The text of `key` in `lang` (English for any other language).
pub fn text(lang: &str, key: &str) -> &'static str {
    table(lang)
        .iter()
        .chain(EN)
        .find(|(k, _)| *k == key)
        .map_or("", |(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        fn keys(t: &[(&'static str, &'static str)]) -> Vec<&'static str> {
            t.iter().map(|(k, _)| *k).collect()
        }
        for lang in LANGUAGES {
            assert_eq!(keys(table(lang)), keys(EN), "{lang}");
            assert!(table(lang).iter().all(|(_, t)| !t.is_empty()), "{lang}");
        }
    }
}
