//! City names for the map where the basemap has none (beyond its zoom
//! levels, or everywhere without one): the largest cities in view, spaced
//! so that no two labels overlap, named in the visitor's language. The
//! browser writes them as text, so Arabic and Hebrew are shaped and run
//! right to left as everywhere else on the page.
//!
//! The gazetteer lists many Arabic- and Hebrew-script names per city
//! (Persian, Urdu and Yiddish among them, and old names), in no order. A
//! label takes the first name written in Arabic's own letters, or in
//! Hebrew's, unless `data/place-names.tsv` names the one people use.

use solidarity_map_core::{BBox, LatLon, PlaceLabel};

use super::gazetteer;

/// At most this many labels in one view.
pub const MAX_LABELS: usize = 40;
/// Two labels closer than this (pixels, across and down) would overlap:
/// the smaller city's is left out.
const SPACING: (f64, f64) = (110.0, 28.0);

pub(super) fn is_arabic_letter(c: char) -> bool {
    // hamza to yeh, and the vowel marks: Arabic's own letters, not the
    // ones Persian, Urdu or Uyghur add (پ, چ, ک, ی, ە…)
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{0652}')
}

pub(super) fn is_hebrew_letter(c: char) -> bool {
    matches!(c, '\u{05B0}'..='\u{05F4}')
}

/// The first of `names` made only of `letter`s (with spaces, hyphens and
/// apostrophes between words).
pub(super) fn first_in<'a>(
    names: impl Iterator<Item = &'a str>,
    letter: fn(char) -> bool,
) -> Option<String> {
    names
        .filter(|n| n.chars().any(letter))
        .find(|n| {
            n.chars()
                .all(|c| letter(c) || matches!(c, ' ' | '-' | '\''))
        })
        .map(str::to_owned)
}

/// Where `(lat, lon)` falls on the world at `zoom`, in pixels; `lon` is
/// first moved to at most 360° east of `west`, so a box across the
/// antimeridian measures its two sides together.
fn pixel(lat: f64, lon: f64, west: f64, zoom: u8) -> (f64, f64) {
    let world = 256.0 * f64::from(1u32 << zoom);
    let lon = if lon < west { lon + 360.0 } else { lon };
    let phi = lat.clamp(-85.05, 85.05).to_radians();
    let y = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0;
    ((lon - west) / 360.0 * world, y * world)
}

/// The labels for the view `bbox` at `zoom`, in `lang` (`ar`, `he`; any
/// other: the English names).
pub fn labels(bbox: &BBox, zoom: u8, lang: &str) -> Vec<PlaceLabel> {
    let mut placed: Vec<(f64, f64)> = Vec::new();
    let mut out = Vec::new();
    for entry in gazetteer() {
        let p = &entry.place;
        let Ok(at) = LatLon::new(p.lat, p.lon) else {
            continue;
        };
        if !bbox.contains(at) {
            continue;
        }
        let (x, y) = pixel(p.lat, p.lon, bbox.min_lon, zoom);
        if placed
            .iter()
            .any(|(px, py)| (px - x).abs() < SPACING.0 && (py - y).abs() < SPACING.1)
        {
            continue;
        }
        placed.push((x, y));
        let name = match lang {
            "ar" => entry.arabic.clone(),
            "he" => entry.hebrew.clone(),
            _ => None,
        };
        out.push(PlaceLabel {
            name: name.unwrap_or_else(|| p.name.clone()),
            lat: p.lat,
            lon: p.lon,
        });
        if out.len() == MAX_LABELS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(bbox: &str, zoom: u8, lang: &str) -> Vec<String> {
        let bbox = BBox::parse(bbox).unwrap();
        labels(&bbox, zoom, lang)
            .into_iter()
            .map(|l| l.name)
            .collect()
    }

    #[test]
    fn jerusalem_is_named_in_each_language() {
        let view = "35.0,31.6,35.4,31.95";
        assert_eq!(names(view, 11, "en")[0], "Jerusalem");
        assert_eq!(names(view, 11, "ar")[0], "القدس");
        assert_eq!(names(view, 11, "he")[0], "ירושלים");
        // the first Arabic-letter name, not a Persian one: تل أبيب
        let coast = "34.70,32.03,34.85,32.12";
        assert!(names(coast, 12, "ar").contains(&"تل أبيب".to_owned()));
    }

    #[test]
    fn labels_do_not_overlap_and_are_few() {
        let world = names("-180,-85,180,85", 3, "en");
        assert!(world.len() <= MAX_LABELS && world.len() >= 10, "{world:?}");
        // Shanghai, the largest, is in; its close neighbours are not
        assert_eq!(world[0], "Shanghai");
        let view = BBox::parse("34.0,31.0,36.0,33.0").unwrap();
        let ls = labels(&view, 9, "en");
        for (i, a) in ls.iter().enumerate() {
            for b in &ls[i + 1..] {
                let (ax, ay) = pixel(a.lat, a.lon, view.min_lon, 9);
                let (bx, by) = pixel(b.lat, b.lon, view.min_lon, 9);
                assert!(
                    (ax - bx).abs() >= SPACING.0 || (ay - by).abs() >= SPACING.1,
                    "{} and {} overlap",
                    a.name,
                    b.name
                );
            }
        }
    }

    #[test]
    fn a_view_across_the_antimeridian_has_both_sides() {
        let fiji_samoa = names("176,-20,-170,-12", 5, "en");
        // Fiji's largest city east of 180°, Samoa's capital west of it
        assert!(fiji_samoa.iter().any(|n| n == "Nasinu"), "{fiji_samoa:?}");
        assert!(fiji_samoa.iter().any(|n| n == "Apia"), "{fiji_samoa:?}");
    }

    #[test]
    fn only_arabic_letters_make_an_arabic_name() {
        let names = ["تلاویو", "تل آویو", "تل أبيب"];
        assert_eq!(
            first_in(names.into_iter(), is_arabic_letter).as_deref(),
            Some("تل أبيب")
        );
        assert_eq!(first_in(["London"].into_iter(), is_hebrew_letter), None);
    }
}
