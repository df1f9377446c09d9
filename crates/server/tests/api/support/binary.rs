//! The real `solidarity-map` binary: adding a moderator with it, and
//! serving with it on a port it chooses itself.

use std::fs::File;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `solidarity-map` binary of this package.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_solidarity-map")
}

/// Adds a moderator to the database at `url` with `admin add-user`.
pub fn add_moderator(url: &str, username: &str, password: &str) {
    add_user(url, username, password, None);
}

/// [`add_moderator`], with everything it logs, down to `trace`, written to
/// `log`.
pub fn add_moderator_logged(url: &str, username: &str, password: &str, log: &File) {
    add_user(url, username, password, Some(log));
}

fn add_user(url: &str, username: &str, password: &str, log: Option<&File>) {
    let mut command = Command::new(bin());
    command
        .args(["--database-url", url, "admin", "add-user"])
        .args(["--username", username, "--password-stdin"])
        .stdin(Stdio::piped());
    match log {
        Some(log) => command
            .env("RUST_LOG", "trace")
            .stdout(log.try_clone().expect("the log"))
            .stderr(log.try_clone().expect("the log")),
        None => command.stdout(Stdio::null()),
    };
    let mut add = command.spawn().expect("run admin add-user");
    add.stdin
        .take()
        .expect("its standard input")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write the password");
    assert!(add.wait().expect("admin add-user ends").success());
}

/// `solidarity-map serve` running on a free port of `host`, killed when
/// dropped.
pub struct Served {
    pub child: Child,
    /// Where to reach it (over loopback).
    pub base: String,
    /// Reads the server's log to its end.
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// Serves the database at `url` (no demo data, no client, no tiles)
    /// on a port of `host` the server chooses itself (a port found free
    /// first could be taken by another test before the server binds it),
    /// with the settings `env` gives, once `/healthz` answers.
    pub async fn start(url: &str, host: &str, env: &[(&str, &str)]) -> Served {
        let dist = std::env::temp_dir().join("solidarity-map-no-client");
        Served::launch(url, host, env, &dist, None).await
    }

    /// [`Served::start`] on loopback serving the client in `dist`, with
    /// everything the server writes (its log and any panic) copied to
    /// `log`: complete once the server is dropped.
    pub async fn start_logged(url: &str, env: &[(&str, &str)], dist: &Path, log: &File) -> Served {
        Served::launch(url, "127.0.0.1", env, dist, Some(log)).await
    }

    async fn launch(
        url: &str,
        host: &str,
        env: &[(&str, &str)],
        dist: &Path,
        log: Option<&File>,
    ) -> Served {
        let mut command = Command::new(bin());
        command
            .args(["--database-url", url, "serve", "--no-demo"])
            .args(["--tile-url", ""])
            .arg("--addr")
            .arg(format!("{host}:0"))
            .arg("--dist-dir")
            .arg(dist)
            .env_remove("BEHIND_HTTPS")
            .env_remove("INSECURE_COOKIES")
            // the line that says where it listens, and problems
            .env("RUST_LOG", "warn,solidarity_map=info")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stderr(Stdio::piped());
        if let Some(log) = log {
            command.stdout(log.try_clone().expect("the log"));
        }
        let mut child = command.spawn().expect("start the server");
        // read the log to its end, so the server never blocks on it
        let out = child.stderr.take().expect("the server's log");
        let mut copy = log.map(|log| log.try_clone().expect("the log"));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(copy) = copy.as_mut() {
                    writeln!(copy, "{line}").expect("copy the log");
                }
                if let Some(at) = line.split("Solidarity Map at http://").nth(1) {
                    let port = at
                        .trim_end_matches('/')
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.parse::<u16>().ok());
                    let _ = port_tx.send(port);
                }
            }
        });
        let port = match port_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Some(port)) => port,
            other => {
                let _ = child.kill();
                panic!("the server did not say where it listens: {other:?}");
            }
        };
        let mut served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
            reader: Some(reader),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let http = reqwest::Client::new();
        loop {
            let up = http
                .get(format!("{}/healthz", served.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return served;
            }
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!("the server ended at start: {status}");
            }
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // its standard error is closed: the reader is at the end
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
