//! The [`Feeds`](super::feeds::Feeds) methods, written once for both
//! databases: `shared_feeds!(Db)` compiles them for one, like
//! `shared_store!` does the rest.

macro_rules! shared_feeds {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::QueryBuilder;

            use solidarity_map_core::{OrgFilter, OrgId};

            use $crate::store::feeds::{FeedOrg, Feeds};
            use $crate::store::row::FeedRow;
            use $crate::store::value::DbId;
            use $crate::store::{Result, SqlStore, sql, sql_feeds};

            type Db = $db;
            const BACKEND: $crate::store::dialect::Backend =
                <Db as $crate::store::dialect::Dialect>::BACKEND;

            fn feed_orgs(rows: Vec<FeedRow>) -> Result<Vec<FeedOrg>> {
                rows.into_iter().map(FeedOrg::try_from).collect()
            }

            #[async_trait]
            impl Feeds for SqlStore<Db> {
                async fn feed_orgs(&self, ids: &[OrgId]) -> Result<Vec<FeedOrg>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<Db>::new(sql_feeds::FEED_ORGS);
                    let mut list = qb.separated(", ");
                    for id in ids {
                        list.push_bind(DbId::from(*id));
                    }
                    qb.push(")");
                    feed_orgs(qb.build_query_as().fetch_all(&self.pool).await?)
                }

                async fn feed_orgs_written(
                    &self,
                    at: DateTime<Utc>,
                    after: Option<OrgId>,
                    limit: u32,
                ) -> Result<Vec<FeedOrg>> {
                    let rows = match after {
                        Some(id) => {
                            sqlx::query_as(sql_feeds::FEED_ORGS_WRITTEN_AFTER)
                                .bind(at)
                                .bind(DbId::from(id))
                                .bind(i64::from(limit))
                                .fetch_all(&self.pool)
                                .await?
                        }
                        None => {
                            sqlx::query_as(sql_feeds::FEED_ORGS_WRITTEN_FIRST)
                                .bind(at)
                                .bind(i64::from(limit))
                                .fetch_all(&self.pool)
                                .await?
                        }
                    };
                    feed_orgs(rows)
                }

                async fn newest_published(
                    &self,
                    filter: &OrgFilter,
                    limit: u32,
                ) -> Result<Vec<FeedOrg>> {
                    let mut qb = QueryBuilder::<Db>::new(sql_feeds::NEWEST_PUBLISHED);
                    sql::push_filter(&mut qb, filter, true);
                    qb.push(" order by published_at desc, id limit ")
                        .push_bind(i64::from(limit));
                    feed_orgs(qb.build_query_as().fetch_all(&self.pool).await?)
                }

                async fn murmurations_listed(&self, id: OrgId) -> Result<Option<bool>> {
                    let listed: Option<i32> = sqlx::query_scalar(sql_feeds::MURMURATIONS_LISTED)
                        .bind(DbId::from(id))
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(listed.map(|l| l != 0))
                }

                async fn set_murmurations_listed(&self, id: OrgId, listed: bool) -> Result<()> {
                    let at = $crate::store::value::now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    sqlx::query(sql_feeds::SET_MURMURATIONS)
                        .bind(i32::from(listed))
                        .bind(DbId::from(id))
                        .execute(&mut *tx)
                        .await?;
                    Self::changed_if_public(&mut tx, at, DbId::from(id)).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn murmurations_cursor(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar(sql_feeds::MURMURATIONS_CURSOR)
                        .fetch_one(&self.pool)
                        .await?)
                }

                async fn set_murmurations_cursor(&self, from: i64, to: i64) -> Result<bool> {
                    let done = sqlx::query(sql_feeds::MOVE_MURMURATIONS_CURSOR)
                        .bind(from)
                        .bind(to)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        };
    };
}

pub(super) use shared_feeds;
