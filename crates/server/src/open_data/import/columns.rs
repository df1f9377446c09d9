//! The column mapping: which of a record's columns is which of our fields,
//! and how a row's values become an [`OrganizationInput`], checked with
//! the same rules as the join form.
//!
//! Kept apart from the readers (`read.rs`): the mapping knows nothing of
//! CSV or GeoJSON, only of named values, so one set of rules (and of
//! messages) serves every format. Each problem names the row and our
//! field, so that whoever fixes the file knows where to look.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{CategorySlug, LangCode, OrgId, OrganizationInput};

use super::read::{Record, Value};
use super::{ImportError, Options, Problem};
use crate::open_data::LIST_SEPARATOR;
use crate::open_data::presets::{Preset, SKIP};
use crate::store::ExternalOrg;

/// Fields a `--default` may fill.
const DEFAULTABLE: [&str; 4] = ["category", "city", "country", "precision"];

/// One of our fields, as `--map` and our own columns name them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Id,
    Name(Option<LangCode>),
    Description(Option<LangCode>),
    Category,
    City,
    Country,
    Lat,
    Lon,
    Precision,
    Website,
    Links,
    Languages,
    Tags,
    ContactEmail,
    /// Known, not imported.
    Skip,
}

impl Field {
    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let lang = |l: &str| LangCode::parse(l).ok().map(Some);
        Some(match raw {
            "id" => Field::Id,
            "name" => Field::Name(None),
            "description" => Field::Description(None),
            "category" => Field::Category,
            "city" => Field::City,
            "country" => Field::Country,
            "lat" => Field::Lat,
            "lon" => Field::Lon,
            "precision" => Field::Precision,
            "website" => Field::Website,
            "links" => Field::Links,
            "languages" => Field::Languages,
            "tags" => Field::Tags,
            "contact_email" => Field::ContactEmail,
            // set by the store, not by a file; an export's source columns
            // name the map an entry came from, which an import cannot be
            "updated_at" | "last_confirmed" | "stale" | "source" | "source_url"
            | "source_license" | SKIP => Field::Skip,
            _ => {
                if let Some(l) = raw.strip_prefix("name.") {
                    Field::Name(lang(l)?)
                } else if let Some(l) = raw.strip_prefix("description.") {
                    Field::Description(lang(l)?)
                } else {
                    return None;
                }
            }
        })
    }
}

/// Which column is which field, and what fills empty fields.
pub(super) struct Mapping {
    columns: HashMap<String, Field>,
    skipped_prefixes: &'static [&'static str],
    defaults: BTreeMap<String, String>,
    separator: char,
    lang: LangCode,
}

impl Mapping {
    pub(super) fn new(options: &Options, preset: Option<Preset>) -> Result<Self, ImportError> {
        let mut columns = HashMap::new();
        if let Some(p) = preset {
            for (column, field) in p.columns() {
                if let Some(f) = Field::parse(field) {
                    columns.insert((*column).to_owned(), f);
                }
            }
        }
        // --map wins over the preset
        for pair in &options.map {
            let (column, field) = pair.split_once('=').ok_or_else(|| {
                ImportError::Options(format!("--map {pair}: expected COLUMN=FIELD"))
            })?;
            let f = Field::parse(field).ok_or_else(|| {
                ImportError::Options(format!(
                    "--map {pair}: {field:?} is not a field; fields are id, name, name.LANG, \
                     description, description.LANG, category, city, country, lat, lon, \
                     precision, website, links, languages, tags, contact_email, or - to skip"
                ))
            })?;
            columns.insert(column.trim().to_owned(), f);
        }
        let mut defaults = BTreeMap::new();
        for pair in &options.defaults {
            let (field, value) = pair
                .split_once('=')
                .filter(|(f, _)| DEFAULTABLE.contains(&f.trim()))
                .ok_or_else(|| {
                    ImportError::Options(format!(
                        "--default {pair}: expected FIELD=VALUE, FIELD one of {}",
                        DEFAULTABLE.join(", ")
                    ))
                })?;
            defaults.insert(field.trim().to_owned(), value.trim().to_owned());
        }
        let lang = LangCode::parse(options.lang.as_deref().unwrap_or("en"))
            .map_err(|e| ImportError::Options(format!("--lang: {}", e.message)))?;
        Ok(Self {
            columns,
            skipped_prefixes: preset.map_or(&[], |p| p.skipped_prefixes()),
            defaults,
            separator: preset.map_or(LIST_SEPARATOR, |p| p.separator()),
            lang,
        })
    }

