//! A copy of everything worth keeping, in values both databases read back
//! the same: what a backup is made of, and what a restore writes.
//!
//! [`TABLES`] names each table worth keeping and each of its columns with
//! its [`Kind`]; a [`Value`] is one column of one row, typed by its kind
//! rather than by how a database stores it (a uuid is a uuid whether
//! Postgres keeps it as `uuid` or SQLite as text, a time is a time to the
//! microsecond), so a copy of SQLite restores into Postgres and back. The
//! store reads the tables in one snapshot ([`Backup::dump`]) and writes them
//! back in one transaction ([`Backup::restore`]); what a file looks like is
//! the caller's business (`crate::backup`).
//!
//! Not kept: moderators' sessions (they sign in again), the change log
//! (a restored database starts its own, with one change that tells every
//! follower to read the map again) and the mail outbox (a copy must not
//! send the original's mail again), nor the key that signs the links in
//! mail (a restored copy makes its own).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;

/// What a column holds, whatever type a database stores it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A uuid.
    Id,
    /// A double.
    Real,
    /// A 64-bit integer.
    Int,
    /// A 32-bit integer.
    Small,
    /// A time, to the microsecond.
    Time,
}

/// One column of one row, or its null.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Option<String>),
    Id(Option<Uuid>),
    Real(Option<f64>),
    Int(Option<i64>),
    Small(Option<i32>),
    Time(Option<DateTime<Utc>>),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// A table worth keeping.
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    /// Its primary key: the order its rows are read in.
    pub key: &'static str,
    pub columns: &'static [Column],
    /// Rows already there are replaced by the copy's (the categories,
    /// which every start of the server writes), rather than refused.
    pub merge: bool,
}

use Kind::{Id, Int, Real, Small, Text, Time};

/// Every table worth keeping, with every column, in an order that restores
/// (a row comes after those it refers to).
pub const TABLES: &[Table] = &[
    Table {
        name: "categories",
        key: "slug",
        merge: true,
        columns: &[
            col("slug", Text),
            col("labels", Text),
            col("colour", Text),
            col("symbol", Text),
            col("position", Small),
        ],
    },
    Table {
        name: "mirrors",
        key: "id",
        merge: false,
        columns: &[
            col("id", Int),
            col("url", Text),
            col("name", Text),
            col("license", Text),
            col("license_url", Text),
            col("categories", Text),
            col("bbox", Text),
            col("publish", Small),
            col("cursor", Text),
            col("state", Text),
            col("error", Text),
            col("last_read", Time),
            col("created_at", Time),
        ],
    },
    Table {
        name: "organizations",
        key: "id",
        merge: false,
        columns: &[
            col("id", Id),
            col("name", Text),
            col("description", Text),
            col("category", Text),
            col("city", Text),
            col("country", Text),
            col("lat", Real),
            col("lon", Real),
            col("precision", Text),
            col("public_lat", Real),
            col("public_lon", Real),
            col("website", Text),
            col("links", Text),
            col("languages", Text),
            col("tags", Text),
            col("contact_email", Text),
            col("status", Text),
            col("search_text", Text),
            col("sort_name", Text),
            col("created_at", Time),
            col("updated_at", Time),
            col("edit_token_hash", Text),
            col("external_source", Text),
            col("external_id", Text),
            col("scrubbed_at", Time),
            col("published_at", Time),
            col("murmurations", Small),
            col("relay_off", Small),
            col("confirmed_at", Time),
            col("fresh_asked_at", Time),
            col("fresh_reminded_at", Time),
            col("stale_at", Time),
            col("mirror_id", Int),
            col("source", Text),
            col("hidden", Small),
        ],
    },
    Table {
        name: "relay_blocks",
        key: "id",
        merge: false,
        columns: &[
            col("id", Id),
            col("org_id", Id),
            col("sender", Text),
            col("created_at", Time),
        ],
    },
    Table {
        name: "revisions",
        key: "id",
        merge: false,
        columns: &[
            col("id", Id),
            col("org_id", Id),
            col("data", Text),
            col("kind", Text),
            col("status", Text),
            col("reason", Text),
            col("decided_by", Text),
            col("created_at", Time),
            col("decided_at", Time),
        ],
    },
    Table {
        name: "users",
        key: "id",
        merge: false,
        columns: &[
            col("id", Id),
            col("username", Text),
            col("password_hash", Text),
            col("created_at", Time),
            col("email", Text),
            col("digest", Small),
            col("digest_sent_at", Time),
        ],
    },
    Table {
        name: "audit_log",
        key: "id",
        merge: false,
        columns: &[
            col("id", Int),
            col("at", Time),
            col("actor", Text),
            col("action", Text),
            col("org_id", Id),
            col("revision_id", Id),
            col("detail", Text),
            col("changes", Text),
        ],
    },
];

