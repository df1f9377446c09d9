//! The deployment guide's files hold what they say: the systemd unit's
//! command line and every variable it sets are ones `solidarity-map serve`
//! knows (or the log's and the allocator's), and the server started exactly so (addresses, database and
//! files moved to the test's own) comes up ready, its metrics on their own
//! address.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use solidarity_map_e2e::{free_tcp_port, server_binary, workspace_root};

/// The unit's `ExecStart` arguments (after the binary) and its
/// `Environment=` pairs.
fn unit() -> (Vec<String>, Vec<(String, String)>) {
    let text =
        std::fs::read_to_string(workspace_root().join("deploy/solidarity-map.service")).unwrap();
    let mut args = Vec::new();
    let mut env = Vec::new();
    for line in text.lines() {
        if let Some(exec) = line.strip_prefix("ExecStart=") {
            args = exec.split_whitespace().skip(1).map(str::to_owned).collect();
        }
        if let Some(pair) = line.strip_prefix("Environment=") {
            let (k, v) = pair.split_once('=').unwrap();
            env.push((k.to_owned(), v.to_owned()));
        }
    }
    assert!(!args.is_empty() && !env.is_empty());
    (args, env)
}

#[tokio::test]
async fn the_systemd_unit_starts_a_ready_server() {
    let (args, env) = unit();
    let bin = server_binary().unwrap();
    let help = Command::new(&bin)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for (name, _) in &env {
        assert!(
            // the log filter and the C library's allocator settings are
            // read by those, not by `serve`'s options
            name == "RUST_LOG"
                || name.starts_with("MALLOC_")
                || help.contains(&format!("[env: {name}=")),
            "the unit sets {name}, which `serve` does not read"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dist")).unwrap();
    let port = free_tcp_port().unwrap();
    let metrics_port = free_tcp_port().unwrap();
    let state = workspace_root().join("state");
    let moved = |name: &str, value: &str| -> String {
        match name {
            "DATABASE_URL" => format!("sqlite:{}", dir.path().join("map.db").display()),
            "BIND_ADDR" => format!("127.0.0.1:{port}"),
            "METRICS_ADDR" => format!("127.0.0.1:{metrics_port}"),
            "DIST_DIR" => dir.path().join("dist").display().to_string(),
            "BASEMAP" => state.join("basemap.mbtiles").display().to_string(),
            "OUTLINES" => state.join("countries-10m.json").display().to_string(),
            _ => value.to_owned(),
        }
    };
    let mut child = Command::new(&bin)
        .args(&args)
        .envs(env.iter().map(|(k, v)| (k.clone(), moved(k, v))))
        // what the unit's EnvironmentFile holds
        .env("DATABASE_URL", moved("DATABASE_URL", ""))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = Instant::now();
    let ready = loop {
        let r = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await;
        if r.as_ref().is_ok_and(|r| r.status() == 200) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let metrics = http
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .map(|r| r.status());
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "the server the unit describes never became ready");
    assert_eq!(metrics.unwrap(), 200);
}
