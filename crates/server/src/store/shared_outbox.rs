//! The [`Outbox`](super::Outbox) methods, written once for both
//! databases: `shared_outbox!(Db)` compiles them for one, like
//! `shared_store!` does the rest. [`queue_mail`] is what the changes that
//! cause mail call in their own transactions.

macro_rules! shared_outbox {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Database;

            use solidarity_map_core::outbox::{ModeratorSettings, OutboxMail};

            use $crate::store::outbox::{ClaimedMail, DigestMail, NewMail, Outbox};
            use $crate::store::value::{DbId, micros};
            use $crate::store::{Result, SqlStore, sql, sql_outbox};

            type Db = $db;
            type Conn = <Db as Database>::Connection;
            const BACKEND: $crate::store::dialect::Backend =
                <Db as $crate::store::dialect::Dialect>::BACKEND;

            /// A row of [`sql_outbox::OUTBOX`].
            type OutboxRow = (
                DbId,
                DateTime<Utc>,
                String,
                String,
                Option<DbId>,
                String,
                String,
                String,
                String,
                String,
                i32,
                DateTime<Utc>,
                Option<String>,
                Option<DateTime<Utc>>,
            );

            impl SqlStore<Db> {
                /// Queues `mail`, written `at`, through `conn`: in the
                /// transaction of the change that causes it.
                pub(in $crate::store) async fn queue_mail(
                    conn: &mut Conn,
                    at: DateTime<Utc>,
                    mail: &NewMail,
                ) -> Result<()> {
                    let status = if mail.held { "held" } else { "pending" };
                    sqlx::query(sql_outbox::INSERT_MAIL)
                        .bind(DbId::new())
                        .bind(at)
                        .bind(mail.kind)
                        .bind(mail.class.as_str())
                        .bind(mail.org.map(DbId::from))
                        .bind(&mail.to)
                        .bind(mail.lang)
                        .bind(&mail.subject)
                        .bind(&mail.text)
                        .bind(&mail.html)
                        .bind(mail.unsubscribe.as_deref())
                        .bind(status)
                        .bind(mail.reply_to.as_deref())
                        .execute(conn)
                        .await?;
                    Ok(())
                }
            }

            #[async_trait]
            impl Outbox for SqlStore<Db> {
                async fn claim_mail(
                    &self,
                    now: DateTime<Utc>,
                    until: DateTime<Utc>,
                ) -> Result<Option<ClaimedMail>> {
                    type Claimed = (
                        DbId,
                        String,
                        String,
                        String,
                        String,
                        Option<String>,
                        i32,
                        Option<String>,
                    );
                    let row: Option<Claimed> = sqlx::query_as(&sql_outbox::claim_mail(BACKEND))
                        .bind(micros(now))
                        .bind(micros(until))
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.map(
                        |(id, to, subject, text, html, unsubscribe, attempts, reply_to)| {
                            ClaimedMail {
                                id: id.0,
                                to,
                                subject,
                                text,
                                html,
                                unsubscribe,
                                reply_to,
                                attempts: u32::try_from(attempts).unwrap_or(0),
                            }
                        },
                    ))
                }

                async fn mail_sent(&self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<()> {
                    sqlx::query(sql_outbox::MAIL_SENT)
                        .bind(DbId(id))
                        .bind(micros(at))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn mail_failed(
                    &self,
                    id: uuid::Uuid,
                    error: &str,
                    next: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(sql_outbox::MAIL_FAILED)
                        .bind(DbId(id))
                        .bind(error)
                        .bind(micros(next))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn next_mail_due(&self) -> Result<Option<DateTime<Utc>>> {
                    Ok(sqlx::query_scalar(sql_outbox::NEXT_MAIL_DUE)
                        .fetch_one(&self.pool)
                        .await?)
                }

                async fn hold_pending_mail(&self) -> Result<u64> {
                    let done = sqlx::query(sql_outbox::HOLD_PENDING_MAIL)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn prune_sent_mail(&self, before: DateTime<Utc>) -> Result<u64> {
                    let done = sqlx::query(sql_outbox::PRUNE_SENT_MAIL)
                        .bind(before)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMail>> {
                    let rows: Vec<OutboxRow> = sqlx::query_as(sql_outbox::OUTBOX)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(rows
                        .into_iter()
                        .map(|r| OutboxMail {
                            id: r.0.0,
                            created_at: r.1,
                            kind: r.2,
                            class: r.3,
                            org_id: r.4.map(Into::into),
                            to: r.5,
                            lang: r.6,
                            subject: r.7,
                            text: r.8,
                            status: r.9,
                            attempts: u32::try_from(r.10).unwrap_or(0),
                            next_attempt_at: r.11,
                            last_error: r.12,
                            sent_at: r.13,
                        })
                        .collect())
                }

                async fn set_user_email(
                    &self,
                    username: &str,
                    email: Option<&str>,
                ) -> Result<bool> {
                    let done = sqlx::query(sql_outbox::SET_USER_EMAIL)
                        .bind(username)
                        .bind(email)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn set_user_digest(&self, username: &str, digest: bool) -> Result<bool> {
                    let done = sqlx::query(sql_outbox::SET_USER_DIGEST)
                        .bind(username)
                        .bind(i32::from(digest))
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn user_mail(&self, username: &str) -> Result<Option<ModeratorSettings>> {
                    let row: Option<(Option<String>, i32)> = sqlx::query_as(sql_outbox::USER_MAIL)
                        .bind(username)
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.map(|(email, digest)| ModeratorSettings {
                        email,
                        digest: digest != 0,
                    }))
                }

                async fn queue_digests(
                    &self,
                    at: DateTime<Utc>,
                    since: DateTime<Utc>,
                    mail: DigestMail<'_>,
                ) -> Result<u64> {
                    let (at, since) = (micros(at), micros(since));
                    let pending: i64 = sqlx::query_scalar(sql::COUNT_PENDING)
                        .fetch_one(&self.pool)
                        .await?;
                    let Ok(pending @ 1..) = u64::try_from(pending) else {
                        return Ok(0);
                    };
                    let due: Vec<(DbId, String)> = sqlx::query_as(sql_outbox::DIGESTS_DUE)
                        .bind(since)
                        .fetch_all(&self.pool)
                        .await?;
                    let mut queued = 0;
                    for (user, email) in due {
                        let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                        // only while still due: another worker may have
                        // queued it since the list was read
                        let done = sqlx::query(sql_outbox::DIGEST_SENT)
                            .bind(user)
                            .bind(at)
                            .bind(since)
                            .execute(&mut *tx)
                            .await?;
                        if done.rows_affected() != 1 {
                            continue;
                        }
                        Self::queue_mail(&mut tx, at, &mail(&email, pending)).await?;
                        tx.commit().await?;
                        queued += 1;
                    }
                    Ok(queued)
                }
            }
        };
    };
}

pub(super) use shared_outbox;
