//! What a run measured: one row per measure, filled in by `measure.rs` and
//! read by `report.rs` alone. Kept apart from both so that the report can
//! be written (and changed) without running anything, and the measures
//! without knowing how they are shown.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::load::Stats;

/// The database a server was measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(super) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "Postgres",
        }
    }
}

/// One HTTP scenario on one server.
pub(super) struct HttpRow {
    pub backend: Backend,
    pub scenario: &'static str,
    pub stats: Stats,
    /// How many features (clusters or organisations) the answer has.
    pub features: usize,
}

/// The store's bbox query on one server.
pub(super) struct StoreRow {
    pub backend: Backend,
    pub stats: Stats,
    /// The answer's `numberMatched`.
    pub matched: u64,
}

/// Start-up and memory of one server.
pub(super) struct StartRow {
    pub backend: Backend,
    /// How many organisations it had.
    pub n: usize,
    /// Where the data came from.
    pub data: String,
    pub startup: Duration,
    /// Seconds and megabytes of the clustering index, from its log.
    pub index: Option<(f64, f64)>,
    /// Resident memory in MB just after start-up.
    pub rss_start: f64,
    /// Resident memory in MB after the measures, when any ran.
    pub rss_after: Option<f64>,
    /// The peak of resident memory in MB.
    pub peak: f64,
    /// How many slow statements the server logged.
    pub slow_sql: usize,
}

/// The size of the web client's `.wasm` in bytes.
pub(super) struct Wasm {
    pub file: String,
    pub raw: usize,
    pub gzipped: usize,
}

/// Everything a run measured.
#[derive(Default)]
pub(super) struct Results {
    /// The cluster benchmark's `key=value` lines (`10000.build_ms`, …).
    pub cluster: BTreeMap<String, String>,
    pub http: Vec<HttpRow>,
    pub store: Vec<StoreRow>,
    pub start: Vec<StartRow>,
    pub wasm: Option<Wasm>,
    /// What the browser driver printed.
    pub first_markers: Option<Value>,
    /// What was not measured, and why.
    pub skipped: Vec<String>,
    /// The machine's load average when the run began.
    pub load_before: String,
}
