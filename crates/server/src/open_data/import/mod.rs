//! The import: organisations from a GeoJSON or CSV file, checked with the
//! same rules as the join form, then stored all at once or not at all.
//!
//! Files come from elsewhere (a spreadsheet, another map, this map's own
//! export), so every row is first turned into an
//! [`OrganizationInput`](solidarity_map_core::OrganizationInput)
//! through a column mapping (`--map`, a [`Preset`], or our own column
//! names) and validated by `core`; each problem is reported as its row (or
//! feature index), our field and `core`'s message. Only a file without
//! problems is written, in one transaction.
//!
//! Every row carries its id in the source. With the source's name it finds
//! the entry the row was imported as before, so importing a file again
//! updates those entries instead of adding them twice.
//!
//! Two steps, in two modules: `read` turns the file's bytes into records
//! of named values (one reader per format), `columns` turns a record into
//! an organisation (one mapping for every format). This module ties them
//! together and checks what spans rows (an id used twice).

mod columns;
mod read;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use solidarity_map_core::CategorySlug;

use self::columns::Mapping;
use self::read::{Parsed, read_csv, read_geojson};
use super::Format;
use super::presets::Preset;
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
    let Parsed {
        records,
        keys,
        umap,
    } = match format {
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
