//! The [`Freshness`](super::Freshness) methods, written once for both
//! databases: `shared_freshness!(Db)` compiles them for one, like
//! `shared_store!` (whose change log and organisation helpers they use)
//! does the rest.

macro_rules! shared_freshness {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use solidarity_map_core::freshness::{StaleEntry, StalePage};
            use solidarity_map_core::{City, CountryCode, OrgId, OrgName};

            use $crate::store::freshness::{
                Freshness, FreshnessMail, FreshnessRun, FreshnessTimes,
            };
            use $crate::store::value::{DbId, micros, now};
            use $crate::store::{Result, SqlStore, StoreError, sql_freshness as sqf};

            type Db = $db;
            const BACKEND: $crate::store::dialect::Backend =
                <Db as $crate::store::dialect::Dialect>::BACKEND;

            /// How many entries one question of the job reads at a time.
            const BATCH: i64 = 500;

            /// A row of [`sqf::STALE_PAGE`].
            type StaleRow = (
                DbId,
                String,
                String,
                String,
                DateTime<Utc>,
                DateTime<Utc>,
                bool,
            );

            /// One step of the job for one entry: what it marks and what it
            /// writes.
            #[derive(Clone, Copy, PartialEq, Eq)]
            enum Step {
                Ask,
                Remind,
                Stale,
            }

            impl SqlStore<Db> {
                /// Takes `step` for entry `id` in a transaction of its own,
                /// if it still qualifies: true when this call took it.
                async fn take_step(
                    &self,
                    id: DbId,
                    step: Step,
                    times: &FreshnessTimes,
                    mail: Option<FreshnessMail<'_>>,
                ) -> Result<bool> {
                    let at = times.at;
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let done = match step {
                        Step::Ask => {
                            sqlx::query(sqf::MARK_ASKED)
                                .bind(id)
                                .bind(at)
                                .bind(times.ask_confirmed_by)
                                .execute(&mut *tx)
                                .await?
                        }
                        Step::Remind => {
                            sqlx::query(sqf::MARK_REMINDED)
                                .bind(id)
                                .bind(at)
                                .bind(times.remind_asked_by)
                                .execute(&mut *tx)
                                .await?
                        }
                        Step::Stale => {
                            sqlx::query(sqf::MARK_STALE)
                                .bind(id)
                                .bind(at)
                                .bind(times.stale_reminded_by)
                                .bind(times.stale_unasked_confirmed_by)
                                .execute(&mut *tx)
                                .await?
                        }
                    };
                    if done.rows_affected() != 1 {
                        // another instance took it, or the entry changed
                        return Ok(false);
                    }
                    if step == Step::Stale {
                        Self::audit(&mut tx, at, "freshness", "stale", id, None, None, None)
                            .await?;
                        Self::changed(&mut tx, at, Some(id)).await?;
                    } else if let Some(mail) = mail
                        && let Some(org) = Self::org_in(&mut tx, id).await?
                        && let Some(m) = mail(&org, step == Step::Remind)
                    {
                        // due now: the job's clock may be another (a test, `--now`)
                        Self::queue_mail(&mut tx, now(), &m).await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                /// Runs `statement` on entry `org` now (`$1` the entry, `$2`
                /// the time); when it changed the entry, logs `action` by
                /// `actor` and records a change to the map, in one
                /// transaction. The pending revisions of an entry that
                /// `leaves` the map are moot. False when it changed nothing.
                async fn public_step(
                    &self,
                    statement: &'static str,
                    org: OrgId,
                    (actor, action): (&str, &str),
                    leaves: bool,
                ) -> Result<bool> {
                    let at = now();
                    let id = DbId::from(org);
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let done = sqlx::query(statement)
                        .bind(id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() != 1 {
                        return Ok(false);
                    }
                    if leaves {
                        Self::supersede(&mut tx, id).await?;
                    }
                    Self::audit(&mut tx, at, actor, action, id, None, None, None).await?;
                    Self::changed(&mut tx, at, Some(id)).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                /// Takes `step` for every entry `question` lists, a batch at
                /// a time: how many this call took.
                async fn take_steps(
                    &self,
                    question: &'static str,
                    binds: (DateTime<Utc>, Option<DateTime<Utc>>),
                    step: Step,
                    times: &FreshnessTimes,
                    mail: Option<FreshnessMail<'_>>,
                ) -> Result<u64> {
                    let mut taken = 0;
                    // an entry passed over (another instance took it) is
                    // not listed again: each list is of what still waits
                    let mut passed: std::collections::HashSet<DbId> = Default::default();
                    loop {
                        let mut q = sqlx::query_scalar::<_, DbId>(question).bind(binds.0);
                        if let Some(second) = binds.1 {
                            q = q.bind(second);
                        }
                        let limit = BATCH + i64::try_from(passed.len()).unwrap_or(i64::MAX);
                        let ids = q.bind(limit).fetch_all(&self.pool).await?;
                        let fresh: Vec<DbId> = ids
                            .iter()
                            .copied()
                            .filter(|id| !passed.contains(id))
                            .collect();
                        if fresh.is_empty() {
                            return Ok(taken);
                        }
                        for id in fresh {
                            if self.take_step(id, step, times, mail).await? {
                                taken += 1;
                            } else {
                                passed.insert(id);
                            }
                        }
                        if i64::try_from(ids.len()).unwrap_or(0) < limit {
                            return Ok(taken);
                        }
                    }
                }
            }

            #[async_trait]
            impl Freshness for SqlStore<Db> {
                async fn run_freshness(
                    &self,
                    times: &FreshnessTimes,
                    mail: Option<FreshnessMail<'_>>,
                ) -> Result<FreshnessRun> {
                    let times = FreshnessTimes {
                        at: micros(times.at),
                        ask_confirmed_by: micros(times.ask_confirmed_by),
                        remind_asked_by: micros(times.remind_asked_by),
                        stale_reminded_by: micros(times.stale_reminded_by),
                        stale_unasked_confirmed_by: micros(times.stale_unasked_confirmed_by),
                    };
                    let asked = match mail {
                        Some(_) => {
                            let by = (times.ask_confirmed_by, None);
                            self.take_steps(sqf::ASK_DUE, by, Step::Ask, &times, mail)
                                .await?
                        }
                        None => 0,
                    };
                    let by = (times.remind_asked_by, None);
                    let reminded = self
                        .take_steps(sqf::REMIND_DUE, by, Step::Remind, &times, mail)
                        .await?;
                    let by = (
                        times.stale_reminded_by,
                        Some(times.stale_unasked_confirmed_by),
                    );
                    let stale = self
                        .take_steps(sqf::STALE_DUE, by, Step::Stale, &times, None)
                        .await?;
                    Ok(FreshnessRun {
                        asked,
                        reminded,
                        stale,
                    })
                }

                async fn confirm_fresh(&self, org: OrgId, actor: &str) -> Result<bool> {
                    self.public_step(sqf::CONFIRM, org, (actor, "confirmed"), false)
                        .await
                }

                async fn archive_stale(&self, org: OrgId, moderator: &str) -> Result<bool> {
                    self.public_step(sqf::ARCHIVE, org, (moderator, "archived"), true)
                        .await
                }

                async fn renew_edit_token(&self, org: OrgId, token_hash: &str) -> Result<bool> {
                    let done = sqlx::query(sqf::RENEW_EDIT_TOKEN)
                        .bind(DbId::from(org))
                        .bind(token_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn stale_page(&self, limit: u32) -> Result<StalePage> {
                    let mut tx = self.pool.begin_with(BACKEND.begin_snapshot()).await?;
                    let total: i64 = sqlx::query_scalar(sqf::COUNT_STALE)
                        .fetch_one(&mut *tx)
                        .await?;
                    let rows: Vec<StaleRow> = sqlx::query_as(sqf::STALE_PAGE)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    let items = rows
                        .into_iter()
                        .map(|(id, name, city, country, confirmed, stale, asked)| {
                            let corrupt = |reason: String| StoreError::Corrupt {
                                id: id.to_string(),
                                reason,
                            };
                            Ok(StaleEntry {
                                id: id.into(),
                                name: serde_json::from_str::<OrgName>(&name)
                                    .map_err(|e| corrupt(format!("name: {e}")))?,
                                city: City::parse(&city).map_err(|e| corrupt(e.to_string()))?,
                                country: CountryCode::parse(&country)
                                    .map_err(|e| corrupt(e.to_string()))?,
                                last_confirmed: confirmed,
                                stale_since: stale,
                                asked,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok(StalePage {
                        items,
                        total: u64::try_from(total).unwrap_or(0),
                    })
                }

                async fn freshness_counts(&self) -> Result<solidarity_map_core::Freshness> {
                    let (fresh, stale): (i64, i64) = sqlx::query_as(sqf::FRESHNESS_COUNTS)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(solidarity_map_core::Freshness {
                        fresh: u64::try_from(fresh).unwrap_or(0),
                        stale: u64::try_from(stale).unwrap_or(0),
                    })
                }

                async fn link_key(&self, name: &str, candidate: &str) -> Result<String> {
                    sqlx::query(sqf::INSERT_LINK_KEY)
                        .bind(name)
                        .bind(candidate)
                        .bind(now())
                        .execute(&self.pool)
                        .await?;
                    Ok(sqlx::query_scalar(sqf::LINK_KEY)
                        .bind(name)
                        .fetch_one(&self.pool)
                        .await?)
                }
            }
        };
    };
}

pub(super) use shared_freshness;
