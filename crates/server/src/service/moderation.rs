//! Moderators' decisions on submissions and edits: the entry is public, or
//! not, the moment the decision is stored, the audit log records who
//! decided what, and the group is told by mail (queued with the decision).

use solidarity_map_core::{FieldError, OrganizationInput, RevisionId};

use super::{Error, Result, Service};
use crate::store::{Decided, Decision};

/// The longest reason for a rejection, in characters.
const MAX_REASON_CHARS: usize = 1000;

impl Service {
    /// Approves a submission or an edit, as submitted or with the
    /// moderator's corrections; the entry is public at once.
    pub async fn approve(
        &self,
        revision: RevisionId,
        corrected: Option<&OrganizationInput>,
        moderator: &str,
    ) -> Result<()> {
        let corrected = match corrected {
            Some(input) => Some(Box::new(input.validate().map_err(Error::Invalid)?)),
            None => None,
        };
        self.decide(revision, Decision::Approve(corrected), moderator)
            .await
    }

    /// Rejects a submission or an edit, saying why.
    pub async fn reject(&self, revision: RevisionId, reason: &str, moderator: &str) -> Result<()> {
        let reason = reason.trim();
        let problem = FieldError::new(
            "reason",
            format!("say why, in at most {MAX_REASON_CHARS} characters"),
        );
        if reason.is_empty() {
            return Err(Error::Invalid(vec![problem.code("reason_required")]));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            let problem = problem.code("too_long").limit(MAX_REASON_CHARS);
            return Err(Error::Invalid(vec![problem]));
        }
        self.decide(revision, Decision::Reject(reason.to_owned()), moderator)
            .await
    }

    /// Stores a decision; the decided entry's point on the map follows it.
    async fn decide(
        &self,
        revision: RevisionId,
        decision: Decision,
        moderator: &str,
    ) -> Result<()> {
        let kind = match decision {
            Decision::Approve(_) => "approved",
            Decision::Reject(_) => "rejected",
        };
        let mail = &self.mail;
        let decided = self
            .store
            .decide_mailing(revision, decision, moderator, &|d| mail.decided(d))
            .await?;
        match decided {
            Decided::Done(_) => {
                metrics::counter!("decisions_total", "decision" => kind).increment(1);
                self.mail.wake.notify_one();
                self.follow().await
            }
            Decided::NotFound => Err(Error::NotFound("submission")),
            Decided::KeptBySource(name) => Err(Error::Conflict(
                "kept_by_source",
                vec![FieldError::new(
                    "id",
                    format!(
                        "this entry is mirrored from {name}, which alone may change it: \
                         approve or reject it as it is"
                    ),
                )],
            )),
            Decided::NotPending => Err(Error::Conflict(
                "already_decided",
                vec![FieldError::new(
                    "id",
                    "this submission was already decided or replaced",
                )],
            )),
        }
    }
}
