//! `cargo xtask bench [--quick] [--out FILE]`: the performance benchmarks
//! ("One million organisations"), as one Markdown report of medians and
//! ratios measured in one run (the machine is noisy, so absolute times are
//! never reported alone).
//!
//! 1. The clustering index against supercluster (npm, run with the
//!    machine's node on the same points): build at 10 k / 100 k / 1 M,
//!    queries, incremental insert (`crates/cluster/examples/bench.rs`).
//! 2. HTTP on loopback with our own load generator (`bench/load.rs`): the
//!    clustered world and city views at 1 M, with and without a category,
//!    against a plain organisations request as the reference.
//! 3. The store's bbox query at 100 k: SQLite against Postgres.
//! 4. The release `.wasm` of each program (the map, the other pages), gzipped.
//! 5. Navigation to the first markers in headless Chromium at 100 k (the
//!    `first-markers` binary of the `tests` crate).
//! 6. Server memory with 1 M loaded and start-up time, on both databases.
//! 7. Two instances on one Postgres database at 1 M, requests alternating
//!    between them, next to one instance.
//! 8. The lists at 10 k over 10 connections, on both databases: the
//!    queries a peer's backend answers too, with budgets in requests/s,
//!    each answer computed, then kept in memory.
//! 9. The databases' query plans of a city's list at 1 M
//!    (`solidarity-map explain`).
//!
//! Every server computes each answer (`--answer-cache-mb 0`): the same
//! request repeated measures the work it takes, not the memory that spares
//! it. Then a second server of the same data keeps its answers (the
//! default) for the visitor's waits of section 2 and the lists of
//! section 8, because that is what a visitor is served.
//!
//! Budgets are reported, never asserted. `--quick` runs everything at 10 k
//! with the debug server and few requests, as part of `cargo xtask test`, so
//! the benchmark never rots: it fails when something breaks (a server that
//! does not start, an answer other than 200, no clusters), never on speed.
//!
//! Generated SQLite files stay in `target/bench/` and are reused when their
//! row count matches; Postgres databases are created for the run and
//! dropped at its end.
//!
//! This module plans and runs; `bench/measure.rs` takes the measures into
//! [`Results`] (`bench/results.rs`), and `bench/report.rs` writes the
//! report from them alone.

mod load;
mod measure;
pub mod procs;
mod report;
mod results;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use self::measure::Rounds;
use self::procs::PgDb;
use self::results::Results;
use crate::{cmd, in_ci, tools};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 10 k organisations, debug server, few requests: a check that the
    /// benchmark still works (part of `cargo xtask test`).
    Quick,
    /// 1 M / 100 k organisations, release builds: the numbers the budgets are about.
    Full,
}

/// `cargo xtask bench [--quick] [--out FILE]`.
pub fn main(root: &Path, args: Vec<String>) -> Result<()> {
    let mut mode = Mode::Full;
    let mut out = None;
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => mode = Mode::Quick,
            "--out" => out = Some(PathBuf::from(args.next().context("--out needs a file")?)),
            other => bail!("unknown argument {other} (cargo xtask bench [--quick] [--out FILE])"),
        }
    }
    let out = out.unwrap_or_else(|| default_report(root, mode));
    run_to(root, mode, &out)
}

/// Runs the benchmark and writes the report to its default place:
/// `target/bench/report.md` (full) or `target/bench/report-quick.md`, so
/// that `cargo xtask test` never overwrites a full report.
pub fn run(root: &Path, mode: Mode) -> Result<()> {
    run_to(root, mode, &default_report(root, mode))
}

fn default_report(root: &Path, mode: Mode) -> PathBuf {
    root.join(match mode {
        Mode::Full => "target/bench/report.md",
        Mode::Quick => "target/bench/report-quick.md",
    })
}

/// What a mode measures, and with what.
struct Plan {
    mode: Mode,
    scale: Scale,
    server: PathBuf,
    cluster_example: PathBuf,
    first_markers: PathBuf,
    dir: PathBuf,
    dist: PathBuf,
}

