//! The gazetteer the organisations are placed by: GeoNames' cities with
//! their population (for where organisations cluster) and their Arabic and
//! Hebrew names (for names in those scripts).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use solidarity_map_core::{City, CountryCode, LatLon};

use super::SplitMix64;

/// The default gazetteer, relative to the working directory.
pub const DEFAULT_CITIES: &str = "data/cities.tsv";

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

    /// The Jerusalem of the gazetteer, when it has one.
    pub(super) fn jerusalem(&self) -> Option<&CityEntry> {
        self.jerusalem.map(|j| &self.list[j])
    }

    /// A city drawn with probability proportional to its population.
    pub(super) fn by_population(&self, rng: &mut SplitMix64) -> &CityEntry {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.list[i.min(self.list.len() - 1)]
    }

    /// Any city, whatever its size: for the scattered share.
    pub(super) fn uniform(&self, rng: &mut SplitMix64) -> &CityEntry {
        rng.pick(&self.list)
    }
}
