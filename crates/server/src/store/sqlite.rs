//! The zero-configuration backend: one file, created on first start.
//!
//! Its methods are the shared ones (`shared.rs`, `shared_moderation.rs`,
//! `shared_backup.rs`); this module opens the file and says what SQLite does its own way.

use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use solidarity_map_core::OrgId;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::dialect::{Backend, Batch, Dialect};
use super::row::push_json_points;
use super::shared::shared_store;
use super::shared_backup::shared_backup;
use super::shared_feeds::shared_feeds;
use super::shared_freshness::shared_freshness;
use super::shared_mirrors::shared_mirrors;
use super::shared_moderation::shared_moderation;
use super::shared_outbox::shared_outbox;
use super::shared_relay::shared_relay;
use super::value::DbId;
use super::{ChangeSignal, PointSink, Result, SqlStore, sql};

/// The store on a SQLite file.
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating if needed) the file the URL names, e.g.
    /// `sqlite:state/solidarity-map.db`, and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets the map read while a submission is written.
            .journal_mode(SqliteJournalMode::Wal)
            // Durable on commit: an acknowledged submission survives a crash
            // of the process (FULL also survives power loss in WAL mode).
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool: SqlitePool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl Dialect for Sqlite {
    const BACKEND: Backend = Backend::Sqlite;

    fn push_one_of(qb: &mut QueryBuilder<'_, Self>, column: &str, values: Vec<String>) {
        qb.push(format!(" and {column} in ("));
        let mut list = qb.separated(", ");
        for v in values {
            list.push_bind(v);
        }
        qb.push(")");
    }

    const EXPLAIN: &'static str = "explain query plan ";

    async fn plan(pool: &SqlitePool, mut qb: QueryBuilder<'_, Self>) -> Result<Vec<String>> {
        // (id, parent, unused, detail): a step is indented under its parent
        let rows: Vec<(i64, i64, i64, String)> = qb.build_query_as().fetch_all(pool).await?;
        let mut depth: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        Ok(rows
            .into_iter()
            .map(|(id, parent, _, detail)| {
                let d = depth.get(&parent).map_or(0, |d| d + 1);
                depth.insert(id, d);
                format!("{}{detail}", "  ".repeat(d))
            })
            .collect())
    }

    fn push_ids(qb: &mut QueryBuilder<'_, Self>, ids: &[OrgId]) {
        qb.push(" and id in (");
        let mut list = qb.separated(", ");
        for id in ids {
            list.push_bind(DbId::from(*id));
        }
        qb.push(")");
    }

    async fn insert_rows(conn: &mut SqliteConnection, batch: Batch<'_>) -> sqlx::Result<()> {
        // insert into organizations (…) values (…), (…), …: the columns
        // and values of `sql::INSERT_ORGANIZATION`, a row at a time
        let mut qb = QueryBuilder::<Sqlite>::new(sql::INSERT_ORGANIZATIONS);
        let Batch { rows, status, at } = batch;
        qb.push_values(rows, |mut row, (id, org)| {
            // the creation time, then the same as the last change's
            sql::bind_org!(row, push_bind, DbId::from(*id), org, Some(status), at).push_bind(at);
        });
        qb.build().execute(conn).await?;
        Ok(())
    }

    async fn published_points(pool: &SqlitePool, sink: &mut PointSink<'_>) -> Result<()> {
        // sqlx hands SQLite rows over from its worker thread one by one, at
        // ~14 µs a row: a million took 14 s. So the scan sends one json
        // array per 8192 rows instead (~3 s), and reads the table in rowid
        // order (not indexed): through the status index it would visit the
        // rows in longitude order, at random. Public points have at most
        // five decimals, which json's 15 significant digits keep exactly.
        let mut pages = sqlx::query_scalar::<_, String>(
            "select json_group_array(
                 json_array(id, public_lon, public_lat, category, country,
                            stale_at is not null, json(languages), sort_name))
             from organizations not indexed
             where status = 'published'
             group by rowid >> 13",
        )
        .fetch(pool);
        while let Some(page) = pages.try_next().await? {
            push_json_points(&page, sink)?;
        }
        Ok(())
    }

    async fn change_signal(_pool: &SqlitePool) -> Result<Box<dyn ChangeSignal>> {
        Ok(Box::new(Polling))
    }
}

/// SQLite cannot tell another process that its file changed, so a
/// follower looks at the log's head now and then: a second is cheap (one
/// indexed read) and soon enough for a command-line import.
struct Polling;

/// How often a follower of a SQLite file looks at the change log.
const POLL_EVERY: Duration = Duration::from_secs(1);

#[async_trait::async_trait]
impl ChangeSignal for Polling {
    async fn wait(&mut self, at_most: Duration) {
        tokio::time::sleep(at_most.min(POLL_EVERY)).await;
    }
}

shared_store!(Sqlite);
shared_moderation!(Sqlite);
shared_outbox!(Sqlite);
shared_relay!(Sqlite);
shared_backup!(Sqlite);
shared_freshness!(Sqlite);
shared_mirrors!(Sqlite);
shared_feeds!(Sqlite);
