//! `cargo xtask fresh-check [--rev REV] [--keep]`: the test command as a
//! new machine runs it. Every machine the project is developed on has
//! Cargo's registry, npm's and pip's caches full of what earlier builds
//! fetched, and a step that only works because of them (a crate no build
//! here downloads, a package only the cache still has) passes there and
//! fails for everyone else. So this clones the committed tree into a
//! temporary directory and runs `CI=true cargo xtask test` in it with an
//! empty Cargo home (registry and git cache), an empty npm cache and an
//! empty pip cache, and a cold `target/`. The tools `cargo install` put in
//! the Cargo home's `bin/` (Trunk, wasm-bindgen, cargo-deny and the rustup
//! proxies) are linked into the new one, so they are not rebuilt: their
//! install is timed by a machine's first run, not here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::tools::cargo_bin;

struct Options {
    rev: String,
    keep: bool,
}

fn parse(args: Vec<String>) -> Result<Options> {
    let mut options = Options {
        rev: "HEAD".to_owned(),
        keep: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rev" => {
                options.rev = args.next().context("--rev needs a commit")?;
            }
            "--keep" => options.keep = true,
            other => {
                bail!("unknown option {other}; usage: cargo xtask fresh-check [--rev REV] [--keep]")
            }
        }
    }
    Ok(options)
}

pub fn main(root: &Path, args: Vec<String>) -> Result<()> {
    let options = parse(args)?;
    warn_if_dirty(root);
    let work = std::env::temp_dir().join(format!("solidarity-map-fresh-{}", std::process::id()));
    let repo = work.join("repo");
    let cargo_home = work.join("cargo-home");
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;

    // the commit is named here, where REV means what the caller thinks
    let commit = git_output(
        root,
        &[
            "rev-parse",
            "--verify",
            &format!("{}^{{commit}}", options.rev),
        ],
    )?;
    git(
        root,
        &[
            "clone",
            "--quiet",
            "--no-local",
            &root.to_string_lossy(),
            &repo.to_string_lossy(),
        ],
    )?;
    git(&repo, &["checkout", "--quiet", "--detach", &commit])?;
    let head = git_output(&repo, &["log", "-1", "--format=%h %s"])?;
    link_installed_tools(&cargo_home.join("bin"))?;

    eprintln!("fresh check of {head}");
    eprintln!("  clone:      {}", repo.display());
    eprintln!(
        "  CARGO_HOME: {} (empty registry; tools linked from {})",
        cargo_home.display(),
        cargo_bin().display()
    );
    eprintln!("  npm and pip caches: empty, under {}", work.display());

    let path = format!(
        "{}:{}",
        cargo_home.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = Instant::now();
    let status = Command::new("cargo")
        .args(["xtask", "test"])
        .current_dir(&repo)
        .env("CI", "true")
        .env("CARGO_HOME", &cargo_home)
        .env("PATH", path)
        .env("npm_config_cache", work.join("npm-cache"))
        .env("PIP_CACHE_DIR", work.join("pip-cache"))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTC_WRAPPER")
        .status()
        .context("cannot start cargo xtask test in the clone")?;
    let took = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!(
            "fresh check FAILED after {took:.0}s ({status}); the clone is kept at {}",
            repo.display()
        );
    }
    eprintln!(
        "\nfresh check passed: `CI=true cargo xtask test` on a clean clone of {head}, with empty caches, in {took:.0}s"
    );
    if options.keep {
        eprintln!("kept at {}", work.display());
    } else {
        std::fs::remove_dir_all(&work)
            .with_context(|| format!("cannot remove {}", work.display()))?;
    }
    Ok(())
}

/// Only what is committed is checked: say so when the work tree differs.
fn warn_if_dirty(root: &Path) {
    if let Ok(status) = git_output(root, &["status", "--porcelain", "--untracked-files=no"])
        && !status.is_empty()
    {
        eprintln!("note: uncommitted changes are not part of the check:\n{status}");
    }
}

/// Links every program of the real Cargo home's `bin/` (the rustup proxies
/// and the installed tools) into the fresh one.
fn link_installed_tools(bin: &Path) -> Result<()> {
    std::fs::create_dir_all(bin)?;
    let from = cargo_bin();
    for entry in
        std::fs::read_dir(&from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let target: PathBuf = entry.path();
        std::os::unix::fs::symlink(&target, bin.join(entry.file_name()))
            .with_context(|| format!("cannot link {}", target.display()))?;
    }
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .context("cannot start git")?;
    if !status.success() {
        bail!("`git {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

fn git_output(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .context("cannot start git")?;
    if !out.status.success() {
        bail!("`git {}` failed ({})", args.join(" "), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
