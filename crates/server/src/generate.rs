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
//!
//! The generator is here; the gazetteer (`cities.rs`), the word lists
//! (`words.rs`), the PRNG (`rng.rs`) and the batched loading into a store
//! (`loading.rs`) are beside it.

mod cities;
mod loading;
mod rng;
mod words;

use std::collections::BTreeMap;

use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{CategorySlug, CountryCode, NewOrganization, OrgId, OrganizationInput};

pub use self::cities::{Cities, CityEntry, DEFAULT_CITIES};
pub use self::loading::{Progress, load};
pub use self::rng::SplitMix64;
use self::words::{
    ARAB_COUNTRIES, ARABIC_KINDS, ARABIC_NOUNS, ARABIC_SYLLABLES, ARABIC_TAGS, ARABIC_TOPICS,
    CLOSINGS_EN, HEBREW_KINDS, HEBREW_NOUNS, HEBREW_SYLLABLES, HEBREW_TAGS, HEBREW_TOPICS,
    LATIN_SYLLABLES, OTHER_LANGUAGES, TAGS_EN, TOPICS_EN, latin_kinds, local_language,
};

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
            && let Some(j) = self.cities.jerusalem()
        {
            (j.clone(), 3.0)
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
        let latin = (latin_name, latin_desc);
        match script {
            Script::Latin => {
                let (name, description) = latin;
                (texts("en", name), texts("en", description))
            }
            Script::Arabic => {
                let (kind, noun, word) =
                    self.script_name(ARABIC_KINDS, ARABIC_NOUNS, ARABIC_SYLLABLES);
                let ar_name = match &city.arabic {
                    Some(place) if self.rng.chance(0.5) => format!("{kind} {noun} في {place}"),
                    _ => format!("{kind} {noun} {word}"),
                };
                let place = city.arabic.clone().unwrap_or_else(|| city.name.to_string());
                let topic = self.rng.pick(ARABIC_TOPICS);
                let desc = format!("نعمل في {place} من أجل {topic}.");
                self.maybe_also_english(("ar", ar_name, desc), latin)
            }
            Script::Hebrew => {
                let (kind, noun, word) =
                    self.script_name(HEBREW_KINDS, HEBREW_NOUNS, HEBREW_SYLLABLES);
                let place = city.hebrew.clone().unwrap_or_else(|| city.name.to_string());
                let topic = self.rng.pick(HEBREW_TOPICS);
                let desc = format!("פועלים ב{place} למען {topic}.");
                self.maybe_also_english(("he", format!("{kind} {noun} {word}"), desc), latin)
            }
        }
    }

    /// A kind, a noun and a made-up word of two or three syllables, in a
    /// script other than Latin.
    fn script_name(
        &mut self,
        kinds: &[&'static str],
        nouns: &[&'static str],
        syllables: &[&str],
    ) -> (&'static str, &'static str, String) {
        let kind = *self.rng.pick(kinds);
        let noun = *self.rng.pick(nouns);
        let n = 2 + self.rng.below(2);
        (kind, noun, self.script_word(syllables, n))
    }

    /// Name and description in `lang`, and half the time in English too.
    fn maybe_also_english(
        &mut self,
        (lang, name, description): (&str, String, String),
        (en_name, en_description): (String, String),
    ) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let (mut names, mut descriptions) = (texts(lang, name), texts(lang, description));
        if self.rng.chance(0.5) {
            names.insert("en".to_owned(), en_name);
            descriptions.insert("en".to_owned(), en_description);
        }
        (names, descriptions)
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

/// One text in one language.
fn texts(lang: &str, text: String) -> BTreeMap<String, String> {
    BTreeMap::from([(lang.to_owned(), text)])
}
