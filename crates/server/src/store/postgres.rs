//! The backend for larger deployments: `DATABASE_URL=postgres://…`.
//!
//! Its methods are the shared ones (`shared.rs`, `shared_moderation.rs`,
//! `shared_backup.rs`); this module connects and says what Postgres does
//! its own way.

use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use solidarity_map_core::{NewOrganization, OrgId};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::dialect::{Backend, Batch, Dialect};
use super::row::{OrgValues, PointRow};
use super::shared::shared_store;
use super::shared_backup::shared_backup;
use super::shared_feeds::shared_feeds;
use super::shared_freshness::shared_freshness;
use super::shared_mirrors::shared_mirrors;
use super::shared_moderation::shared_moderation;
use super::shared_outbox::shared_outbox;
use super::shared_relay::shared_relay;
use super::{ChangeSignal, PointSink, PublicPoint, Result, SqlStore, sql};

/// How long one statement may run, unless the URL says otherwise: far
/// above the slowest the server runs (the scan of a million points at
/// start-up takes seconds).
const STATEMENT_TIMEOUT: &str = "2min";

/// The store on a Postgres database.
pub type PgStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    pub async fn connect(url: &str) -> Result<Self> {
        let mut options = PgConnectOptions::from_str(url)?;
        if !url.contains("statement_timeout") {
            // a statement that runs away (a slow plan, a lock held by a
            // stuck client) ends with an error instead of holding its
            // connection, and soon the whole pool, forever; a URL can set
            // its own (`?options=-c%20statement_timeout%3D5min`)
            options = options.options([("statement_timeout", STATEMENT_TIMEOUT)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // a request waits at most this long for a connection, then gets
            // 503 instead of hanging while the database is down
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (tests point it at their own schema) and
    /// migrates it.
    pub async fn from_pool(pool: PgPool) -> Result<Self> {
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl Dialect for Postgres {
    const BACKEND: Backend = Backend::Postgres;

    fn push_one_of(qb: &mut QueryBuilder<'_, Self>, column: &str, values: Vec<String>) {
        qb.push(format!(" and {column} = any("))
            .push_bind(values)
            .push(")");
    }

    const EXPLAIN: &'static str = "explain ";

    async fn plan(pool: &PgPool, mut qb: QueryBuilder<'_, Self>) -> Result<Vec<String>> {
        // one text column, indented by Postgres itself
        Ok(qb.build_query_scalar().fetch_all(pool).await?)
    }

    fn push_ids(qb: &mut QueryBuilder<'_, Self>, ids: &[OrgId]) {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        qb.push(" and id = any(").push_bind(ids).push(")");
    }

    async fn insert_rows(conn: &mut PgConnection, batch: Batch<'_>) -> sqlx::Result<()> {
        let c = BulkColumns::of(batch.rows);
        // one array per column, zipped back into rows by unnest; the status
        // and the time are the same for the whole batch
        let statement = format!(
            "{insert}
             select id, name, description, category, city, country, lat, lon,
                 precision, public_lat, public_lon, website, links, languages, tags,
                 contact_email, $17, search_text, sort_name, $18, $18
             from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::float8[], $8::float8[], $9::text[], $10::float8[],
                 $11::float8[], $12::text[], $13::text[], $14::text[], $15::text[],
                 $16::text[], $19::text[], $20::text[])
             as t(id, name, description, category, city, country, lat, lon,
                 precision, public_lat, public_lon, website, links, languages, tags,
                 contact_email, search_text, sort_name)",
            insert = sql::INSERT_ORGANIZATIONS
        );
        sqlx::query(&statement)
            .bind(c.id)
            .bind(c.name)
            .bind(c.description)
            .bind(c.category)
            .bind(c.city)
            .bind(c.country)
            .bind(c.lat)
            .bind(c.lon)
            .bind(c.precision)
            .bind(c.public_lat)
            .bind(c.public_lon)
            .bind(c.website)
            .bind(c.links)
            .bind(c.languages)
            .bind(c.tags)
            .bind(c.contact_email)
            .bind(batch.status.as_str())
            .bind(batch.at)
            .bind(c.search_text)
            .bind(c.sort_name)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn change_signal(pool: &PgPool) -> Result<Box<dyn ChangeSignal>> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(sql::CHANGE_CHANNEL).await?;
        Ok(Box::new(Listening {
            listener,
            reconnecting: false,
        }))
    }

    async fn published_points(pool: &PgPool, sink: &mut PointSink<'_>) -> Result<()> {
        // only the marker's columns, the uuid as binary; streamed, so the
        // rows are never all in memory beside the points
        let mut rows = sqlx::query_as::<_, PointRow>(sql::PUBLISHED_POINTS).fetch(pool);
        while let Some(row) = rows.try_next().await? {
            sink(PublicPoint::try_from(row)?);
        }
        Ok(())
    }
}

/// One column per array, bound to an `unnest` insert.
#[derive(Default)]
struct BulkColumns {
    id: Vec<Uuid>,
    name: Vec<String>,
    description: Vec<String>,
    category: Vec<String>,
    city: Vec<String>,
    country: Vec<String>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    precision: Vec<&'static str>,
    public_lat: Vec<f64>,
    public_lon: Vec<f64>,
    website: Vec<Option<String>>,
    links: Vec<String>,
    languages: Vec<String>,
    tags: Vec<String>,
    contact_email: Vec<Option<String>>,
    search_text: Vec<String>,
    sort_name: Vec<String>,
}

impl BulkColumns {
    fn of(orgs: &[(OrgId, NewOrganization)]) -> Self {
        let mut c = BulkColumns::default();
        for (id, org) in orgs {
            let v = OrgValues::of(org);
            c.id.push(id.0);
            c.name.push(v.name);
            c.description.push(v.description);
            c.category.push(org.category.as_str().to_owned());
            c.city.push(org.city.as_str().to_owned());
            c.country.push(org.country.as_str().to_owned());
            c.lat.push(org.location.lat());
            c.lon.push(org.location.lon());
            c.precision.push(org.precision.as_str());
            c.public_lat.push(v.public.lat());
            c.public_lon.push(v.public.lon());
            c.website
                .push(org.website.as_ref().map(|w| w.as_str().to_owned()));
            c.links.push(v.links);
            c.languages.push(v.languages);
            c.tags.push(v.tags);
            c.contact_email
                .push(org.contact_email.as_ref().map(|e| e.as_str().to_owned()));
            c.search_text.push(v.search_text);
            c.sort_name.push(v.sort_name);
        }
        c
    }
}

/// Wakes on the notification each change sends when it commits.
struct Listening {
    listener: PgListener,
    /// The connection was lost at the last wait: the next one listens on
    /// a new connection, then wakes soon, so that a change committed
    /// before it listened again is read at once rather than at the next
    /// timeout.
    reconnecting: bool,
}

/// How long the wait after a lost connection lasts: enough to connect
/// again and listen on loopback or a LAN.
const AFTER_RECONNECT: Duration = Duration::from_millis(500);

#[async_trait::async_trait]
impl ChangeSignal for Listening {
    async fn wait(&mut self, at_most: Duration) {
        let at_most = if std::mem::take(&mut self.reconnecting) {
            at_most.min(AFTER_RECONNECT)
        } else {
            at_most
        };
        match tokio::time::timeout(at_most, self.listener.try_recv()).await {
            // a change, or no news in time: read the log either way
            Ok(Ok(Some(_))) | Err(_) => {}
            // the connection was lost, and what it would have told with
            // it: the read of the log that follows makes up for that
            Ok(Ok(None)) => {
                tracing::warn!("change notifications: connection lost, listening again");
                self.reconnecting = true;
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "change notifications: cannot listen");
                self.reconnecting = true;
                // the database is down: try again after a while, not in a loop
                tokio::time::sleep(at_most.min(Duration::from_secs(1))).await;
            }
        }
    }
}

shared_store!(Postgres);
shared_moderation!(Postgres);
shared_outbox!(Postgres);
shared_relay!(Postgres);
shared_backup!(Postgres);
shared_freshness!(Postgres);
shared_mirrors!(Postgres);
shared_feeds!(Postgres);

#[cfg(test)]
mod tests {
    use sqlx::Connection;
    use sqlx::postgres::PgConnection;

    use super::*;

    /// A fresh database, dropped at the end; `None` (skipped) when Postgres
    /// is not reachable outside CI.
    async fn with_fresh_database(test: impl AsyncFnOnce(&str)) {
        let admin = solidarity_map_testkit::postgres_admin_url();
        let Ok(mut conn) = PgConnection::connect(&admin).await else {
            assert!(
                !solidarity_map_testkit::in_ci(),
                "Postgres is not reachable at {admin}"
            );
            solidarity_map_testkit::skip("Postgres is not reachable");
            return;
        };
        let name = format!("sm_unit_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("create database {name}"))
            .execute(&mut conn)
            .await
            .expect("create database");
        test(&solidarity_map_testkit::with_database(&admin, &name)).await;
        let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
            .execute(&mut conn)
            .await;
    }

    #[tokio::test]
    async fn a_runaway_statement_ends_unless_the_url_says_otherwise() {
        with_fresh_database(async |url| {
            let store = PgStore::connect(url).await.expect("connect");
            let timeout: String = sqlx::query_scalar("show statement_timeout")
                .fetch_one(&store.pool)
                .await
                .expect("show");
            assert_eq!(timeout, STATEMENT_TIMEOUT);
            store.pool.close().await;

            let own = format!("{url}?options=-c%20statement_timeout%3D5s");
            let store = PgStore::connect(&own).await.expect("connect");
            let timeout: String = sqlx::query_scalar("show statement_timeout")
                .fetch_one(&store.pool)
                .await
                .expect("show");
            assert_eq!(timeout, "5s");
            store.pool.close().await;
        })
        .await;
    }
}
