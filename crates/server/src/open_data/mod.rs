//! Open data: every published organisation out as GeoJSON or CSV, and
//! organisations in from other people's files.
//!
//! A map of civil society is more useful when its data can leave it: a
//! researcher opens the CSV in a spreadsheet, a GIS user the GeoJSON in
//! QGIS, another map mirrors it, and the data licence travels with every
//! copy. The other way, groups already listed elsewhere (a Karte von
//! morgen export, a uMap, an operator's spreadsheet) can be brought in
//! with the same validation as the join form, without typing them again.
//! Both directions share one column layout, so an export imports back as
//! the same data.

mod csv_cell;
pub mod export;
pub mod import;
pub mod presets;

use std::path::Path;

use solidarity_map_core::{FieldError, WebUrl};

/// A file format of the export and the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// RFC 7946 GeoJSON, one Feature per organisation.
    #[value(name = "geojson")]
    GeoJson,
    /// UTF-8 CSV with a header row, one row per organisation.
    Csv,
}

impl Format {
    pub fn content_type(&self) -> &'static str {
        match self {
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv; charset=utf-8; header=present",
        }
    }

    pub fn extension(&self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
        }
    }

    /// The format a file's name says: `.geojson` or `.json`, `.csv`.
    pub fn of_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// The licence the organisation data is published under, named in every
/// export (default: the Open Database License 1.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    /// A short name, preferably an SPDX identifier (`ODbL-1.0`).
    pub name: String,
    /// Where its text is.
    pub url: WebUrl,
}

/// The licence exports carry unless the operator chooses another.
pub const DEFAULT_LICENCE: &str = "ODbL-1.0";
pub const DEFAULT_LICENCE_URL: &str = "https://opendatacommons.org/licenses/odbl/1-0/";

impl Licence {
    pub fn new(name: &str, url: &str) -> Result<Self, FieldError> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) || name.chars().count() > 100 {
            return Err(FieldError::new(
                "data_licence",
                "must be a short name on one line, e.g. ODbL-1.0",
            ));
        }
        let url = WebUrl::parse(url).map_err(|e| e.at("data_licence_url"))?;
        Ok(Self {
            name: name.to_owned(),
            url,
        })
    }

    /// The value of the `Link` header that names it (RFC 8288).
    pub fn link_header(&self) -> String {
        format!("<{}>; rel=\"license\"", self.url)
    }
}

impl Default for Licence {
    fn default() -> Self {
        Self::new(DEFAULT_LICENCE, DEFAULT_LICENCE_URL).expect("the default licence is valid")
    }
}

/// What joins the values of a multi-valued field (links, languages, tags)
/// in one CSV cell.
pub const LIST_SEPARATOR: char = '|';
