//! The filters' counts (per category, country and working language) from
//! memory. At a million entries the database needed seconds to count them
//! for every page load, while the index already sees every change: so the
//! index keeps, beside each point, the few values the counts are about,
//! and the totals as entries come and go. The unfiltered map's counts then
//! cost a few lookups, and under a filter one pass over compact records
//! counts all three facets at once. Words (`q`) still need the database.

use std::collections::HashMap;

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
    fn count(&self, want: &Want) -> (Vec<u64>, HashMap<[u8; 2], u64>, Vec<u64>) {
        let mut categories = vec![0u64; self.categories.len()];
        let mut countries: HashMap<[u8; 2], u64> = HashMap::new();
        let mut languages = vec![0u64; self.codes.len()];
        for r in self.records.iter().flatten() {
            let (category, country, language) =
                (want.category(r), want.country(r), want.language(r));
            if country && language {
                categories[usize::from(r.category)] += 1;
            }
            if category && language {
                *countries.entry(r.country).or_default() += 1;
            }
            if category && country {
                for &l in &r.languages {
                    languages[usize::from(l)] += 1;
                }
            }
        }
        (categories, countries, languages)
    }
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
