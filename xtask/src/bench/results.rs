//! What a run measured: one row per measure, filled in by `measure.rs` and
//! read by `report.rs` alone. Kept apart from both so that the report can
//! be written (and changed) without running anything, and the measures
//! without knowing how they are shown.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::load::Stats;

/// Everything a run measured.
#[derive(Default)]
pub(super) struct Results {
    /// The cluster benchmark's `key=value` lines (`10000.build_ms`, …).
    pub(super) cluster: BTreeMap<String, String>,
    pub(super) http: Vec<HttpRow>,
    /// The visitor's waits (`WAITS`) at the big size on a server that
    /// keeps its answers.
    pub(super) http_kept: Vec<HttpRow>,
    /// The lists at 10 000 over 10 connections (`LISTS`), each answer
    /// computed…
    pub(super) lists: Vec<HttpRow>,
    /// … and on a server that keeps its answers.
    pub(super) lists_kept: Vec<HttpRow>,
    /// The database's plans of the lists of `PLANNED`, at the big size.
    pub(super) plans: Vec<PlanRow>,
    pub(super) store: Vec<StoreRow>,
    pub(super) start: Vec<StartRow>,
    /// One Postgres instance against two on the same database.
    pub(super) instances: Vec<InstancesRow>,
    pub(super) wasm: Option<Wasm>,
    /// The other pages' program (`dist/pages/`), loaded only on its pages.
    pub(super) pages_wasm: Option<Wasm>,
    /// What the browser driver printed.
    pub(super) first_markers: Option<Value>,
    /// The same on a slow phone: (organisations, interface language, what
    /// the driver printed).
    pub(super) slow_markers: Vec<(usize, &'static str, Value)>,
    /// What was not measured, and why.
    pub(super) skipped: Vec<String>,
    /// The machine's load average when the run began.
    pub(super) load_before: String,
}

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
    pub(super) backend: Backend,
    pub(super) scenario: &'static str,
    pub(super) stats: Stats,
    /// How many features (clusters or organisations) the answer has.
    pub(super) features: usize,
}

/// How one database answers one list (`solidarity-map explain`).
pub(super) struct PlanRow {
    pub(super) backend: Backend,
    pub(super) list: &'static str,
    pub(super) filter: &'static str,
    /// What the command printed.
    pub(super) text: String,
}

/// One scenario on one instance, then on two instances of the same
/// Postgres database with the requests alternating between them.
pub(super) struct InstancesRow {
    pub(super) scenario: &'static str,
    pub(super) one: Stats,
    pub(super) two: Stats,
}

/// The store's bbox query on one server.
pub(super) struct StoreRow {
    pub(super) backend: Backend,
    pub(super) stats: Stats,
    /// The answer's `numberMatched`.
    pub(super) matched: u64,
}

/// Start-up and memory of one server.
pub(super) struct StartRow {
    pub(super) backend: Backend,
    /// How many organisations it had.
    pub(super) n: usize,
    /// Where the data came from.
    pub(super) data: String,
    pub(super) startup: Duration,
    /// Seconds and megabytes of the clustering index, from its log.
    pub(super) index: Option<(f64, f64)>,
    /// Resident memory in MB just after start-up.
    pub(super) rss_start: f64,
    /// Resident memory in MB after the measures, when any ran.
    pub(super) rss_after: Option<f64>,
    /// The peak of resident memory in MB.
    pub(super) peak: f64,
    /// How many slow statements the server logged.
    pub(super) slow_sql: usize,
}

/// The web client's `.wasm`: its name, and its size in bytes as built
/// and gzipped at the best level.
pub(super) struct Wasm {
    pub(super) file: String,
    pub(super) raw: usize,
    pub(super) gzipped: usize,
}
