//! Moderation on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use solidarity_map_core::moderation::{AuditEntry, EditView, Revision, SessionInfo};
use solidarity_map_core::{LatLon, NewOrganization, OrgId, Organization, Status};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::moderation::{Decided, Decision, Moderation, UserRecord};
use super::row::{AuditRow, ORG_COLUMNS, OrgRow, RevisionRow, map_unique, revision_json};
use super::sqlite::{SqliteStore, insert};
use super::{Result, Store};

const REVISION_COLUMNS: &str = "id, org_id, data, kind, status, reason, created_at";

async fn org_in(conn: &mut SqliteConnection, id: &str) -> Result<Option<Organization>> {
    let row: Option<OrgRow> = sqlx::query_as(&format!(
        "select id, {ORG_COLUMNS} from organizations where id = ?"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(Organization::try_from).transpose()
}

async fn audit(
    conn: &mut SqliteConnection,
    actor: &str,
    action: &str,
    org_id: &str,
    revision_id: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "insert into audit_log (at, actor, action, org_id, revision_id, detail)
         values (?, ?, ?, ?, ?, ?)",
    )
    .bind(Utc::now())
    .bind(actor)
    .bind(action)
    .bind(org_id)
    .bind(revision_id)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Pending revisions of an entry become superseded.
async fn supersede(conn: &mut SqliteConnection, org_id: &str) -> Result<()> {
    sqlx::query(
        "update revisions set status = 'superseded' where org_id = ? and status = 'pending'",
    )
    .bind(org_id)
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Moderation for SqliteStore {
    async fn submit(&self, org: &NewOrganization, token_hash: &str) -> Result<OrgId> {
        let mut tx = self.pool.begin().await?;
        let id = Uuid::new_v4();
        insert(&mut *tx, id, org, Status::Pending).await?;
        sqlx::query("update organizations set edit_token_hash = ? where id = ?")
            .bind(token_hash)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let revision = Uuid::new_v4().to_string();
        sqlx::query(
            "insert into revisions (id, org_id, data, kind, status, created_at)
             values (?, ?, ?, 'submission', 'pending', ?)",
        )
        .bind(&revision)
        .bind(id.to_string())
        .bind(revision_json(org))
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            "group",
            "submitted",
            &id.to_string(),
            Some(&revision),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(OrgId(id))
    }

    async fn similar(&self, sort_name: &str, near: LatLon) -> Result<Vec<OrgId>> {
        // same folded name, about 20 km around, not rejected or withdrawn
        let ids: Vec<String> = sqlx::query_scalar(
            "select id from organizations
             where sort_name = ? and status in ('pending', 'published')
               and lat between ? and ? and lon between ? and ?",
        )
        .bind(sort_name)
        .bind(near.lat() - 0.2)
        .bind(near.lat() + 0.2)
        .bind(near.lon() - 0.25)
        .bind(near.lon() + 0.25)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.iter().filter_map(|i| i.parse().ok()).collect())
    }

    async fn edit_view(&self, token_hash: &str) -> Result<Option<EditView>> {
        let mut conn = self.pool.acquire().await?;
        let id: Option<String> =
            sqlx::query_scalar("select id from organizations where edit_token_hash = ?")
                .bind(token_hash)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(id) = id else { return Ok(None) };
        let Some(org) = org_in(&mut conn, &id).await? else {
            return Ok(None);
        };
        let pending: Option<RevisionRow> = sqlx::query_as(&format!(
            "select {REVISION_COLUMNS} from revisions
             where org_id = ? and status = 'pending' order by created_at desc limit 1"
        ))
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
        let pending = pending.map(|r| r.into_revision(&org)).transpose()?;
        Ok(Some(EditView {
            id: org.id,
            status: org.status,
            // a submission not yet approved shows itself as pending only
            pending: pending.filter(|r| r.data != org.data).map(|r| r.data),
            current: org.data,
        }))
    }

    async fn propose_edit(&self, org_id: OrgId, org: &NewOrganization) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let id = org_id.to_string();
        let Some(current) = org_in(&mut tx, &id).await? else {
            return Ok(false);
        };
        if !matches!(current.status, Status::Pending | Status::Published) {
            return Ok(false);
        }
        supersede(&mut tx, &id).await?;
        let revision = Uuid::new_v4().to_string();
        sqlx::query(
            "insert into revisions (id, org_id, data, kind, status, created_at)
             values (?, ?, ?, 'edit', 'pending', ?)",
        )
        .bind(&revision)
        .bind(&id)
        .bind(revision_json(org))
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, "group", "edited", &id, Some(&revision), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn withdraw(&self, org_id: OrgId) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let id = org_id.to_string();
        supersede(&mut tx, &id).await?;
        sqlx::query("update organizations set status = 'withdrawn', updated_at = ? where id = ?")
            .bind(Utc::now())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, "group", "withdrawn", &id, None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn pending_revisions(&self) -> Result<Vec<Revision>> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<RevisionRow> = sqlx::query_as(&format!(
            "select {REVISION_COLUMNS} from revisions where status = 'pending' order by created_at, id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(org) = org_in(&mut conn, &r.org_id).await? {
                out.push(r.into_revision(&org)?);
            }
        }
        Ok(out)
    }

    async fn decide(
        &self,
        revision: OrgId,
        decision: Decision,
        moderator: &str,
    ) -> Result<Decided> {
        let mut tx = self.pool.begin().await?;
        let rid = revision.to_string();
        let row: Option<RevisionRow> = sqlx::query_as(&format!(
            "select {REVISION_COLUMNS} from revisions where id = ?"
        ))
        .bind(&rid)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Decided::NotFound);
        };
        if row.status != "pending" {
            return Ok(Decided::NotPending);
        }
        let org_id = row.org_id.clone();
        let Some(org) = org_in(&mut tx, &org_id).await? else {
            return Ok(Decided::NotFound);
        };
        let rev = row.into_revision(&org)?;
        let now = Utc::now();
        match decision {
            Decision::Approve(edited) => {
                let data = edited.map_or(rev.data, |e| *e);
                super::sqlite::update(&mut *tx, &org_id, &data, Some(Status::Published)).await?;
                sqlx::query(
                    "update revisions set status = 'approved', data = ?, decided_by = ?, decided_at = ?
                     where id = ?",
                )
                .bind(revision_json(&data))
                .bind(moderator)
                .bind(now)
                .bind(&rid)
                .execute(&mut *tx)
                .await?;
                audit(&mut tx, moderator, "approved", &org_id, Some(&rid), None).await?;
            }
            Decision::Reject(reason) => {
                sqlx::query(
                    "update revisions set status = 'rejected', reason = ?, decided_by = ?, decided_at = ?
                     where id = ?",
                )
                .bind(&reason)
                .bind(moderator)
                .bind(now)
                .bind(&rid)
                .execute(&mut *tx)
                .await?;
                // a submission never published is rejected as a whole
                if org.status == Status::Pending {
                    sqlx::query(
                        "update organizations set status = 'rejected', updated_at = ? where id = ?",
                    )
                    .bind(now)
                    .bind(&org_id)
                    .execute(&mut *tx)
                    .await?;
                }
                audit(
                    &mut tx,
                    moderator,
                    "rejected",
                    &org_id,
                    Some(&rid),
                    Some(&reason),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Decided::Done(org.id))
    }

    async fn create_user(&self, username: &str, password_hash: &str) -> Result<()> {
        sqlx::query(
            "insert into users (id, username, password_hash, created_at) values (?, ?, ?, ?)",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(username)
        .bind(password_hash)
        .bind(Utc::now())
        .execute(&self.pool)
        .await
        .map_err(|e| map_unique(e, "user"))?;
        Ok(())
    }

    async fn user(&self, username: &str) -> Result<Option<UserRecord>> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("select id, username, password_hash from users where username = ?")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, username, password_hash)| UserRecord {
            id,
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
        sqlx::query("insert into sessions (token_hash, user_id, csrf_token, expires_at) values (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "select u.username, s.csrf_token from sessions s join users u on u.id = s.user_id
             where s.token_hash = ? and s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(Utc::now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(username, csrf_token)| SessionInfo {
            username,
            csrf_token,
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("delete from sessions where token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "select at, actor, action, org_id, revision_id, detail from audit_log
             order by id desc limit ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

// keeps the trait object's supertrait bound visible to readers
const _: fn(&SqliteStore) -> &dyn Store = |s| s;