    fn field(&self, key: &str) -> Option<Field> {
        if let Some(f) = self.columns.get(key) {
            return Some(f.clone());
        }
        if self.skipped_prefixes.iter().any(|p| key.starts_with(p)) {
            return Some(Field::Skip);
        }
        Field::parse(key)
    }

    /// One record as an organisation to store, and its problems.
    pub(super) fn row(
        &self,
        record: Record,
        known: &[CategorySlug],
        ignored: &mut BTreeSet<String>,
    ) -> (Option<ExternalOrg>, Vec<Problem>) {
        let place = record.place;
        let mut problems = record.problems;
        if !problems.is_empty() {
            return (None, problems);
        }
        let problem = |field: &str, message: String| Problem {
            place,
            field: field.to_owned(),
            message,
        };
        let mut input = OrganizationInput::default();
        let mut external_id = None;
        let (mut lat, mut lon) = (None, None);
        match record.point {
            Some(Ok(p)) => (lat, lon) = (Some(p.lat), Some(p.lon)),
            Some(Err(message)) => problems.push(problem("location", message)),
            None => {}
        }
        for (key, value) in record.entries {
            let Some(field) = self.field(&key) else {
                ignored.insert(key);
                continue;
            };
            let text = match &value {
                Value::Text(t) => t.trim().to_owned(),
                Value::List(items) => items.join(&self.separator.to_string()),
            };
            let list = || match &value {
                Value::List(items) => items.clone(),
                Value::Text(t) => t
                    .split(self.separator)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            };
            if text.is_empty() && !matches!(field, Field::Skip) {
                continue;
            }
            let number = |axis: &str| {
                text.parse::<f64>().map_err(|_| {
                    problem(
                        &format!("location.{axis}"),
                        format!("{text:?} is not a number"),
                    )
                })
            };
            match field {
                Field::Skip => {}
                Field::Id => external_id = Some(text),
                Field::Name(lang) => {
                    let lang = lang.unwrap_or_else(|| self.language_of(&text));
                    input.name.insert(lang.to_string(), text);
                }
                Field::Description(lang) => {
                    let lang = lang.unwrap_or_else(|| self.language_of(&text));
                    input.description.insert(lang.to_string(), text);
                }
                Field::Category => input.category = text,
                Field::City => input.city = text,
                Field::Country => input.country = text,
                Field::Lat => match number("lat") {
                    Ok(v) => lat = Some(v),
                    Err(p) => problems.push(p),
                },
                Field::Lon => match number("lon") {
                    Ok(v) => lon = Some(v),
                    Err(p) => problems.push(p),
                },
                Field::Precision => input.precision = Some(text),
                Field::Website => input.website = Some(text),
                Field::Links => input.links.extend(list()),
                Field::Languages => input.languages.extend(list()),
                Field::Tags => input.tags.extend(list()),
                Field::ContactEmail => input.contact_email = Some(text),
            }
        }
        for (field, value) in &self.defaults {
            let slot = match field.as_str() {
                "category" => &mut input.category,
                "city" => &mut input.city,
                "country" => &mut input.country,
                _ => input.precision.get_or_insert_with(String::new),
            };
            if slot.trim().is_empty() {
                slot.clone_from(value);
            }
        }
        if let (Some(lat), Some(lon)) = (lat, lon) {
            input.location = Some(RawLocation { lat, lon });
        }
        if external_id.is_none() {
            problems.push(problem(
                "id",
                "is required: each row needs its id in the source (an id column, or \
                 --map COLUMN=id)"
                    .into(),
            ));
        }
        // the same rules as the join form and the API
        let org = match input.validate() {
            Ok(org) => Some(org),
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| problem(&e.field, e.message)));
                None
            }
        };
        if let Some(org) = &org
            && !known.contains(&org.category)
        {
            let names: Vec<&str> = known.iter().map(CategorySlug::as_str).collect();
            problems.push(problem(
                "category",
                format!(
                    "unknown category \"{}\" (one of {})",
                    org.category,
                    names.join(", ")
                ),
            ));
        }
        match (org, external_id) {
            (Some(org), Some(external_id)) if problems.is_empty() => (
                Some(ExternalOrg {
                    id: external_id.parse::<OrgId>().ok(),
                    external_id,
                    org,
                }),
                problems,
            ),
            _ => (None, problems),
        }
    }

    /// Arabic or Hebrew when most letters are, else `--lang`.
    fn language_of(&self, text: &str) -> LangCode {
        let (mut arabic, mut hebrew, mut other) = (0usize, 0usize, 0usize);
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            match c {
                '\u{0600}'..='\u{06FF}'
                | '\u{0750}'..='\u{077F}'
                | '\u{08A0}'..='\u{08FF}'
                | '\u{FB50}'..='\u{FDFF}'
                | '\u{FE70}'..='\u{FEFF}' => arabic += 1,
                '\u{0590}'..='\u{05FF}' | '\u{FB1D}'..='\u{FB4F}' => hebrew += 1,
                _ => other += 1,
            }
        }
        let code = if arabic > hebrew + other {
            "ar"
        } else if hebrew > arabic + other {
            "he"
        } else {
            return self.lang.clone();
        };
        LangCode::parse(code).unwrap_or_else(|_| self.lang.clone())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::open_data::import::Place;

    /// A CSV record at spreadsheet row `row`.
    fn record(row: usize, cells: &[(&str, &str)]) -> Record {
        Record {
            place: Place::Row(row),
            entries: cells
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Text((*v).to_owned())))
                .collect(),
            point: None,
            problems: Vec::new(),
        }
    }

    /// The columns of a row that maps without problems.
    const VALID: [(&str, &str); 8] = [
        ("id", "row-1"),
        ("name", "Food Not Bombs"),
        ("description", "Vegan meals in the park"),
        ("category", "food"),
        ("city", "Berlin"),
        ("country", "DE"),
        ("lat", "52.52"),
        ("lon", "13.40"),
    ];

    /// `VALID` with `changes`: a column replaced, added, or (with a
    /// value of `None`) removed.
    fn valid_with(
        changes: &[(&'static str, Option<&'static str>)],
    ) -> Vec<(&'static str, &'static str)> {
        let mut cells: Vec<_> = VALID
            .iter()
            .copied()
            .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
            .collect();
        cells.extend(changes.iter().filter_map(|(k, v)| v.map(|v| (*k, v))));
        cells
    }

    fn known() -> Vec<CategorySlug> {
        ["food", "media"]
            .iter()
            .map(|s| CategorySlug::parse(s).expect("a slug"))
            .collect()
    }

    struct Mapped {
        row: Option<ExternalOrg>,
        problems: Vec<Problem>,
        ignored: BTreeSet<String>,
    }

    fn map_with(options: &Options, record: Record) -> Mapped {
        let mapping = Mapping::new(options, None).expect("valid options");
        let mut ignored = BTreeSet::new();
        let (row, problems) = mapping.row(record, &known(), &mut ignored);
        Mapped {
            row,
            problems,
            ignored,
        }
    }

    fn map(cells: &[(&str, &str)]) -> Mapped {
        map_with(&Options::default(), record(2, cells))
    }

    /// The organisation of a row that must map without problems, as JSON.
    fn org_json(cells: &[(&str, &str)]) -> serde_json::Value {
        let mapped = map(cells);
        assert_eq!(mapped.problems, [], "{cells:?}");
        let row = mapped.row.expect("a row");
        serde_json::to_value(&row.org).expect("JSON")
    }

    fn problem(row: usize, field: &str, message: &str) -> Problem {
        Problem {
            place: Place::Row(row),
            field: field.to_owned(),
            message: message.to_owned(),
        }
    }

    #[test]
    fn every_column_kind_fills_its_field() {
        let mut cells = VALID.to_vec();
        cells.extend([
            ("name.ar", "طعام لا قنابل"),
            ("description.de", "Vegane Mahlzeiten im Park"),
            ("precision", "neighbourhood"),
            ("website", "https://example.org"),
            ("links", "https://a.example.org|https://b.example.org"),
            ("languages", "de|en"),
            ("tags", "food|solidarity"),
            ("contact_email", "hello@example.org"),
        ]);
        let mapped = map(&cells);
        assert_eq!(mapped.problems, []);
        assert!(mapped.ignored.is_empty(), "{:?}", mapped.ignored);
        let row = mapped.row.expect("a row");
        assert_eq!(row.external_id, "row-1");
        assert_eq!(row.id, None, "row-1 is not one of our ids");
        assert_eq!(row.org.location.lat(), 52.52);
        assert_eq!(row.org.location.lon(), 13.40);
        let org = serde_json::to_value(&row.org).expect("JSON");
        assert_eq!(
            org["name"],
            json!({"en": "Food Not Bombs", "ar": "طعام لا قنابل"})
        );
        assert_eq!(
            org["description"],
            json!({"en": "Vegan meals in the park", "de": "Vegane Mahlzeiten im Park"})
        );
        assert_eq!(org["category"], "food");
        assert_eq!(org["city"], "Berlin");
        assert_eq!(org["country"], "DE");
        assert_eq!(org["precision"], "neighbourhood");
        assert_eq!(org["website"], "https://example.org/");
        assert_eq!(
            org["links"],
            json!(["https://a.example.org/", "https://b.example.org/"])
        );
        assert_eq!(org["languages"], json!(["de", "en"]));
        assert_eq!(org["tags"], json!(["food", "solidarity"]));
        assert_eq!(org["contact_email"], "hello@example.org");
    }

    #[test]
    fn an_id_that_is_one_of_ours_keeps_it() {
        const OURS: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let row = map(&valid_with(&[("id", Some(OURS))])).row.expect("a row");
        assert_eq!(row.id.map(|id| id.to_string()).as_deref(), Some(OURS));
        assert_eq!(row.external_id, OURS);
    }

    #[test]
    fn a_bad_number_names_the_row_and_the_field() {
        let mapped = map_with(
            &Options::default(),
            record(
                7,
                &valid_with(&[("lat", Some("north")), ("lon", Some("1,5"))]),
            ),
        );
        assert!(mapped.row.is_none());
        assert_eq!(
            mapped.problems[..2],
            [
                problem(7, "location.lat", "\"north\" is not a number"),
                problem(7, "location.lon", "\"1,5\" is not a number"),
            ]
        );
        assert_eq!(
            mapped.problems[0].to_string(),
            "row 7: location.lat: \"north\" is not a number"
        );
    }

    #[test]
    fn values_are_checked_by_core_and_named_by_our_field() {
        let mapped = map(&valid_with(&[
            ("country", Some("Germany")),
            ("website", Some("not a url")),
        ]));
        assert!(mapped.row.is_none());
        let fields: Vec<&str> = mapped.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["country", "website"], "{:?}", mapped.problems);
        assert!(mapped.problems.iter().all(|p| p.place == Place::Row(2)));
    }

    #[test]
    fn an_unknown_category_names_the_known_ones() {
        let mapped = map(&valid_with(&[("category", Some("sports"))]));
        assert!(mapped.row.is_none());
        assert_eq!(
            mapped.problems,
            [problem(
                2,
                "category",
                "unknown category \"sports\" (one of food, media)"
            )]
        );
    }

    #[test]
    fn a_row_needs_an_id() {
        for id in [None, Some(""), Some("   ")] {
            let mapped = map(&valid_with(&[("id", id)]));
            assert!(mapped.row.is_none(), "{id:?}");
            assert_eq!(mapped.problems.len(), 1, "{:?}", mapped.problems);
            assert_eq!(mapped.problems[0].field, "id");
            assert!(
                mapped.problems[0].message.starts_with("is required"),
                "{:?}",
                mapped.problems
            );
        }
    }

    #[test]
    fn blank_cells_are_left_out() {
        let org = org_json(&valid_with(&[
            ("name.de", Some("  ")),
            ("description.de", Some("")),
            ("precision", Some("")),
            ("website", Some(" ")),
            ("tags", Some(" | |")),
        ]));
        assert_eq!(org["name"], json!({"en": "Food Not Bombs"}));
        assert_eq!(org["description"], json!({"en": "Vegan meals in the park"}));
        assert_eq!(org["precision"], "city", "the default precision");
        assert_eq!(org["website"], serde_json::Value::Null);
        assert_eq!(org["tags"], json!([]));
        // a blank location is a missing one
        let mapped = map(&valid_with(&[("lat", Some("")), ("lon", Some(" "))]));
        assert!(mapped.row.is_none());
        assert_eq!(mapped.problems.len(), 1, "{:?}", mapped.problems);
        assert_eq!(mapped.problems[0].field, "location");
    }

    #[test]
    fn cells_are_trimmed_and_lists_split() {
        let org = org_json(&valid_with(&[
            ("city", Some("  Berlin ")),
            ("tags", Some(" food | solidarity ||")),
        ]));
        assert_eq!(org["city"], "Berlin");
        assert_eq!(org["tags"], json!(["food", "solidarity"]));
    }

    #[test]
    fn a_geojson_list_is_taken_as_it_is() {
        let mut rec = record(2, &VALID);
        rec.entries.push((
            "tags".to_owned(),
            Value::List(vec!["Food".to_owned(), " mutual | aid ".to_owned()]),
        ));
        let row = map_with(&Options::default(), rec).row.expect("a row");
        // each item is a tag: the separator splits text cells only
        let tags: Vec<&str> = row.org.tags.iter().map(|t| t.as_str()).collect();
        assert_eq!(tags, ["food", "mutual | aid"]);
    }

    #[test]
    fn a_geojson_point_is_the_location() {
        let cells = valid_with(&[("lat", None), ("lon", None)]);
        let mut rec = record(2, &cells);
        rec.place = Place::Feature(0);
        rec.point = Some(Ok(RawLocation {
            lat: 31.78,
            lon: 35.22,
        }));
        let row = map_with(&Options::default(), rec).row.expect("a row");
        assert_eq!(row.org.location.lat(), 31.78);
        assert_eq!(row.org.location.lon(), 35.22);

        let mut rec = record(2, &cells);
        rec.place = Place::Feature(3);
        rec.point = Some(Err("only Point geometries can be imported".to_owned()));
        let mapped = map_with(&Options::default(), rec);
        assert!(mapped.row.is_none());
        assert_eq!(
            mapped.problems[0],
            Problem {
                place: Place::Feature(3),
                field: "location".to_owned(),
                message: "only Point geometries can be imported".to_owned(),
            }
        );
    }

    #[test]
    fn a_record_the_reader_could_not_read_is_not_mapped() {
        let mut rec = record(4, &VALID);
        rec.problems.push(problem(4, "row", "is not UTF-8 text"));
        let mapped = map_with(&Options::default(), rec);
        assert!(mapped.row.is_none());
        assert_eq!(mapped.problems, [problem(4, "row", "is not UTF-8 text")]);
        assert!(mapped.ignored.is_empty());
    }

    #[test]
    fn unknown_columns_are_ignored_and_skipped_ones_not() {
        // no field of ours; no language code; set by the store, not a file
        let extra = [
            ("colour", "green"),
            ("name.english", "not a language code"),
            ("updated_at", "2020-01-01"),
        ];
        let mapped = map(&[&VALID[..], &extra].concat());
        assert_eq!(mapped.problems, []);
        assert!(mapped.row.is_some());
        assert_eq!(
            mapped.ignored.into_iter().collect::<Vec<_>>(),
            ["colour", "name.english"]
        );
    }

    #[test]
    fn map_names_columns_and_defaults_fill_blanks() {
        let options = Options {
            map: vec![
                "Titel=name.de".into(),
                "Text=description.de".into(),
                " Ort = city".into(),
                "Notiz=-".into(),
            ],
            defaults: vec!["country=DE".into(), "category = food".into()],
            ..Options::default()
        };
        let cells = [
            ("id", "x"),
            ("Titel", "Tafel"),
            ("Text", "Lebensmittel retten"),
            ("Ort", "Köln"),
            ("Notiz", "anything"),
            ("category", " "),
            ("lat", "50.94"),
            ("lon", "6.96"),
        ];
        let mapped = map_with(&options, record(2, &cells));
        assert_eq!(mapped.problems, []);
        assert!(mapped.ignored.is_empty(), "{:?}", mapped.ignored);
        let org = serde_json::to_value(&mapped.row.expect("a row").org).expect("JSON");
        assert_eq!(org["name"], json!({"de": "Tafel"}));
        assert_eq!(org["city"], "Köln");
        assert_eq!(org["country"], "DE");
        assert_eq!(org["category"], "food");
        // a default never replaces a value the row has
        let options = Options {
            defaults: vec!["city=Hamburg".into()],
            ..Options::default()
        };
        let org = map_with(&options, record(2, &VALID))
            .row
            .expect("a row")
            .org;
        assert_eq!(org.city.as_str(), "Berlin");
    }

    #[test]
    fn bad_options_are_refused() {
        for (options, start) in [
            (
                Options {
                    map: vec!["Titel".into()],
                    ..Options::default()
                },
                "--map Titel: expected COLUMN=FIELD",
            ),
            (
                Options {
                    map: vec!["Titel=title".into()],
                    ..Options::default()
                },
                "--map Titel=title: \"title\" is not a field",
            ),
            (
                Options {
                    defaults: vec!["website=https://example.org".into()],
                    ..Options::default()
                },
                "--default website=https://example.org: expected FIELD=VALUE",
            ),
            (
                Options {
                    lang: Some("english".into()),
                    ..Options::default()
                },
                "--lang: ",
            ),
        ] {
            match Mapping::new(&options, None) {
                Err(ImportError::Options(message)) => {
                    assert!(message.starts_with(start), "{message}");
                }
                Err(e) => panic!("{e}"),
                Ok(_) => panic!("{options:?} accepted"),
            }
        }
    }

    #[test]
    fn an_unnamed_language_is_told_by_its_letters() {
        let options = Options {
            lang: Some("de".into()),
            ..Options::default()
        };
        let mapping = Mapping::new(&options, None).expect("valid options");
        for (text, lang) in [
            ("مطبخ الحي", "ar"),
            ("מטבח שכונתי", "he"),
            ("Nachbarschaftsküche", "de"),
            ("Café مطبخ الحي", "ar"),
            ("2024", "de"),
        ] {
            assert_eq!(mapping.language_of(text).as_str(), lang, "{text}");
        }
    }
}
