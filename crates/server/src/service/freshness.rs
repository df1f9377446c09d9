//! Freshness: a map of groups that stopped long ago misleads, so each
//! published entry is confirmed as active now and then, by its group.
//!
//! An entry counts as confirmed when it is approved, when an edit of it
//! is approved, and when its group answers. `--confirm-after-days` (365 by
//! default) after the last confirmation the job mails the group "is it
//! still active?" with three signed one-click links ([`crate::links`]):
//! *still active*, *update* (the edit page) and *we stopped*. Without an
//! answer it reminds the group [`REMIND_AFTER_DAYS`] later, and another
//! [`STALE_AFTER_REMINDER_DAYS`] later marks the entry stale: the API says
//! `stale`, the map fades it, visitors may hide it, and moderators find it
//! in their list of stale entries, to archive. Any confirmation makes it
//! fresh again.
//!
//! An entry that cannot be asked (it gave no address, or this map sends
//! no mail: its links would only wait in the outbox, where moderators
//! read them) is marked stale without a mail, `--confirm-after-days` plus
//! [`REMIND_AFTER_DAYS`] after its last confirmation, and shows on the
//! moderators' list like any other.
//!
//! The job runs in every server, at start-up and then every hour; of
//! several instances on one database each step for each entry is taken
//! once (see [`crate::store::freshness`]), and its mail is queued in that
//! step's transaction. Its clock is the server's, never a visitor's; the
//! command `freshness run --now TIME` runs it once at another time.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use solidarity_map_core::Organization;
use solidarity_map_core::freshness::StalePage;
use solidarity_map_core::moderation::NewEditLink;

use super::{Error, Result, Service};
use crate::links::{FreshAction, FreshLink, KEY_NAME, LINK_DAYS, Refused};
use crate::secrets::{new_token, token_hash};
use crate::store::{FreshnessRun, FreshnessTimes, MailClass, NewMail};

/// After how many days without a confirmation the group is asked, when
/// the operator says nothing.
pub const DEFAULT_CONFIRM_AFTER_DAYS: u32 = 365;

/// Days from the question to its reminder.
pub const REMIND_AFTER_DAYS: i64 = 30;

/// Days from the reminder to the entry being marked stale.
pub const STALE_AFTER_REMINDER_DAYS: i64 = 30;

/// How often the server runs the job after its first run at start-up.
pub const FRESHNESS_EVERY: Duration = Duration::from_secs(60 * 60);

/// The most stale entries the moderators' list shows at once.
pub const STALE_LIMIT: u32 = 500;

/// What a one-click link may do, as its page shows it.
#[derive(Debug, Clone)]
pub struct LinkCheck {
    pub action: FreshAction,
    pub org: Organization,
}

/// Why a link was refused.
#[derive(Debug, Clone)]
pub enum LinkRefused {
    /// Not signed by this map.
    Forged,
    Expired(Option<Organization>),
    /// Used already, or the entry changed since: no longer published, or
    /// confirmed since the link was made.
    Used(Option<Organization>),
}

/// What using a link did.
#[derive(Debug, Clone)]
pub enum LinkUsed {
    Confirmed(Organization),
    Withdrawn(Organization),
    /// A new edit link, to open at once (the entry is confirmed too).
    Update(NewEditLink),
}

/// The times of one run at `now`, or `None` when a period reaches before
/// the calendar's start (nothing is that old).
fn times(now: DateTime<Utc>, confirm_after: TimeDelta) -> Option<FreshnessTimes> {
    let remind = TimeDelta::try_days(REMIND_AFTER_DAYS)?;
    let stale = TimeDelta::try_days(STALE_AFTER_REMINDER_DAYS)?;
    Some(FreshnessTimes {
        at: now,
        ask_confirmed_by: now.checked_sub_signed(confirm_after)?,
        remind_asked_by: now.checked_sub_signed(remind)?,
        stale_reminded_by: now.checked_sub_signed(stale)?,
        stale_unasked_confirmed_by: now
            .checked_sub_signed(confirm_after)?
            .checked_sub_signed(remind)?,
    })
}

impl Service {
    /// The key that signs the links, shared by every instance on the
    /// database (made by the first that needs it).
    async fn link_key(&self) -> Result<Vec<u8>> {
        let candidate = new_token()?;
        Ok(self
            .store
            .link_key(KEY_NAME, &candidate)
            .await?
            .into_bytes())
    }

    /// Runs the job once as if it were `now`: asks, reminds, marks stale.
    pub async fn run_freshness(
        &self,
        now: DateTime<Utc>,
        confirm_after: TimeDelta,
    ) -> Result<FreshnessRun> {
        let Some(times) = times(now, confirm_after) else {
            return Ok(FreshnessRun::default());
        };
        // only mail that will leave carries links (see the module's doc)
        let key = if self.mail.sends(MailClass::Transactional) {
            Some(self.link_key().await?)
        } else {
            None
        };
        let expires = now
            .checked_add_signed(TimeDelta::days(LINK_DAYS))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let write = |org: &Organization, reminder: bool| -> Option<NewMail> {
            let key = key.as_deref()?;
            let links: Vec<(FreshAction, String)> = FreshAction::ALL
                .into_iter()
                .map(|action| {
                    let link = FreshLink {
                        org: org.id,
                        action,
                        expires,
                        confirmed_at: org.confirmed_at,
                    };
                    (action, format!("/fresh/{}", link.sign(key)))
                })
                .collect();
            self.mail.still_active(org, &links, reminder)
        };
        let mail: Option<crate::store::FreshnessMail<'_>> =
            if key.is_some() { Some(&write) } else { None };
        let run = self.store.run_freshness(&times, mail).await?;
        if run.asked + run.reminded > 0 {
            self.mail.wake.notify_one();
        }
        if run.stale > 0 {
            self.follow().await?;
        }
        Ok(run)
    }

