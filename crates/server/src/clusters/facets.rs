//! The filters' counts (per category, country and working language) from
//! memory. At a million entries the database needed seconds to count them
//! for every page load, while the index already sees every change: so the
//! index keeps, beside each point, the few values the counts are about,
//! and the totals as entries come and go. The unfiltered map's counts then
//! cost a few lookups, and under a filter one pass over compact records
//! counts all three facets at once. Words (`q`) still need the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use smallvec::SmallVec;
use solidarity_map_cluster::PointId;
use solidarity_map_core::{CategorySlug, FacetCount, Facets, OrgFilter};

/// What the counts need of one published entry: its category's number in
/// the index, its country and its languages' numbers. Most entries work in
/// at most four languages, which then take no allocation of their own.
#[derive(Debug, Clone)]
struct Record {
    category: u8,
    country: [u8; 2],
    languages: SmallVec<[u16; 4]>,
}

/// The records by point id, language codes by number, and the totals.
#[derive(Debug, Default)]
pub(super) struct FacetTable {
    records: Vec<Option<Record>>,
    codes: Vec<String>,
    numbers: HashMap<String, u16>,
    categories: Vec<u64>,
    countries: HashMap<[u8; 2], u64>,
    languages: Vec<u64>,
}

/// A filter as numbers: `None` lets everything through.
struct Want {
    categories: Option<u64>,
    country: Option<[u8; 2]>,
    /// `Some(None)` asks for a language no entry works in.
    language: Option<Option<u16>>,
}

impl Want {
    fn category(&self, r: &Record) -> bool {
        self.categories.is_none_or(|m| m & (1 << r.category) != 0)
    }

    fn country(&self, r: &Record) -> bool {
        self.country.is_none_or(|c| c == r.country)
    }

    fn language(&self, r: &Record) -> bool {
        self.language
            .is_none_or(|l| l.is_some_and(|l| r.languages.contains(&l)))
    }

    fn is_everything(&self) -> bool {
        self.categories.is_none() && self.country.is_none() && self.language.is_none()
    }
}

impl FacetTable {
    /// Counts entry `p` with these values (in place of what it had).
    pub(super) fn set(&mut self, p: PointId, category: u8, country: [u8; 2], languages: &[String]) {
        self.clear(p);
        let languages: SmallVec<[u16; 4]> = languages.iter().map(|l| self.number(l)).collect();
        self.add_totals(category, country, &languages, 1);
        let slot = p.0 as usize;
        if self.records.len() <= slot {
            self.records.resize(slot + 1, None);
        }
        self.records[slot] = Some(Record {
            category,
            country,
            languages,
        });
    }

    /// Stops counting entry `p`.
    pub(super) fn clear(&mut self, p: PointId) {
        if let Some(old) = self.records.get_mut(p.0 as usize).and_then(Option::take) {
            self.add_totals(old.category, old.country, &old.languages, -1);
        }
    }

    /// Whether entry `p` works in the language `code`.
    pub(super) fn speaks(&self, p: PointId, code: &str) -> bool {
        let Some(n) = self.numbers.get(code) else {
            return false;
        };
        self.records
            .get(p.0 as usize)
            .and_then(Option::as_ref)
            .is_some_and(|r| r.languages.contains(n))
    }

    fn number(&mut self, code: &str) -> u16 {
        if let Some(n) = self.numbers.get(code) {
            return *n;
        }
        // codes are checked when written: there are a few hundred at most
        let n = u16::try_from(self.codes.len()).unwrap_or(u16::MAX);
        self.codes.push(code.to_owned());
        self.numbers.insert(code.to_owned(), n);
        n
    }

    fn add_totals(&mut self, category: u8, country: [u8; 2], languages: &[u16], by: i64) {
        let add = |total: &mut u64| *total = total.saturating_add_signed(by);
        let c = usize::from(category);
        if self.categories.len() <= c {
            self.categories.resize(c + 1, 0);
        }
        add(&mut self.categories[c]);
        add(self.countries.entry(country).or_default());
        for &l in languages {
            let l = usize::from(l);
            if self.languages.len() <= l {
                self.languages.resize(l + 1, 0);
            }
            add(&mut self.languages[l]);
        }
    }

    /// How many published entries each category has, by the index's
    /// number of the category (a number past the end has none): the
    /// running totals, kept as entries come and go.
    pub(super) fn category_totals(&self) -> &[u64] {
        &self.categories
    }

