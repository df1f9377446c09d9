//! The measures: each runs something real (the cluster example, a server
//! on its database, the browser driver) and records what it saw in
//! [`Results`]; the report is written from those alone (`report.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::load;
use super::procs::{PgDb, Server, SqliteDb};
use super::results::{Backend, HttpRow, InstancesRow, PlanRow, Results, StartRow, StoreRow, Wasm};
use super::{
    LISTS, LISTS_AT, LISTS_CONNECTIONS, LISTS_REQUESTS, PLANNED, Plan, REFERENCE_REQUESTS,
    SCENARIOS, STORE_BBOX, TWO_INSTANCE_SCENARIOS, WAITS,
};
use crate::tools;

/// The index against supercluster, from the cluster crate's example.
pub(super) fn cluster_bench(plan: &Plan, res: &mut Results) -> Result<()> {
    let kv = plan.dir.join("cluster.kv");
    let md = plan.dir.join("cluster.md");
    let _ = std::fs::remove_file(&kv);
    let status = Command::new(&plan.cluster_example)
        .args(["--points", plan.scale.cluster_sizes])
        .args(["--runs", &plan.scale.cluster_runs.to_string()])
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
    for n in plan.scale.cluster_sizes.split(',') {
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

/// What an answer counts: `numberMatched` and the features of a
/// collection, the entries of a list, the values of the facets.
fn items(path: &str, body: &[u8]) -> Result<(u64, usize)> {
    if path.starts_with("/api/clusters") || path.starts_with("/api/organizations") {
        return number_matched(body);
    }
    let v: Value = serde_json::from_slice(body).context("the answer is not JSON")?;
    let len = |v: &Value| v.as_array().map_or(0, Vec::len);
    let n = match &v {
        Value::Array(list) => list.len(),
        _ => len(&v["categories"]) + len(&v["countries"]) + len(&v["languages"]),
    };
    Ok((0, n))
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

/// What every round of measures shares: the plan, the runtime that drives
/// the load generator, and the generator's HTTP client.
pub(super) struct Rounds<'a> {
    pub plan: &'a Plan,
    pub rt: &'a tokio::runtime::Runtime,
    pub client: &'a reqwest::Client,
}

/// A server up on its data, to be measured.
struct Up<'a> {
    backend: Backend,
    /// How many organisations it has.
    n: usize,
    server: &'a Server,
    /// The database's URL.
    url: &'a str,
    /// Where the data came from, for the report.
    data: String,
}

impl Rounds<'_> {
    /// A server that computes every answer (`--answer-cache-mb 0`), so
    /// that repeating one request measures the work, not the memory.
    fn start(&self, url: &str, log: &Path) -> Result<Server> {
        self.start_with(url, log, &["--no-demo", "--answer-cache-mb", "0"])
    }

    fn start_with(&self, url: &str, log: &Path, args: &[&str]) -> Result<Server> {
        self.rt.block_on(Server::start_with(
            &self.plan.server,
            url,
            &self.plan.dist,
            log,
            self.client,
            args,
        ))
    }

    /// The database's query plans of the lists in [`PLANNED`].
    fn plans(&self, backend: Backend, url: &str, res: &mut Results) -> Result<()> {
        for &(list, filter) in PLANNED {
            let out = Command::new(&self.plan.server)
                .args(["--database-url", url, "explain", filter])
                .env("RUST_LOG", "warn")
                .env("NO_COLOR", "1")
                .stderr(Stdio::inherit())
                .output()
                .with_context(|| format!("cannot start {}", self.plan.server.display()))?;
            if !out.status.success() {
                bail!("explain {filter} failed ({})", out.status);
            }
            let text = String::from_utf8(out.stdout).context("explain printed no text")?;
            res.plans.push(PlanRow {
                backend,
                list,
                filter,
                text,
            });
        }
        Ok(())
    }

    /// The lists of [`LISTS`] on `server`, each answer computed, then on
    /// a second server of the same database that keeps its answers.
    fn lists(&self, backend: Backend, url: &str, server: &Server, res: &mut Results) -> Result<()> {
        let (plan, rt, client) = (self.plan, self.rt, self.client);
        let requests = plan.scale.requests.min(LISTS_REQUESTS);
        let log = plan
            .dir
            .join(format!("server-{}-kept.log", backend.name().to_lowercase()));
        let keeping = self.start_with(url, &log, &["--no-demo"])?;
        for (kept, on) in [(false, server), (true, &keeping)] {
            for &(scenario, path, _) in LISTS {
                let url = format!("{}{path}", on.base);
                eprintln!(
                    "{}: {scenario}{}: {requests} requests, {LISTS_CONNECTIONS} connections",
                    backend.name(),
                    if kept { ", answers kept" } else { "" }
                );
                let stats = rt.block_on(load::run(client, &url, requests, LISTS_CONNECTIONS))?;
                let (_, features) =
                    items(path, &load::gunzip(&stats)?).with_context(|| format!("GET {url}"))?;
                if features == 0 {
                    bail!("GET {url}: an empty list");
                }
                eprintln!(
                    "  p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s",
                    stats.p50_ms, stats.p99_ms, stats.requests_per_s
                );
                let row = HttpRow {
                    backend,
                    scenario,
                    stats,
                    features,
                };
                if kept {
                    res.lists_kept.push(row);
                } else {
                    res.lists.push(row);
                }
            }
        }
        Ok(())
    }

    /// The visitor's waits of [`WAITS`] on a second server of the same
    /// database that keeps its answers (the default): what a visitor is
    /// served, where each answer is made once per change of the map.
    fn waits_kept(&self, backend: Backend, url: &str, res: &mut Results) -> Result<()> {
        let (plan, rt, client) = (self.plan, self.rt, self.client);
        let log = plan.dir.join(format!(
            "server-{}-kept-waits.log",
            backend.name().to_lowercase()
        ));
        let keeping = self.start_with(url, &log, &["--no-demo"])?;
        for &(scenario, _) in WAITS {
            let Some(&(_, path, _)) = SCENARIOS.iter().find(|s| s.0 == scenario) else {
                bail!("{scenario} is not a scenario");
            };
            let url = format!("{}{path}", keeping.base);
            let (requests, connections) = (plan.scale.requests, plan.scale.concurrency);
            eprintln!(
                "{}: {scenario}, answers kept: {requests} requests, {connections} connections",
                backend.name()
            );
            let stats = rt.block_on(load::run(client, &url, requests, connections))?;
            let (_, features) =
                items(path, &load::gunzip(&stats)?).with_context(|| format!("GET {url}"))?;
            eprintln!(
                "  p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s",
                stats.p50_ms, stats.p99_ms, stats.requests_per_s
            );
            res.http_kept.push(HttpRow {
                backend,
                scenario,
                stats,
                features,
            });
        }
        Ok(())
    }

    /// A round on a SQLite file of `n` organisations, reused when its row
    /// count is right, else generated.
    pub(super) fn sqlite(&self, n: usize, res: &mut Results) -> Result<()> {
        let plan = self.plan;
        let mut db = SqliteDb::prepare(&plan.server, &plan.dir, n)?;
        let log = log_path(plan, Backend::Sqlite, n);
        let mut server = self.start(&db.url, &log)?;
        let have = self.rt.block_on(count(self.client, &server))?;
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
            server = self.start(&db.url, &log)?;
            let have = self.rt.block_on(count(self.client, &server))?;
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
        let up = Up {
            backend: Backend::Sqlite,
            n,
            server: &server,
            url: &db.url,
            data,
        };
        self.measure(up, res)
    }

    /// A round on a Postgres database of `n` organisations, made for it
    /// on the server at `admin`.
    pub(super) fn postgres(&self, admin: &str, n: usize, res: &mut Results) -> Result<()> {
        let plan = self.plan;
        let mut db = PgDb::create(admin, n)?;
        db.generate(&plan.server, n)?;
        let log = log_path(plan, Backend::Postgres, n);
        let server = self.start(&db.url, &log)?;
        let have = self.rt.block_on(count(self.client, &server))?;
        if have != n as u64 {
            bail!("generated {n} organisations into Postgres but the server has {have}");
        }
        let data = format!(
            "generated in {:.1} s",
            db.generated_in.map_or(f64::NAN, |t| t.as_secs_f64())
        );
        let up = Up {
            backend: Backend::Postgres,
            n,
            server: &server,
            url: &db.url,
            data,
        };
        self.measure(up, res)?;
        if n == plan.scale.big {
            self.two_instances(&db.url, &server, res)?;
        }
        Ok(())
        // the servers are dropped (killed) before the database
    }

    /// A second instance on the same database, and the scenarios of
    /// [`TWO_INSTANCE_SCENARIOS`] on one instance, then alternating
    /// between the two, back to back.
    fn two_instances(&self, url: &str, first: &Server, res: &mut Results) -> Result<()> {
        let (plan, rt, client) = (self.plan, self.rt, self.client);
        let log = plan.dir.join("server-postgres-second.log");
        let second = self.start(url, &log)?;
        for &(scenario, path) in TWO_INSTANCE_SCENARIOS {
            let a = format!("{}{path}", first.base);
            let b = format!("{}{path}", second.base);
            eprintln!("Postgres, one instance then two: {scenario}");
            let requests = plan.scale.requests;
            let concurrency = plan.scale.concurrency;
            // interleaved rounds, so that neither side always runs on the
            // warmer machine; the median round of each is kept
            let mut ones = Vec::new();
            let mut twos = Vec::new();
            for _ in 0..INSTANCE_ROUNDS {
                ones.push(rt.block_on(load::run(client, &a, requests, concurrency))?);
                let both = [a.clone(), b.clone()];
                twos.push(rt.block_on(load::run_on(client, &both, requests, concurrency))?);
            }
            if load::gunzip(&ones[0])? != load::gunzip(&twos[0])? {
                bail!("{scenario}: the two instances answer differently");
            }
            let one = median_round(ones);
            let two = median_round(twos);
            eprintln!(
                "  one: p50 {:.2} ms, p99 {:.2} ms; two: p50 {:.2} ms, p99 {:.2} ms",
                one.p50_ms, one.p99_ms, two.p50_ms, two.p99_ms
            );
            res.instances.push(InstancesRow { scenario, one, two });
        }
        Ok(())
    }

    /// Everything measured on one server: start-up and memory always, the
    /// HTTP scenarios at the big size, the store query (and the browser, on
    /// SQLite) at the small one.
    fn measure(&self, up: Up<'_>, res: &mut Results) -> Result<()> {
        let Up {
            backend,
            n,
            server,
            url,
            data,
        } = up;
        let (plan, rt, client) = (self.plan, self.rt, self.client);
        let (rss_start, _) = server.memory_mb()?;
        eprintln!(
            "{} up in {:.2} s with {n} organisations, RSS {rss_start:.0} MB",
            backend.name(),
            server.startup.as_secs_f64()
        );
        let mut rss_after = None;
        if n == plan.scale.big {
            for &(scenario, path, non_empty) in SCENARIOS {
                let url = format!("{}{path}", server.base);
                // lists go to the database each time: fewer requests
                let requests = if path.starts_with("/api/organizations") {
                    plan.scale.requests.min(REFERENCE_REQUESTS)
                } else {
                    plan.scale.requests
                };
                eprintln!(
                    "{}: {scenario}: {requests} requests, {} connections",
                    backend.name(),
                    plan.scale.concurrency
                );
                let stats =
                    rt.block_on(load::run(client, &url, requests, plan.scale.concurrency))?;
                let body = load::gunzip(&stats)?;
                let (matched, features) =
                    items(path, &body).with_context(|| format!("GET {url}"))?;
                if non_empty && features == 0 {
                    bail!("GET {url}: an empty answer");
                }
                if scenario == "world z2" && matched != n as u64 {
                    bail!("GET {url}: the clusters count {matched} organisations, not {n}");
                }
                eprintln!(
                    "  p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s, {} bytes {}",
                    stats.p50_ms,
                    stats.p99_ms,
                    stats.requests_per_s,
                    stats.body_bytes,
                    stats.encoding
                );
                res.http.push(HttpRow {
                    backend,
                    scenario,
                    stats,
                    features,
                });
            }
            rss_after = Some(server.memory_mb()?.0);
            self.plans(backend, url, res)?;
            self.waits_kept(backend, url, res)?;
        }
        if n == LISTS_AT {
            self.lists(backend, url, server, res)?;
        }
        if n == plan.scale.small {
            let url = format!(
                "{}/api/organizations?bbox={STORE_BBOX}&limit=1000",
                server.base
            );
            eprintln!(
                "{}: store bbox query, {} requests one at a time",
                backend.name(),
                plan.scale.store_requests
            );
            let stats = rt.block_on(load::run(client, &url, plan.scale.store_requests, 1))?;
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
                res.first_markers = Some(first_markers(plan, server, "/", false)?);
            }
            rss_after = Some(server.memory_mb()?.0);
        }
        if backend == Backend::Sqlite && (n == plan.scale.small || n == plan.scale.big) {
            // what a visitor on a slow phone waits for, in a left-to-right
            // and a right-to-left interface
            for lang in ["en", "ar"] {
                let v = first_markers(plan, server, &format!("/?lang={lang}"), true)?;
                res.slow_markers.push((n, lang, v));
            }
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
}

/// Rounds of one instance and of two, interleaved (section 7).
const INSTANCE_ROUNDS: usize = 3;

/// The round whose p50 is the median.
fn median_round(mut rounds: Vec<load::Stats>) -> load::Stats {
    rounds.sort_by(|x, y| x.p50_ms.total_cmp(&y.p50_ms));
    rounds.swap_remove(rounds.len() / 2)
}

/// Runs the `first-markers` browser driver against the server, on `path`,
/// on a slow phone when `slow`.
fn first_markers(plan: &Plan, server: &Server, path: &str, slow: bool) -> Result<Value> {
    eprintln!(
        "first markers in headless Chromium: {} fresh load(s) of {path}{}",
        plan.scale.browser_loads,
        if slow { " on a slow phone" } else { "" }
    );
    let mut driver = Command::new(&plan.first_markers);
    if slow {
        driver.arg("--slow");
    }
    let out = driver
        .args(["--base", &server.base, "--path", path])
        .args(["--loads", &plan.scale.browser_loads.to_string()])
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

pub(super) fn wasm_file(dist: &Path) -> Result<PathBuf> {
    std::fs::read_dir(dist)
        .with_context(|| format!("{} (cargo xtask build)", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .with_context(|| format!("no .wasm in {} (cargo xtask build)", dist.display()))
}

pub(super) fn wasm_size(dist: &Path) -> Result<Wasm> {
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
