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
//! 4. The release `.wasm`, gzipped.
//! 5. Navigation to the first markers in headless Chromium at 100 k (the
//!    `first-markers` binary of the `tests` crate).
//! 6. Server memory with 1 M loaded and start-up time, on both databases.
//!
//! Budgets are reported, never asserted. `--quick` runs everything at 10 k
//! with the debug server and few requests, as part of `cargo xtask test`, so
//! the benchmark never rots: it fails when something breaks (a server that
//! does not start, an answer other than 200, no clusters), never on speed.
//!
//! Generated SQLite files stay in `target/bench/` and are reused when their
//! row count matches; Postgres databases are created for the run and
//! dropped at its end.

mod load;
pub mod procs;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use self::load::Stats;
use self::procs::{PgDb, Server, SqliteDb};
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
    /// The "1 M" of the HTTP, memory and start-up measures.
    big: usize,
    /// The "100 k" of the store comparison and the browser.
    small: usize,
    cluster_sizes: &'static str,
    cluster_runs: usize,
    requests: usize,
    concurrency: usize,
    store_requests: usize,
    browser_loads: usize,
    server: PathBuf,
    cluster_example: PathBuf,
    first_markers: PathBuf,
    dir: PathBuf,
    dist: PathBuf,
}

impl Plan {
    fn new(root: &Path, mode: Mode) -> Plan {
        let target = root.join("target");
        let profile = if mode == Mode::Full {
            "release"
        } else {
            "debug"
        };
        let common = |big, small, cluster_sizes, cluster_runs, requests, store_requests, loads| {
            Plan {
                mode,
                big,
                small,
                cluster_sizes,
                cluster_runs,
                requests,
                concurrency: 50,
                store_requests,
                browser_loads: loads,
                server: target.join(profile).join("solidarity-map"),
                cluster_example: target.join(profile).join("examples/bench"),
                // a driver of the browser: its own speed is not measured
                first_markers: target.join("debug/first-markers"),
                dir: target.join("bench"),
                dist: root.join("dist"),
            }
        };
        match mode {
            Mode::Full => common(1_000_000, 100_000, "10000,100000,1000000", 3, 2_000, 200, 3),
            Mode::Quick => common(10_000, 10_000, "10000", 1, 200, 50, 1),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "Postgres",
        }
    }
}

struct HttpRow {
    backend: Backend,
    scenario: &'static str,
    stats: Stats,
    features: usize,
}

struct StoreRow {
    backend: Backend,
    stats: Stats,
    matched: u64,
}

struct StartRow {
    backend: Backend,
    n: usize,
    data: String,
    startup: Duration,
    index: Option<(f64, f64)>,
    rss_start: f64,
    rss_after: Option<f64>,
    peak: f64,
    slow_sql: usize,
}

struct Wasm {
    file: String,
    raw: usize,
    gzipped: usize,
}

#[derive(Default)]
struct Results {
    cluster: BTreeMap<String, String>,
    http: Vec<HttpRow>,
    store: Vec<StoreRow>,
    start: Vec<StartRow>,
    wasm: Option<Wasm>,
    first_markers: Option<Value>,
    skipped: Vec<String>,
    load_before: String,
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
];
const REFERENCE: &str = "reference: organizations, Jerusalem, limit=100";
/// The reference goes to the database each time and is far slower: fewer
/// requests keep the run short.
const REFERENCE_REQUESTS: usize = 500;

fn run_to(root: &Path, mode: Mode, out: &Path) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(root, mode);
    std::fs::create_dir_all(&plan.dir)?;
    let mut res = Results {
        load_before: loadavg(),
        ..Results::default()
    };

    timed("build", || build(root, &plan))?;
    timed("cluster index vs supercluster", || {
        cluster_bench(&plan, &mut res)
    })?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = load::client(plan.concurrency)?;

    // SQLite: one generated file per size, reused across runs
    let mut sizes = vec![plan.big, plan.small];
    sizes.dedup();
    for &n in &sizes {
        timed(&format!("SQLite, {n} organisations"), || {
            sqlite_round(&plan, &rt, &client, n, &mut res)
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
                    postgres_round(&plan, &rt, &client, &admin, n, &mut res)
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
        res.wasm = Some(wasm_size(&plan.dist)?);
        Ok(())
    })?;

    let md = report(&plan, &res, started.elapsed());
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, &md).with_context(|| out.display().to_string())?;
    println!("{md}");
    eprintln!(
        "==> bench: report written to {} ({:.0}s in all)",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
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
    let has_wasm = wasm_file(&plan.dist).is_ok() && plan.dist.join("index.html").exists();
    if plan.mode == Mode::Full || !has_wasm {
        crate::build_web(root)?;
    }
    Ok(())
}

