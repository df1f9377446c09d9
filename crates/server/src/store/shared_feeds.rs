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
            }
        };
    };
}

pub(super) use shared_feeds;
