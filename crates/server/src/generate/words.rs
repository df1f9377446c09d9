//! The words organisations are named and described with, in Latin, Arabic
//! and Hebrew script, and the languages they are said to speak. Nothing
//! here names a real organisation.

use solidarity_map_core::CountryCode;

pub(super) const ARAB_COUNTRIES: &[&str] = &[
    "AE", "BH", "DZ", "EG", "IQ", "JO", "KW", "LB", "LY", "MA", "MR", "OM", "QA", "SA", "SD", "SY",
    "TN", "YE",
];

pub(super) fn local_language(country: CountryCode) -> Option<&'static str> {
    Some(match country.as_str() {
        "FR" | "BE" | "SN" | "CI" | "ML" | "CM" => "fr",
        "ES" | "MX" | "AR" | "CO" | "PE" | "VE" | "CL" | "EC" | "GT" | "CU" | "BO" => "es",
        "BR" | "PT" | "AO" | "MZ" => "pt",
        "DE" | "AT" => "de",
        "IT" => "it",
        "NL" => "nl",
        "RU" | "BY" | "KZ" => "ru",
        "UA" => "uk",
        "PL" => "pl",
        "TR" => "tr",
        "IR" => "fa",
        "PK" => "ur",
        "IN" => "hi",
        "BD" => "bn",
        "CN" | "TW" => "zh",
        "JP" => "ja",
        "KR" => "ko",
        "ID" => "id",
        "VN" => "vi",
        "TH" => "th",
        "KE" | "TZ" => "sw",
        "GR" => "el",
        "SE" => "sv",
        _ => return None,
    })
}

pub(super) const OTHER_LANGUAGES: &[&str] =
    &["en", "fr", "es", "ar", "he", "de", "pt", "ru", "tr", "fa"];

pub(super) const LATIN_SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "te", "sun", "vel", "dor", "an", "el", "ri", "sa", "no", "ta", "ber",
    "lin", "mar", "zo", "qui", "ne", "tu", "ha", "ser", "ob", "li", "ven", "ga", "pa", "do", "mo",
];

pub(super) fn latin_kinds(category: &str) -> &'static [&'static str] {
    match category {
        "solidarity" => &[
            "Solidarity Network",
            "Collective",
            "Support Committee",
            "Mutual Aid Group",
            "Solidarity Campaign",
        ],
        "student" => &[
            "Students' Union",
            "Student Society",
            "Campus Collective",
            "Youth Forum",
        ],
        "faith" => &[
            "Interfaith Circle",
            "Parish Council",
            "Community of Faith",
            "Friends Meeting",
        ],
        "diaspora" => &[
            "Diaspora Association",
            "Cultural Club",
            "Community Association",
            "House of Culture",
        ],
        "media" => &["Radio", "Press", "Review", "Media Lab", "Podcast"],
        "research" => &["Institute", "Research Centre", "Policy Lab", "Observatory"],
        "jerusalem" => &[
            "Community Council",
            "Neighbourhood Centre",
            "Youth Club",
            "Women's Centre",
        ],
        _ => &["Association", "Network", "Group", "Centre"],
    }
}

pub(super) const TOPICS_EN: &[&str] = &[
    "housing rights",
    "education for all",
    "refugee support",
    "women's rights",
    "workers' rights",
    "dialogue between communities",
    "legal aid",
    "local history",
    "climate justice",
    "access to health care",
    "culture and the arts",
    "independent journalism",
];

pub(super) const CLOSINGS_EN: &[&str] = &[
    "Volunteers welcome.",
    "We meet every week.",
    "Founded by neighbours.",
    "Open to everyone.",
    "Run by volunteers since the 1990s.",
    "",
];

pub(super) const TAGS_EN: &[&str] = &[
    "youth",
    "housing",
    "education",
    "health",
    "women",
    "refugees",
    "culture",
    "human rights",
    "environment",
    "legal aid",
    "food",
    "labour",
    "arts",
    "dialogue",
    "peacebuilding",
    "disability",
    "children",
    "media literacy",
    "language",
    "sport",
    "music",
    "history",
    "water",
    "land",
    "migrants",
];

pub(super) const ARABIC_KINDS: &[&str] =
    &["جمعية", "رابطة", "مركز", "شبكة", "ملتقى", "مبادرة", "اتحاد"];
pub(super) const ARABIC_NOUNS: &[&str] = &[
    "الأمل",
    "الكرامة",
    "التضامن",
    "الغد",
    "الجسور",
    "الزيتون",
    "الحرية",
    "النور",
];
pub(super) const ARABIC_SYLLABLES: &[&str] =
    &["نو", "را", "سل", "ما", "كر", "دا", "لي", "فا", "حي", "با"];
pub(super) const ARABIC_TOPICS: &[&str] = &["التعليم", "حقوق الإنسان", "الثقافة", "الصحة", "الشباب"];
pub(super) const ARABIC_TAGS: &[&str] = &["شباب", "تعليم", "صحة", "ثقافة", "نساء"];

pub(super) const HEBREW_KINDS: &[&str] = &["עמותת", "מרכז", "רשת", "פורום", "קהילת", "ארגון"];
pub(super) const HEBREW_NOUNS: &[&str] =
    &["גשרים", "שותפות", "תקווה", "אחווה", "שלום", "דרך", "קול"];
pub(super) const HEBREW_SYLLABLES: &[&str] =
    &["נו", "רה", "של", "מי", "דן", "טל", "אור", "גל", "בר"];
pub(super) const HEBREW_TOPICS: &[&str] = &["חינוך", "זכויות אדם", "תרבות", "שוויון", "צדק חברתי"];
pub(super) const HEBREW_TAGS: &[&str] = &["נוער", "חינוך", "תרבות", "שוויון"];
