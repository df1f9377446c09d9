//! Storage behind one trait, on SQLite or Postgres.
//!
//! Handlers only see [`Store`]; which database is behind it is decided once,
//! from the URL, in [`connect`]. Both run the same code: every statement is
//! written once (`sql.rs`), with ids that bind as each database stores them
//! and times from one clock (`value.rs`); the store's methods are written
//! once and compiled for each database (`shared.rs`,
//! `shared_moderation.rs`); what truly differs is in `dialect.rs`: the SQL
//! each says its own way, side by side, and a small trait each backend's
//! module implements. The mail outbox is written by the changes that
//! cause mail, in their transactions (`outbox.rs`, `shared_outbox.rs`,
//! `sql_outbox.rs`); the contact relay and lost edit links use it
//! (`relay.rs`, `shared_relay.rs`, `sql_relay.rs`), and so does whether
//! each entry is still confirmed as active (`freshness.rs`,
//! `shared_freshness.rs`, `sql_freshness.rs`). The public feeds read
//! through [`Feeds`] (`feeds.rs`, `shared_feeds.rs`, `sql_feeds.rs`), and
//! mirroring keeps other maps' entries through [`Mirrors`] (`mirrors.rs`,
//! `shared_mirrors.rs`, `sql_mirrors.rs`). Row types are private to this module,
//! so the stored shape never leaks into the API. Backups read and write
//! every table through [`Backup`], in values of no database's own types
//! (`backup.rs`, `shared_backup.rs`).

pub mod backup;
mod dialect;
pub mod feeds;
pub mod freshness;
pub mod mirrors;
pub mod moderation;
pub mod outbox;
mod postgres;
pub mod relay;
mod row;
mod shared;
mod shared_backup;
mod shared_feeds;
mod shared_freshness;
mod shared_mirrors;
mod shared_moderation;
mod shared_outbox;
mod shared_relay;
mod sql;
mod sql_feeds;
mod sql_freshness;
mod sql_mirrors;
mod sql_outbox;
mod sql_relay;
mod sqlite;
mod value;

use std::sync::Arc;

use async_trait::async_trait;
use solidarity_map_core::{
    Category, CategoryCount, CategorySlug, CountryCode, Facets, LangCode, MonthCount,
    NewOrganization, OrgFilter, OrgId, Organization, Status,
};

pub use backup::Backup;
use dialect::Dialect;
pub use feeds::{FeedOrg, Feeds};
pub use freshness::{Freshness, FreshnessMail, FreshnessRun, FreshnessTimes};
pub use mirrors::{MirrorCounts, MirrorItem, MirrorPage, MirrorRecord, Mirrors, NewMirror};
pub use moderation::{Decided, Decision, Moderation, UserRecord, UserSummary};
pub use outbox::{MailClass, NewMail, Outbox};
pub use postgres::PgStore;
pub use relay::{Relay, Relayed};
pub use sqlite::SqliteStore;

/// A store on one database, through its pool. [`SqliteStore`] and
/// [`PgStore`] name the two.
#[derive(Clone)]
pub struct SqlStore<DB: sqlx::Database> {
    pool: sqlx::Pool<DB>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or did not answer in time.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    /// A unique value (a user name) is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// A stored row that does not parse: a bug or a hand-edited database.
    #[error("corrupt row {id}: {reason}")]
    Corrupt { id: String, reason: String },
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A restore into a database that already holds data.
    #[error(
        "the database is not empty: it holds {organizations} organisation(s), {users} \
         moderator(s) and {audit} audit log line(s); restore into an empty database"
    )]
    NotEmpty {
        organizations: i64,
        users: i64,
        audit: i64,
    },
    /// Where a backup was written to or read from failed (and knows why).
    #[error("the backup could not be written or read")]
    Interrupted,
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(e),
            // a column that does not read as its type: a bad row like any other
            sqlx::Error::ColumnDecode { index, source } => StoreError::Corrupt {
                id: format!("column {index}"),
                reason: source.to_string(),
            },
            e => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One page of published organisations and how many match in all.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Organization>,
    pub total: u64,
    /// Whether entries follow this page.
    pub more: bool,
}

/// One query's plan, as the database prints it (a line per step).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    /// What the query is for.
    pub what: &'static str,
    pub lines: Vec<String>,
}

