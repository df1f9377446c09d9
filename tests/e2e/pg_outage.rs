//! A Postgres outage while serving: the real server on a private Postgres
//! cluster made for the test; the cluster is stopped at once (`pg_ctl stop
//! -m immediate`): requests get 503 in bounded time (no hang, no panic),
//! `/healthz` says so, and when Postgres is back the server recovers by
//! itself.
//!
//! Needs root (to run Postgres as the `postgres` user) and the Postgres
//! server binaries under /usr/lib/postgresql/*/bin.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use solidarity_map_e2e::{ServeProcess, free_tcp_port, require};

/// The newest installed Postgres server binaries.
fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists() && p.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

fn as_postgres(program: &Path, args: &[&str]) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A Postgres cluster of its own in a temporary directory, stopped on drop.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn create(bin: PathBuf) -> Option<Cluster> {
        let dir = tempfile::tempdir().ok()?;
        let owned = Command::new("chown")
            .args(["postgres:"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !owned {
            return None;
        }
        let cluster = Cluster {
            bin,
            dir,
            port: free_tcp_port().ok()?,
        };
        let data = cluster.data();
        as_postgres(
            &cluster.bin.join("initdb"),
            &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync"],
        )
        .then_some(cluster)
    }

    fn start(&self) -> bool {
        let data = self.data();
        let log = self.dir.path().join("postgres.log").display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        )
    }

    fn stop_immediately(&self) -> bool {
        let data = self.data();
        as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        )
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop_immediately();
    }
}

/// The status of `GET path`, and how long the answer took; a timeout or a
/// refused connection fails the test (the server must answer, not hang).
async fn status(http: &reqwest::Client, server: &ServeProcess, path: &str) -> (u16, Duration) {
    let t = Instant::now();
    let res = http
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path} got no answer: {e}"));
    (res.status().as_u16(), t.elapsed())
}

#[tokio::test]
async fn while_postgres_is_down_requests_get_503_and_the_server_recovers_by_itself() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let bin = pg_bin_dir();
    if !require(
        is_root && bin.is_some(),
        "a private Postgres cluster needs root and /usr/lib/postgresql/*/bin",
    ) {
        return;
    }
    let cluster = Cluster::create(bin.unwrap());
    if !require(
        cluster.is_some(),
        "initdb as the postgres user failed (runuser -u postgres -- initdb)",
    ) {
        return;
    }
    let cluster = cluster.unwrap();
    assert!(cluster.start(), "pg_ctl start failed");
    let server = ServeProcess::start(&cluster.url(), &[]).await.unwrap();
    // bounded: a hang fails the test instead of stalling it
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    assert_eq!(status(&http, &server, "/api/organizations").await.0, 200);

    assert!(cluster.stop_immediately(), "pg_ctl stop failed");
    let mut seen = Vec::new();
    for _ in 0..5 {
        // a list not asked before needs the database
        for path in [
            "/api/organizations?limit=7",
            "/api/facets?q=press",
            "/healthz",
            "/readyz",
        ] {
            let (code, took) = status(&http, &server, path).await;
            seen.push(format!("{path} {code} in {took:?}"));
            assert_eq!(code, 503, "while Postgres is down: {seen:#?}");
        }
        // the legend and the filters' counts are answered from the map's
        // index, database or not, and the list asked before the outage
        // from the answers kept since (nothing has changed)
        for path in ["/api/categories", "/api/facets", "/api/organizations"] {
            let (code, _) = status(&http, &server, path).await;
            assert_eq!(code, 200, "{path} from memory");
        }
    }
    println!("Postgres down: {seen:#?}");

    assert!(cluster.start(), "pg_ctl start (again) failed");
    let back = Instant::now();
    server
        .wait_healthy(Duration::from_secs(60))
        .await
        .expect("/healthz is 200 again once Postgres is back");
    assert_eq!(status(&http, &server, "/api/organizations").await.0, 200);
    assert_eq!(status(&http, &server, "/api/categories").await.0, 200);
    println!("recovered {:?} after Postgres was back", back.elapsed());
}
