//! Synthetic organisations for load tests and benchmarks (issue #7: one
//! million organisations).
//!
//! The map has to stay fast with far more entries than exist today, and
//! that can only be measured on data that looks like the real thing:
//! clustered around cities by population, spread over every category and
//! precision, named in Latin, Arabic and Hebrew scripts. The generator is a
//! small hand-written PRNG (splitmix64) so that a seed always gives the same
//! organisations, on every platform and version, without a dependency.
//!
//! Nothing here is real: names are built from syllables, websites are under
//! `example.org`, and there is never a contact address.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{
    CategorySlug, City, CountryCode, LatLon, NewOrganization, OrgId, OrganizationInput, Status,
};

use crate::store::Store;

/// The default gazetteer, relative to the working directory.
pub const DEFAULT_CITIES: &str = "data/cities.tsv";

/// A small, fast, deterministic PRNG (splitmix64). Not for secrets.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // the top 53 bits make an exactly representable fraction
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`); the tiny modulo bias does not matter here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A standard normal deviate (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // in (0, 1], so ln is finite
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A place from the gazetteer.
#[derive(Debug, Clone)]
pub struct CityEntry {
    pub name: City,
    pub country: CountryCode,
    pub lat: f64,
    pub lon: f64,
    pub population: u64,
    /// The first Arabic-script and Hebrew-script names, when known.
    pub arabic: Option<String>,
    pub hebrew: Option<String>,
}

/// The gazetteer, with what sampling by population needs. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cities {
    list: Arc<[CityEntry]>,
    /// Running sum of the weights, for a binary search.
    cumulative: Arc<[f64]>,
    jerusalem: Option<usize>,
}

impl Cities {
    /// Reads `data/cities.tsv` (name, lat, lon, country, population, alt
    /// names separated by `|`). Rows that do not parse are skipped; a file
    /// without a usable row is an error.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the city gazetteer {} (run from the repository root or pass --cities PATH)",
                path.display()
            )
        })?;
        Self::parse(&text).with_context(|| path.display().to_string())
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut list = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [name, lat, lon, country, population, rest @ ..] = cols.as_slice() else {
                continue;
            };
            let (Ok(name), Ok(lat), Ok(lon), Ok(country)) = (
                City::parse(name),
                lat.trim().parse::<f64>(),
                lon.trim().parse::<f64>(),
                CountryCode::parse(country),
            ) else {
                continue;
            };
            if LatLon::new(lat, lon).is_err() {
                continue;
            }
            let alt: Vec<&str> = rest.first().map_or(Vec::new(), |a| a.split('|').collect());
            // the first name written only in these letters: the file mixes
            // Persian, Urdu and Uyghur spellings in with the Arabic ones
            let in_script = |range: std::ops::RangeInclusive<char>| {
                alt.iter()
                    .map(|n| n.trim())
                    .find(|n| {
                        !n.is_empty()
                            && n.chars()
                                .all(|c| range.contains(&c) || matches!(c, ' ' | '-' | '\''))
                            && City::parse(n).is_ok()
                    })
                    .map(str::to_owned)
            };
            list.push(CityEntry {
                name,
                country,
                lat,
                lon,
                population: population.trim().parse().unwrap_or(0),
                arabic: in_script('\u{0621}'..='\u{0652}'),
                hebrew: in_script('\u{05D0}'..='\u{05EA}'),
            });
        }
        anyhow::ensure!(!list.is_empty(), "no usable city in the gazetteer");
        let mut sum = 0.0;
        let cumulative: Vec<f64> = list
            .iter()
            .map(|c| {
                // GeoNames lists some towns without a population; they have
                // at least the 15 000 the file was cut at
                sum += c.population.max(15_000) as f64;
                sum
            })
            .collect();
        let jerusalem = list
            .iter()
            .position(|c| c.name.as_str() == "Jerusalem" && c.country.as_str() == "IL");
        Ok(Self {
            list: list.into(),
            cumulative: cumulative.into(),
            jerusalem,
        })
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// A city drawn with probability proportional to its population.
    fn by_population(&self, rng: &mut SplitMix64) -> &CityEntry {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.list[i.min(self.list.len() - 1)]
    }

    /// Any city, whatever its size: for the scattered share.
    fn uniform(&self, rng: &mut SplitMix64) -> &CityEntry {
        rng.pick(&self.list)
    }
}

/// The organisations for `seed`: the same seed gives the same sequence (and
/// the first `n` of a longer run equal a run of `n`).
pub fn organizations(
    seed: u64,
    count: usize,
    categories: &[CategorySlug],
    cities: &Cities,
) -> Generator {
    Generator {
        rng: SplitMix64::new(seed),
        categories: categories.to_vec(),
        cities: cities.clone(),
        remaining: count,
    }
}

/// The iterator [`organizations`] returns; owns what it needs, so it can be
/// moved to a blocking thread.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: SplitMix64,
    categories: Vec<CategorySlug>,
    cities: Cities,
    remaining: usize,
}

impl Iterator for Generator {
    type Item = (OrgId, NewOrganization);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 || self.categories.is_empty() {
            return None;
        }
        self.remaining -= 1;
        let input = self.input();
        let id = self.id();
        // Every part is drawn from vetted word lists and a gazetteer whose
        // rows were parsed on load: a failure here is a bug in this module.
        let org = input
            .validate()
            .unwrap_or_else(|e| panic!("generated organisation is invalid: {e:?}"));
        Some((id, org))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.categories.is_empty() {
            0
        } else {
            self.remaining
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Generator {}

/// Which script an organisation's name is in.
#[derive(Clone, Copy, PartialEq)]
enum Script {
    Latin,
    Arabic,
    Hebrew,
}

impl Generator {
    fn id(&mut self) -> OrgId {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        OrgId(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    fn category(&mut self) -> CategorySlug {
        // the Jerusalem category is small and local; the others are shared
        // out evenly
        let weights: Vec<f64> = self
            .categories
            .iter()
            .map(|c| if c.as_str() == "jerusalem" { 0.2 } else { 1.0 })
            .collect();
        let total: f64 = weights.iter().sum();
        let mut x = self.rng.unit() * total;
        for (c, w) in self.categories.iter().zip(&weights) {
            if x < *w {
                return c.clone();
            }
            x -= w;
        }
        self.categories[self.categories.len() - 1].clone()
    }

    fn input(&mut self) -> OrganizationInput {
        let category = self.category();
        let (city, spread_km) = if category.as_str() == "jerusalem"
            && let Some(j) = self.cities.jerusalem
        {
            (self.cities.list[j].clone(), 3.0)
        } else if self.rng.chance(0.85) {
            // around a city, wider for a bigger one: ~1.5 km for a town,
            // ~10 km for a metropolis of ten million
            let c = self.cities.by_population(&mut self.rng).clone();
            let km = 1.0 + 3.0 * (c.population.max(15_000) as f64 / 1e6).sqrt().min(5.0);
            (c, km)
        } else {
            // scattered: near any town, much further out
            (self.cities.uniform(&mut self.rng).clone(), 25.0)
        };
        let (lat, lon) = self.jitter(city.lat, city.lon, spread_km);
        let script = self.script(city.country);
        let (name, description) = self.texts(&category, &city, script);
        let tags = self.tags(script);
        let languages = self.languages(city.country, script);
        let precision = match self.rng.unit() {
            x if x < 0.70 => "city",
            x if x < 0.85 => "neighbourhood",
            x if x < 0.95 => "country",
            _ => "exact",
        };
        let website = self.rng.chance(0.4).then(|| {
            format!(
                "https://{}{}.example.org/",
                self.latin_word(2).to_lowercase(),
                self.rng.below(1000)
            )
        });
        OrganizationInput {
            name,
            description,
            category: category.as_str().to_owned(),
            city: city.name.as_str().to_owned(),
            country: city.country.as_str().to_owned(),
            location: Some(RawLocation { lat, lon }),
            precision: Some(precision.to_owned()),
            website,
            links: Vec::new(),
            languages,
            tags,
            contact_email: None,
        }
    }

    /// A point around `(lat, lon)`, normally spread with `km` as the
    /// standard deviation, kept on the globe.
    fn jitter(&mut self, lat: f64, lon: f64, km: f64) -> (f64, f64) {
        const KM_PER_DEGREE: f64 = 111.32;
        let dlat = self.rng.normal() * km / KM_PER_DEGREE;
        let cos = lat.to_radians().cos().max(0.05);
        let dlon = self.rng.normal() * km / (KM_PER_DEGREE * cos);
        let lat = (lat + dlat).clamp(-89.9, 89.9);
        let mut lon = lon + dlon;
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        // five decimals (~1 m), as a person placing a marker would give
        let round5 = |v: f64| (v * 1e5).round() / 1e5;
        (round5(lat), round5(lon).clamp(-180.0, 180.0))
    }

    fn script(&mut self, country: CountryCode) -> Script {
        let (arabic, hebrew) = match country.as_str() {
            "PS" => (0.75, 0.05),
            "IL" => (0.25, 0.55),
            c if ARAB_COUNTRIES.contains(&c) => (0.6, 0.0),
            _ => (0.05, 0.02),
        };
        let x = self.rng.unit();
        if x < arabic {
            Script::Arabic
        } else if x < arabic + hebrew {
            Script::Hebrew
        } else {
            Script::Latin
        }
    }

    fn latin_word(&mut self, syllables: usize) -> String {
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(self.rng.pick::<&str>(LATIN_SYLLABLES));
        }
        let mut chars = w.chars();
        chars.next().map_or(String::new(), |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }

    fn script_word(&mut self, syllables: &[&str], n: usize) -> String {
        (0..n).map(|_| *self.rng.pick(syllables)).collect()
    }

    /// Name and description, per language.
    fn texts(
        &mut self,
        category: &CategorySlug,
        city: &CityEntry,
        script: Script,
    ) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let kinds = latin_kinds(category.as_str());
        let kind = *self.rng.pick(kinds);
        let syllables = 2 + self.rng.below(2);
        let word = self.latin_word(syllables);
        let latin_name = match self.rng.below(4) {
            0 => format!("{kind} {word}"),
            1 => format!("{word} {kind} of {}", city.name),
            _ => format!("{word} {kind}"),
        };
        let topic = *self.rng.pick(TOPICS_EN);
        let latin_desc = format!(
            "A {} in {} working on {topic}. {}",
            kind.to_lowercase(),
            city.name,
            self.rng.pick(CLOSINGS_EN)
        );
        let mut name = BTreeMap::new();
        let mut description = BTreeMap::new();
        match script {
            Script::Latin => {
                name.insert("en".to_owned(), latin_name);
                description.insert("en".to_owned(), latin_desc);
            }
            Script::Arabic => {
                let kind = *self.rng.pick(ARABIC_KINDS);
                let noun = *self.rng.pick(ARABIC_NOUNS);
                let n = 2 + self.rng.below(2);
                let word = self.script_word(ARABIC_SYLLABLES, n);
                let ar_name = match &city.arabic {
                    Some(place) if self.rng.chance(0.5) => format!("{kind} {noun} في {place}"),
                    _ => format!("{kind} {noun} {word}"),
                };
                let place = city.arabic.clone().unwrap_or_else(|| city.name.to_string());
                name.insert("ar".to_owned(), ar_name);
                description.insert(
                    "ar".to_owned(),
                    format!("نعمل في {place} من أجل {}.", self.rng.pick(ARABIC_TOPICS)),
                );
                if self.rng.chance(0.5) {
                    name.insert("en".to_owned(), latin_name);
                    description.insert("en".to_owned(), latin_desc);
                }
            }
            Script::Hebrew => {
                let kind = *self.rng.pick(HEBREW_KINDS);
                let noun = *self.rng.pick(HEBREW_NOUNS);
                let n = 2 + self.rng.below(2);
                let word = self.script_word(HEBREW_SYLLABLES, n);
                let place = city.hebrew.clone().unwrap_or_else(|| city.name.to_string());
                name.insert("he".to_owned(), format!("{kind} {noun} {word}"));
                description.insert(
                    "he".to_owned(),
                    format!("פועלים ב{place} למען {}.", self.rng.pick(HEBREW_TOPICS)),
                );
                if self.rng.chance(0.5) {
                    name.insert("en".to_owned(), latin_name);
                    description.insert("en".to_owned(), latin_desc);
                }
            }
        }
        (name, description)
    }

    fn tags(&mut self, script: Script) -> Vec<String> {
        let n = self.rng.below(4); // 0 to 3
        let list = match script {
            Script::Arabic if self.rng.chance(0.5) => ARABIC_TAGS,
            Script::Hebrew if self.rng.chance(0.5) => HEBREW_TAGS,
            _ => TAGS_EN,
        };
        let mut tags: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let t = (*self.rng.pick(list)).to_owned();
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        tags
    }

    fn languages(&mut self, country: CountryCode, script: Script) -> Vec<String> {
        let mut langs: Vec<&str> = Vec::with_capacity(3);
        match script {
            Script::Arabic => langs.push("ar"),
            Script::Hebrew => langs.push("he"),
            Script::Latin => {
                if let Some(local) = local_language(country) {
                    langs.push(local);
                }
            }
        }
        if langs.is_empty() || self.rng.chance(0.5) {
            langs.push("en");
        }
        if langs.len() < 3 && self.rng.chance(0.25) {
            langs.push(*self.rng.pick(OTHER_LANGUAGES));
        }
        langs.dedup();
        let mut out: Vec<String> = Vec::with_capacity(langs.len());
        for l in langs {
            if !out.iter().any(|o| o == l) {
                out.push(l.to_owned());
            }
        }
        out
    }
}

/// How [`load`] reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A bar on standard error when it is a terminal, else a log line per
    /// tenth.
    Show,
    /// Nothing (tests).
    Quiet,
}

/// Generates `count` published organisations with `seed` and stores them
/// with [`Store::bulk_insert`], `batch` per transaction. The next batch is
/// generated on a blocking thread while the current one is written.
pub async fn load(
    store: &dyn Store,
    cities: &Cities,
    count: usize,
    seed: u64,
    batch: usize,
    progress: Progress,
) -> anyhow::Result<usize> {
    let categories: Vec<CategorySlug> = store
        .categories()
        .await?
        .into_iter()
        .map(|c| c.category.slug)
        .collect();
    anyhow::ensure!(
        !categories.is_empty(),
        "the database has no categories; run `solidarity-map seed` or `serve` once first"
    );
    let batch = batch.max(1);
    let bar = Bar::new(count, progress);
    let started = Instant::now();
    let next_batch = |mut generator: Generator| {
        tokio::task::spawn_blocking(move || {
            let items: Vec<(OrgId, NewOrganization)> = generator.by_ref().take(batch).collect();
            (generator, items)
        })
    };
    let mut pending = next_batch(organizations(seed, count, &categories, cities));
    let mut stored = 0;
    loop {
        let (generator, items) = pending.await.context("generator thread failed")?;
        if items.is_empty() {
            break;
        }
        pending = next_batch(generator);
        stored += store.bulk_insert(&items, Status::Published).await?;
        bar.set(stored);
    }
    bar.finish();
    tracing::info!(
        count = stored,
        seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
        "generated organisations stored"
    );
    Ok(stored)
}

/// An indicatif bar when standard error is a terminal, else log lines.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    logged_tenths: std::cell::Cell<usize>,
    started: Instant,
    quiet: bool,
}

impl Bar {
    fn new(total: usize, progress: Progress) -> Self {
        let quiet = progress == Progress::Quiet;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{wide_bar} {human_pos}/{human_len} {per_sec} [{elapsed_precise}, ETA {eta}]",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            total,
            logged_tenths: std::cell::Cell::new(0),
            started: Instant::now(),
            quiet,
        }
    }

    fn set(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            return;
        }
        if self.quiet || self.total == 0 {
            return;
        }
        let tenths = done * 10 / self.total;
        if tenths > self.logged_tenths.get() {
            self.logged_tenths.set(tenths);
            let secs = self.started.elapsed().as_secs_f64();
            let rate = done as f64 / secs.max(1e-9);
            let eta = (self.total - done.min(self.total)) as f64 / rate.max(1e-9);
            tracing::info!(
                done,
                total = self.total,
                per_second = rate.round() as u64,
                eta_seconds = eta.round() as u64,
                "generating"
            );
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

const ARAB_COUNTRIES: &[&str] = &[
    "AE", "BH", "DZ", "EG", "IQ", "JO", "KW", "LB", "LY", "MA", "MR", "OM", "QA", "SA", "SD", "SY",
    "TN", "YE",
];

fn local_language(country: CountryCode) -> Option<&'static str> {
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

const OTHER_LANGUAGES: &[&str] = &["en", "fr", "es", "ar", "he", "de", "pt", "ru", "tr", "fa"];

const LATIN_SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "te", "sun", "vel", "dor", "an", "el", "ri", "sa", "no", "ta", "ber",
    "lin", "mar", "zo", "qui", "ne", "tu", "ha", "ser", "ob", "li", "ven", "ga", "pa", "do", "mo",
];

fn latin_kinds(category: &str) -> &'static [&'static str] {
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

const TOPICS_EN: &[&str] = &[
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

const CLOSINGS_EN: &[&str] = &[
    "Volunteers welcome.",
    "We meet every week.",
    "Founded by neighbours.",
    "Open to everyone.",
    "Run by volunteers since the 1990s.",
    "",
];

const TAGS_EN: &[&str] = &[
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

const ARABIC_KINDS: &[&str] = &["جمعية", "رابطة", "مركز", "شبكة", "ملتقى", "مبادرة", "اتحاد"];
const ARABIC_NOUNS: &[&str] = &[
    "الأمل",
    "الكرامة",
    "التضامن",
    "الغد",
    "الجسور",
    "الزيتون",
    "الحرية",
    "النور",
];
const ARABIC_SYLLABLES: &[&str] = &["نو", "را", "سل", "ما", "كر", "دا", "لي", "فا", "حي", "با"];
const ARABIC_TOPICS: &[&str] = &["التعليم", "حقوق الإنسان", "الثقافة", "الصحة", "الشباب"];
const ARABIC_TAGS: &[&str] = &["شباب", "تعليم", "صحة", "ثقافة", "نساء"];

const HEBREW_KINDS: &[&str] = &["עמותת", "מרכז", "רשת", "פורום", "קהילת", "ארגון"];
const HEBREW_NOUNS: &[&str] = &["גשרים", "שותפות", "תקווה", "אחווה", "שלום", "דרך", "קול"];
const HEBREW_SYLLABLES: &[&str] = &["נו", "רה", "של", "מי", "דן", "טל", "אור", "גל", "בר"];
const HEBREW_TOPICS: &[&str] = &["חינוך", "זכויות אדם", "תרבות", "שוויון", "צדק חברתי"];
const HEBREW_TAGS: &[&str] = &["נוער", "חינוך", "תרבות", "שוויון"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable() {
        // the reference sequence for seed 0
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
