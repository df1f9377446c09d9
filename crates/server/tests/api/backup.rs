//! Backups that restore: a copy made while submissions are being written
//! restores into a fresh database of the other kind with every row as it
//! was; an encrypted one needs its key; a restore refuses a database that
//! holds data, and a damaged file, and then has written nothing.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{NewOrganization, OrgId};
use solidarity_map_server::backup::{self, Error, Progress, encryption, format};
use solidarity_map_server::seed;
use solidarity_map_server::store::backup::{
    DumpSink, Interrupted, Record, RecordSource, Table, Value,
};
use solidarity_map_server::store::{Decision, Store, StoreError};

use crate::support::{self, Backend, TestDb};

/// Every table of a copy, in order, with every row.
type Rows = Vec<(&'static str, Vec<Vec<Value>>)>;

/// A sink that keeps what the store dumps.
#[derive(Default)]
struct Collect(Rows);

impl DumpSink for Collect {
    fn begin(&mut self, _schema: i64) -> Result<(), Interrupted> {
        Ok(())
    }
    fn table(&mut self, table: &'static Table, _rows: u64) -> Result<(), Interrupted> {
        self.0.push((table.name, Vec::new()));
        Ok(())
    }
    fn row(&mut self, row: &[Value]) -> Result<(), Interrupted> {
        self.0.last_mut().unwrap().1.push(row.to_vec());
        Ok(())
    }
}

/// Every row of every table worth keeping, read through the store.
async fn dump(store: &dyn Store) -> Rows {
    let mut sink = Collect::default();
    store.dump(&mut sink).await.unwrap();
    sink.0
}

/// What a backup file holds, read as a restore reads it.
fn held(file: &[u8]) -> Rows {
    let lines = encryption::open(file, None).unwrap();
    let mut reader = format::Reader::open(lines, quiet()).unwrap();
    let mut rows: Rows = Vec::new();
    while let Some(record) = reader.next().unwrap() {
        match record {
            Record::Table { table, columns } => {
                assert_eq!(columns.len(), table.columns.len(), "{}", table.name);
                rows.push((table.name, Vec::new()));
            }
            Record::Row(row) => rows.last_mut().unwrap().1.push(row),
        }
    }
    rows
}

fn quiet() -> Progress {
    Box::new(|_, _, _| {})
}

fn of<'a>(rows: &'a Rows, table: &str) -> &'a [Vec<Value>] {
    &rows.iter().find(|(t, _)| *t == table).unwrap().1
}

fn id(row: &[Value]) -> OrgId {
    match &row[0] {
        Value::Id(Some(id)) => OrgId(*id),
        other => panic!("not an id: {other:?}"),
    }
}

/// An entry to submit: `name`, at `lat`.
fn new_entry(name: &str, lat: f64) -> NewOrganization {
    let mut input = support::entry(name);
    input.location = Some(RawLocation {
        lat,
        lon: support::EXACT.1,
    });
    input.validate().unwrap()
}

/// The pending revision of `org`.
async fn pending_of(store: &dyn Store, org: OrgId) -> solidarity_map_core::RevisionId {
    let pending = store.pending_revisions().await.unwrap();
    pending.iter().find(|r| r.org_id == org).unwrap().id
}

