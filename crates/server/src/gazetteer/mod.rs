//! The offline gazetteer: GeoNames cities over 15 000 people (CC BY 4.0,
//! `data/cities.tsv`) with their Arabic- and Hebrew-script names, and for
//! the cities around Jerusalem the names people use in Arabic and Hebrew
//! and their Latin spellings (`data/place-names.tsv`: al-Quds, Yafo…).
//! Loaded once, searched in memory; nothing leaves the server.
//!
//! It serves three needs: a group places itself by typing its city in any
//! script ([`search`]); a search for organisations in one city finds them
//! whichever name they gave it ([`same_place`]); and the map writes city
//! names where it has no basemap ([`labels`]).

mod labels;

use std::collections::HashMap;
use std::sync::OnceLock;

use solidarity_map_core::Place;
use solidarity_map_core::text::normalize_for_search;

pub use labels::labels;

const CITIES: &str = include_str!("../../../../data/cities.tsv");
const CHOSEN_NAMES: &str = include_str!("../../../../data/place-names.tsv");
/// At most this many suggestions for a typed name.
const MAX_RESULTS: usize = 8;
/// A name shared by more cities than this (San José…) says too little
/// about which one is meant to widen a search.
const MAX_SAME_NAMED: usize = 3;

/// A city and all its names.
struct Entry {
    place: Place,
    /// Every name, folded for search, with the name as written: the
    /// English one first.
    names: Vec<(String, String)>,
    /// The name a label uses in Arabic and in Hebrew, if known.
    arabic: Option<String>,
    hebrew: Option<String>,
    /// The names a search for this city also looks for, folded: the
    /// English, Arabic and Hebrew names and the known Latin spellings, not
    /// every old or foreign name (Jerusalem's include "Zion" and "Shalem",
    /// which would find much else).
    known: Vec<String>,
}

/// What `data/place-names.tsv` says of one city.
struct Chosen {
    arabic: &'static str,
    hebrew: &'static str,
    /// Latin spellings besides the gazetteer's English name.
    latin: Vec<&'static str>,
}

/// `data/place-names.tsv` by (name, country).
fn chosen() -> HashMap<(&'static str, &'static str), Chosen> {
    CHOSEN_NAMES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let key = (f.next()?, f.next()?);
            let chosen = Chosen {
                arabic: f.next()?,
                hebrew: f.next()?,
                latin: f
                    .next()
                    .unwrap_or("")
                    .split('|')
                    .filter(|n| !n.is_empty())
                    .collect(),
            };
            Some((key, chosen))
        })
        .collect()
}

fn gazetteer() -> &'static [Entry] {
    static CELL: OnceLock<Vec<Entry>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut chosen = chosen();
        CITIES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|line| {
                let mut f = line.split('\t');
                let name: &'static str = f.next()?;
                let lat = f.next()?.parse().ok()?;
                let lon = f.next()?.parse().ok()?;
                let country: &'static str = f.next()?;
                let population = f.next()?.parse().ok()?;
                let others: Vec<&str> = f
                    .next()
                    .unwrap_or("")
                    .split('|')
                    .filter(|a| !a.is_empty())
                    .collect();
                let choice = chosen.remove(&(name, country));
                let (arabic, hebrew) = match &choice {
                    Some(c) => (Some(c.arabic.to_owned()), Some(c.hebrew.to_owned())),
                    None => (
                        labels::first_in(others.iter().copied(), labels::is_arabic_letter),
                        labels::first_in(others.iter().copied(), labels::is_hebrew_letter),
                    ),
                };
                let mut names = vec![name];
                names.extend(others);
                if let Some(c) = &choice {
                    names.extend([c.arabic, c.hebrew]);
                    names.extend(c.latin.iter().copied());
                }
                let mut known: Vec<String> = Vec::new();
                for n in [Some(name), arabic.as_deref(), hebrew.as_deref()]
                    .into_iter()
                    .flatten()
                    .chain(choice.iter().flat_map(|c| c.latin.iter().copied()))
                {
                    let key = normalize_for_search(n);
                    if !known.contains(&key) {
                        known.push(key);
                    }
                }
                let mut folded: Vec<(String, String)> = Vec::new();
                for n in names {
                    let key = normalize_for_search(n);
                    if !folded.iter().any(|(k, _)| *k == key) {
                        folded.push((key, n.to_owned()));
                    }
                }
                Some(Entry {
                    place: Place {
                        name: name.to_owned(),
                        matched: None,
                        country: country.to_owned(),
                        lat,
                        lon,
                        population,
                    },
                    names: folded,
                    arabic,
                    hebrew,
                    known,
                })
            })
            .collect()
    })
}

/// Cities whose name (in any script or spelling) starts with `q`, the
/// largest first (the file is sorted by population).
pub fn search(q: &str) -> Vec<Place> {
    let q = normalize_for_search(q);
    if q.is_empty() {
        return Vec::new();
    }
    gazetteer()
        .iter()
        .filter_map(|e| {
            let (_, written) = e.names.iter().find(|(folded, _)| folded.starts_with(&q))?;
            let mut place = e.place.clone();
            if *written != place.name {
                place.matched = Some(written.clone());
            }
            Some(place)
        })
        .take(MAX_RESULTS)
        .collect()
}

