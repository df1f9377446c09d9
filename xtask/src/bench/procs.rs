//! The processes and databases the benchmark runs against: the server on a
//! free loopback port (killed on drop), generated SQLite files (kept under
//! `target/bench/` and reused) and throw-away Postgres databases (dropped
//! on drop).

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::load;

/// A running `solidarity-map serve`, killed when dropped (also when the
/// benchmark fails half-way).
pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
    /// From spawning the process to the first `/healthz` 200.
    pub startup: Duration,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the server logs once its lists' order is sorted (the server's
/// `clusters::SORTED`; a server that never says it fails the run).
const SORTED: &str = "the lists' order is sorted";

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Server {
    /// Starts the server binary on `database_url` (no tiles) with
    /// `serve_args`, and waits until it answers `/healthz`; its log goes
    /// to `log`.
    pub async fn start_with(
        bin: &Path,
        database_url: &str,
        dist: &Path,
        log: &Path,
        client: &reqwest::Client,
        serve_args: &[&str],
    ) -> Result<Server> {
        let port = free_port()?;
        let out = File::create(log).with_context(|| log.display().to_string())?;
        let started = Instant::now();
        let child = Command::new(bin)
            .args(["--database-url", database_url, "serve"])
            .args(serve_args)
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--dist-dir")
            .arg(dist)
            .args(["--tile-url", ""])
            // start-up lines only: a line per request would be measured too
            .env("RUST_LOG", "warn,solidarity_map=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: log.to_owned(),
            startup: Duration::ZERO,
        };
        let health = format!("{}/healthz", server.base);
        let deadline = started + Duration::from_secs(600);
        loop {
            if let Ok((200, _)) = load::fetch(client, &health).await {
                break;
            }
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "the server stopped at start-up ({status}); its log {}:\n{}",
                    log.display(),
                    tail(log)
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not answer /healthz within 10 minutes; its log {}:\n{}",
                    log.display(),
                    tail(log)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.startup = started.elapsed();
        // the lists' order is sorted beside serving once the server is
        // up: measures begin after it, as a visitor meets the server
        let deadline = Instant::now() + Duration::from_secs(120);
        while server.log_lines(SORTED) == 0 {
            if Instant::now() > deadline {
                bail!(
                    "the server did not sort its lists' order; its log {}",
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(server)
    }

    /// How many lines of its log contain `needle`.
    pub fn log_lines(&self, needle: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .map(|t| t.lines().filter(|l| l.contains(needle)).count())
            .unwrap_or(0)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (VmRSS, VmHWM) in MB (2^20 bytes) from `/proc/<pid>/status`.
    pub fn memory_mb(&self) -> Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .context("reading /proc/<pid>/status (Linux only)")?;
        let field = |name: &str| -> Result<f64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
                .with_context(|| format!("{name} is not in /proc/<pid>/status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// The `seconds=` and `megabytes=` of the "clustering index built" log
    /// line.
    pub fn index_built(&self) -> Option<(f64, f64)> {
        let text = std::fs::read_to_string(&self.log).ok()?;
        let line = text
            .lines()
            .find(|l| l.contains("clustering index built"))?;
        let value = |key: &str| -> Option<f64> {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))?
                .trim_matches('"')
                .parse()
                .ok()
        };
        Some((value("seconds=")?, value("megabytes=")?))
    }
}

/// The last lines of a log file, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// `solidarity-map generate --count n` into `database_url`, with its own
/// progress on standard error.
pub fn generate(bin: &Path, database_url: &str, n: usize) -> Result<Duration> {
    let started = Instant::now();
    let status = Command::new(bin)
        .args(["--database-url", database_url, "generate"])
        .args(["--count", &n.to_string(), "--seed", "1"])
        .env("RUST_LOG", "info,sqlx=warn")
        .stdin(Stdio::null())
        // its log lines are progress, not part of the report on stdout
        .stdout(std::io::stderr())
        .status()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    if !status.success() {
        bail!("`solidarity-map generate --count {n}` failed ({status})");
    }
    Ok(started.elapsed())
}

/// A generated SQLite database under `target/bench/`.
pub struct SqliteDb {
    pub path: PathBuf,
    pub url: String,
    /// Reused from an earlier run (the stamp said so and the row count is
    /// checked once the server is up).
    pub reused: bool,
    pub generated_in: Option<Duration>,
}

fn stamp_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".count");
    PathBuf::from(s)
}

impl SqliteDb {
    fn at(dir: &Path, n: usize) -> (PathBuf, String) {
        let path = dir.join(format!("sqlite-{n}.db"));
        let url = format!("sqlite:{}", path.display());
        (path, url)
    }

    /// The file generated earlier if its stamp says `n` organisations,
    /// else a fresh one.
    pub fn prepare(bin: &Path, dir: &Path, n: usize) -> Result<SqliteDb> {
        let (path, url) = Self::at(dir, n);
        let stamp = std::fs::read_to_string(stamp_of(&path)).unwrap_or_default();
        if path.exists() && stamp.trim() == n.to_string() {
            eprintln!(
                "reusing {} (delete it to generate it again)",
                path.display()
            );
            return Ok(SqliteDb {
                path,
                url,
                reused: true,
                generated_in: None,
            });
        }
        Self::fresh(bin, dir, n)
    }

    /// Deletes any earlier file and generates `n` organisations.
    pub fn fresh(bin: &Path, dir: &Path, n: usize) -> Result<SqliteDb> {
        let (path, url) = Self::at(dir, n);
        Self::remove(&path);
        eprintln!("generating {n} organisations into {}", path.display());
        let took = generate(bin, &url, n)?;
        std::fs::write(stamp_of(&path), n.to_string())?;
        Ok(SqliteDb {
            path,
            url,
            reused: false,
            generated_in: Some(took),
        })
    }

    fn remove(path: &Path) {
        for suffix in ["", "-wal", "-shm", ".count"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

/// Runs one SQL statement with `psql` on the admin database.
fn psql(admin_url: &str, sql: &str) -> Result<String> {
    let out = Command::new("psql")
        .args([admin_url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        .stdin(Stdio::null())
        .output()
        .context("cannot start psql (apt-get install postgresql-client)")?;
    if !out.status.success() {
        bail!(
            "psql `{sql}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A Postgres database of the benchmark's own, dropped when dropped.
pub struct PgDb {
    admin_url: String,
    name: String,
    pub url: String,
    pub generated_in: Option<Duration>,
}

impl PgDb {
    /// Creates `bench_<pid>_<n>` next to the database of `admin_url`.
    pub fn create(admin_url: &str, n: usize) -> Result<PgDb> {
        let name = format!("bench_{}_{n}", std::process::id());
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(base, _)| base);
        Ok(PgDb {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
            generated_in: None,
        })
    }

    /// Databases left by a benchmark that was interrupted (its process is
    /// gone) are dropped.
    pub fn drop_stale(admin_url: &str) -> Result<()> {
        let names = psql(
            admin_url,
            r"SELECT datname FROM pg_database WHERE datname LIKE 'bench\_%'",
        )?;
        for name in names.lines().map(str::trim) {
            let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid
                && pid != std::process::id()
                && !Path::new(&format!("/proc/{pid}")).exists()
            {
                eprintln!("dropping {name}, left by an interrupted benchmark");
                psql(
                    admin_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )?;
            }
        }
        Ok(())
    }

    pub fn generate(&mut self, bin: &Path, n: usize) -> Result<()> {
        eprintln!("generating {n} organisations into Postgres {}", self.name);
        self.generated_in = Some(generate(bin, &self.url, n)?);
        Ok(())
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = psql(&self.admin_url, &sql) {
            eprintln!("!!! could not drop {}: {e:#}", self.name);
        }
    }
}

/// Whether Postgres answers at `admin_url` (psql installed and connecting).
pub fn postgres_ready(admin_url: &str) -> Result<()> {
    psql(admin_url, "SELECT 1").map(|_| ())
}
