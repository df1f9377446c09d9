//! The import: organisations from a GeoJSON or CSV file, checked with the
//! same rules as the join form, then stored all at once or not at all.
//!
//! Files come from elsewhere (a spreadsheet, another map, this map's own
//! export), so every row is first turned into an [`OrganizationInput`]
//! through a column mapping (`--map`, a [`Preset`], or our own column
//! names) and validated by `core`; each problem is reported as its row (or
//! feature index), our field and `core`'s message. Only a file without
//! problems is written, in one transaction.
//!
//! Every row carries its id in the source. With the source's name it finds
//! the entry the row was imported as before, so importing a file again
//! updates those entries instead of adding them twice.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{CategorySlug, LangCode, OrgId, OrganizationInput};

use super::presets::{Preset, SKIP};
use super::{Format, LIST_SEPARATOR, csv_cell};
use crate::store::ExternalOrg;

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Without it, from the file's extension.
    pub format: Option<Format>,
    /// Without it, detected from the file (see [`Preset::detect`]).
    pub preset: Option<Preset>,
    /// `COLUMN=FIELD` pairs, before the preset's.
    pub map: Vec<String>,
    /// `FIELD=VALUE` pairs for rows that leave the field empty.
    pub defaults: Vec<String>,
    /// The source's name; without it the preset's, else the file's name.
    pub source: Option<String>,
    /// The language of a name or description whose column names none and
    /// which is not written in Arabic or Hebrew letters.
    pub lang: Option<String>,
}

/// Fields a `--default` may fill.
const DEFAULTABLE: [&str; 4] = ["category", "city", "country", "precision"];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A command-line option that cannot work (a bad `--map`).
    #[error("{0}")]
    Options(String),
    #[error("cannot tell the format of {0}: name it .geojson or .csv, or give --format")]
    UnknownFormat(String),
    #[error("not GeoJSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a GeoJSON FeatureCollection (no \"features\" array)")]
    NotFeatureCollection,
    #[error("the CSV has no header row")]
    NoHeader,
}

/// Where in the file a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A CSV row as a spreadsheet numbers it: the header is row 1.
    Row(usize),
    /// A GeoJSON feature's index in `features`, from 0.
    Feature(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Row(n) => write!(f, "row {n}"),
            Place::Feature(n) => write!(f, "feature {n}"),
        }
    }
}

/// One problem of the validation report: where, which of our fields, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.place, self.field, self.message)
    }
}

/// A file read and checked: the valid rows, every problem, and what was
/// not imported.
#[derive(Debug, Clone)]
pub struct Checked {
    pub format: Format,
    pub preset: Option<Preset>,
    pub source: String,
    pub rows: Vec<ExternalOrg>,
    /// How many rows or features the file has.
    pub total: usize,
    pub problems: Vec<Problem>,
    /// Columns (or properties) that no field takes.
    pub ignored: BTreeSet<String>,
}

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
            // set by the store, not by a file
            "updated_at" | SKIP => Field::Skip,
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

/// A value from a file: a cell or property, or a GeoJSON array.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    List(Vec<String>),
}

/// What a row is made of, before mapping.
struct Record {
    place: Place,
    entries: Vec<(String, Value)>,
    /// A GeoJSON feature's point; `Err` for another geometry.
    point: Option<Result<RawLocation, String>>,
    problems: Vec<Problem>,
}

/// Reads `bytes` (the file at `path`) and checks every row. Categories
/// must be among `known`.
pub fn check(
    path: &Path,
    bytes: &[u8],
    options: &Options,
    known: &[CategorySlug],
) -> Result<Checked, ImportError> {
    let format = options
        .format
        .or_else(|| Format::of_path(path))
        .ok_or_else(|| ImportError::UnknownFormat(path.display().to_string()))?;
    // spreadsheets often save UTF-8 with a byte-order mark
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let (records, keys, umap) = match format {
        Format::Csv => read_csv(bytes)?,
        Format::GeoJson => read_geojson(bytes)?,
    };
    let preset = options
        .preset
        .or_else(|| Preset::detect(format, &keys, umap));
    let mapping = Mapping::new(options, preset)?;
    let source = match (&options.source, preset) {
        (Some(s), _) if !s.trim().is_empty() => s.trim().to_owned(),
        (_, Some(p)) => p.source().to_owned(),
        _ => path
            .file_name()
            .map_or_else(|| "import".to_owned(), |n| n.to_string_lossy().into_owned()),
    };

    let mut checked = Checked {
        format,
        preset,
        source,
        rows: Vec::new(),
        total: records.len(),
        problems: Vec::new(),
        ignored: BTreeSet::new(),
    };
    let mut seen: HashMap<String, Place> = HashMap::new();
    for record in records {
        let place = record.place;
        let (row, problems) = mapping.row(record, known, &mut checked.ignored);
        checked.problems.extend(problems);
        let Some(row) = row else { continue };
        if let Some(first) = seen.get(&row.external_id) {
            checked.problems.push(Problem {
                place,
                field: "id".into(),
                message: format!("\"{}\" is also the id of {first}", row.external_id),
            });
            continue;
        }
        seen.insert(row.external_id.clone(), place);
        checked.rows.push(row);
    }
    Ok(checked)
}

