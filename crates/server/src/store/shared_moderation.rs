//! The [`Moderation`](super::Moderation) methods, written once for both
//! databases: `shared_moderation!(Db)` compiles them for one, like
//! `shared_store!` (whose organisation helpers they use) does the rest.
//!
//! Each change reads the clock once: the rows it writes (the entry, its
//! revision, the audit line) all carry that time.

macro_rules! shared_moderation {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Database;

            use solidarity_map_core::moderation::{
                AuditEntry, EditView, PossibleDuplicate, QueuePage, SessionInfo, corrections,
            };
            use solidarity_map_core::{LatLon, NewOrganization, OrgId, RevisionId, Status};

            use $crate::store::moderation::{
                Decided, Decision, Moderation, UserRecord, UserSummary,
            };
            use $crate::store::outbox::{DecisionMail, DecisionMailContext, NewMail};
            use $crate::store::row::{
                AuditRow, DuplicateRow, OrgRow, RevisionRow, map_unique, revision_json,
                scrubbed_revision_json,
            };
            use $crate::store::value::{DbId, now};
            use $crate::store::{Result, SqlStore, StoreError, sql};

            use std::collections::HashMap;

            use solidarity_map_core::Organization;

            type Db = $db;
            const BACKEND: $crate::store::dialect::Backend =
                <Db as $crate::store::dialect::Dialect>::BACKEND;
            type Conn = <Db as Database>::Connection;

            impl SqlStore<Db> {
                /// Writes a line of the audit log; `changes` is the json
                /// of a moderator's corrections.
                #[expect(clippy::too_many_arguments, reason = "one per column of the line")]
                async fn audit(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    actor: &str,
                    action: &str,
                    org: DbId,
                    revision: Option<DbId>,
                    detail: Option<&str>,
                    changes: Option<String>,
                ) -> Result<()> {
                    sqlx::query(sql::INSERT_AUDIT)
                        .bind(at)
                        .bind(actor)
                        .bind(action)
                        .bind(org)
                        .bind(revision)
                        .bind(detail)
                        .bind(changes)
                        .execute(conn)
                        .await?;
                    Ok(())
                }

                /// Adds a pending revision of `kind` with the proposed data.
                async fn add_revision(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    org: DbId,
                    kind: &str,
                    data: &NewOrganization,
                ) -> Result<DbId> {
                    let revision = DbId::new();
                    sqlx::query(sql::INSERT_REVISION)
                        .bind(revision)
                        .bind(org)
                        .bind(revision_json(data))
                        .bind(kind)
                        .bind(at)
                        .execute(conn)
                        .await?;
                    Ok(revision)
                }

                /// Records a change to entry `org` when it is or once was
                /// public: taking down an entry that never was public
                /// changes nothing the public sees, and says nothing.
                /// Read after the entry's row is written, so a decision
                /// that published it meanwhile is seen.
                async fn changed_if_public(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    org: DbId,
                ) -> Result<()> {
                    let first: Option<Option<DateTime<Utc>>> =
                        sqlx::query_scalar($crate::store::sql_feeds::PUBLISHED_AT)
                            .bind(org)
                            .fetch_optional(&mut *conn)
                            .await?;
                    if first.flatten().is_some() {
                        Self::changed(conn, at, Some(org)).await?;
                    }
                    Ok(())
                }

                /// Sets an organisation's status, changed `at`.
                async fn set_status(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    org: DbId,
                    status: Status,
                ) -> Result<()> {
                    sqlx::query(sql::SET_STATUS)
                        .bind(status.as_str())
                        .bind(at)
                        .bind(org)
                        .execute(conn)
                        .await?;
                    Ok(())
                }

                /// An imported entry that waits for a moderator gets a
                /// revision in the queue; `again`: it was imported before,
                /// and only when it is still pending does the queue change.
                async fn queue_import(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    org: DbId,
                    source: &str,
                    data: &NewOrganization,
                    again: bool,
                ) -> Result<()> {
                    if again {
                        let status: String = sqlx::query_scalar(sql::STATUS_OF)
                            .bind(org)
                            .fetch_one(&mut *conn)
                            .await?;
                        if status != Status::Pending.as_str() {
                            return Ok(());
                        }
                        Self::supersede(&mut *conn, org).await?;
                    }
                    let revision =
                        Self::add_revision(&mut *conn, at, org, "submission", data).await?;
                    let actor = format!("import:{source}");
                    Self::audit(
                        conn,
                        at,
                        &actor,
                        "imported",
                        org,
                        Some(revision),
                        None,
                        None,
                    )
                    .await
                }

                /// The id of a moderator, by user name.
                async fn user_id(conn: &mut Conn, username: &str) -> Result<Option<DbId>> {
                    Ok(sqlx::query_scalar(sql::USER_ID)
                        .bind(username)
                        .fetch_optional(conn)
                        .await?)
                }

                /// Ends every session of a moderator: how many there were.
                async fn end_sessions(conn: &mut Conn, user: DbId) -> Result<u64> {
                    let done = sqlx::query(sql::DELETE_SESSIONS_OF)
                        .bind(user)
                        .execute(conn)
                        .await?;
                    Ok(done.rows_affected())
                }

                /// Removes the contact address and the exact point from
                /// the json of every revision of an entry; one already
                /// scrubbed is not written again.
                async fn scrub_revisions(conn: &mut Conn, org: DbId) -> Result<()> {
                    let rows: Vec<(DbId, String)> = sqlx::query_as(sql::REVISION_DATA_OF)
                        .bind(org)
                        .fetch_all(&mut *conn)
                        .await?;
                    for (id, data) in rows {
                        if let Some(data) = scrubbed_revision_json(id, &data)? {
                            sqlx::query(sql::SET_REVISION_DATA)
                                .bind(data)
                                .bind(id)
                                .execute(&mut *conn)
                                .await?;
                        }
                    }
                    Ok(())
                }

                /// Pending revisions of an entry become superseded.
                async fn supersede(conn: &mut Conn, org: DbId) -> Result<()> {
                    sqlx::query(sql::SUPERSEDE).bind(org).execute(conn).await?;
                    Ok(())
                }
            }

            #[async_trait]
            impl Moderation for SqlStore<Db> {
                async fn submit_mailing(
                    &self,
                    org: &NewOrganization,
                    token_hash: &str,
                    mail: Option<&NewMail>,
                ) -> Result<OrgId> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let id = DbId::new();
                    Self::insert(&mut tx, id, org, Status::Pending, at).await?;
                    sqlx::query(sql::SET_EDIT_TOKEN)
                        .bind(token_hash)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    let revision = Self::add_revision(&mut tx, at, id, "submission", org).await?;
                    Self::audit(
                        &mut tx,
                        at,
                        "group",
                        "submitted",
                        id,
                        Some(revision),
                        None,
                        None,
                    )
                    .await?;
                    if let Some(mail) = mail {
                        let mail = NewMail {
                            org: Some(id.into()),
                            ..mail.clone()
                        };
                        Self::queue_mail(&mut tx, at, &mail).await?;
                    }
                    tx.commit().await?;
                    Ok(id.into())
                }

                async fn similar(&self, sort_name: &str, near: LatLon) -> Result<Vec<OrgId>> {
                    // same folded name, published, public point about 20 km around
                    let ids: Vec<DbId> = sqlx::query_scalar(sql::SIMILAR)
                        .bind(sort_name)
                        .bind(near.lat() - 0.2)
                        .bind(near.lat() + 0.2)
                        .bind(near.lon() - 0.25)
                        .bind(near.lon() + 0.25)
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(ids.into_iter().map(Into::into).collect())
                }

                async fn edit_view(&self, token_hash: &str) -> Result<Option<EditView>> {
                    let mut conn = self.pool.acquire().await?;
                    let id: Option<DbId> = sqlx::query_scalar(sql::EDITED_BY_TOKEN)
                        .bind(token_hash)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let Some(id) = id else { return Ok(None) };
                    let Some(org) = Self::org_in(&mut conn, id).await? else {
                        return Ok(None);
                    };
                    let pending: Option<RevisionRow> = sqlx::query_as(sql::PENDING_REVISION_OF)
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let pending = pending.map(|r| r.into_revision(&org)).transpose()?;
                    Ok(Some(EditView {
                        id: org.id,
                        status: org.status,
                        // a submission not yet approved shows itself as pending only
                        pending: pending.filter(|r| r.data != org.data).map(|r| r.data),
                        current: org.data,
                        // read by the use case from its own column
                        murmurations: true,
                    }))
                }

                async fn propose_edit(&self, org_id: OrgId, org: &NewOrganization) -> Result<bool> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let id = DbId::from(org_id);
                    let Some(current) = Self::org_in(&mut tx, id).await? else {
                        return Ok(false);
                    };
                    if !matches!(current.status, Status::Pending | Status::Published) {
                        return Ok(false);
                    }
                    Self::supersede(&mut tx, id).await?;
                    let revision = Self::add_revision(&mut tx, at, id, "edit", org).await?;
                    Self::audit(
                        &mut tx,
                        at,
                        "group",
                        "edited",
                        id,
                        Some(revision),
                        None,
                        None,
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn withdraw(&self, org_id: OrgId) -> Result<()> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let id = DbId::from(org_id);
                    Self::supersede(&mut tx, id).await?;
                    Self::set_status(&mut tx, at, id, Status::Withdrawn).await?;
                    Self::audit(&mut tx, at, "group", "withdrawn", id, None, None, None).await?;
                    Self::changed_if_public(&mut tx, at, id).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn scrub_expired(&self, before: DateTime<Utc>) -> Result<u64> {
                    let ids: Vec<DbId> = sqlx::query_scalar(sql::EXPIRED)
                        .bind(before)
                        .fetch_all(&self.pool)
                        .await?;
                    let mut scrubbed = 0;
                    for id in ids {
                        let at = now();
                        let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                        // the row first, and only while it still qualifies:
                        // a status changed since the list was read wins
                        let done = sqlx::query(sql::SCRUB_EXPIRED_ORGANIZATION)
                            .bind(id)
                            .bind(at)
                            .bind(before)
                            .execute(&mut *tx)
                            .await?;
                        if done.rows_affected() != 1 {
                            continue;
                        }
                        Self::scrub_revisions(&mut tx, id).await?;
                        Self::audit(&mut tx, at, "retention", "scrubbed", id, None, None, None)
                            .await?;
                        // mail to it still waiting holds its address
                        sqlx::query($crate::store::sql_outbox::DELETE_MAIL_OF)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        // (no change to the map: a scrubbed entry is not on it)
                        tx.commit().await?;
                        scrubbed += 1;
                    }
                    Ok(scrubbed)
                }

                async fn erase(&self, org_id: OrgId) -> Result<bool> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let id = DbId::from(org_id);
                    let status: Option<String> = sqlx::query_scalar(sql::STATUS_OF)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(status) = status else {
                        return Ok(false);
                    };
                    let live = [Status::Pending, Status::Published];
                    if live.iter().any(|s| s.as_str() == status) {
                        Self::supersede(&mut tx, id).await?;
                        Self::set_status(&mut tx, at, id, Status::Withdrawn).await?;
                        Self::audit(&mut tx, at, "group", "withdrawn", id, None, None, None)
                            .await?;
                    }
                    sqlx::query(sql::SCRUB_ORGANIZATION)
                        .bind(id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    Self::scrub_revisions(&mut tx, id).await?;
                    sqlx::query(sql::CLEAR_EDIT_TOKEN)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    // the mail to it holds its address: it goes too
                    sqlx::query($crate::store::sql_outbox::DELETE_MAIL_OF)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    // and what its relay kept of senders
                    for forget in [
                        $crate::store::sql_relay::DELETE_REPORTS_OF,
                        $crate::store::sql_relay::DELETE_BLOCKS_OF,
                    ] {
                        sqlx::query(forget).bind(id).execute(&mut *tx).await?;
                    }
                    Self::audit(&mut tx, at, "group", "erased", id, None, None, None).await?;
                    Self::changed_if_public(&mut tx, at, id).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn pending_page(&self, offset: u32, limit: u32) -> Result<QueuePage> {
                    // one snapshot: the count, the page and its entries agree
                    let mut tx = self.pool.begin_with(BACKEND.begin_snapshot()).await?;
                    let (limit, offset) = (i64::from(limit), i64::from(offset));
                    let total: i64 = sqlx::query_scalar(sql::COUNT_PENDING)
                        .fetch_one(&mut *tx)
                        .await?;
                    let rows: Vec<RevisionRow> = sqlx::query_as(sql::PENDING_PAGE)
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&mut *tx)
                        .await?;
                    let orgs: Vec<OrgRow> = sqlx::query_as(sql::PENDING_PAGE_ORGS)
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&mut *tx)
                        .await?;
                    let orgs = orgs
                        .into_iter()
                        .map(|r| Ok((r.id(), Organization::try_from(r)?)))
                        .collect::<Result<HashMap<DbId, Organization>>>()?;
                    let sources: HashMap<DbId, String> =
                        sqlx::query_as::<_, (DbId, String)>(sql::PENDING_PAGE_SOURCES)
                            .bind(limit)
                            .bind(offset)
                            .fetch_all(&mut *tx)
                            .await?
                            .into_iter()
                            .collect();
                    let duplicates: Vec<DuplicateRow> = sqlx::query_as(sql::POSSIBLE_DUPLICATES)
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    let mut dups: HashMap<DbId, Vec<PossibleDuplicate>> = HashMap::new();
                    for d in duplicates {
                        dups.entry(d.org_id).or_default().push(d.try_into()?);
                    }
                    let mut items = Vec::with_capacity(rows.len());
                    for r in rows {
                        let org_id = r.org_id;
                        let Some(org) = orgs.get(&org_id) else {
                            continue;
                        };
                        let mut revision = r.into_revision(org)?;
                        revision.source = sources.get(&org_id).cloned();
                        revision.possible_duplicates = dups.remove(&org_id).unwrap_or_default();
                        items.push(revision);
                    }
                    Ok(QueuePage {
                        items,
                        total: u64::try_from(total).unwrap_or_default(),
                    })
                }

                async fn replace_edit_token(&self, old: &str, new: &str) -> Result<bool> {
                    let done = sqlx::query(sql::REPLACE_EDIT_TOKEN)
                        .bind(new)
                        .bind(old)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn decide_mailing(
                    &self,
                    revision: RevisionId,
                    decision: Decision,
                    moderator: &str,
                    mail: DecisionMail<'_>,
                ) -> Result<Decided> {
                    let at = now();
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let rid = DbId::from(revision);
                    let row: Option<RevisionRow> = sqlx::query_as(sql::REVISION)
                        .bind(rid)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = row else {
                        return Ok(Decided::NotFound);
                    };
                    if row.status != "pending" {
                        return Ok(Decided::NotPending);
                    }
                    let org_id = row.org_id;
                    let Some(org) = Self::org_in(&mut tx, org_id).await? else {
                        return Ok(Decided::NotFound);
                    };
                    let rev = row.into_revision(&org)?;
                    if let (Decision::Approve(Some(edited)), Some(source)) =
                        (&decision, &org.source)
                        && !corrections(&rev.data, edited).is_empty()
                    {
                        // its own map alone may change a mirrored entry
                        return Ok(Decided::KeptBySource(source.name.clone()));
                    }
                    // the revision first, and only while it is pending: a
                    // decision or a withdrawal that came first wins
                    let (action, detail, changes, decided) = match &decision {
                        Decision::Approve(edited) => {
                            let data = edited.as_deref().unwrap_or(&rev.data);
                            let done = sqlx::query(sql::APPROVE_REVISION)
                                .bind(revision_json(data))
                                .bind(moderator)
                                .bind(at)
                                .bind(rid)
                                .execute(&mut *tx)
                                .await?;
                            // what the moderator corrected of what was sent
                            let corrected = edited
                                .as_deref()
                                .map(|e| corrections(&rev.data, e))
                                .filter(|c| !c.is_empty());
                            let changes = corrected.map(|c| serde_json::json!(c).to_string());
                            ("approved", None, changes, done.rows_affected())
                        }
                        Decision::Reject(reason) => {
                            let done = sqlx::query(sql::REJECT_REVISION)
                                .bind(reason)
                                .bind(moderator)
                                .bind(at)
                                .bind(rid)
                                .execute(&mut *tx)
                                .await?;
                            (
                                "rejected",
                                Some(reason.as_str()),
                                None,
                                done.rows_affected(),
                            )
                        }
                    };
                    if decided != 1 {
                        return Ok(Decided::NotPending);
                    }
                    match &decision {
                        Decision::Approve(edited) => {
                            let data = edited.as_deref().unwrap_or(&rev.data);
                            Self::update(&mut tx, org_id, data, Some(Status::Published), at)
                                .await?;
                        }
                        // a submission never published is rejected as a whole
                        Decision::Reject(_) if org.status == Status::Pending => {
                            Self::set_status(&mut tx, at, org_id, Status::Rejected).await?;
                        }
                        Decision::Reject(_) => {}
                    }
                    Self::audit(
                        &mut tx,
                        at,
                        moderator,
                        action,
                        org_id,
                        Some(rid),
                        detail,
                        changes,
                    )
                    .await?;
                    // the group hears of it: the approved version, or
                    // the entry as it was with the reason
                    let told = match &decision {
                        Decision::Approve(edited) => mail(DecisionMailContext {
                            org: org.id,
                            data: edited.as_deref().unwrap_or(&rev.data),
                            kind: rev.kind,
                            rejected: None,
                        }),
                        Decision::Reject(reason) => mail(DecisionMailContext {
                            org: org.id,
                            data: &org.data,
                            kind: rev.kind,
                            rejected: Some(reason),
                        }),
                    };
                    if let Some(told) = told {
                        Self::queue_mail(&mut tx, at, &told).await?;
                    }
                    if matches!(decision, Decision::Approve(_)) {
                        Self::changed(&mut tx, at, Some(org_id)).await?;
                    }
                    tx.commit().await?;
                    Ok(Decided::Done(org.id))
                }

                async fn create_user(&self, username: &str, password_hash: &str) -> Result<()> {
                    sqlx::query(sql::INSERT_USER)
                        .bind(DbId::new())
                        .bind(username)
                        .bind(password_hash)
                        .bind(now())
                        .execute(&self.pool)
                        .await
                        .map_err(|e| map_unique(e, "user"))?;
                    Ok(())
                }

                async fn user(&self, username: &str) -> Result<Option<UserRecord>> {
                    let row: Option<(DbId, String, String)> = sqlx::query_as(sql::USER)
                        .bind(username)
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.map(|(id, username, password_hash)| UserRecord {
                        id: id.to_string(),
                        username,
                        password_hash,
                    }))
                }

                async fn create_session(
                    &self,
                    token_hash: &str,
                    user_id: &str,
                    csrf_token: &str,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    // the id a UserRecord carries
                    let user = user_id.parse().map(DbId).map_err(|e| StoreError::Corrupt {
                        id: user_id.to_owned(),
                        reason: format!("not a user id: {e}"),
                    })?;
                    sqlx::query(sql::INSERT_SESSION)
                        .bind(token_hash)
                        .bind(user)
                        .bind(csrf_token)
                        .bind(expires_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>> {
                    let row: Option<(String, String)> = sqlx::query_as(sql::SESSION)
                        .bind(token_hash)
                        .bind(now())
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.map(|(username, csrf_token)| SessionInfo {
                        username,
                        csrf_token,
                    }))
                }

                async fn delete_session(&self, token_hash: &str) -> Result<()> {
                    sqlx::query(sql::DELETE_SESSION)
                        .bind(token_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn users(&self) -> Result<Vec<UserSummary>> {
                    let rows: Vec<(String, DateTime<Utc>, i64)> = sqlx::query_as(sql::USERS)
                        .bind(now())
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(rows
                        .into_iter()
                        .map(|(username, created_at, live)| UserSummary {
                            username,
                            created_at,
                            live_sessions: u64::try_from(live).unwrap_or(0),
                        })
                        .collect())
                }

                async fn delete_user(&self, username: &str) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let Some(user) = Self::user_id(&mut tx, username).await? else {
                        return Ok(false);
                    };
                    // sessions reference the user; the audit log names
                    // moderators as text and keeps the name
                    Self::end_sessions(&mut tx, user).await?;
                    sqlx::query(sql::DELETE_USER)
                        .bind(user)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn set_password_hash(
                    &self,
                    username: &str,
                    password_hash: &str,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let Some(user) = Self::user_id(&mut tx, username).await? else {
                        return Ok(false);
                    };
                    sqlx::query(sql::SET_PASSWORD_HASH)
                        .bind(user)
                        .bind(password_hash)
                        .execute(&mut *tx)
                        .await?;
                    Self::end_sessions(&mut tx, user).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_sessions_of(&self, username: &str) -> Result<Option<u64>> {
                    let mut tx = self.pool.begin().await?;
                    let Some(user) = Self::user_id(&mut tx, username).await? else {
                        return Ok(None);
                    };
                    let ended = Self::end_sessions(&mut tx, user).await?;
                    tx.commit().await?;
                    Ok(Some(ended))
                }

                async fn purge_expired_sessions(&self) -> Result<u64> {
                    let done = sqlx::query(sql::PURGE_EXPIRED_SESSIONS)
                        .bind(now())
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
                    let rows: Vec<AuditRow> = sqlx::query_as(sql::AUDIT_LOG)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter().map(AuditEntry::try_from).collect()
                }
            }
        };
    };
}

pub(super) use shared_moderation;