/// The index against supercluster, from the cluster crate's example.
fn cluster_bench(plan: &Plan, res: &mut Results) -> Result<()> {
    let kv = plan.dir.join("cluster.kv");
    let md = plan.dir.join("cluster.md");
    let _ = std::fs::remove_file(&kv);
    let status = Command::new(&plan.cluster_example)
        .args(["--points", plan.cluster_sizes])
        .args(["--runs", &plan.cluster_runs.to_string()])
        .arg("--kv")
        .arg(&kv)
        .arg("--out")
        .arg(&md)
        .envs(tools::path_env())
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("cannot start {}", plan.cluster_example.display()))?;
    if !status.success() {
        bail!("the cluster benchmark failed ({status})");
    }
    let text = std::fs::read_to_string(&kv).with_context(|| kv.display().to_string())?;
    for line in text.lines() {
        if let Some((k, v)) = line.split_once('=') {
            res.cluster.insert(k.to_owned(), v.to_owned());
        }
    }
    for n in plan.cluster_sizes.split(',') {
        let build = res.cluster.get(&format!("{n}.build_ms"));
        let sc = res.cluster.get(&format!("{n}.sc_build_ms"));
        match (build, sc) {
            (Some(_), Some(sc)) if sc != "NaN" => {}
            _ => bail!("the cluster benchmark gave no build times for {n} points"),
        }
        if res.cluster.get(&format!("{n}.same_as_fresh_build")) != Some(&"true".to_owned()) {
            bail!("after 1000 updates the index at {n} points differs from a fresh build");
        }
    }
    Ok(())
}

/// `numberMatched` of a collection answer.
fn number_matched(body: &[u8]) -> Result<(u64, usize)> {
    let v: Value = serde_json::from_slice(body).context("the answer is not JSON")?;
    if v["type"] != "FeatureCollection" {
        bail!("the answer is not a FeatureCollection");
    }
    let features = v["features"]
        .as_array()
        .context("the answer has no features array")?
        .len();
    let matched = v["numberMatched"]
        .as_u64()
        .context("the answer has no numberMatched")?;
    Ok((matched, features))
}

/// How many published organisations the server has.
async fn count(client: &reqwest::Client, server: &Server) -> Result<u64> {
    let url = format!("{}/api/organizations?limit=1", server.base);
    let (status, body) = load::fetch(client, &url).await?;
    if status != 200 {
        bail!("GET {url} answered {status}");
    }
    Ok(number_matched(&body)?.0)
}

fn log_path(plan: &Plan, backend: Backend, n: usize) -> PathBuf {
    plan.dir
        .join(format!("server-{}-{n}.log", backend.name().to_lowercase()))
}