/// Every folded name to the cities that bear it, built once: every search
/// with words asks [`same_place`], the map's clusters on every move.
fn by_name() -> &'static HashMap<String, Vec<usize>> {
    static CELL: OnceLock<HashMap<String, Vec<usize>>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in gazetteer().iter().enumerate() {
            for (folded, _) in &e.names {
                index.entry(folded.clone()).or_default().push(i);
            }
        }
        index
    })
}

/// When `q` is the whole name of a city in some language ("ירושלים",
/// "al-Quds"), its known names in the others (English, Arabic, Hebrew,
/// Latin spellings), folded for search: a search for one finds
/// organisations that wrote another. Empty when `q` names no city, or
/// names more than a few (then it says too little).
pub fn same_place(q: &str) -> Vec<String> {
    let q = normalize_for_search(q);
    if q.chars().count() < 3 {
        return Vec::new();
    }
    let Some(found) = by_name().get(&q) else {
        return Vec::new();
    };
    let cities: Vec<&Entry> = found.iter().map(|&i| &gazetteer()[i]).collect();
    if cities.len() > MAX_SAME_NAMED {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for folded in cities.iter().flat_map(|e| &e.known) {
        if *folded != q && folded.chars().count() >= 3 && !out.contains(folded) {
            out.push(folded.clone());
        }
    }
    out
}

/// How far from a point the nearest city may be to name it: beyond, the
/// point is in no city the gazetteer knows.
const NEAREST_KM: f64 = 30.0;

/// The city nearest to (`lat`, `lon`), within 30 km: what a click on the
/// join form's map fills in as the group's city and country (the group
/// may still correct both).
pub fn nearest(lat: f64, lon: f64) -> Option<Place> {
    let km = |p: &Place| {
        // the equirectangular distance: exact enough within 30 km
        let dlon = ((p.lon - lon + 540.0) % 360.0 - 180.0).to_radians();
        let x = dlon * ((p.lat + lat) / 2.0).to_radians().cos();
        let y = (p.lat - lat).to_radians();
        6371.0 * (x * x + y * y).sqrt()
    };
    gazetteer()
        .iter()
        .map(|e| (km(&e.place), e))
        .filter(|(d, _)| *d <= NEAREST_KM)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, e)| e.place.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cities_in_three_scripts_and_their_latin_spellings() {
        let ar = search("القدس");
        assert_eq!(ar[0].name, "Jerusalem", "{ar:?}");
        assert_eq!(ar[0].matched.as_deref(), Some("القدس"));
        let he = search("ירושלים");
        assert!(he.iter().any(|p| p.name == "Jerusalem"), "{he:?}");
        let en = search("ramal");
        assert!(
            en.iter().any(|p| p.name == "Ramallah" && p.country == "PS"),
            "{en:?}"
        );
        assert_eq!(search("lond")[0].name, "London");
        assert_eq!(search("Yafo")[0].name, "Jaffa");
        assert_eq!(search("al-Quds")[0].name, "Jerusalem");
        assert!(search("").is_empty());
        assert!(search("zzzzqqq").is_empty());
        assert!(search("a").len() <= MAX_RESULTS);
    }

    #[test]
    fn a_citys_name_in_one_language_brings_its_names_in_the_others() {
        for q in ["Jerusalem", "القدس", "ירושלים", "al-Quds", "AL QUDS"] {
            let also = same_place(q);
            for name in ["jerusalem", "القدس", "ירושלים", "al quds"] {
                let name = normalize_for_search(name);
                let q = normalize_for_search(q);
                assert!(
                    name == q || also.contains(&name),
                    "{q}: {also:?} lacks {name}"
                );
            }
        }
        // not every old name: "Zion" would find much besides the city
        assert!(!same_place("Jerusalem").contains(&normalize_for_search("ציון")));
        // no city, a fragment, or too common a name: nothing added
        assert!(same_place("solidarity").is_empty());
        assert!(same_place("jer").is_empty());
        assert!(same_place("").is_empty());
    }

    #[test]
    fn a_point_is_named_by_the_nearest_city_within_reach() {
        assert_eq!(nearest(31.7691, 35.2162).unwrap().name, "Jerusalem");
        assert_eq!(nearest(51.507, -0.128).unwrap().name, "London");
        // across the antimeridian: Fiji's Labasa from just east of 180°
        assert!(nearest(-16.43, 179.36).is_some());
        // the middle of the Atlantic is no city
        assert_eq!(nearest(30.0, -40.0), None);
    }

    #[test]
    fn every_chosen_name_is_a_city_of_the_gazetteer() {
        let chosen = chosen();
        assert!(chosen.len() >= 20);
        for (name, country) in chosen.keys() {
            assert!(
                gazetteer()
                    .iter()
                    .any(|e| e.place.name == *name && e.place.country == *country),
                "data/place-names.tsv: {name} ({country}) is not in cities.tsv"
            );
        }
    }
}
