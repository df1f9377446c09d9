//! The [`Mirrors`](super::mirrors::Mirrors) methods, written once for both
//! databases: `shared_mirrors!(Db)` compiles them for one, like
//! `shared_store!` does the rest.

macro_rules! shared_mirrors {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Database;

            use solidarity_map_core::mirror::{DataSource, HiddenEntry};
            use solidarity_map_core::{OrgId, OrgName, Organization, Status};

            use $crate::store::mirrors::{
                MirrorCounts, MirrorItem, MirrorPage, MirrorRecord, Mirrors, NewMirror,
            };
            use $crate::store::row::{MirrorRow, OrgRow, map_unique};
            use $crate::store::value::{DbId, now};
            use $crate::store::{Result, SqlStore, StoreError, sql, sql_mirrors};

            type Db = $db;
            type Conn = <Db as Database>::Connection;
            const BACKEND: $crate::store::dialect::Backend =
                <Db as $crate::store::dialect::Dialect>::BACKEND;

            fn source_json(source: &DataSource) -> String {
                serde_json::to_string(source).unwrap_or_else(|_| "null".to_owned())
            }

            /// What `external_source` says of an entry a mirror of `url`
            /// keeps.
            fn external_source(url: &str) -> String {
                format!("mirror:{url}")
            }

            impl SqlStore<Db> {
                /// Who keeps entry `id`, whether it is hidden, its status
                /// (see [`sql_mirrors::KEPT_BY`]); `None` when it is not here.
                async fn kept_by(
                    conn: &mut Conn,
                    id: DbId,
                ) -> Result<Option<(Option<i64>, i32, String, bool)>> {
                    Ok(sqlx::query_as(sql_mirrors::KEPT_BY)
                        .bind(id)
                        .fetch_optional(conn)
                        .await?)
                }

                /// Sets whether entry `id` is hidden (0, 1 or 2, see
                /// [`sql_mirrors::KEPT_BY`]).
                async fn set_hidden(conn: &mut Conn, id: DbId, hidden: i32) -> Result<()> {
                    sqlx::query(sql_mirrors::SET_HIDDEN)
                        .bind(hidden)
                        .bind(id)
                        .execute(conn)
                        .await?;
                    Ok(())
                }

                /// Takes entry `id` off the map (withdrawn), with its
                /// waiting submission if any.
                async fn withdraw_mirrored(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    id: DbId,
                ) -> Result<()> {
                    Self::set_status(&mut *conn, at, id, Status::Withdrawn).await?;
                    Self::supersede(&mut *conn, id).await?;
                    Self::changed_if_public(conn, at, id).await
                }

                /// Applies one put of mirror `mirror` (`publish`: new ones
                /// are public at once; `url`: the map's address).
                async fn put_mirrored(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    (mirror, url, publish): (i64, &str, bool),
                    put: &MirrorItem,
                    counts: &mut MirrorCounts,
                ) -> Result<()> {
                    let MirrorItem::Put {
                        id,
                        org,
                        source,
                        confirmed,
                        stale,
                    } = put
                    else {
                        return Ok(());
                    };
                    let db_id = DbId::from(*id);
                    let fresh = if publish {
                        Status::Published
                    } else {
                        Status::Pending
                    };
                    let queue_as = format!("mirror:{}", source.name);
                    let mirrored = async |conn: &mut Conn| -> Result<()> {
                        sqlx::query(sql_mirrors::SET_MIRRORED)
                            .bind(mirror)
                            .bind(source_json(source))
                            .bind(external_source(url))
                            .bind(id.to_string())
                            .bind(db_id)
                            .execute(conn)
                            .await?;
                        Ok(())
                    };
                    // as confirmed and as stale as its own map says
                    let freshness = async |conn: &mut Conn| -> Result<()> {
                        sqlx::query(sql_mirrors::SET_FRESHNESS)
                            .bind(*confirmed)
                            .bind(i32::from(*stale))
                            .bind(at)
                            .bind(db_id)
                            .execute(conn)
                            .await?;
                        Ok(())
                    };
                    let (hidden, status) = match Self::kept_by(&mut *conn, db_id).await? {
                        None => {
                            Self::insert(&mut *conn, db_id, org, fresh, at).await?;
                            mirrored(&mut *conn).await?;
                            freshness(&mut *conn).await?;
                            if publish {
                                Self::changed(&mut *conn, at, Some(db_id)).await?;
                            } else {
                                Self::queue_import(&mut *conn, at, db_id, &queue_as, org, false)
                                    .await?;
                            }
                            counts.added += 1;
                            return Ok(());
                        }
                        Some((Some(owner), hidden, status, _)) if owner == mirror => {
                            (hidden, status)
                        }
                        // kept by a mirror since removed: this one takes it on
                        Some((None, hidden, status, true)) => {
                            mirrored(&mut *conn).await?;
                            (hidden, status)
                        }
                        // this map's own entry, or another mirror's
                        Some(_) => {
                            counts.skipped += 1;
                            return Ok(());
                        }
                    };
                    let status = Status::parse(&status).map_err(|e| StoreError::Corrupt {
                        id: db_id.to_string(),
                        reason: e.to_string(),
                    })?;
                    // back from a removal: public again, or waiting
                    let back = hidden == 0 && status == Status::Withdrawn;
                    Self::update(&mut *conn, db_id, org, back.then_some(fresh), at).await?;
                    sqlx::query(sql_mirrors::SET_SOURCE)
                        .bind(source_json(source))
                        .bind(db_id)
                        .execute(&mut *conn)
                        .await?;
                    freshness(&mut *conn).await?;
                    if hidden == 2 {
                        // hidden, and back at its source
                        Self::set_hidden(&mut *conn, db_id, 1).await?;
                    }
                    let waiting = (back && !publish) || status == Status::Pending;
                    if waiting {
                        Self::queue_import(&mut *conn, at, db_id, &queue_as, org, !back).await?;
                    }
                    if (back && publish) || status == Status::Published {
                        Self::changed(&mut *conn, at, Some(db_id)).await?;
                    }
                    counts.updated += 1;
                    Ok(())
                }

                /// Applies one removal of mirror `mirror`.
                async fn remove_mirrored(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    mirror: i64,
                    id: OrgId,
                    counts: &mut MirrorCounts,
                ) -> Result<()> {
                    let db_id = DbId::from(id);
                    let kept = Self::kept_by(&mut *conn, db_id).await?;
                    let Some((Some(owner), hidden, status, _)) = kept else {
                        return Ok(());
                    };
                    if owner != mirror {
                        return Ok(());
                    }
                    if hidden == 1 {
                        // stays hidden; a show now leaves it withdrawn
                        Self::set_hidden(&mut *conn, db_id, 2).await?;
                        counts.removed += 1;
                    } else if hidden == 0
                        && (status == Status::Published.as_str()
                            || status == Status::Pending.as_str())
                    {
                        Self::withdraw_mirrored(conn, at, db_id).await?;
                        counts.removed += 1;
                    }
                    Ok(())
                }
            }

            #[async_trait]
            impl Mirrors for SqlStore<Db> {
                async fn add_mirror(&self, mirror: &NewMirror) -> Result<i64> {
                    let categories = serde_json::to_string(&mirror.scope.categories)
                        .unwrap_or_else(|_| "[]".to_owned());
                    let url = mirror.source.url.as_str();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let id: i64 = sqlx::query_scalar(sql_mirrors::INSERT_MIRROR)
                        .bind(url)
                        .bind(&mirror.source.name)
                        .bind(&mirror.source.license)
                        .bind(mirror.source.license_url.as_ref().map(|u| u.as_str()))
                        .bind(categories)
                        .bind(mirror.scope.bbox.map(|b| b.to_param()))
                        .bind(i32::from(mirror.publish))
                        .bind(now())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|e| map_unique(e, &format!("a mirror of {url}")))?;
                    sqlx::query(sql_mirrors::ADOPT_MIRRORED)
                        .bind(id)
                        .bind(external_source(url))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(id)
                }

                async fn mirrors(&self) -> Result<Vec<MirrorRecord>> {
                    let rows: Vec<MirrorRow> = sqlx::query_as(sql_mirrors::MIRRORS)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter().map(MirrorRecord::try_from).collect()
                }

                async fn apply_mirror_page(
                    &self,
                    id: i64,
                    from: Option<&str>,
                    page: &MirrorPage,
                ) -> Result<Option<MirrorCounts>> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    // first the cursor: a page is applied once, by one instance
                    let moved = sqlx::query(sql_mirrors::MOVE_MIRROR)
                        .bind(id)
                        .bind(from)
                        .bind(&page.next)
                        .bind(&page.license)
                        .bind(page.license_url.as_deref())
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    if moved.rows_affected() != 1 {
                        return Ok(None);
                    }
                    let (publish, url): (i32, String) =
                        sqlx::query_as(sql_mirrors::MIRROR_PUBLISHES)
                            .bind(id)
                            .fetch_one(&mut *tx)
                            .await?;
                    let mut counts = MirrorCounts::default();
                    let mut named = std::collections::HashSet::new();
                    for item in &page.items {
                        match item {
                            MirrorItem::Put { id: org, .. } => {
                                named.insert(*org);
                                Self::put_mirrored(
                                    &mut tx,
                                    at,
                                    (id, &url, publish != 0),
                                    item,
                                    &mut counts,
                                )
                                .await?;
                            }
                            MirrorItem::Remove(org) => {
                                Self::remove_mirrored(&mut tx, at, id, *org, &mut counts).await?;
                            }
                        }
                    }
                    if page.complete {
                        // a full read: what it no longer names is gone
                        let live: Vec<DbId> = sqlx::query_scalar(sql_mirrors::MIRRORED_LIVE)
                            .bind(id)
                            .fetch_all(&mut *tx)
                            .await?;
                        for org in live {
                            let org = OrgId::from(org);
                            if !named.contains(&org) {
                                Self::remove_mirrored(&mut tx, at, id, org, &mut counts).await?;
                            }
                        }
                    }
                    tx.commit().await?;
                    Ok(Some(counts))
                }

                async fn mirror_failed(&self, id: i64, error: &str, stop: bool) -> Result<()> {
                    sqlx::query(sql_mirrors::MIRROR_FAILED)
                        .bind(id)
                        .bind(error)
                        .bind(i32::from(stop))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn resume_mirror(&self, id: i64) -> Result<bool> {
                    let done = sqlx::query(sql_mirrors::RESUME_MIRROR)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn remove_mirror(&self, id: i64) -> Result<Option<u64>> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let found: Option<(i32, String)> =
                        sqlx::query_as(sql_mirrors::MIRROR_PUBLISHES)
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if found.is_none() {
                        return Ok(None);
                    }
                    let live: Vec<DbId> = sqlx::query_scalar(sql_mirrors::MIRRORED_LIVE)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let mut counts = MirrorCounts::default();
                    for org in &live {
                        Self::remove_mirrored(&mut tx, at, id, OrgId::from(*org), &mut counts)
                            .await?;
                    }
                    sqlx::query(sql_mirrors::RELEASE_MIRRORED)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql_mirrors::DELETE_MIRROR)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(Some(u64::try_from(counts.removed).unwrap_or(0)))
                }

                async fn hide_mirrored(
                    &self,
                    id: OrgId,
                    hidden: bool,
                    moderator: &str,
                ) -> Result<bool> {
                    let at = now();
                    let db_id = DbId::from(id);
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let kept = Self::kept_by(&mut *tx, db_id).await?;
                    let Some((Some(mirror), was, status, _)) = kept else {
                        return Ok(false);
                    };
                    if hidden && status == Status::Rejected.as_str() {
                        // a moderator's rejection keeps it off the map already;
                        // hiding must not let a later "show" publish it
                        return Ok(true);
                    }
                    match (hidden, was) {
                        (true, 0) => {
                            if status == Status::Published.as_str()
                                || status == Status::Pending.as_str()
                            {
                                Self::withdraw_mirrored(&mut tx, at, db_id).await?;
                                Self::set_hidden(&mut *tx, db_id, 1).await?;
                            } else {
                                // gone from its source: hidden and gone
                                Self::set_hidden(&mut *tx, db_id, 2).await?;
                            }
                        }
                        (false, 1) => {
                            // still at its source: back as a new one would be
                            let (publish, _url): (i32, String) =
                                sqlx::query_as(sql_mirrors::MIRROR_PUBLISHES)
                                    .bind(mirror)
                                    .fetch_one(&mut *tx)
                                    .await?;
                            Self::set_hidden(&mut *tx, db_id, 0).await?;
                            if publish != 0 {
                                Self::set_status(&mut tx, at, db_id, Status::Published).await?;
                                Self::changed(&mut tx, at, Some(db_id)).await?;
                            } else {
                                Self::set_status(&mut tx, at, db_id, Status::Pending).await?;
                                let row: OrgRow = sqlx::query_as(sql::ORGANIZATION)
                                    .bind(db_id)
                                    .fetch_one(&mut *tx)
                                    .await?;
                                let org = Organization::try_from(row)?;
                                Self::queue_import(&mut tx, at, db_id, "mirror", &org.data, false)
                                    .await?;
                            }
                        }
                        (false, 2) => {
                            Self::set_hidden(&mut *tx, db_id, 0).await?;
                        }
                        // already as asked
                        _ => return Ok(true),
                    }
                    let action = if hidden { "hidden" } else { "shown" };
                    Self::audit(&mut tx, at, moderator, action, db_id, None, None, None).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn hidden_entries(&self) -> Result<Vec<HiddenEntry>> {
                    let rows: Vec<(DbId, String, String)> =
                        sqlx::query_as(sql_mirrors::HIDDEN_ENTRIES)
                            .fetch_all(&self.pool)
                            .await?;
                    rows.into_iter()
                        .map(|(id, name, source)| {
                            let bad = |reason: String| StoreError::Corrupt {
                                id: id.to_string(),
                                reason,
                            };
                            let name: OrgName =
                                serde_json::from_str(&name).map_err(|e| bad(e.to_string()))?;
                            Ok(HiddenEntry {
                                id: id.into(),
                                name: name.text().best("en").1.to_owned(),
                                source: serde_json::from_str(&source)
                                    .map_err(|e| bad(e.to_string()))?,
                            })
                        })
                        .collect()
                }
            }
        };
    };
}

pub(super) use shared_mirrors;