fn sqlite_round(
    plan: &Plan,
    rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    n: usize,
    res: &mut Results,
) -> Result<()> {
    let mut db = SqliteDb::prepare(&plan.server, &plan.dir, n)?;
    let log = log_path(plan, Backend::Sqlite, n);
    let mut server = rt.block_on(Server::start(
        &plan.server,
        &db.url,
        &plan.dist,
        &log,
        client,
    ))?;
    let have = rt.block_on(count(client, &server))?;
    if have != n as u64 {
        if !db.reused {
            bail!("generated {n} organisations but the server has {have}");
        }
        eprintln!(
            "{} has {have} organisations, not {n}: generating it again",
            db.path.display()
        );
        drop(server);
        db = SqliteDb::fresh(&plan.server, &plan.dir, n)?;
        server = rt.block_on(Server::start(
            &plan.server,
            &db.url,
            &plan.dist,
            &log,
            client,
        ))?;
        let have = rt.block_on(count(client, &server))?;
        if have != n as u64 {
            bail!("generated {n} organisations but the server has {have}");
        }
    }
    let data = match db.generated_in {
        Some(t) => format!("generated in {:.1} s", t.as_secs_f64()),
        None => format!(
            "reused target/bench/{} (row count checked)",
            db.path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
    };
    round(plan, rt, client, Backend::Sqlite, n, &server, data, res)
}

fn postgres_round(
    plan: &Plan,
    rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    admin: &str,
    n: usize,
    res: &mut Results,
) -> Result<()> {
    let mut db = PgDb::create(admin, n)?;
    db.generate(&plan.server, n)?;
    let log = log_path(plan, Backend::Postgres, n);
    let server = rt.block_on(Server::start(
        &plan.server,
        &db.url,
        &plan.dist,
        &log,
        client,
    ))?;
    let have = rt.block_on(count(client, &server))?;
    if have != n as u64 {
        bail!("generated {n} organisations into Postgres but the server has {have}");
    }
    let data = format!(
        "generated in {:.1} s",
        db.generated_in.map_or(f64::NAN, |t| t.as_secs_f64())
    );
    round(plan, rt, client, Backend::Postgres, n, &server, data, res)
    // the server is dropped (killed) before the database
}

/// Everything measured on one server: start-up and memory always, the HTTP
/// scenarios at the big size, the store query (and the browser, on SQLite)
/// at the small one.
#[allow(clippy::too_many_arguments)]
fn round(
    plan: &Plan,
    rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    backend: Backend,
    n: usize,
    server: &Server,
    data: String,
    res: &mut Results,
) -> Result<()> {
    let (rss_start, _) = server.memory_mb()?;
    eprintln!(
        "{} up in {:.2} s with {n} organisations, RSS {rss_start:.0} MB",
        backend.name(),
        server.startup.as_secs_f64()
    );
    let mut rss_after = None;
    if n == plan.big {
        for &(scenario, path, non_empty) in SCENARIOS {
            let url = format!("{}{path}", server.base);
            let requests = if scenario == REFERENCE {
                plan.requests.min(REFERENCE_REQUESTS)
            } else {
                plan.requests
            };
            eprintln!(
                "{}: {scenario}: {requests} requests, {} connections",
                backend.name(),
                plan.concurrency
            );
            let stats = rt.block_on(load::run(client, &url, requests, plan.concurrency))?;
            let body = load::gunzip(&stats)?;
            let (matched, features) =
                number_matched(&body).with_context(|| format!("GET {url}"))?;
            if non_empty && features == 0 {
                bail!("GET {url}: no clusters");
            }
            if scenario == "world z2" && matched != n as u64 {
                bail!("GET {url}: the clusters count {matched} organisations, not {n}");
            }
            eprintln!(
                "  p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s, {} bytes {}",
                stats.p50_ms, stats.p99_ms, stats.requests_per_s, stats.body_bytes, stats.encoding
            );
            res.http.push(HttpRow {
                backend,
                scenario,
                stats,
                features,
            });
        }
        rss_after = Some(server.memory_mb()?.0);
    }
    if n == plan.small {
        let url = format!(
            "{}/api/organizations?bbox={STORE_BBOX}&limit=1000",
            server.base
        );
        eprintln!(
            "{}: store bbox query, {} requests one at a time",
            backend.name(),
            plan.store_requests
        );
        let stats = rt.block_on(load::run(client, &url, plan.store_requests, 1))?;
        let (matched, features) = number_matched(&load::gunzip(&stats)?)?;
        if matched == 0 || features == 0 {
            bail!("GET {url}: no organisations in the box");
        }
        res.store.push(StoreRow {
            backend,
            stats,
            matched,
        });
        if backend == Backend::Sqlite {
            res.first_markers = Some(first_markers(plan, server)?);
        }
        rss_after = Some(server.memory_mb()?.0);
    }
    let (_, peak) = server.memory_mb()?;
    res.start.push(StartRow {
        backend,
        n,
        data,
        startup: server.startup,
        index: server.index_built(),
        rss_start,
        rss_after,
        peak,
        slow_sql: server.log_lines("slow statement"),
    });
    Ok(())
}

/// Runs the `first-markers` browser driver against the server.
fn first_markers(plan: &Plan, server: &Server) -> Result<Value> {
    eprintln!(
        "first markers in headless Chromium: {} fresh load(s)",
        plan.browser_loads
    );
    let out = Command::new(&plan.first_markers)
        .args(["--base", &server.base])
        .args(["--loads", &plan.browser_loads.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start {}", plan.first_markers.display()))?;
    if !out.status.success() {
        bail!("first-markers failed ({})", out.status);
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("first-markers printed no JSON")?;
    if v.get("skipped").is_none() && v["median_ms"].as_f64().is_none() {
        bail!("first-markers measured nothing: {v}");
    }
    Ok(v)
}

fn wasm_file(dist: &Path) -> Result<PathBuf> {
    std::fs::read_dir(dist)
        .with_context(|| format!("{} (cargo xtask build)", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .with_context(|| format!("no .wasm in {} (cargo xtask build)", dist.display()))
}

fn wasm_size(dist: &Path) -> Result<Wasm> {
    use std::io::Write as _;
    let file = wasm_file(dist)?;
    let bytes = std::fs::read(&file)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes)?;
    let gzipped = gz.finish()?.len();
    Ok(Wasm {
        file: file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        raw: bytes.len(),
        gzipped,
    })
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn output_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".to_owned())
}

// ---------------------------------------------------------------- report

fn f(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "–".to_owned()
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        let r = a / b;
        if r != 0.0 && r < 0.001 {
            format!("{r:.1e}")
        } else {
            format!("{r:.3}")
        }
    } else {
        "–".to_owned()
    }
}

/// 1000000 → "1 000 000".
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

fn yes(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "not measured",
    }
}

fn report(plan: &Plan, res: &Results, took: Duration) -> String {
    let mut md = String::new();
    let quick = plan.mode == Mode::Quick;
    let git = output_of("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !output_of("git", &["status", "--porcelain"]).is_empty();
    let _ = writeln!(
        md,
        "# Benchmarks: one million organisations{}\n",
        if quick { " — quick run" } else { "" }
    );
    if quick {
        let _ = writeln!(
            md,
            "**Quick run** (`cargo xtask bench --quick`, part of `cargo xtask test`): \
             {} organisations everywhere, the *debug* server, few requests. It checks \
             that the benchmark works; its numbers say nothing about the budgets.\n",
            thousands(plan.big)
        );
    }
    let _ = writeln!(
        md,
        "- When: {} (UTC), commit {git}{}, {:.0} s in all\n\
         - Machine: {} cores, load average {} before and {} after (other work \
           shares the machine: compare the ratios, not the absolute times)\n\
         - Server: `{}`; node {}; Chromium {}\n\
         - Load generator: `xtask/src/bench/load.rs` (one thread, HTTP/1.1 keep-alive, \
           `Accept-Encoding: gzip`) on the same machine as the server, so the two share \
           the cores. Latencies are per request, from sending to the last body byte; \
           p50/p99 are nearest-rank percentiles; every answer must be 200.\n\
         - Sizes: KB = 1 000 bytes; MB = 2^20 bytes (as `/proc` counts memory).\n",
        output_of("date", &["-u", "+%Y-%m-%d %H:%M"]),
        if dirty { " + uncommitted changes" } else { "" },
        took.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |c| c.get()),
        res.load_before,
        loadavg(),
        plan.server
            .strip_prefix(
                plan.dir
                    .parent()
                    .and_then(Path::parent)
                    .unwrap_or(Path::new(""))
            )
            .unwrap_or(&plan.server)
            .display(),
        output_of("node", &["--version"]),
        output_of("chromium", &["--version"])
            .trim_start_matches("Chromium ")
            .to_owned(),
    );
    for s in &res.skipped {
        let _ = writeln!(md, "**Skipped:** {s}\n");
    }

    // (1) the index
    let c = |n: &str, k: &str| -> f64 {
        res.cluster
            .get(&format!("{n}.{k}"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let runs = plan.cluster_runs;
    let _ = writeln!(
        md,
        "## 1. Clustering index vs supercluster\n\n\
         Same synthetic points (cities plus scatter, fixed seed) for both, in the same run: \
         `crates/cluster/examples/bench.rs` ({} build), supercluster 8.0.1 (radius 60, \
         maxZoom 16) on node. Build: median of {runs} run(s); queries: median of 101 \
         calls; updates: median of 1 000 single calls into the full index (supercluster \
         can only rebuild).\n",
        if quick { "debug" } else { "release" },
    );
    let _ = writeln!(
        md,
        "| Points | Measure | ours (ms) | supercluster (ms) | ours / supercluster |\n|---:|---|---:|---:|---:|"
    );
    for n in plan.cluster_sizes.split(',') {
        let size = thousands(n.parse().unwrap_or(0));
        let row = |md: &mut String, what: &str, ours: f64, sc: f64, digits: usize| {
            let _ = writeln!(
                md,
                "| {size} | {what} | {} | {} | {} |",
                f(ours, digits),
                f(sc, digits),
                ratio(ours, sc)
            );
        };
        row(&mut md, "build", c(n, "build_ms"), c(n, "sc_build_ms"), 1);
        row(
            &mut md,
            &format!(
                "query z2 world ({} / {} items)",
                c(n, "query_z2_items"),
                c(n, "sc_query_z2_items")
            ),
            c(n, "query_z2_ms"),
            c(n, "sc_query_z2_ms"),
            3,
        );
        row(
            &mut md,
            &format!(
                "query z12 Jerusalem ({} / {} items)",
                c(n, "query_z12_items"),
                c(n, "sc_query_z12_items")
            ),
            c(n, "query_z12_ms"),
            c(n, "sc_query_z12_ms"),
            3,
        );
        row(
            &mut md,
            "insert one point (vs a rebuild)",
            c(n, "insert_ms"),
            c(n, "sc_build_ms"),
            4,
        );
        row(
            &mut md,
            "update one point (vs a rebuild)",
            c(n, "update_ms"),
            c(n, "sc_build_ms"),
            4,
        );
        row(
            &mut md,
            "remove one point (vs a rebuild)",
            c(n, "remove_ms"),
            c(n, "sc_build_ms"),
            4,
        );
    }
    md.push('\n');

    // (2) HTTP
    let _ = writeln!(
        md,
        "## 2. HTTP at {} organisations\n\n\
         {} requests per scenario ({} for the reference) over {} concurrent connections \
         (after {} unrecorded warm-up requests), loopback. Size: the body as sent, gzipped \
         by the server. Ratio: p50 against the reference, a plain page of 100 \
         organisations from the database.\n",
        thousands(plan.big),
        thousands(plan.requests),
        thousands(plan.requests.min(REFERENCE_REQUESTS)),
        plan.concurrency,
        plan.concurrency
    );
    let _ = writeln!(
        md,
        "| Database | Scenario | p50 (ms) | p99 (ms) | max (ms) | req/s | size (bytes, {}) | features | p50 / reference |\n|---|---|---:|---:|---:|---:|---:|---:|---:|",
        res.http
            .first()
            .map_or("gzip", |r| r.stats.encoding.as_str())
    );
    for r in &res.http {
        let reference = res
            .http
            .iter()
            .find(|x| x.backend == r.backend && x.scenario == REFERENCE)
            .map_or(f64::NAN, |x| x.stats.p50_ms);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.backend.name(),
            r.scenario,
            f(r.stats.p50_ms, 2),
            f(r.stats.p99_ms, 2),
            f(r.stats.max_ms, 2),
            f(r.stats.requests_per_s, 0),
            thousands(r.stats.body_bytes),
            r.features,
            ratio(r.stats.p50_ms, reference)
        );
    }
    let _ = writeln!(md, "\nPaths:\n");
    for (scenario, path, _) in SCENARIOS {
        let _ = writeln!(md, "- {scenario}: `{path}`");
    }
    md.push('\n');

    // (3) store
    let _ = writeln!(
        md,
        "## 3. Store bbox query at {}: SQLite vs Postgres\n\n\
         `GET /api/organizations?bbox={STORE_BBOX}&limit=1000` (Europe: many matches, \
         sorted by name, one page of 1 000), {} requests one at a time on each backend.\n",
        thousands(plan.small),
        plan.store_requests
    );
    let _ = writeln!(
        md,
        "| Database | matched | p50 (ms) | p99 (ms) | p50 / SQLite p50 |\n|---|---:|---:|---:|---:|"
    );
    let sqlite_p50 = res
        .store
        .iter()
        .find(|r| r.backend == Backend::Sqlite)
        .map_or(f64::NAN, |r| r.stats.p50_ms);
    for r in &res.store {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            r.backend.name(),
            thousands(r.matched as usize),
            f(r.stats.p50_ms, 2),
            f(r.stats.p99_ms, 2),
            ratio(r.stats.p50_ms, sqlite_p50)
        );
    }
    md.push('\n');

    // (4) wasm
    let wasm_gz = res.wasm.as_ref().map(|w| w.gzipped);
    if let Some(w) = &res.wasm {
        let _ = writeln!(
            md,
            "## 4. Web client size\n\n\
             | File | bytes | gzipped (level 9) | gzipped / budget (400 KB) |\n|---|---:|---:|---:|\n\
             | `dist/{}` | {} | {} | {} |\n",
            w.file,
            thousands(w.raw),
            thousands(w.gzipped),
            ratio(w.gzipped as f64, 400_000.0)
        );
    }

    // (5) first markers
    let first_ms = res
        .first_markers
        .as_ref()
        .and_then(|v| v["median_ms"].as_f64());
    let _ = writeln!(
        md,
        "## 5. First markers in headless Chromium at {}\n",
        thousands(plan.small)
    );
    match &res.first_markers {
        Some(v) if v.get("skipped").is_some() => {
            let _ = writeln!(md, "Skipped: {}\n", v["skipped"]);
        }
        Some(v) => {
            let loads: Vec<String> = v["loads"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|l| f(l["first_marker_ms"].as_f64().unwrap_or(f64::NAN), 0))
                        .collect()
                })
                .unwrap_or_default();
            let dcl: Vec<String> = v["loads"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|l| f(l["dom_content_loaded_ms"].as_f64().unwrap_or(f64::NAN), 0))
                        .collect()
                })
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "From navigation start to the first `.sm-cluster-marker` or `.sm-marker` in \
                 the marker pane, seen by a MutationObserver installed before the page's own \
                 scripts (`performance.now()`); each load in a fresh browser profile (cold \
                 cache), window 1280×800, server on SQLite.\n\n\
                 | Measure | median (ms) | loads (ms) | median / budget (1 500 ms) |\n|---|---:|---:|---:|\n\
                 | first markers | {} | {} | {} |\n\
                 | DOMContentLoaded | {} | {} | |\n\n\
                 First drawn: {} ({} markers at that moment); page errors: {}.\n",
                f(first_ms.unwrap_or(f64::NAN), 0),
                loads.join(", "),
                ratio(first_ms.unwrap_or(f64::NAN), 1500.0),
                f(
                    v["median_dom_content_loaded_ms"]
                        .as_f64()
                        .unwrap_or(f64::NAN),
                    0
                ),
                dcl.join(", "),
                v["loads"][0]["kind"].as_str().unwrap_or("?"),
                v["loads"][0]["markers"],
                v["errors"].as_array().map_or(0, Vec::len),
            );
        }
        None => {
            let _ = writeln!(md, "Not measured.\n");
        }
    }

    // (6) memory and start-up
    let _ = writeln!(
        md,
        "## 6. Server memory and start-up\n\n\
         Start-up: from spawning `solidarity-map serve` to the first `/healthz` 200 \
         (migrations, the clustering index built from the database, listening). RSS from \
         `/proc/<pid>/status` (VmRSS) after start-up and after the load above; peak is \
         VmHWM. Slow SQL: the statements over 1 s the server logged (sqlx), in \
         `target/bench/server-*.log`.\n"
    );
    let _ = writeln!(
        md,
        "| Database | organisations | data | start-up (s) | index built (s, MB) | RSS after start (MB) | RSS after load (MB) | peak RSS (MB) | slow SQL |\n|---|---:|---|---:|---:|---:|---:|---:|---:|"
    );
    for r in &res.start {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.backend.name(),
            thousands(r.n),
            r.data,
            f(r.startup.as_secs_f64(), 2),
            r.index.map_or("–".to_owned(), |(s, m)| format!(
                "{}, {}",
                f(s, 2),
                f(m, 0)
            )),
            f(r.rss_start, 0),
            f(r.rss_after.unwrap_or(f64::NAN), 0),
            f(r.peak, 0),
            r.slow_sql
        );
    }
    if let Some(sqlite) = res
        .start
        .iter()
        .find(|r| r.backend == Backend::Sqlite && r.n == plan.big)
        && let Some(pg) = res
            .start
            .iter()
            .find(|r| r.backend == Backend::Postgres && r.n == plan.big)
    {
        let _ = writeln!(
            md,
            "\nStart-up at {}: Postgres / SQLite = {}.",
            thousands(plan.big),
            ratio(pg.startup.as_secs_f64(), sqlite.startup.as_secs_f64())
        );
    }
    md.push('\n');

    // budgets
    let big = plan.cluster_sizes.rsplit(',').next().unwrap_or("0");
    let build_ratio = c(big, "build_ms") / c(big, "sc_build_ms");
    let insert = c(big, "insert_ms");
    let _ = writeln!(
        md,
        "## Budgets\n\n{}| Budget | measured | met |\n|---|---|---|",
        if quick {
            "Quick run: measured at 10 000 organisations with debug builds, not under the \
             budgets' conditions; shown so the table is exercised.\n\n"
        } else {
            ""
        }
    );
    let finite = |v: f64| v.is_finite().then_some(v);
    let _ = writeln!(
        md,
        "| index build ≤ 0.2 × supercluster's ({} points) | {} × | {} |",
        thousands(big.parse().unwrap_or(0)),
        f(build_ratio, 3),
        yes(finite(build_ratio).map(|r| r <= 0.2))
    );
    let _ = writeln!(
        md,
        "| incremental insert ≤ 1 ms median ({} points) | {} ms | {} |",
        thousands(big.parse().unwrap_or(0)),
        f(insert, 4),
        yes(finite(insert).map(|v| v <= 1.0))
    );
    for r in res
        .http
        .iter()
        .filter(|r| r.scenario == "world z2, category=media")
    {
        let _ = writeln!(
            md,
            "| world view with a category, p99 ≤ 20 ms at {} connections ({}, {}) | {} ms | {} |",
            r.stats.concurrency,
            r.backend.name(),
            thousands(plan.big),
            f(r.stats.p99_ms, 2),
            yes(Some(r.stats.p99_ms <= 20.0))
        );
        let _ = writeln!(
            md,
            "| world view with a category ≤ 50 KB gzipped ({}) | {} bytes | {} |",
            r.backend.name(),
            thousands(r.stats.body_bytes),
            yes(Some(
                r.stats.body_bytes <= 50_000 && r.stats.encoding == "gzip"
            ))
        );
    }
    for r in res.start.iter().filter(|r| r.n == plan.big) {
        let rss = r.rss_after.unwrap_or(r.rss_start).max(r.rss_start);
        let _ = writeln!(
            md,
            "| RSS ≤ 600 MB at {} ({}; after start-up and load) | {} MB (peak {} MB) | {} |",
            thousands(plan.big),
            r.backend.name(),
            f(rss, 0),
            f(r.peak, 0),
            yes(Some(rss <= 600.0))
        );
    }
    let _ = writeln!(
        md,
        "| `.wasm` ≤ 400 KB gzipped | {} bytes | {} |",
        wasm_gz.map_or("–".to_owned(), thousands),
        yes(wasm_gz.map(|b| b <= 400_000))
    );
    let _ = writeln!(
        md,
        "| first markers ≤ 1.5 s ({} organisations) | {} ms | {} |",
        thousands(plan.small),
        f(first_ms.unwrap_or(f64::NAN), 0),
        yes(first_ms.map(|v| v <= 1500.0))
    );
    md
}