/// How much a mode measures: sizes and numbers of runs and requests.
struct Scale {
    /// The "1 M" of the HTTP, memory and start-up measures.
    big: usize,
    /// The "100 k" of the store comparison and the browser.
    small: usize,
    /// The point counts of the cluster benchmark, comma-separated.
    cluster_sizes: &'static str,
    cluster_runs: usize,
    /// Requests per HTTP scenario (the reference has fewer).
    requests: usize,
    /// Connections the load generator keeps open.
    concurrency: usize,
    /// Requests of the store comparison, one at a time.
    store_requests: usize,
    /// Fresh page loads in the browser.
    browser_loads: usize,
}

impl Scale {
    /// The numbers the budgets are about.
    const FULL: Scale = Scale {
        big: 1_000_000,
        small: 100_000,
        cluster_sizes: "10000,100000,1000000",
        cluster_runs: 3,
        requests: 2_000,
        concurrency: 50,
        store_requests: 200,
        browser_loads: 3,
    };
    /// Enough to see that everything still works.
    const QUICK: Scale = Scale {
        big: 10_000,
        small: 10_000,
        cluster_sizes: "10000",
        cluster_runs: 1,
        requests: 200,
        concurrency: 50,
        store_requests: 50,
        browser_loads: 1,
    };
}

impl Plan {
    fn new(root: &Path, mode: Mode) -> Plan {
        let target = root.join("target");
        let (profile, scale) = match mode {
            Mode::Full => ("release", Scale::FULL),
            Mode::Quick => ("debug", Scale::QUICK),
        };
        Plan {
            mode,
            scale,
            server: target.join(profile).join("solidarity-map"),
            cluster_example: target.join(profile).join("examples/bench"),
            // a driver of the browser: its own speed is not measured
            first_markers: target.join("debug/first-markers"),
            dir: target.join("bench"),
            dist: root.join("dist"),
        }
    }
}

/// Prints a step, runs it, prints its duration (like `crate::step`, with a
/// value).
fn timed<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("\n==> bench: {name}");
    let t = Instant::now();
    let r = f().with_context(|| format!("bench: {name}"))?;
    eprintln!(
        "==> bench: {name}: done in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    Ok(r)
}

/// A box with many matches, so that the store sorts and pages for real.
const STORE_BBOX: &str = "-10,35,30,60";

/// (scenario, path, must have features)
const SCENARIOS: &[(&str, &str, bool)] = &[
    (
        "world z2",
        "/api/clusters?zoom=2&bbox=-180,-90,180,90",
        true,
    ),
    (
        "world z2, category=media",
        "/api/clusters?zoom=2&bbox=-180,-90,180,90&category=media",
        true,
    ),
    (
        "Jerusalem z12",
        "/api/clusters?zoom=12&bbox=35.15,31.72,35.30,31.84",
        false,
    ),
    (
        "Jerusalem z12, category=media",
        "/api/clusters?zoom=12&bbox=35.15,31.72,35.30,31.84&category=media",
        false,
    ),
    (
        REFERENCE,
        "/api/organizations?bbox=35.15,31.72,35.30,31.84&limit=100",
        false,
    ),
    (
        "organizations, Jerusalem, a word, limit=100",
        "/api/organizations?bbox=35.15,31.72,35.30,31.84&q=press&limit=100",
        false,
    ),
    (
        "organizations, world, limit=100",
        "/api/organizations?limit=100",
        true,
    ),
    ("categories (the legend)", "/api/categories", true),
    ("facets", "/api/facets", true),
    ("facets, language=ar", "/api/facets?language=ar", true),
];
const REFERENCE: &str = "reference: organizations, Jerusalem, limit=100";

/// What a visitor's first requests wait for, at the big size, with the
/// p99 each must stay under (ms): scenarios of [`SCENARIOS`], measured on
/// a server that computes each answer and on one that keeps them.
const WAITS: &[(&str, f64)] = &[
    ("categories (the legend)", 5.0),
    ("facets", 5.0),
    ("facets, language=ar", 5.0),
    (REFERENCE, 50.0),
    ("world z2, category=media", 10.0),
];

/// The lists a peer (Karte von morgen's openfairdb) answers too, on its
/// own kind of query: at [`LISTS_AT`] organisations, [`LISTS_REQUESTS`]
/// requests over [`LISTS_CONNECTIONS`] connections, with the budget of
/// each in requests per second.
const LISTS: &[(&str, &str, f64)] = &[
    (
        "a Jerusalem box",
        "/api/organizations?bbox=35.15,31.72,35.30,31.84&limit=100",
        5_000.0,
    ),
    (
        "Jerusalem, a word",
        "/api/organizations?bbox=35.15,31.72,35.30,31.84&q=community&limit=100",
        3_000.0,
    ),
    (
        "the whole world, first page",
        "/api/organizations?limit=100",
        700.0,
    ),
];
const LISTS_AT: usize = 10_000;

