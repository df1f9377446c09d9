//! Mail through a real SMTP server: `aiosmtpd` (pinned in
//! `tools/python-requirements.txt`, installed by `cargo xtask test`),
//! started by the test with `tools/smtp_sink.py`, which writes each
//! message it accepts to a folder the test reads.
//!
//! A group joins and finds its private edit link in its mailbox, and the
//! link opens its entry; a moderator approves and the group is told it is
//! published. The SMTP server stops during a burst of submissions: when it
//! is back every mail arrives, each once, from one server on SQLite and
//! from two servers sharing a Postgres database.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use solidarity_map_e2e::{
    PgDatabase, ServeProcess, add_moderator, cli, free_tcp_port, require, workspace_root,
};

use crate::instances::{Moderator, PASSWORD, submit};

/// The site's public address the servers are given: links in mail are
/// absolute under it.
pub(crate) const PUBLIC_URL: &str = "https://map.example.org";

/// The SMTP server of a test, on a port of its own; stopped on drop.
pub(crate) struct Mailbox {
    python: PathBuf,
    port: u16,
    /// What `--smtp-url` says to reach it.
    url: String,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Mailbox {
    /// Starts it, or `None` when aiosmtpd is not installed (a skip; a
    /// failure in CI).
    pub(crate) fn start() -> Option<Mailbox> {
        let python = workspace_root().join("target/tools/python/bin/python");
        let installed = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let why = format!(
            "aiosmtpd is not installed at {}; run cargo xtask test, or python3 -m venv \
             target/tools/python && target/tools/python/bin/pip install --no-deps -r \
             tools/python-requirements.txt",
            python.display()
        );
        if !require(installed, &why) {
            return None;
        }
        let port = free_tcp_port().unwrap();
        let mut mailbox = Mailbox {
            python,
            port,
            url: format!("smtp://127.0.0.1:{port}"),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        mailbox.resume();
        Some(mailbox)
    }

    /// Starts the server (again, on the same port) and waits until it
    /// says it listens.
    fn resume(&mut self) {
        use std::io::BufRead;
        let mut child = Command::new(&self.python)
            .arg(workspace_root().join("tools/smtp_sink.py"))
            .args(["--port", &self.port.to_string()])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("ready"), "the SMTP server said {line:?}");
        self.child = Some(child);
    }

    /// Stops the server: connections are refused until [`Mailbox::resume`].
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The serve flags that send through it.
    pub(crate) fn flag_refs(&self) -> Vec<&str> {
        vec![
            "--smtp-url",
            &self.url,
            "--mail-from",
            "Solidarity Map <map@example.org>",
            "--public-url",
            PUBLIC_URL,
            "--mail-retry-seconds",
            "1",
        ]
    }

    /// Every message that arrived, decoded.
    pub(crate) fn messages(&self) -> Vec<Value> {
        read_messages(self.dir.path())
    }

    /// Waits until `n` messages arrived, then a little longer to see that
    /// no more come; the messages.
    pub(crate) async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        let start = Instant::now();
        while self.messages().len() < n {
            assert!(
                start.elapsed() < within,
                "{} of {n} mails arrived within {within:?}",
                self.messages().len()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // a mail sent twice would come now
        tokio::time::sleep(Duration::from_secs(3)).await;
        self.messages()
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        self.stop();
    }
}

fn read_messages(dir: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap())
        .collect()
}

pub(crate) fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap_or_default()
}

/// A server sending through `mailbox`, on a SQLite file of its own: the
/// file's folder, its URL and the server.
async fn on_sqlite(mailbox: &Mailbox) -> (tempfile::TempDir, String, ServeProcess) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("mail.db").display());
    let server = ServeProcess::start(&db, &mailbox.flag_refs())
        .await
        .unwrap();
    (dir, db, server)
}

#[tokio::test]
async fn a_group_gets_its_edit_link_and_the_decision_by_mail() {
    let Some(mailbox) = Mailbox::start() else {
        return;
    };
    let (_dir, db, server) = on_sqlite(&mailbox).await;
    add_moderator(&db, "mod", PASSWORD).unwrap();

    let (id, token) = submit(&server.base, "Mailed Group", 1).await;
    let received = mailbox.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let mail = &received[0];
    assert_eq!(mail["envelope_to"][0], "contact@example.org");
    assert_eq!(mail["subject"], "We received Mailed Group");
    assert!(
        mail["html"]
            .as_str()
            .unwrap()
            .contains("<html lang=\"en\" dir=\"ltr\">")
    );
    assert_eq!(mail["list_unsubscribe"], Value::Null);
    // the link in the mail is the private edit link, absolute, and it
    // opens the group's entry
    let link = text(mail)
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{PUBLIC_URL}/edit/")))
        .unwrap_or_else(|| panic!("no edit link in {}", text(mail)));
    assert_eq!(link, format!("{PUBLIC_URL}/edit/{token}"));
    let path = link.strip_prefix(PUBLIC_URL).unwrap();
    let opened: Value = reqwest::get(format!("{}/api{path}", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(opened["current"]["name"]["en"], "Mailed Group");

    Moderator::sign_in(&server.base).await.approve(&id).await;
    let both = mailbox.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(both.len(), 2, "{both:?}");
    let published = both
        .iter()
        .find(|m| m["subject"] == "Mailed Group is on the map")
        .unwrap();
    assert!(text(published).contains(&format!("{PUBLIC_URL}/org/{id}")));

    // the outbox says both went out
    let listed = cli(&db, &["mail", "list"], "").unwrap();
    assert_eq!(listed.matches(" sent (").count(), 2, "{listed}");
}

/// Stops the SMTP server, sends `n` submissions spread over the servers,
/// starts it again: every mail arrives, each once.
async fn burst_while_smtp_is_down(mailbox: &mut Mailbox, servers: &[ServeProcess], n: u8) {
    mailbox.stop();
    let mut names = Vec::new();
    for i in 0..n {
        let server = &servers[usize::from(i) % servers.len()];
        let name = format!("Burst Group {i}");
        submit(&server.base, &name, 10 + i).await;
        names.push(name);
    }
    // the servers try, fail and wait
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(mailbox.messages().is_empty());
    mailbox.resume();
    // the longest wait after four failed tries is 8 s
    let arrived = mailbox.wait_for(names.len(), Duration::from_secs(60)).await;
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for m in &arrived {
        *count
            .entry(m["subject"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for name in &names {
        assert_eq!(
            count.remove(&format!("We received {name}")),
            Some(1),
            "{arrived:?}"
        );
    }
    assert!(count.is_empty(), "unexpected mail: {count:?}");
}

#[tokio::test]
async fn mail_queued_while_smtp_is_down_arrives_once_on_sqlite() {
    let Some(mut mailbox) = Mailbox::start() else {
        return;
    };
    let (_dir, _db, server) = on_sqlite(&mailbox).await;
    burst_while_smtp_is_down(&mut mailbox, &[server], 8).await;
}

#[tokio::test]
async fn two_instances_send_each_mail_once_on_postgres() {
    let Some(mut mailbox) = Mailbox::start() else {
        return;
    };
    let Some(db) = PgDatabase::create("sm_mail") else {
        return;
    };
    let flags = mailbox.flag_refs();
    let first = ServeProcess::start(&db.url(), &flags).await.unwrap();
    let second = ServeProcess::start(&db.url(), &flags).await.unwrap();
    burst_while_smtp_is_down(&mut mailbox, &[first, second], 12).await;
}