/// The demo data and a moderation's worth of activity: two moderators,
/// submissions approved as sent and with corrections, rejected,
/// withdrawn, edited and erased, one still pending; texts in three
/// scripts, a double no decimal shortens.
async fn activity(store: &dyn Store) {
    seed::sync_categories(store).await.unwrap();
    assert!(seed::seed_demo_if_empty(store).await.unwrap() > 0);
    store
        .create_user("alice", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
        .await
        .unwrap();
    store
        .create_user("bob", "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXI$b3RoZXI")
        .await
        .unwrap();
    let approve = async |name: &str, corrected: Option<NewOrganization>, by: &str| {
        let org = store
            .submit(&new_entry(name, 31.300_000_000_000_004), name)
            .await
            .unwrap();
        let rev = pending_of(store, org).await;
        let decision = Decision::Approve(corrected.map(Box::new));
        store.decide(rev, decision, by).await.unwrap();
        org
    };
    approve("Sent as it is", None, "alice").await;
    let mut corrected = support::entry("Corrected: «القدس» · ירושלים · \"quoted\" \\ 🕊");
    corrected.precision = Some("exact".into());
    corrected.location = Some(RawLocation {
        lat: 31.778_123_456_789_01,
        lon: 35.235_987_654_321_09,
    });
    approve("To correct", Some(corrected.validate().unwrap()), "bob").await;

    let rejected = store
        .submit(&new_entry("Rejected", 31.7), "r")
        .await
        .unwrap();
    let rev = pending_of(store, rejected).await;
    let reason = Decision::Reject("not a group\nsecond line".into());
    store.decide(rev, reason, "alice").await.unwrap();

    let withdrawn = store
        .submit(&new_entry("Withdrawn", 31.6), "w")
        .await
        .unwrap();
    store.withdraw(withdrawn).await.unwrap();

    let erased = approve("Erased", None, "alice").await;
    assert!(store.erase(erased).await.unwrap());

    let edited = approve("Edited", None, "bob").await;
    assert!(
        store
            .propose_edit(edited, &new_entry("Edited, renamed", 31.5))
            .await
            .unwrap()
    );
    let rev = pending_of(store, edited).await;
    store
        .decide(rev, Decision::Approve(None), "alice")
        .await
        .unwrap();

    store
        .submit(&new_entry("Still pending", 31.4), "p")
        .await
        .unwrap();
}

/// Submissions written one after another from another pool until
/// stopped: how many have committed.
struct Writer {
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    fn start(store: Arc<dyn Store>) -> Writer {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (done.clone(), stop.clone());
        let task = tokio::spawn(async move {
            let mut n = 0;
            while !s.load(Ordering::SeqCst) {
                let name = format!("Written meanwhile {n}");
                store.submit(&new_entry(&name, 31.2), &name).await.unwrap();
                n += 1;
                d.store(n, Ordering::SeqCst);
            }
        });
        Writer { done, stop, task }
    }

    /// Waits, blocking its thread, until `n` more submissions committed.
    fn wait_for(done: &AtomicUsize, n: usize) {
        let until = done.load(Ordering::SeqCst) + n;
        let deadline = Instant::now() + Duration::from_secs(60);
        while done.load(Ordering::SeqCst) < until {
            assert!(Instant::now() < deadline, "the writer stalled");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.unwrap();
    }
}

/// Data → a backup while submissions are written (some commit while the
/// backup reads, the progress waits for them) → a restore into a fresh
/// database of the other kind: the same rows, every one.
async fn round_trip(from: Backend, to: Backend) {
    let Some(source) = from.fresh().await else {
        return;
    };
    let Some(target) = to.fresh().await else {
        return;
    };
    let store = source.store();
    activity(store.as_ref()).await;
    let writer = Writer::start(source.another_store().await);
    Writer::wait_for(&writer.done, 2);
    let done = writer.done.clone();
    let progress: Progress = Box::new(move |table, rows, _| {
        if table == "organizations" && rows == 1 {
            // in the middle of the copy: more submissions commit
            Writer::wait_for(&done, 3);
        }
    });
    let (file, summary) = backup::backup(store.as_ref(), Vec::new(), &[], progress)
        .await
        .unwrap();
    writer.stop().await;
    let in_file = held(&file);
    assert_eq!(summary.counts.len(), in_file.len());

    backup::restore(target.store().as_ref(), &file[..], None, quiet())
        .await
        .unwrap();

    // row by row: what the file holds is what was restored
    assert_eq!(dump(target.store().as_ref()).await, in_file);

    // the file is the source at one moment: every row in it is the
    // source's, and what committed during the copy is not in it
    let now = dump(store.as_ref()).await;
    for (table, rows) in &in_file {
        let all = of(&now, table);
        for row in rows {
            assert!(all.contains(row), "{table}: {row:?} is not the source's");
        }
    }
    let (orgs, revisions) = (of(&in_file, "organizations"), of(&in_file, "revisions"));
    assert!(of(&now, "organizations").len() >= orgs.len() + 3);
    // whole submissions only: each entry with its revision
    for org in orgs
        .iter()
        .filter(|o| o[16] == Value::Text(Some("pending".into())))
    {
        assert!(
            revisions.iter().any(|r| r[1] == Value::Id(Some(id(org).0))),
            "{org:?} without its revision"
        );
    }

    // through the store: every organisation, the audit log, the moderators
    let restored = target.store();
    for org in orgs {
        let id = id(org);
        assert_eq!(
            restored.organization(id).await.unwrap(),
            store.organization(id).await.unwrap()
        );
    }
    let audit = restored.audit_log(u32::MAX).await.unwrap();
    let all_audit = store.audit_log(u32::MAX).await.unwrap();
    assert_eq!(audit[..], all_audit[all_audit.len() - audit.len()..]);
    assert!(audit.iter().any(|a| a.action == "erased"));
    assert_eq!(
        restored.users().await.unwrap(),
        store.users().await.unwrap()
    );
    let pending = restored.pending_revisions().await.unwrap();
    let all_pending = store.pending_revisions().await.unwrap();
    for r in &pending {
        assert!(all_pending.contains(r), "{r:?}");
    }

    // the restored database goes on where the copy stopped
    let next = restored.submit(&new_entry("After", 31.1), "after").await;
    next.unwrap();
    assert_eq!(
        restored.audit_log(u32::MAX).await.unwrap().len(),
        audit.len() + 1
    );
    assert!(restored.change_head().await.unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_sqlite_restores_into_postgres() {
    round_trip(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_postgres_restores_into_sqlite() {
    round_trip(Backend::Postgres, Backend::Sqlite).await;
}

/// A backup of the demo data and some activity on SQLite.
async fn a_backup(recipients: &[age::x25519::Recipient]) -> (TestDb, Vec<u8>) {
    let source = support::sqlite().await;
    activity(source.store().as_ref()).await;
    let store = source.store();
    let (file, _) = backup::backup(store.as_ref(), Vec::new(), recipients, quiet())
        .await
        .unwrap();
    (source, file)
}

/// Encrypted to a key made here: the file is age's, unreadable without
/// the key (the restore says it needs one, and writes nothing), and
/// restores with it.
async fn an_encrypted_backup_restores_with_its_key_only(to: Backend) {
    let Some(target) = to.fresh().await else {
        return;
    };
    let (secret, public) = encryption::keygen();
    let (_, other) = encryption::keygen();
    let recipients = encryption::recipients(&[public], &[] as &[&str]).unwrap();
    let (source, file) = a_backup(&recipients).await;
    assert!(file.starts_with(b"age-encryption.org/v1\n"));
    let dir = tempfile::tempdir().unwrap();
    let write_key = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        encryption::identities(&path).unwrap()
    };
    let key = write_key("key.txt", &secret);
    let restore = async |identities: Option<&[Box<dyn age::Identity + Send + Sync>]>| {
        backup::restore(target.store().as_ref(), &file[..], identities, quiet()).await
    };
    let empty = dump(target.store().as_ref()).await;

    let without = restore(None).await.unwrap_err();
    assert!(matches!(without, Error::Encrypted), "{without}");
    assert!(without.to_string().contains("--identity"), "{without}");
    // a key of someone else: no
    let (wrong_secret, _) = encryption::keygen();
    let wrong = write_key("wrong.txt", &wrong_secret);
    let refused = restore(Some(&wrong)).await.unwrap_err();
    assert!(matches!(refused, Error::Decrypt(_)), "{refused}");
    assert_eq!(dump(target.store().as_ref()).await, empty);
    assert!(other.starts_with("age1"));

    restore(Some(&key)).await.unwrap();
    assert_eq!(
        dump(target.store().as_ref()).await,
        dump(source.store().as_ref()).await
    );
}

/// A database that holds entries (the demo data) or a moderator is
/// refused, by name, and left as it was; one that holds only the
/// categories a server writes at start takes the copy's.
async fn a_restore_refuses_a_database_that_holds_data(to: Backend) {
    let Some(demo) = to.fresh().await else {
        return;
    };
    let Some(moderator) = to.fresh().await else {
        return;
    };
    let Some(categories) = to.fresh().await else {
        return;
    };
    let (source, file) = a_backup(&[]).await;
    seed::sync_categories(demo.store().as_ref()).await.unwrap();
    seed::seed_demo_if_empty(demo.store().as_ref())
        .await
        .unwrap();
    moderator
        .store()
        .create_user("carol", "$argon2id$x")
        .await
        .unwrap();
    for db in [&demo, &moderator] {
        let store = db.store();
        let before = dump(store.as_ref()).await;
        let head = store.change_head().await.unwrap();
        let refused = backup::restore(store.as_ref(), &file[..], None, quiet())
            .await
            .unwrap_err();
        assert!(
            matches!(refused, Error::Store(StoreError::NotEmpty { .. })),
            "{refused}"
        );
        assert!(refused.to_string().contains("not empty"), "{refused}");
        assert_eq!(dump(store.as_ref()).await, before);
        assert_eq!(store.change_head().await.unwrap(), head);
    }
    let store = categories.store();
    seed::sync_categories(store.as_ref()).await.unwrap();
    backup::restore(store.as_ref(), &file[..], None, quiet())
        .await
        .unwrap();
    assert_eq!(
        dump(store.as_ref()).await,
        dump(source.store().as_ref()).await
    );
}

fn gunzip(file: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn gzip(text: &str) -> Vec<u8> {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    out.write_all(text.as_bytes()).unwrap();
    out.finish().unwrap()
}

/// A file cut short (anywhere: in the compressed stream, at a line's
/// end, before a table's last row), a damaged line, or something else
/// entirely: refused with what is wrong, and nothing written, even when
/// the damage is past rows the restore has already written.
async fn a_damaged_backup_is_refused_and_nothing_is_written(to: Backend) {
    let Some(target) = to.fresh().await else {
        return;
    };
    let (_source, file) = a_backup(&[]).await;
    let text = gunzip(&file);
    let lines: Vec<&str> = text.lines().collect();
    let without_end = lines[..lines.len() - 1].join("\n") + "\n";
    // the last revision's line: the entries before it are written by then
    let table_at = |name: &str| {
        let start = format!("{{\"table\":\"{name}\"");
        lines.iter().position(|l| l.starts_with(&start)).unwrap()
    };
    let last_row = table_at("users") - 1;
    let mut damaged = lines.clone();
    let bad = damaged[last_row].replacen('"', "\"not-a-", 1);
    damaged[last_row] = &bad;
    let short: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != last_row)
        .map(|(_, l)| *l)
        .collect();
    // "schema":5 becomes "schema":99995
    let newer = text.replacen("\"schema\":", "\"schema\":9999", 1);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "cut in the middle",
            file[..file.len() / 2].to_vec(),
            "ends early",
        ),
        ("without its end", gzip(&without_end), "ends early"),
        ("short of a row", gzip(&(short.join("\n") + "\n")), "of its"),
        (
            "a damaged row",
            gzip(&(damaged.join("\n") + "\n")),
            "damaged at line",
        ),
        (
            "not a backup",
            b"PK\x03\x04 a zip file".to_vec(),
            "not a Solidarity Map backup",
        ),
        ("from a newer version", gzip(&newer), "newer version"),
    ];
    let store = target.store();
    let empty = dump(store.as_ref()).await;
    for (what, bytes, says) in cases {
        let refused = backup::restore(store.as_ref(), &bytes[..], None, quiet())
            .await
            .unwrap_err();
        assert!(refused.to_string().contains(says), "{what}: {refused}");
        assert_eq!(dump(store.as_ref()).await, empty, "{what}");
        assert_eq!(store.change_head().await.unwrap(), 0, "{what}");
    }
    // and the file as it was still restores
    backup::restore(store.as_ref(), &file[..], None, quiet())
        .await
        .unwrap();
}

/// Through the real binary: a key pair from `backup keygen`, an encrypted
/// backup of a SQLite file, a restore that names the missing key, and one
/// with it into Postgres.
#[tokio::test]
async fn the_commands_back_up_encrypted_and_restore_into_the_other_database() {
    let Some(target) = Backend::Postgres.fresh().await else {
        return;
    };
    let source = support::sqlite().await;
    activity(source.store().as_ref()).await;
    let dir = tempfile::tempdir().unwrap();
    let (key, file) = (dir.path().join("key.txt"), dir.path().join("map.backup"));
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(support::bin())
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let os = |s: &str| std::ffi::OsString::from(s);

    let keygen = run(&[
        &os("backup"),
        &os("keygen"),
        &os("--output"),
        key.as_os_str(),
    ]);
    assert!(keygen.status.success(), "{keygen:?}");
    let public = String::from_utf8(keygen.stdout).unwrap().trim().to_owned();
    assert!(public.starts_with("age1"), "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let source_url = os(source.url());
    let made = run(&[
        &os("--database-url"),
        &source_url,
        &os("backup"),
        &os("--output"),
        file.as_os_str(),
        &os("--recipient"),
        &os(&public),
    ]);
    assert!(made.status.success(), "{made:?}");
    let said = String::from_utf8(made.stderr).unwrap();
    assert!(said.contains("encrypted for 1 key"), "{said}");
    assert!(
        std::fs::read(&file)
            .unwrap()
            .starts_with(b"age-encryption.org/")
    );

    let target_url = os(target.database_url());
    let without = run(&[
        &os("--database-url"),
        &target_url,
        &os("restore"),
        file.as_os_str(),
    ]);
    assert!(!without.status.success());
    let said = String::from_utf8(without.stderr).unwrap();
    assert!(
        said.contains("encrypted") && said.contains("--identity"),
        "{said}"
    );

    let restore_with_key = || {
        run(&[
            &os("--database-url"),
            &target_url,
            &os("restore"),
            &os("--identity"),
            key.as_os_str(),
            file.as_os_str(),
        ])
    };
    let restored = restore_with_key();
    assert!(restored.status.success(), "{restored:?}");
    assert_eq!(
        dump(target.store().as_ref()).await,
        dump(source.store().as_ref()).await
    );

    // once more: the database is no longer empty
    let again = restore_with_key();
    assert!(!again.status.success());
    let said = String::from_utf8(again.stderr).unwrap();
    assert!(said.contains("not empty"), "{said}");
}

/// Every column of every table the migrations create is in a backup,
/// but for the tables left out on purpose: a migration that adds one
/// must say how it is kept.
async fn a_backup_keeps_every_column_of_the_schema(backend: Backend) {
    let Some(db) = backend.fresh().await else {
        return;
    };
    let columns = db.columns().await;
    let kept: Vec<(String, String)> = solidarity_map_server::store::backup::TABLES
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .map(|c| (t.name.to_owned(), c.name.to_owned()))
        })
        .collect();
    let not_kept = solidarity_map_server::store::backup::NOT_KEPT;
    let mut missing: Vec<&(String, String)> = columns
        .iter()
        .filter(|(t, _)| !not_kept.contains(&t.as_str()))
        .filter(|c| !kept.contains(c))
        .collect();
    missing.sort();
    assert!(missing.is_empty(), "not in a backup: {missing:?}");
    for c in &kept {
        assert!(columns.contains(c), "no such column: {c:?}");
    }
}

on_both_backends!(backend:
    an_encrypted_backup_restores_with_its_key_only,
    a_restore_refuses_a_database_that_holds_data,
    a_damaged_backup_is_refused_and_nothing_is_written,
    a_backup_keeps_every_column_of_the_schema,
);