/// The tables of the schema that are left out on purpose (see the
/// module's documentation), and sqlx's own.
pub const NOT_KEPT: &[&str] = &[
    "sessions",
    "changes",
    "change_head",
    // where this database's notifier is in its own change log
    "murmurations_cursor",
    // mail holds private edit links; a restored copy must not send the
    // original's mail again
    "outbox",
    // a relayed message's "report abuse" link: a restored copy starts
    // without them (the blocks they made are kept)
    "relay_reports",
    // the key that signs the links in mail: a restored copy makes its own,
    // and the original's links stop working there
    "link_keys",
    "_sqlx_migrations",
];

/// The table of that name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

impl Table {
    /// The column of that name.
    pub fn column(&'static self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Reads every row, every column, in key order.
    pub(super) fn select(&self) -> String {
        let columns: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        format!(
            "select {} from {} order by {}",
            columns.join(", "),
            self.name,
            self.key
        )
    }

    pub(super) fn count(&self) -> String {
        format!("select count(*) from {}", self.name)
    }

    /// The start of a many-row insert of `columns`; `values (…), (…)` and
    /// then [`Table::on_conflict`] follow.
    pub(super) fn insert(&self, columns: &[&Column]) -> String {
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        format!("insert into {} ({}) ", self.name, names.join(", "))
    }

    /// What a merged table does with a row already there: takes the copy's
    /// columns (SQLite and Postgres say it alike).
    pub(super) fn on_conflict(&self, columns: &[&Column]) -> Option<String> {
        if !self.merge {
            return None;
        }
        let set: Vec<String> = columns
            .iter()
            .filter(|c| c.name != self.key)
            .map(|c| format!("{0} = excluded.{0}", c.name))
            .collect();
        Some(if set.is_empty() {
            format!(" on conflict ({}) do nothing", self.key)
        } else {
            format!(
                " on conflict ({}) do update set {}",
                self.key,
                set.join(", ")
            )
        })
    }
}

/// How many rows one statement of a restore carries: under both
/// databases' limits on parameters (32 766 for SQLite), and few enough
/// that a statement stays small.
pub(super) fn rows_per_statement(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 500)
}

/// The place a copy goes, or comes from, failed; it knows why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// Where [`Backup::dump`] writes, in this order: `begin` once, then for
/// each table `table` and its rows.
pub trait DumpSink: Send {
    /// The copy starts, of a database whose newest migration is `schema`.
    fn begin(&mut self, schema: i64) -> Result<(), Interrupted>;
    /// A table's `rows` rows follow.
    fn table(&mut self, table: &'static Table, rows: u64) -> Result<(), Interrupted>;
    /// One row: a value for each of the table's columns, in their order.
    fn row(&mut self, row: &[Value]) -> Result<(), Interrupted>;
}

/// What [`Backup::restore`] reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// The rows of a table follow, with these of its columns. Tables come
    /// in the order of [`TABLES`], each once at most.
    Table {
        table: &'static Table,
        columns: Vec<&'static Column>,
    },
    /// One row: a value for each column of the table before, in order,
    /// each of its column's kind.
    Row(Vec<Value>),
}

/// Where [`Backup::restore`] reads from: `None` once all was read and
/// found whole.
pub trait RecordSource: Send {
    fn next(&mut self) -> Result<Option<Record>, Interrupted>;
}

/// Copies of the whole database, out and back in.
#[async_trait]
pub trait Backup: Send + Sync {
    /// The version of the newest migration applied to the database.
    async fn schema_version(&self) -> Result<i64>;

    /// Reads every table of [`TABLES`] into `sink` from one snapshot:
    /// writes that commit meanwhile are either wholly in the copy or not
    /// at all.
    async fn dump(&self, sink: &mut (dyn DumpSink + Send)) -> Result<()>;

    /// Writes what `source` holds, all in one transaction: nothing is
    /// written unless all of it is, and nothing when the database already
    /// holds organisations, moderators or an audit log
    /// ([`StoreError::NotEmpty`](super::StoreError::NotEmpty)). The
    /// categories of the copy replace those of the same slug. Records one
    /// change to many entries, so that servers on the database read the
    /// map again.
    async fn restore(&self, source: &mut (dyn RecordSource + Send)) -> Result<()>;
}