/// A published organisation reduced to what a map marker and the filters'
/// counts need: the id, the public (rounded) point, category, country and
/// working languages. The clustering index holds up to a million of these,
/// so nothing else is read.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicPoint {
    pub id: OrgId,
    pub lon: f64,
    pub lat: f64,
    pub category: String,
    pub country: CountryCode,
    /// Not confirmed as active for the operator's period and a reminder:
    /// the map fades it.
    pub stale: bool,
    /// Language codes as stored (checked when they were written).
    pub languages: Vec<String>,
    /// The key lists are sorted by, as stored (see `Organization::sort_name`):
    /// the index answers a box's list pages in the database's order.
    pub sort_name: String,
}

/// What receives published points one at a time (see
/// [`Store::each_published_point`]).
pub type PointSink<'a> = dyn FnMut(PublicPoint) + Send + 'a;

/// An organisation from another source (a spreadsheet, another map),
/// keyed by its id there.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalOrg {
    /// Its id in the source: with the source's name, what finds it again
    /// on the next import.
    pub external_id: String,
    /// The id a new entry gets when no entry has it yet (the source's id
    /// when it is one of ours, so an export imported elsewhere keeps its
    /// ids); otherwise a fresh one.
    pub id: Option<OrgId>,
    pub org: NewOrganization,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportCounts {
    pub added: usize,
    pub updated: usize,
}

/// One change to what the public sees, from the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Its number: changes commit in the order of their numbers, with no
    /// number skipped.
    pub seq: i64,
    /// The entry that changed, or `None` when many did at once (an
    /// import): whoever follows the log reads everything again.
    pub org: Option<OrgId>,
    /// When it was made: every entry it wrote was last written then,
    /// unless a later change wrote it again.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The connections a store's pool holds, for the operators' metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub idle: usize,
    pub in_use: usize,
}

/// Wakes whoever follows the change log when a change may have committed.
#[async_trait]
pub trait ChangeSignal: Send {
    /// Returns when a change may have committed since the last call, or
    /// after `at_most` in any case: a missed signal delays a change, it
    /// never loses one, as the log is read after each wake.
    async fn wait(&mut self, at_most: std::time::Duration);
}