    /// Runs [`Service::run_freshness`] now and then every `every`, for as
    /// long as the server runs. A failed run is logged and tried again at
    /// the next; it never stops the server.
    pub fn spawn_freshness(self, confirm_after: TimeDelta, every: Duration) {
        super::spawn_every(every, move || {
            let this = self.clone();
            async move {
                match this.run_freshness(Utc::now(), confirm_after).await {
                    Ok(run) if run == FreshnessRun::default() => {}
                    Ok(run) => tracing::info!(
                        asked = run.asked,
                        reminded = run.reminded,
                        stale = run.stale,
                        "freshness: groups asked whether they are still active"
                    ),
                    Err(e) => tracing::warn!(
                        error = %e,
                        "the freshness job failed; trying again at the next run"
                    ),
                }
            }
        });
    }

    /// What a one-click link would do, without doing it.
    pub async fn fresh_link(&self, token: &str) -> Result<Result<LinkCheck, LinkRefused>> {
        let key = self.link_key().await?;
        let link = match FreshLink::verify(token, &key, Utc::now()) {
            Ok(link) => link,
            Err(Refused::Forged) => return Ok(Err(LinkRefused::Forged)),
            Err(Refused::Expired) => {
                // the signature holds: the entry it names may be shown
                let org = FreshLink::verify(token, &key, DateTime::<Utc>::MIN_UTC)
                    .ok()
                    .map(|l| l.org);
                let org = match org {
                    Some(id) => self.store.organization(id).await?,
                    None => None,
                };
                return Ok(Err(LinkRefused::Expired(org)));
            }
        };
        let org = self.store.organization(link.org).await?;
        match org {
            Some(org)
                if org.status == solidarity_map_core::Status::Published
                    && org.confirmed_at.timestamp_micros()
                        == link.confirmed_at.timestamp_micros() =>
            {
                Ok(Ok(LinkCheck {
                    action: link.action,
                    org,
                }))
            }
            org => Ok(Err(LinkRefused::Used(org))),
        }
    }

    /// Does what a one-click link says, if it still works.
    pub async fn use_fresh_link(&self, token: &str) -> Result<Result<LinkUsed, LinkRefused>> {
        let check = match self.fresh_link(token).await? {
            Ok(check) => check,
            Err(refused) => return Ok(Err(refused)),
        };
        let id = check.org.id;
        let used = match check.action {
            FreshAction::StillActive => {
                if !self.store.confirm_fresh(id, "group").await? {
                    return Ok(Err(LinkRefused::Used(Some(check.org))));
                }
                tracing::info!("an entry was confirmed as active by its group");
                LinkUsed::Confirmed(check.org)
            }
            FreshAction::Stopped => {
                self.store.withdraw(id).await?;
                tracing::info!("an entry was withdrawn by its group from a still-active mail");
                LinkUsed::Withdrawn(check.org)
            }
            FreshAction::Update => {
                let token = new_token()?;
                if !self.store.renew_edit_token(id, &token_hash(&token)).await? {
                    return Ok(Err(LinkRefused::Used(Some(check.org))));
                }
                self.store.confirm_fresh(id, "group").await?;
                LinkUsed::Update(NewEditLink {
                    edit_url: format!("/edit/{token}"),
                    edit_token: token,
                })
            }
        };
        self.follow().await?;
        Ok(Ok(used))
    }

    /// The stale entries, for moderators, longest stale first.
    pub async fn stale_entries(&self) -> Result<StalePage> {
        Ok(self.store.stale_page(STALE_LIMIT).await?)
    }

    /// A moderator takes a stale entry off the map.
    pub async fn archive_stale(
        &self,
        org: solidarity_map_core::OrgId,
        moderator: &str,
    ) -> Result<()> {
        if !self.store.archive_stale(org, moderator).await? {
            return Err(Error::NotFound("stale entry"));
        }
        self.follow().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_follow_one_another() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let t = times(now, TimeDelta::days(365)).unwrap_or_else(|| unreachable!());
        assert_eq!(now - t.ask_confirmed_by, TimeDelta::days(365));
        assert_eq!(now - t.remind_asked_by, TimeDelta::days(30));
        assert_eq!(now - t.stale_reminded_by, TimeDelta::days(30));
        assert_eq!(now - t.stale_unasked_confirmed_by, TimeDelta::days(395));
        assert!(times(DateTime::<Utc>::MIN_UTC, TimeDelta::days(1)).is_none());
    }
}