/// The lists whose query plans the report shows, at the big size: (what,
/// the filter as the API takes it).
const PLANNED: &[(&str, &str)] = &[
    (
        "a city's first page",
        "bbox=35.15,31.72,35.30,31.84&limit=100",
    ),
    (
        "a city's first page, with a word",
        "bbox=35.15,31.72,35.30,31.84&q=press&limit=100",
    ),
];
const LISTS_REQUESTS: usize = 2_000;
const LISTS_CONNECTIONS: usize = 10;

/// What runs on one Postgres instance and on two (section 7).
const TWO_INSTANCE_SCENARIOS: &[(&str, &str)] = &[
    ("world z2", "/api/clusters?zoom=2&bbox=-180,-90,180,90"),
    (
        "Jerusalem z12",
        "/api/clusters?zoom=12&bbox=35.15,31.72,35.30,31.84",
    ),
];
/// The reference goes to the database each time and is far slower: fewer
/// requests keep the run short.
const REFERENCE_REQUESTS: usize = 500;

fn run_to(root: &Path, mode: Mode, out: &Path) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(root, mode);
    std::fs::create_dir_all(&plan.dir)?;
    let mut res = Results {
        load_before: report::loadavg(),
        ..Results::default()
    };

    timed("build", || build(root, &plan))?;
    timed("cluster index vs supercluster", || {
        measure::cluster_bench(&plan, &mut res)
    })?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = load::client(plan.scale.concurrency)?;
    let rounds = Rounds {
        plan: &plan,
        rt: &rt,
        client: &client,
    };

    // SQLite: one generated file per size, reused across runs
    let mut sizes = vec![plan.scale.big, plan.scale.small, LISTS_AT];
    sizes.dedup();
    for &n in &sizes {
        timed(&format!("SQLite, {n} organisations"), || {
            rounds.sqlite(n, &mut res)
        })?;
    }

    // Postgres: a database per size, dropped at the end of its round
    let admin = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| solidarity_map_testkit::postgres_admin_url());
    let pg = tools::ensure_postgres().and_then(|()| procs::postgres_ready(&admin));
    match pg {
        Ok(()) => {
            PgDb::drop_stale(&admin)?;
            for &n in &sizes {
                timed(&format!("Postgres, {n} organisations"), || {
                    rounds.postgres(&admin, n, &mut res)
                })?;
            }
        }
        Err(e) if in_ci() => return Err(e.context("CI=true but Postgres is not usable")),
        Err(e) => {
            eprintln!("\n!!! Postgres not usable, its benchmarks are SKIPPED: {e:#}\n");
            res.skipped
                .push(format!("Postgres (not usable here: {e:#})"));
        }
    }

    timed("wasm size", || {
        res.wasm = Some(measure::wasm_size(&plan.dist)?);
        res.pages_wasm = Some(measure::wasm_size(&plan.dist.join("pages"))?);
        Ok(())
    })?;

    report::write(out, &plan, &res, started.elapsed())
}

fn build(root: &Path, plan: &Plan) -> Result<()> {
    tools::ensure_web_tools(root)?;
    let release: &[&str] = if plan.mode == Mode::Full {
        &["--release"]
    } else {
        &[]
    };
    let cargo = |args: &[&str]| -> Result<()> {
        let mut all = vec!["build"];
        all.extend_from_slice(release);
        all.extend_from_slice(args);
        cmd("cargo", &all)
    };
    cargo(&["--package", "solidarity-map-server"])?;
    cargo(&["--package", "solidarity-map-cluster", "--example", "bench"])?;
    cmd(
        "cargo",
        &[
            "build",
            "--package",
            "solidarity-map-e2e",
            "--bin",
            "first-markers",
        ],
    )?;
    let has_wasm = measure::wasm_file(&plan.dist).is_ok() && plan.dist.join("index.html").exists();
    if plan.mode == Mode::Full || !has_wasm {
        crate::build_web(root)?;
    }
    Ok(())
}
