//! What differs between SQLite and Postgres, and nothing else: every other
//! statement is one text in `sql.rs` that runs on both.
//!
//! The SQL that differs is side by side in [`Backend`]; what needs code of
//! its own (typed binds, the bulk insert, the scan of every point) is the
//! [`Dialect`] trait, which each backend's module implements for its sqlx
//! database type.

use chrono::{DateTime, Utc};
use solidarity_map_core::{NewOrganization, OrgId, Status};
use sqlx::{Pool, QueryBuilder};

use super::{ChangeSignal, PointSink, Result};

/// Up to this many matches SQLite finds a page through the position index
/// and sorts it; beyond, it walks the name index (see `sql::push_filter`).
/// The position index holds name and id too (migration 0011), so sorting
/// a box's matches reads no row: at a million entries a city of 23 000
/// matches takes ~6 ms by position, against ~45 ms by name, which must look
/// up the position of every entry it passes (101 / share of matches).
const SQLITE_BY_POSITION_UP_TO: i64 = 50_000;

/// Which database, and the SQL each says its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// For logs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Begins a read-only transaction whose statements all see the same
    /// data, so that a count and the page it counts agree. (In WAL mode a
    /// SQLite transaction reads one snapshot from its first read on.)
    pub fn begin_snapshot(self) -> &'static str {
        match self {
            Backend::Sqlite => "begin deferred",
            Backend::Postgres => "begin isolation level repeatable read, read only",
        }
    }

    /// Begins a transaction that writes. SQLite takes the write lock at
    /// once (waiting up to its busy timeout for another writer): a deferred
    /// transaction that read first could not write after another commit
    /// and would fail with `SQLITE_BUSY` instead of waiting.
    pub fn begin_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "begin immediate",
            Backend::Postgres => "begin",
        }
    }

    /// Lifts the limit on how long a statement runs, for the rest of the
    /// transaction: a backup streams every row of a table through one
    /// statement, at the pace of whatever it writes to.
    pub fn unbounded_statements(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("set local statement_timeout = 0"),
        }
    }

    /// After a restore wrote the ids of the audit log and the mirrors
    /// itself: the next line (mirror) gets the next id. (SQLite's
    /// `autoincrement` follows the largest id inserted by itself.)
    pub fn after_restore(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                "select setval(pg_get_serial_sequence('audit_log', 'id'),
                     coalesce((select max(id) from audit_log), 0) + 1, false),
                        setval(pg_get_serial_sequence('mirrors', 'id'),
                     coalesce((select max(id) from mirrors), 0) + 1, false)",
            ),
        }
    }

    /// Announces change number `$2` (as text) on channel `$1` when the
    /// transaction commits: Postgres tells every connection that listens
    /// there; SQLite's followers poll.
    pub fn notify_change(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("select pg_notify($1, $2)"),
        }
    }

    /// Ends the `select` of a row to claim: Postgres locks it and skips
    /// rows another transaction holds, so concurrent claims never wait on
    /// nor take the same row; SQLite has one writer at a time.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " for update skip locked",
        }
    }

    /// How many rows one statement of a bulk insert carries: on SQLite,
    /// 21 bound columns a row stay under its 32 766 parameters; on Postgres,
    /// this bounds the memory of the bound arrays.
    pub fn bulk_rows(self) -> usize {
        match self {
            Backend::Sqlite => 1000,
            Backend::Postgres => 5000,
        }
    }

    /// A `from` item over the elements of the json array in `column`, each
    /// as `j.value`.
    pub fn json_array_values(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_each({column}) j"),
            Backend::Postgres => format!("json_array_elements_text({column}::json) j(value)"),
        }
    }

    /// A `from` item over the keys of the json object in `column`, each as
    /// `j.key`.
    pub fn json_object_keys(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_each({column}) j"),
            Backend::Postgres => format!("json_object_keys({column}::json) j(key)"),
        }
    }

    /// The month (`YYYY-MM`, in UTC) of the timestamp in `column`. SQLite
    /// stores it as rfc 3339 text in UTC (`2025-03-07T…`), whose first seven
    /// characters are the month; Postgres is told the zone, whatever the
    /// session's.
    pub fn month_of(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("substr({column}, 1, 7)"),
            Backend::Postgres => format!("to_char({column} at time zone 'utc', 'YYYY-MM')"),
        }
    }

    /// Whether a page of `matches` filtered entries may be looked up through
    /// the position index (see `sql::push_filter`). Postgres's planner
    /// weighs the indexes by their statistics itself.
    pub fn by_position(self, matches: i64) -> bool {
        match self {
            Backend::Sqlite => matches <= SQLITE_BY_POSITION_UP_TO,
            Backend::Postgres => true,
        }
    }
}

/// Organisations stored at once under their ids, all with one status and
/// one time.
#[derive(Clone, Copy)]
pub(super) struct Batch<'a> {
    pub rows: &'a [(OrgId, NewOrganization)],
    pub status: Status,
    pub at: DateTime<Utc>,
}

pub(super) trait Dialect: sqlx::Database {
    const BACKEND: Backend;

    /// Appends ` and column is one of values`: a list of parameters on
    /// SQLite, one array on Postgres.
    fn push_one_of(qb: &mut QueryBuilder<'_, Self>, column: &str, values: Vec<String>);

    /// What turns a query into its plan.
    const EXPLAIN: &'static str;

    /// The plan of a query that starts with [`Dialect::EXPLAIN`], a line
    /// per step, nested steps indented.
    async fn plan(pool: &Pool<Self>, qb: QueryBuilder<'_, Self>) -> Result<Vec<String>>;

    /// Appends ` and id is one of ids`, as [`Dialect::push_one_of`] does.
    fn push_ids(qb: &mut QueryBuilder<'_, Self>, ids: &[OrgId]);

    /// Inserts a batch of up to [`Backend::bulk_rows`] organisations, with
    /// the same values as one insert each.
    async fn insert_rows(conn: &mut Self::Connection, batch: Batch<'_>) -> sqlx::Result<()>;

    /// Hands the public point of every published organisation to `sink`,
    /// in no particular order.
    async fn published_points(pool: &Pool<Self>, sink: &mut PointSink<'_>) -> Result<()>;

    /// What wakes a follower of the change log (see
    /// [`super::Store::change_signal`]).
    async fn change_signal(pool: &Pool<Self>) -> Result<Box<dyn ChangeSignal>>;
}
