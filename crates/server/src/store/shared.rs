//! The [`Store`](super::Store) methods, written once for both databases.
//!
//! `shared_store!(Db)` compiles them for one sqlx database type: each
//! backend's module invokes it. The body is ordinary sqlx code over the
//! statements of `sql.rs`, with `Db` standing for the database, and asks
//! `dialect.rs` for what differs. It is a macro rather
//! than code generic over `sqlx::Database` because such code must repeat a
//! bound for every type it binds or reads, on every function.

macro_rules! shared_store {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{Database, QueryBuilder};

            use solidarity_map_core::{
                Category, CategoryCount, Facets, LangCode, MonthCount, NewOrganization, OrgFilter,
                OrgId, Organization, Status,
            };

            use $crate::store::dialect::{Backend, Batch};
            use $crate::store::row::{
                CategoryRow, FacetRow, OrgRow, PointRow, labels_json, map_insert_error,
                parse_languages,
            };
            use $crate::store::value::{DbId, now};
            use $crate::store::{
                Change, ChangeSignal, Dialect, ExternalOrg, ImportCounts, Page, PointSink, PoolUse,
                PublicPoint, QueryPlan, Result, SqlStore, Store, bulk_insert_error, sql,
            };

            type Db = $db;
            type Conn = <Db as Database>::Connection;
            const BACKEND: Backend = <Db as Dialect>::BACKEND;

            /// The rows of `sql::all_facets_query` as the three facets,
            /// each most first, then by code, like the query of one.
            fn facets_of(rows: Vec<(i32, String, i64)>) -> Facets {
                let mut facets = Facets {
                    categories: Vec::new(),
                    countries: Vec::new(),
                    languages: Vec::new(),
                };
                for (facet, code, count) in rows {
                    let count = solidarity_map_core::FacetCount {
                        code,
                        count: u64::try_from(count).unwrap_or(0),
                    };
                    match facet {
                        0 => facets.categories.push(count),
                        1 => facets.countries.push(count),
                        _ => facets.languages.push(count),
                    }
                }
                for list in [
                    &mut facets.categories,
                    &mut facets.countries,
                    &mut facets.languages,
                ] {
                    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
                }
                facets
            }

            impl SqlStore<Db> {
                /// Writes an organisation's fields (and the columns derived
                /// from them) with [`sql::INSERT_ORGANIZATION`] or
                /// [`sql::UPDATE_ORGANIZATION`], which take the same
                /// parameters.
                async fn write_org(
                    conn: &mut Conn,
                    statement: &'static str,
                    id: DbId,
                    org: &NewOrganization,
                    status: Option<Status>,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    sql::bind_org!(sqlx::query(statement), bind, id, org, status, at)
                        .execute(conn)
                        .await
                        .map_err(|e| map_insert_error(e, &org.category))?;
                    Ok(())
                }

                /// Adds one organisation, created (and changed) `at`.
                async fn insert(
                    conn: &mut Conn,
                    id: DbId,
                    org: &NewOrganization,
                    status: Status,
                    at: DateTime<Utc>,
                ) -> Result<Organization> {
                    Self::write_org(conn, sql::INSERT_ORGANIZATION, id, org, Some(status), at)
                        .await?;
                    Ok(Organization {
                        id: id.into(),
                        data: org.clone(),
                        status,
                        created_at: at,
                        updated_at: at,
                        confirmed_at: at,
                        stale: false,
                        source: None,
                    })
                }

                /// Replaces an organisation's fields with `org`'s. The contact
                /// address is kept when `org` has none, and the status when
                /// `status` is `None`: an approval and a re-import share this.
                async fn update(
                    conn: &mut Conn,
                    id: DbId,
                    org: &NewOrganization,
                    status: Option<Status>,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    Self::write_org(conn, sql::UPDATE_ORGANIZATION, id, org, status, at).await
                }

                /// Records that what the public sees of `org` (of many
                /// entries when `None`) changed, and marks what is public
                /// for the first time as first public `at`. The last write of a change
                /// before it commits: the change holds the log's head from
                /// here until it commits, so numbers commit in order (see
                /// [`sql::NEXT_CHANGE`]).
                async fn changed(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    org: Option<DbId>,
                ) -> Result<()> {
                    // an entry public for the first time is so from now
                    let first_public = match org {
                        Some(id) => sqlx::query($crate::store::sql_feeds::MARK_PUBLISHED)
                            .bind(at)
                            .bind(id),
                        None => sqlx::query($crate::store::sql_feeds::MARK_ALL_PUBLISHED).bind(at),
                    };
                    first_public.execute(&mut *conn).await?;
                    let seq: i64 = sqlx::query_scalar(sql::NEXT_CHANGE)
                        .fetch_one(&mut *conn)
                        .await?;
                    sqlx::query(sql::INSERT_CHANGE)
                        .bind(seq)
                        .bind(org)
                        .bind(at)
                        .execute(&mut *conn)
                        .await?;
                    if let Some(notify) = BACKEND.notify_change() {
                        sqlx::query(notify)
                            .bind(sql::CHANGE_CHANNEL)
                            .bind(seq.to_string())
                            .execute(conn)
                            .await?;
                    }
                    Ok(())
                }

                /// Adds one organisation in a transaction of its own; a
                /// published one is a change to the map.
                async fn insert_alone(
                    &self,
                    id: DbId,
                    org: &NewOrganization,
                    status: Status,
                ) -> Result<Organization> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let stored = Self::insert(&mut tx, id, org, status, at).await?;
                    if status == Status::Published {
                        Self::changed(&mut tx, at, Some(id)).await?;
                    }
                    tx.commit().await?;
                    Ok(stored)
                }

                /// Any organisation, read through `conn`.
                async fn org_in(conn: &mut Conn, id: DbId) -> Result<Option<Organization>> {
                    let row: Option<OrgRow> = sqlx::query_as(sql::ORGANIZATION)
                        .bind(id)
                        .fetch_optional(conn)
                        .await?;
                    row.map(Organization::try_from).transpose()
                }
            }

            /// How many published entries match `filter`, after `prefix`
            /// (an `explain`, or nothing).
            fn count_query<'a>(prefix: &str, filter: &'a OrgFilter) -> QueryBuilder<'a, Db> {
                let mut qb = QueryBuilder::<Db>::new(prefix);
                qb.push(sql::COUNT_ORGANIZATIONS);
                sql::push_filter(&mut qb, filter, true);
                qb
            }

            /// The filter's page and one more (is there a next page?), of
            /// `total` matches: its ids from what the indexes hold, by name,
            /// then its rows; sorting carries two short columns, not every
            /// field of every match (see sql::PAGE_OF_ORGANIZATIONS).
            fn page_query<'a>(
                prefix: &str,
                filter: &'a OrgFilter,
                total: i64,
            ) -> QueryBuilder<'a, Db> {
                let mut qb = QueryBuilder::<Db>::new(prefix);
                qb.push(sql::PAGE_OF_ORGANIZATIONS);
                sql::push_filter(&mut qb, filter, BACKEND.by_position(total));
                if let Some(after) = &filter.after {
                    qb.push(" and (sort_name, id) > (")
                        .push_bind(after.sort_name.clone())
                        .push(", ")
                        .push_bind(DbId::from(after.id))
                        .push(")");
                }
                qb.push(" order by sort_name, id limit ")
                    .push_bind(i64::from(filter.limit()) + 1);
                if filter.after.is_none() {
                    qb.push(" offset ")
                        .push_bind(i64::try_from(filter.offset).unwrap_or(i64::MAX));
                }
                qb.push(sql::PAGE_OF_ORGANIZATIONS_END);
                qb
            }

            /// The organisations of `ids`, in no order.
            fn among_query<'a>(prefix: &str, ids: &[OrgId]) -> QueryBuilder<'a, Db> {
                let mut qb = QueryBuilder::<Db>::new(prefix);
                qb.push(sql::AMONG);
                <Db as Dialect>::push_ids(&mut qb, ids);
                qb
            }

            #[async_trait]
            impl Store for SqlStore<Db> {
                fn backend(&self) -> &'static str {
                    BACKEND.name()
                }

                fn pool_use(&self) -> PoolUse {
                    let open = usize::try_from(self.pool.size()).unwrap_or(usize::MAX);
                    let idle = self.pool.num_idle();
                    PoolUse {
                        idle,
                        in_use: open.saturating_sub(idle),
                    }
                }

                async fn ping(&self) -> Result<()> {
                    sqlx::query("select 1").execute(&self.pool).await?;
                    Ok(())
                }

                async fn upsert_categories(&self, categories: &[Category]) -> Result<()> {
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    for (position, c) in categories.iter().enumerate() {
                        sqlx::query(sql::UPSERT_CATEGORY)
                            .bind(c.slug.as_str())
                            .bind(labels_json(c))
                            .bind(&c.colour)
                            .bind(&c.symbol)
                            .bind(i32::try_from(position).unwrap_or(i32::MAX))
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn categories(&self) -> Result<Vec<CategoryCount>> {
                    let rows: Vec<CategoryRow> = sqlx::query_as(sql::CATEGORIES)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter().map(CategoryCount::try_from).collect()
                }

                async fn insert_organization(
                    &self,
                    org: &NewOrganization,
                    status: Status,
                ) -> Result<Organization> {
                    self.insert_alone(DbId::new(), org, status).await
                }

                async fn insert_organization_with_id(
                    &self,
                    id: OrgId,
                    org: &NewOrganization,
                    status: Status,
                ) -> Result<Organization> {
                    self.insert_alone(id.into(), org, status).await
                }

                async fn organization(&self, id: OrgId) -> Result<Option<Organization>> {
                    let mut conn = self.pool.acquire().await?;
                    Self::org_in(&mut conn, id.into()).await
                }

                async fn published_counted(
                    &self,
                    filter: &OrgFilter,
                    known: Option<u64>,
                ) -> Result<Page> {
                    // the count and the page from one snapshot: the total
                    // counts exactly the entries the pages are cut from
                    let mut tx = self.pool.begin_with(BACKEND.begin_snapshot()).await?;
                    // how many match first: it decides how to find the page
                    let total: i64 = match known {
                        Some(n) => i64::try_from(n).unwrap_or(i64::MAX),
                        None => {
                            count_query("", filter)
                                .build_query_scalar()
                                .fetch_one(&mut *tx)
                                .await?
                        }
                    };
                    let limit = filter.limit();
                    let mut qb = page_query("", filter, total);
                    let rows: Vec<OrgRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    tx.commit().await?;
                    let mut items = rows
                        .into_iter()
                        .map(Organization::try_from)
                        .collect::<Result<Vec<_>>>()?;
                    let more = items.len() > limit as usize;
                    items.truncate(limit as usize);
                    Ok(Page {
                        items,
                        total: u64::try_from(total).unwrap_or(0),
                        more,
                    })
                }

                async fn published_among(&self, ids: &[OrgId]) -> Result<Vec<Organization>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let rows: Vec<OrgRow> = among_query("", ids)
                        .build_query_as()
                        .fetch_all(&self.pool)
                        .await?;
                    let mut found = std::collections::HashMap::new();
                    for row in rows {
                        let o = Organization::try_from(row)?;
                        if o.status == Status::Published {
                            found.insert(o.id, o);
                        }
                    }
                    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
                }

                async fn explain_list(&self, filter: &OrgFilter) -> Result<Vec<QueryPlan>> {
                    let explain = <Db as Dialect>::EXPLAIN;
                    let plan = |what: &'static str, lines: Vec<String>| QueryPlan { what, lines };
                    // the page the plans are about, and its count (which
                    // decides how the database looks the page up)
                    let page = self.published_counted(filter, None).await?;
                    let count = i64::try_from(page.total).unwrap_or(i64::MAX);
                    let ids: Vec<OrgId> = page.items.iter().map(|o| o.id).collect();
                    Ok(vec![
                        plan(
                            "count the matches",
                            <Db as Dialect>::plan(&self.pool, count_query(explain, filter)).await?,
                        ),
                        plan(
                            "the page, chosen by the database",
                            <Db as Dialect>::plan(&self.pool, page_query(explain, filter, count))
                                .await?,
                        ),
                        plan(
                            "the page's rows by id, chosen by the index",
                            if ids.is_empty() {
                                // `id in ()` would be planned as a scan of
                                // a query that is never sent
                                vec!["nothing matches: no page to read".to_owned()]
                            } else {
                                <Db as Dialect>::plan(&self.pool, among_query(explain, &ids))
                                    .await?
                            },
                        ),
                    ])
                }

                async fn bulk_insert(
                    &self,
                    orgs: &[(OrgId, NewOrganization)],
                    status: Status,
                ) -> Result<usize> {
                    if orgs.is_empty() {
                        return Ok(0);
                    }
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    for rows in orgs.chunks(BACKEND.bulk_rows()) {
                        let batch = Batch { rows, status, at };
                        let done = <Db as Dialect>::insert_rows(&mut tx, batch).await;
                        if let Err(e) = done {
                            drop(tx);
                            return Err(bulk_insert_error(self, e, orgs).await);
                        }
                    }
                    if status == Status::Published {
                        Self::changed(&mut tx, at, None).await?;
                    }
                    tx.commit().await?;
                    Ok(orgs.len())
                }

                async fn each_published_point(&self, sink: &mut PointSink<'_>) -> Result<()> {
                    <Db as Dialect>::published_points(&self.pool, sink).await
                }

                async fn published_point(&self, id: OrgId) -> Result<Option<PublicPoint>> {
                    let row: Option<PointRow> = sqlx::query_as(sql::PUBLISHED_POINT)
                        .bind(DbId::from(id))
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(PublicPoint::try_from).transpose()
                }

                async fn facets(&self, filter: &OrgFilter) -> Result<Facets> {
                    if filter.categories.is_empty()
                        && filter.country.is_none()
                        && filter.language.is_none()
                    {
                        // one filter for all three: the matches read once
                        let mut shared = filter.clone();
                        shared.bbox = None;
                        let (head, tail) = sql::all_facets_query(BACKEND);
                        let mut qb = QueryBuilder::<Db>::new(head);
                        sql::push_filter(&mut qb, &shared, true);
                        qb.push(tail);
                        let rows: Vec<(i32, String, i64)> =
                            qb.build_query_as().fetch_all(&self.pool).await?;
                        return Ok(facets_of(rows));
                    }
                    // each facet under the other filters, never its own,
                    // and never the map's view
                    let count =
                        async |facet: sql::Facet| -> Result<Vec<solidarity_map_core::FacetCount>> {
                            let mut others = filter.clone();
                            others.bbox = None;
                            match facet {
                                sql::Facet::Category => others.categories.clear(),
                                sql::Facet::Country => others.country = None,
                                sql::Facet::Language => others.language = None,
                            }
                            let (head, tail) = sql::facet_query(BACKEND, facet);
                            let mut qb = QueryBuilder::<Db>::new(head);
                            sql::push_filter(&mut qb, &others, true);
                            qb.push(tail);
                            let rows: Vec<FacetRow> =
                                qb.build_query_as().fetch_all(&self.pool).await?;
                            Ok(rows.into_iter().map(Into::into).collect())
                        };
                    Ok(Facets {
                        categories: count(sql::Facet::Category).await?,
                        countries: count(sql::Facet::Country).await?,
                        languages: count(sql::Facet::Language).await?,
                    })
                }

                async fn published_by_month(&self) -> Result<Vec<MonthCount>> {
                    let months: Vec<FacetRow> = sqlx::query_as(&sql::published_by_month(BACKEND))
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(months.into_iter().map(Into::into).collect())
                }

                async fn count_organizations(&self) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar(sql::COUNT_ORGANIZATIONS)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(u64::try_from(n).unwrap_or(0))
                }

                async fn published_after(
                    &self,
                    after: Option<OrgId>,
                    limit: u32,
                ) -> Result<Vec<Organization>> {
                    // keyset pages along the primary key: the first page has
                    // no bound, so no id is too small to be read
                    let statement = match after {
                        Some(_) => sql::PUBLISHED_AFTER,
                        None => sql::PUBLISHED_FIRST,
                    };
                    let query = sqlx::query_as(statement).bind(i64::from(limit));
                    let query = match after {
                        Some(id) => query.bind(DbId::from(id)),
                        None => query,
                    };
                    let rows: Vec<OrgRow> = query.fetch_all(&self.pool).await?;
                    rows.into_iter().map(Organization::try_from).collect()
                }

                async fn published_text_languages(&self) -> Result<Vec<LangCode>> {
                    let mut codes: Vec<String> = sqlx::query_scalar(&sql::text_languages(BACKEND))
                        .fetch_all(&self.pool)
                        .await?;
                    // codes are ascii: byte order, whatever the collation
                    codes.sort_unstable();
                    parse_languages(codes)
                }

                async fn import_external(
                    &self,
                    source: &str,
                    rows: &[ExternalOrg],
                    status: Option<Status>,
                    progress: &(dyn Fn(usize) + Send + Sync),
                ) -> Result<ImportCounts> {
                    let mut counts = ImportCounts::default();
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    for (done, row) in rows.iter().enumerate() {
                        // the entry this source's id was imported as before, if any
                        let existing: Option<DbId> = sqlx::query_scalar(sql::IMPORTED)
                            .bind(source)
                            .bind(&row.external_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if let Some(id) = existing {
                            // every public field from the file; the contact address
                            // only when the file has one, the status only when asked
                            Self::update(&mut tx, id, &row.org, status, at).await?;
                            if status.is_none_or(|s| s == Status::Pending) {
                                // still waiting: the queue shows the new data
                                Self::queue_import(&mut tx, at, id, source, &row.org, true).await?;
                            }
                            counts.updated += 1;
                        } else {
                            // the source's id when it is a free uuid, else a new one
                            let id = match row.id {
                                Some(id) => {
                                    let taken: i64 = sqlx::query_scalar(sql::ID_TAKEN)
                                        .bind(DbId::from(id))
                                        .fetch_one(&mut *tx)
                                        .await?;
                                    if taken == 0 { id.into() } else { DbId::new() }
                                }
                                None => DbId::new(),
                            };
                            let status = status.unwrap_or(Status::Pending);
                            Self::insert(&mut tx, id, &row.org, status, at).await?;
                            sqlx::query(sql::SET_IMPORTED)
                                .bind(source)
                                .bind(&row.external_id)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            if status == Status::Pending {
                                Self::queue_import(&mut tx, at, id, source, &row.org, false)
                                    .await?;
                            }
                            counts.added += 1;
                        }
                        progress(done + 1);
                    }
                    if !rows.is_empty() {
                        // many entries at once: followers read them all again
                        Self::changed(&mut tx, at, None).await?;
                    }
                    tx.commit().await?;
                    Ok(counts)
                }

                async fn change_head(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar(sql::CHANGE_HEAD)
                        .fetch_one(&self.pool)
                        .await?)
                }

                async fn changes_after(&self, after: i64, limit: u32) -> Result<Vec<Change>> {
                    let rows: Vec<(i64, Option<DbId>, DateTime<Utc>)> =
                        sqlx::query_as(sql::CHANGES_AFTER)
                            .bind(after)
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await?;
                    Ok(rows
                        .into_iter()
                        .map(|(seq, org, at)| Change {
                            seq,
                            org: org.map(OrgId::from),
                            at,
                        })
                        .collect())
                }

                async fn prune_changes(&self, before: DateTime<Utc>) -> Result<u64> {
                    let done = sqlx::query(sql::PRUNE_CHANGES)
                        .bind(before)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn change_signal(&self) -> Result<Box<dyn ChangeSignal>> {
                    <Db as Dialect>::change_signal(&self.pool).await
                }
            }
        };
    };
}

pub(super) use shared_store;