/// Organisations and categories. Every time a method writes comes from
/// this process's clock, read once per change and kept to the microsecond,
/// on both databases.
#[async_trait]
pub trait Store:
    Moderation + Outbox + Relay + Freshness + Backup + Feeds + Mirrors + Send + Sync + 'static
{
    /// Which backend this is, for logs: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Answers when the database does.
    async fn ping(&self) -> Result<()>;

    /// How many of the pool's connections are idle and in use now.
    fn pool_use(&self) -> PoolUse;

    /// Inserts or updates categories by slug.
    async fn upsert_categories(&self, categories: &[Category]) -> Result<()>;

    /// All categories in their order, with their published counts.
    async fn categories(&self) -> Result<Vec<CategoryCount>>;

    /// The slugs of every category, in order: what a file or a generator
    /// may use.
    async fn category_slugs(&self) -> Result<Vec<CategorySlug>> {
        let categories = self.categories().await?;
        Ok(categories.into_iter().map(|c| c.category.slug).collect())
    }

    /// Stores a new organisation with the given status and a fresh id.
    async fn insert_organization(
        &self,
        org: &NewOrganization,
        status: Status,
    ) -> Result<Organization>;

    /// Stores an organisation under a known id (imports, demo data).
    async fn insert_organization_with_id(
        &self,
        id: OrgId,
        org: &NewOrganization,
        status: Status,
    ) -> Result<Organization>;

    /// Any organisation, whatever its status.
    async fn organization(&self, id: OrgId) -> Result<Option<Organization>>;

    /// A page of published organisations matching the filter, by name,
    /// and how many match in all: the count and the page are read from one
    /// snapshot, so the total always counts the entries of the page.
    async fn published(&self, filter: &OrgFilter) -> Result<Page> {
        self.published_counted(filter, None).await
    }

    /// [`Store::published`] when the caller already knows how many match
    /// (`known`, from the clustering index, which follows the change log):
    /// counting a million entries costs far more than reading a page.
    async fn published_counted(&self, filter: &OrgFilter, known: Option<u64>) -> Result<Page>;

    /// The published ones of `ids`, in the order asked: the rows of a page
    /// the clustering index has chosen. An id that is not published (any
    /// more) is left out.
    async fn published_among(&self, ids: &[OrgId]) -> Result<Vec<Organization>>;

    /// How the database answers a list request for `filter`: its plans for
    /// counting the matches, for choosing a page itself, and for reading a
    /// page the index chose by id. For checking that the plans use the
    /// indexes (`solidarity-map explain`, the benchmark's report).
    async fn explain_list(&self, filter: &OrgFilter) -> Result<Vec<QueryPlan>>;

    /// Stores many organisations under known ids, fast: one transaction,
    /// multi-row statements, the same derived columns as
    /// [`Store::insert_organization_with_id`]. All or none. For generated
    /// and bulk-imported data; returns how many were stored.
    async fn bulk_insert(&self, orgs: &[(OrgId, NewOrganization)], status: Status)
    -> Result<usize>;

    /// Every published organisation as a [`PublicPoint`] (rounded
    /// coordinates), in no particular order. Read once at start-up to build
    /// the clustering index.
    async fn published_points(&self) -> Result<Vec<PublicPoint>> {
        let mut points = Vec::new();
        self.each_published_point(&mut |p| points.push(p)).await?;
        Ok(points)
    }

    /// Hands every published organisation's [`PublicPoint`] to `sink` as
    /// it is read, so that start-up never holds all of them at once beside
    /// the index they become.
    async fn each_published_point(&self, sink: &mut PointSink<'_>) -> Result<()>;

    /// One organisation as a [`PublicPoint`], or `None` unless it is
    /// published: keeps the clustering index in step after a change.
    async fn published_point(&self, id: OrgId) -> Result<Option<PublicPoint>>;

    /// Published counts per category, country and working language, each
    /// under the filter's other conditions (not its own, nor the box).
    async fn facets(&self, filter: &OrgFilter) -> Result<Facets>;

    /// Published counts by the month (UTC) the entries were added, oldest
    /// first; months with none are left out.
    async fn published_by_month(&self) -> Result<Vec<MonthCount>>;

    /// How many organisations are stored, in any status.
    async fn count_organizations(&self) -> Result<u64>;

    /// Up to `limit` published organisations whose id comes after `after`
    /// (which need not be stored), or from the very first (even the nil
    /// uuid) when `None`, in id order: keyset pages, so an export of a
    /// million entries reads each row once and never holds them all.
    async fn published_after(&self, after: Option<OrgId>, limit: u32) -> Result<Vec<Organization>>;

    /// Every language a published name or description is written in,
    /// sorted: the translation columns of the CSV export.
    async fn published_text_languages(&self) -> Result<Vec<LangCode>>;

    /// Stores organisations of `source` in one transaction, all or none.
    /// One already imported from the source with the same external id is
    /// updated in place (its contact address is kept when the row has
    /// none, its status unless `status` is given); any other is added with
    /// `status`, or pending when it is `None`. `progress` is told how many
    /// rows are done.
    async fn import_external(
        &self,
        source: &str,
        rows: &[ExternalOrg],
        status: Option<Status>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportCounts>;

    /// The number of the last committed change to what the public sees
    /// (0 before the first). Every write that changes it (a decision, a
    /// withdrawal, an erasure, a scrub, an import, a published insert)
    /// records a [`Change`] in its own transaction.
    async fn change_head(&self) -> Result<i64>;

    /// Up to `limit` changes numbered above `after`, in order. The log
    /// keeps about a month (see [`Store::prune_changes`]): a first number
    /// above `after + 1` means some were forgotten.
    async fn changes_after(&self, after: i64, limit: u32) -> Result<Vec<Change>>;

    /// Forgets the changes recorded before `before`, but always keeps the
    /// last one: how many were forgotten.
    async fn prune_changes(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64>;

    /// What wakes a follower of the change log: on Postgres a `LISTEN` on
    /// the channel each change notifies when it commits (the listening
    /// connection reconnects by itself), on SQLite a timer, as only
    /// processes on one machine share its file.
    async fn change_signal(&self) -> Result<Box<dyn ChangeSignal>>;
}

/// Opens the database the URL names (`sqlite:…` or `postgres://…`) and runs
/// its migrations.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        anyhow::bail!("DATABASE_URL must start with sqlite: or postgres://")
    }
}

/// Maps the failure of a bulk insert: a foreign-key violation means one of
/// the categories is unknown, and the store is asked which one.
async fn bulk_insert_error(
    store: &dyn Store,
    e: sqlx::Error,
    orgs: &[(OrgId, NewOrganization)],
) -> StoreError {
    let is_fk = matches!(&e, sqlx::Error::Database(db) if db.is_foreign_key_violation());
    if !is_fk {
        return e.into();
    }
    let Ok(known) = store.categories().await else {
        return e.into();
    };
    orgs.iter()
        .map(|(_, o)| &o.category)
        .find(|c| !known.iter().any(|k| &k.category.slug == *c))
        .map_or_else(|| e.into(), |c| StoreError::UnknownCategory(c.to_string()))
}

/// `%` and `_` in search text match themselves, not any character.
fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
