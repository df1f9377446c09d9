//! `cargo xtask fuzz [--long]`: schemathesis generates requests for every
//! operation of the API from its own OpenAPI document (`/api/openapi.json`)
//! and checks each answer: no server error, and every status, content type,
//! header and body as the document says. It runs against a real server on
//! a fresh SQLite file with the demo data and a signed-in moderator, so the
//! moderation endpoints are reached too.
//!
//! The short run is a step of `cargo xtask test`; the long one is its own
//! command. Both fail when schemathesis finds anything, or when it sent
//! fewer requests than asked for.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::bench::procs::Server;
use crate::{cmd, tools};

/// How long a run is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Inside `cargo xtask test`: a few minutes.
    Short,
    /// `cargo xtask fuzz --long`.
    Long,
}

impl Length {
    /// Generated cases per operation, and the least requests a run must send.
    fn plan(self) -> (u32, u64) {
        match self {
            Length::Short => (40, 1_000),
            Length::Long => (400, 5_000),
        }
    }
}

pub fn main(root: &Path, args: &[String]) -> Result<()> {
    let length = match args.first().map(String::as_str) {
        None => Length::Short,
        Some("--long") => Length::Long,
        Some(other) => bail!("unknown option {other}; usage: cargo xtask fuzz [--long]"),
    };
    tools::ensure_python_tools(root)?;
    run(root, length)
}

pub fn run(root: &Path, length: Length) -> Result<()> {
    cmd(
        "cargo",
        &[
            "build",
            "--package",
            "solidarity-map-server",
            "--bin",
            "solidarity-map",
        ],
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from);
    let bin = target.join("debug/solidarity-map");
    let dir = target.join("fuzz");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let db = format!("sqlite:{}?mode=rwc", dir.join("fuzz.db").display());
    let solidarity_map = |args: &[&str], stdin: Option<&str>| -> Result<()> {
        let mut child = Command::new(&bin)
            .args(["--database-url", &db])
            .args(args)
            .stdin(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(input.as_bytes())?;
        }
        let status = child.wait()?;
        if !status.success() {
            bail!("`solidarity-map {}` failed ({status})", args.join(" "));
        }
        Ok(())
    };
    let password = "a passphrase only this run knows";
    solidarity_map(&["seed"], None)?;
    solidarity_map(
        &[
            "admin",
            "add-user",
            "--username",
            "fuzz",
            "--password-stdin",
        ],
        Some(password),
    )?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::new();
    let dist = root.join("dist");
    let log = dir.join("server.log");
    // the per-address limits would answer most joins, edits and sign-ins
    // with 429 and leave the code behind them untested
    let server = runtime.block_on(Server::start_with(
        &bin,
        &db,
        &dist,
        &log,
        &client,
        &["--rate-limit-factor", "10000"],
    ))?;
    let (cookie, csrf) = runtime.block_on(sign_in(&client, &server.base, password))?;

    let (examples, least) = length.plan();
    let report = dir.join("report.json");
    let schemathesis = tools::python_env(root).join("bin/schemathesis");
    // the session as the document's `session` scheme, so schemathesis
    // also tries every moderator operation without it
    let config = dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        "[auth.openapi.session]\napi_key = \"${SM_SESSION}\"\n",
    )?;
    let status = Command::new(&schemathesis)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("{}/api/openapi.json", server.base))
        .args(["--checks", CHECKS])
        .args(["--max-examples", &examples.to_string()])
        .args(["--seed", "1"])
        .args(["--workers", "2"])
        .args(["--request-timeout", "10"])
        // signing out would end the session the moderator operations use
        .args(["--exclude-path", "/api/admin/logout"])
        .args(["--header", &format!("X-CSRF-Token: {csrf}")])
        .args(["--report", "json", "--report-json-path"])
        .arg(&report)
        .env("SM_SESSION", &cookie)
        .env("NO_COLOR", "1")
        // parsing one thread at a time, round a CPython 3.11 bug (see the file)
        .env("PYTHONPATH", root.join("tools/python-site"))
        .status()
        .with_context(|| format!("cannot start {}", schemathesis.display()))?;
    drop(server);
    let sent = requests_sent(&report)?;
    eprintln!(
        "schemathesis sent {sent} requests; the server's log is {}",
        log.display()
    );
    if !status.success() {
        bail!(
            "schemathesis found problems (see above); the server's log is {}",
            log.display()
        );
    }
    if sent < least {
        bail!("schemathesis sent only {sent} requests, fewer than the {least} this run needs");
    }
    Ok(())
}

/// What every answer is checked for: no 5xx, and nothing the document does
/// not describe (status, content type, headers, body).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,negative_data_rejection";

async fn sign_in(client: &reqwest::Client, base: &str, password: &str) -> Result<(String, String)> {
    let res = client
        .post(format!("{base}/api/admin/login"))
        .json(&serde_json::json!({"username": "fuzz", "password": password}))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("signing in for the fuzz run failed: {}", res.status());
    }
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next()?.strip_prefix("sm_session="))
        .map(str::to_owned)
        .context("no session cookie after signing in")?;
    let body: serde_json::Value = res.json().await?;
    let csrf = body["csrf_token"]
        .as_str()
        .context("no csrf_token after signing in")?
        .to_owned();
    Ok((cookie, csrf))
}

/// How many test cases the run generated and sent (each at least one
/// request), from schemathesis' JSON report.
fn requests_sent(report: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(report)
        .with_context(|| format!("schemathesis wrote no report at {}", report.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    json["test_cases"]["generated"]
        .as_u64()
        .context("no test_cases.generated in schemathesis' report")
}