fn read_csv(bytes: &[u8]) -> Result<(Vec<Record>, Vec<String>, bool), ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(e) => {
            // the report below says which row; a header must be readable
            return Err(ImportError::Options(format!(
                "the header row cannot be read: {e}"
            )));
        }
    };
    if header.iter().all(String::is_empty) {
        return Err(ImportError::NoHeader);
    }
    let mut records = Vec::new();
    for (i, result) in reader.records().enumerate() {
        // the header is row 1; a cell may span lines, so count records
        let place = Place::Row(i + 2);
        let mut record = Record {
            place,
            entries: Vec::new(),
            point: None,
            problems: Vec::new(),
        };
        match result {
            Ok(cells) => {
                if cells.len() > header.len() {
                    record.problems.push(Problem {
                        place,
                        field: "row".into(),
                        message: format!(
                            "has {} cells, the header has {}",
                            cells.len(),
                            header.len()
                        ),
                    });
                }
                record.entries = header
                    .iter()
                    .zip(cells.iter())
                    // the export's quote in front of a formula-like cell
                    .map(|(k, v)| (k.clone(), Value::Text(csv_cell::unescape(v).to_owned())))
                    .collect();
            }
            Err(e) => record.problems.push(Problem {
                place,
                field: "row".into(),
                message: match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "is not UTF-8 text (save the file as UTF-8)".to_owned()
                    }
                    _ => e.to_string(),
                },
            }),
        }
        records.push(record);
    }
    Ok((records, header, false))
}

fn read_geojson(bytes: &[u8]) -> Result<(Vec<Record>, Vec<String>, bool), ImportError> {
    let root: serde_json::Value = serde_json::from_slice(bytes)?;
    let features = root
        .get("features")
        .and_then(serde_json::Value::as_array)
        .ok_or(ImportError::NotFeatureCollection)?;
    let mut umap = root.get("_umap_options").is_some();
    let mut keys = BTreeSet::new();
    let mut records = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let place = Place::Feature(i);
        let mut entries = Vec::new();
        match feature.get("id") {
            Some(serde_json::Value::String(s)) => {
                entries.push(("id".to_owned(), Value::Text(s.clone())));
            }
            Some(serde_json::Value::Number(n)) => {
                entries.push(("id".to_owned(), Value::Text(n.to_string())));
            }
            _ => {}
        }
        if let Some(props) = feature.get("properties").and_then(|p| p.as_object()) {
            umap |= props.contains_key("_umap_options");
            for (k, v) in props {
                flatten(k, v, &mut entries);
            }
        }
        keys.extend(entries.iter().map(|(k, _)| k.clone()));
        let point = match feature.get("geometry") {
            None | Some(serde_json::Value::Null) => None,
            Some(g) => Some(point_of(g)),
        };
        records.push(Record {
            place,
            entries,
            point,
            problems: Vec::new(),
        });
    }
    Ok((records, keys.into_iter().collect(), umap))
}

/// Properties as flat entries: `{"name": {"en": …}}` is `name.en`.
fn flatten(key: &str, v: &serde_json::Value, out: &mut Vec<(String, Value)>) {
    use serde_json::Value as J;
    let text = |v: &J| match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        J::Null => {}
        J::Object(map) => {
            for (k, inner) in map {
                flatten(&format!("{key}.{k}"), inner, out);
            }
        }
        J::Array(items) => out.push((
            key.to_owned(),
            Value::List(items.iter().map(text).collect()),
        )),
        other => out.push((key.to_owned(), Value::Text(text(other)))),
    }
}

fn point_of(g: &serde_json::Value) -> Result<RawLocation, String> {
    let kind = g.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if kind != "Point" {
        return Err(format!(
            "only Point geometries can be imported, this is {kind:?}"
        ));
    }
    match g
        .get("coordinates")
        .and_then(|c| c.as_array())
        .map(Vec::as_slice)
    {
        Some([lon, lat, ..]) => match (lon.as_f64(), lat.as_f64()) {
            (Some(lon), Some(lat)) => Ok(RawLocation { lat, lon }),
            _ => Err("the point's coordinates are not numbers".into()),
        },
        _ => Err("the point has no [longitude, latitude]".into()),
    }
}

/// Which column is which field, and what fills empty fields.
struct Mapping {
    columns: HashMap<String, Field>,
    skipped_prefixes: &'static [&'static str],
    defaults: BTreeMap<String, String>,
    separator: char,
    lang: LangCode,
}

impl Mapping {
    fn new(options: &Options, preset: Option<Preset>) -> Result<Self, ImportError> {
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
    fn row(
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

/// A progress bar on standard error when it is a terminal, else hidden.
pub fn progress_bar(len: usize, what: &'static str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {wide_bar} {human_pos}/{human_len} [{elapsed_precise}, ETA {eta}]",
    ) {
        bar.set_style(style);
    }
    bar.set_message(what);
    bar
}