    /// The counts `Store::facets` gives for a filter without words: each
    /// facet under the filter's other conditions, never its own nor the
    /// box, largest first, then by code; a value with none is left out.
    /// `category_number` names the index's number of a category.
    pub(super) fn facets(
        &self,
        filter: &OrgFilter,
        slugs: &[CategorySlug],
        category_number: impl Fn(&str) -> Option<u8>,
    ) -> Facets {
        let want = Want {
            categories: (!filter.categories.is_empty()).then(|| {
                filter
                    .categories
                    .iter()
                    .filter_map(|c| category_number(c.as_str()))
                    .fold(0u64, |m, c| m | 1 << c)
            }),
            country: filter.country.as_ref().map(|c| {
                let b = c.as_str().as_bytes();
                [b[0], b[1]]
            }),
            language: filter
                .language
                .as_ref()
                .map(|l| self.numbers.get(l.as_str()).copied()),
        };
        let (categories, countries, languages) = if want.is_everything() {
            (
                self.categories.clone(),
                self.countries.clone(),
                self.languages.clone(),
            )
        } else {
            self.count(&want)
        };
        Facets {
            categories: sorted(
                categories
                    .iter()
                    .zip(slugs)
                    .map(|(n, slug)| (slug.as_str().to_owned(), *n)),
            ),
            countries: sorted(
                countries
                    .into_iter()
                    .map(|(c, n)| (String::from_utf8_lossy(&c).into_owned(), n)),
            ),
            languages: sorted(
                languages
                    .iter()
                    .zip(&self.codes)
                    .map(|(n, code)| (code.clone(), *n)),
            ),
        }
    }

    /// One pass over every record, each facet under the other conditions.
    /// Countries are counted in a flat table by their two letters (a hash
    /// per record would cost most of the pass).
    fn count(&self, want: &Want) -> (Vec<u64>, HashMap<[u8; 2], u64>, Vec<u64>) {
        let mut categories = vec![0u64; self.categories.len()];
        let mut by_letters = vec![0u64; 26 * 26];
        let mut other_countries: HashMap<[u8; 2], u64> = HashMap::new();
        let mut languages = vec![0u64; self.codes.len()];
        for r in self.records.iter().flatten() {
            let (category, country, language) =
                (want.category(r), want.country(r), want.language(r));
            if country && language {
                categories[usize::from(r.category)] += 1;
            }
            if category && language {
                match letters(r.country) {
                    Some(i) => by_letters[i] += 1,
                    None => *other_countries.entry(r.country).or_default() += 1,
                }
            }
            if category && country {
                for &l in &r.languages {
                    languages[usize::from(l)] += 1;
                }
            }
        }
        let mut countries = other_countries;
        for (i, n) in by_letters.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            countries.insert(country_of(i), n);
        }
        (categories, countries, languages)
    }
}

/// A country code's place in a table of 26 × 26 (codes are two capital
/// letters, checked when written).
fn letters(c: [u8; 2]) -> Option<usize> {
    let (a, b) = (c[0].wrapping_sub(b'A'), c[1].wrapping_sub(b'A'));
    (a < 26 && b < 26).then(|| usize::from(a) * 26 + usize::from(b))
}

/// The country code at a place of [`letters`]' table.
fn country_of(i: usize) -> [u8; 2] {
    // i < 676, so each part is below 26
    let part = |n: usize| b'A' + u8::try_from(n).unwrap_or(0);
    [part(i / 26), part(i % 26)]
}

/// Counts above zero, largest first, then by code (as the database orders
/// them).
fn sorted(counts: impl Iterator<Item = (String, u64)>) -> Vec<FacetCount> {
    let mut out: Vec<FacetCount> = counts
        .filter(|(_, n)| *n > 0)
        .map(|(code, count)| FacetCount { code, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    out
}

/// Counts made under filters, each kept with the generation of the index
/// it was made from: any change to the index starts a new generation, so
/// an answer is reused only while it is still exact. A filtered count is a
/// pass over every entry (milliseconds at a million); most visitors ask
/// the same few filters between two changes.
#[derive(Debug, Default)]
pub(super) struct FacetCache {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (u64, Facets)>>,
}

/// At most this many filters are remembered; then the cache starts over.
const CACHED_FILTERS: usize = 256;

impl FacetCache {
    /// The index is changing (called under its write lock).
    pub(super) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn get(&self, key: &str) -> Option<Facets> {
        let now = self.generation();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(made, _)| *made == now)
            .map(|(_, f)| f.clone())
    }

    pub(super) fn put(&self, key: String, generation: u64, facets: &Facets) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHED_FILTERS {
            entries.clear();
        }
        entries.insert(key, (generation, facets.clone()));
    }
}

/// What a count depends on: categories, country and language (the box
/// never narrows a count).
pub(super) fn key(filter: &OrgFilter) -> String {
    let mut categories: Vec<&str> = filter.categories.iter().map(|c| c.as_str()).collect();
    categories.sort_unstable();
    format!(
        "{}|{}|{}",
        categories.join(","),
        filter.country.as_ref().map_or("", |c| c.as_str()),
        filter.language.as_ref().map_or("", |l| l.as_str())
    )
}
