//! The [`Relay`](super::Relay) methods, written once for both databases:
//! `shared_relay!(Db)` compiles them for one, like `shared_outbox!` does
//! the outbox's.

macro_rules! shared_relay {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use solidarity_map_core::{OrgId, Organization, Status};

            use $crate::store::relay::{RecoveryMail, Relay, RelayMail, RelayState, Relayed};
            use $crate::store::row::OrgRow;
            use $crate::store::value::{DbId, micros};
            use $crate::store::{Result, SqlStore, sql, sql_relay};

            type Db = $db;
            const BACKEND: $crate::store::dialect::Backend =
                <Db as $crate::store::dialect::Dialect>::BACKEND;

            #[async_trait]
            impl Relay for SqlStore<Db> {
                async fn relay_state(&self, org: OrgId) -> Result<Option<RelayState>> {
                    let row: Option<(String, i32)> = sqlx::query_as(sql_relay::RELAY_OFF)
                        .bind(DbId::from(org))
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.map(|(status, off)| RelayState {
                        published: status == Status::Published.as_str(),
                        open: off == 0,
                    }))
                }

                async fn set_relay_open(&self, org: OrgId, open: bool) -> Result<()> {
                    sqlx::query(sql_relay::SET_RELAY_OFF)
                        .bind(DbId::from(org))
                        .bind(i32::from(!open))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn relay_message(
                    &self,
                    message: Relayed<'_>,
                    mail: RelayMail<'_>,
                ) -> Result<bool> {
                    let id = DbId::from(message.org);
                    let at = micros(message.at);
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let to: Option<Option<String>> = sqlx::query_scalar(sql_relay::RELAY_RECIPIENT)
                        .bind(id)
                        .bind(message.sender)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if to.flatten().is_none() {
                        return Ok(false);
                    }
                    let row: Option<OrgRow> = sqlx::query_as(sql::ORGANIZATION)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(org) = row.map(Organization::try_from).transpose()? else {
                        return Ok(false);
                    };
                    let Some(mail) = mail(&org.data) else {
                        return Ok(false);
                    };
                    sqlx::query(sql_relay::INSERT_REPORT)
                        .bind(message.report)
                        .bind(id)
                        .bind(message.sender)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    Self::queue_mail(&mut tx, at, &mail).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn block_sender(
                    &self,
                    report: &str,
                    made_after: DateTime<Utc>,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let found: Option<(DbId, String)> = sqlx::query_as(sql_relay::REPORT)
                        .bind(report)
                        .bind(micros(made_after))
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some((org, sender)) = found else {
                        return Ok(false);
                    };
                    sqlx::query(sql_relay::BLOCK_SENDER)
                        .bind(DbId::new())
                        .bind(org)
                        .bind(sender)
                        .bind(micros(at))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn recover_edit_links(
                    &self,
                    email: &str,
                    at: DateTime<Utc>,
                    link: RecoveryMail<'_>,
                ) -> Result<u64> {
                    let at = micros(at);
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let rows: Vec<OrgRow> = sqlx::query_as(sql::CONTACTED)
                        .bind(email)
                        .fetch_all(&mut *tx)
                        .await?;
                    let mut recovered = 0;
                    for row in rows {
                        let org = Organization::try_from(row)?;
                        let Some((token_hash, mail)) = link(org.id, &org.data) else {
                            continue;
                        };
                        sqlx::query(sql::SET_EDIT_TOKEN)
                            .bind(token_hash)
                            .bind(DbId::from(org.id))
                            .execute(&mut *tx)
                            .await?;
                        Self::queue_mail(&mut tx, at, &mail).await?;
                        recovered += 1;
                    }
                    tx.commit().await?;
                    Ok(recovered)
                }

                async fn prune_relay_reports(&self, before: DateTime<Utc>) -> Result<u64> {
                    let done = sqlx::query(sql_relay::PRUNE_REPORTS)
                        .bind(micros(before))
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}

pub(super) use shared_relay;
