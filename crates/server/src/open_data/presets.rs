//! Column mappings for files from other maps, so that an operator needs no
//! `--map` for them: Karte von morgen (openfairdb's CSV export) and uMap
//! (its GeoJSON export).
//!
//! A preset only says which of the source's columns are which of our
//! fields; every value still goes through the same validation. Columns
//! that hold personal data in the source (a contact person's name, a phone
//! number) are skipped on purpose: nothing beyond our own fields is kept.

use super::Format;

/// A known source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// Karte von morgen / openfairdb CSV export.
    Kvm,
    /// uMap GeoJSON export.
    Umap,
}

/// Marks a column as known but not imported.
pub const SKIP: &str = "-";

impl Preset {
    /// The source name imported entries are recorded with, unless
    /// `--source` says otherwise.
    pub fn source(&self) -> &'static str {
        match self {
            Preset::Kvm => "kartevonmorgen",
            Preset::Umap => "umap",
        }
    }

    /// Source column → our field (or [`SKIP`]).
    pub fn columns(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            Preset::Kvm => &[
                ("id", "id"),
                ("title", "name"),
                ("description", "description"),
                ("lat", "lat"),
                ("lng", "lon"),
                ("city", "city"),
                ("country", "country"),
                ("homepage", "website"),
                // private here too: stored, never shown
                ("email", "contact_email"),
                ("tags", "tags"),
                // Karte von morgen's own category ids mean nothing here:
                // entries take --default category=SLUG
                ("categories", SKIP),
                ("osm_node", SKIP),
                ("created_by", SKIP),
                ("version", SKIP),
                ("street", SKIP),
                ("zip", SKIP),
                ("state", SKIP),
                ("contact_name", SKIP),
                ("phone", SKIP),
                ("opening_hours", SKIP),
                ("founded_on", SKIP),
                ("license", SKIP),
                ("image_url", SKIP),
                ("image_link_url", SKIP),
                ("avg_rating", SKIP),
            ],
            Preset::Umap => &[
                ("id", "id"),
                ("name", "name"),
                ("description", "description"),
            ],
        }
    }

    /// Column names starting with one of these are skipped (uMap's styling).
    pub fn skipped_prefixes(&self) -> &'static [&'static str] {
        match self {
            Preset::Kvm => &[],
            Preset::Umap => &["_umap_options", "_storage_options"],
        }
    }

    /// What separates the values of a list (tags) in one cell.
    pub fn separator(&self) -> char {
        match self {
            Preset::Kvm => ',',
            Preset::Umap => super::LIST_SEPARATOR,
        }
    }

    /// The preset a file looks like: a CSV header with Karte von morgen's
    /// `title`, `lng` and `avg_rating`, or GeoJSON with `_umap_options`.
    pub fn detect(format: Format, keys: &[String], umap_options: bool) -> Option<Self> {
        match format {
            Format::Csv => ["title", "lng", "avg_rating"]
                .iter()
                .all(|k| keys.iter().any(|c| c == k))
                .then_some(Preset::Kvm),
            Format::GeoJson => umap_options.then_some(Preset::Umap),
        }
    }
}
