//! Backups that restore: a copy of the whole database, made while the
//! server runs, that restores into an empty database of either kind.
//!
//! The store reads every table worth keeping from one snapshot and writes
//! them back in one transaction (`store::backup`); this module makes a
//! file of them ([`format`]): JSON lines, gzip-compressed and, for the
//! operator's age keys, encrypted ([`encryption`]). A logical copy rather
//! than the database's own (a SQLite file, `pg_dump`) is what lets a
//! backup of SQLite restore into Postgres and back, and lets a restore
//! check the file whole before anything is committed.
//!
//! A backup holds private data: contact addresses, exact points and the
//! moderators' password hashes.

mod cli;
pub mod encryption;
pub mod format;

use std::io::{self, BufRead, Write};

pub use cli::{BackupArgs, BackupCommand, RestoreArgs};
use flate2::Compression;
use flate2::write::GzEncoder;
pub use format::Progress;

use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a Solidarity Map backup: {0}")]
    NotABackup(String),
    /// A line that does not say what it should.
    #[error("the backup is damaged at line {line}: {reason}; nothing was restored")]
    Corrupt { line: u64, reason: String },
    #[error(
        "the backup ends early (at line {0}): it is truncated, or its writing did not finish; \
         nothing was restored"
    )]
    Truncated(u64),
    #[error(
        "the backup comes from a newer version of Solidarity Map (schema {file}, this one \
         has {ours}): restore it with that version or a later one"
    )]
    Newer { file: i64, ours: i64 },
    #[error(
        "the backup is encrypted with age: give the key that decrypts it with --identity KEYFILE"
    )]
    Encrypted,
    #[error("cannot decrypt the backup: {0}")]
    Decrypt(#[source] age::DecryptError),
    /// A recipient or identity that does not parse.
    #[error("{0}")]
    Key(String),
    #[error("cannot read the backup: {0}")]
    Read(#[source] io::Error),
    #[error("cannot write the backup: {0}")]
    Write(#[source] io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a backup or a restore copied: the schema, and rows per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub schema: i64,
    pub counts: Vec<(&'static str, u64)>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(table, rows)| format!("{rows} {table}"))
            .collect();
        write!(f, "{} (schema {})", counts.join(", "), self.schema)
    }
}

/// Writes a backup of `store` to `out`: gzip-compressed, and encrypted
/// when there are `recipients`. Returns `out`, flushed.
pub async fn backup<W: Write + Send>(
    store: &dyn Store,
    out: W,
    recipients: &[age::x25519::Recipient],
    progress: Progress,
) -> Result<(W, Summary), Error> {
    let sealed = encryption::Sealed::new(out, recipients)?;
    let compressed = GzEncoder::new(sealed, Compression::default());
    let mut writer = format::Writer::new(compressed, store.backend(), progress);
    if let Err(e) = store.dump(&mut writer).await {
        return Err(match writer.failure.take() {
            Some(io) => Error::Write(io),
            None => e.into(),
        });
    }
    let counts = std::mem::take(&mut writer.counts);
    let schema = writer.schema;
    let finished = writer
        .finish()
        .and_then(GzEncoder::finish)
        .and_then(encryption::Sealed::finish)
        .and_then(|mut out| out.flush().map(|()| out));
    let out = finished.map_err(Error::Write)?;
    Ok((out, Summary { schema, counts }))
}

/// Restores the backup in `input` into `store`, which must be empty:
/// everything in one transaction, or nothing. An encrypted backup needs
/// `identities`.
pub async fn restore(
    store: &dyn Store,
    input: impl BufRead + Send,
    identities: Option<&[Box<dyn age::Identity + Send + Sync>]>,
    progress: Progress,
) -> Result<Summary, Error> {
    let lines = encryption::open(input, identities)?;
    let mut reader = format::Reader::open(lines, progress)?;
    let ours = store.schema_version().await?;
    let file = reader.header.schema;
    if file > ours {
        return Err(Error::Newer { file, ours });
    }
    if let Err(e) = store.restore(&mut reader).await {
        return Err(reader.failure.take().unwrap_or(e.into()));
    }
    Ok(Summary {
        schema: file,
        counts: reader.counts,
    })
}

/// Progress on standard error for a person at a terminal: a bar per
/// table; nothing otherwise.
pub fn progress_bar(what: &'static str) -> Progress {
    let mut bar: Option<(&'static str, indicatif::ProgressBar)> = None;
    Box::new(move |table, done, of| {
        let same = bar.as_ref().is_some_and(|(t, _)| *t == table);
        if !same {
            if let Some((_, old)) = bar.take() {
                old.finish_and_clear();
            }
            let usize_of = usize::try_from(of).unwrap_or(usize::MAX);
            let new = crate::open_data::import::progress_bar(usize_of, what);
            new.set_message(format!("{what} {table}"));
            bar = Some((table, new));
        }
        if let Some((_, b)) = &bar {
            b.set_position(done);
            if done == of {
                b.finish_and_clear();
            }
        }
    })
}
