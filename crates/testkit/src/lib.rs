//! What the tests of every crate share, so that each rule is written once:
//! whether this is a CI run, how a test that cannot run says so, and where
//! the test Postgres is.
//!
//! Outside CI a test whose prerequisite is missing (Postgres, Chromium, the
//! built client, the Python tools) is skipped rather than failed, so that
//! the rest still runs on a machine without them. A skipped test still
//! reports "ok" under `cargo test`, and libtest captures what a passing test
//! prints with `eprintln!`: the skip would go unseen. [`skip`] therefore
//! writes to the process's standard error itself, which libtest does not
//! capture, with the test's name. With `CI=true` nothing is skipped: a
//! missing prerequisite fails the test.

use std::io::Write as _;

#[cfg(feature = "tiles")]
pub mod tiles;

/// Whether this is a CI run (`CI=true` or `CI=1`), where nothing may be
/// skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips the running test because `why` (e.g. "Postgres is not reachable
/// at …"), with a line on standard error that `cargo test` shows; with
/// `CI=true` it panics instead, failing the test. The caller returns after
/// it.
pub fn skip(why: &str) {
    assert!(!in_ci(), "CI=true and {why}");
    // libtest names a test's thread after the test
    let line = match std::thread::current().name() {
        Some(test) if test != "main" => format!("\n!!! SKIPPED {test}: {why}\n"),
        _ => format!("\n!!! SKIPPED: {why}\n"),
    };
    // not `eprintln!`, which libtest captures and shows for failures only
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// True when `ok`; else [`skip`]s because `why` and returns false (outside
/// CI; in CI it fails the test).
pub fn require(ok: bool, why: &str) -> bool {
    if !ok {
        skip(why);
    }
    ok
}

/// The Postgres server tests make their own databases on
/// (`TEST_DATABASE_URL`, else the local one as `postgres`).
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn with_database_replaces_only_the_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    }
}
