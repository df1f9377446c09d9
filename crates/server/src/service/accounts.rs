//! Moderator accounts and their sessions. Passwords are checked in the
//! same time whether or not the user exists, so sign-in does not tell
//! which user names do.
//!
//! Argon2 is slow on purpose: tens of milliseconds of a core for each
//! check. Run on the async worker threads, a handful of sign-in attempts
//! would leave none to serve the map, so every hash and check runs on the
//! blocking pool, at most [`PASSWORD_WORK`] at once; a request waiting its
//! turn waits asynchronously and holds no thread.
//!
//! The command line manages the accounts (`admin add-user`, `list-users`,
//! `remove-user`, `set-password`, `revoke-sessions`) through these methods
//! too. Removing a moderator or changing a password ends their sessions at
//! once: a stolen cookie or a departed moderator's open tab must not
//! outlive the decision.

use solidarity_map_core::moderation::SessionInfo;
use tokio::sync::Semaphore;

use super::{Error, Result, Service};
use crate::secrets::{hash_password, new_token, parse_token, token_hash, verify_password};
use crate::store::UserSummary;

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// The longest user name, in characters.
const MAX_USERNAME_CHARS: usize = 64;

/// The shortest password, in characters.
const MIN_PASSWORD_CHARS: usize = 12;

/// How many password hashes or checks run at once, in the whole process:
/// enough for honest sign-ins, few enough that a flood of them leaves cores
/// for everything else.
const PASSWORD_WORK: usize = 2;

static PASSWORD_PERMITS: Semaphore = Semaphore::const_new(PASSWORD_WORK);

/// Runs `work` (a password hash or check) on the blocking pool once one of
/// the [`PASSWORD_WORK`] permits is free. The permit goes with the work,
/// so a request given up while its check runs does not let another start
/// beside it.
async fn password_work<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let permit = PASSWORD_PERMITS
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("password work: {e}"))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("password work: {e}")))
}

/// A new moderator password is long enough.
fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::field(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A password's hash, computed off the async worker threads.
async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    Ok(password_work(move || hash_password(&password)).await??)
}

// a hash to verify against when the user does not exist, so that timing
// does not tell which user names exist
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2q3Wq3pK7q6Gm4Xw8d1f8m2l8yJ5rQ0fR1bT2n3v4w0";

/// A session just opened: its token (for the cookie, never stored) and
/// what the moderator's page needs.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub info: SessionInfo,
}

/// A valid session, found by its token.
#[derive(Debug)]
pub struct Session {
    pub info: SessionInfo,
    /// What is stored for the token, to end the session with.
    token_hash: String,
}

impl Service {
    /// Creates a moderator account.
    pub async fn add_moderator(&self, username: &str, password: &str) -> Result<()> {
        let username = username.trim();
        if username.is_empty() || username.chars().count() > MAX_USERNAME_CHARS {
            return Err(Error::field(
                "username",
                format!("must be 1 to {MAX_USERNAME_CHARS} characters"),
            ));
        }
        check_password(password)?;
        let hash = hash(password).await?;
        self.store.create_user(username, &hash).await?;
        tracing::info!(%username, "moderator added");
        Ok(())
    }

    /// Signs a moderator in: a new session, or [`Error::Unauthorized`].
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<NewSession> {
        let user = self.store.user(username.trim()).await?;
        let password = password.to_owned();
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let ok = password_work(move || match stored {
            Some(hash) => verify_password(&password, &hash),
            None => {
                let _ = verify_password(&password, DUMMY_HASH);
                false
            }
        })
        .await?;
        let Some(user) = user.filter(|_| ok) else {
            tracing::info!("failed moderator sign-in");
            return Err(Error::Unauthorized);
        };
        // the sessions nothing opens any more go as new ones come
        let purged = self.store.purge_expired_sessions().await?;
        if purged > 0 {
            tracing::debug!(sessions = purged, "expired sessions deleted");
        }
        let token = new_token()?;
        let csrf = new_token()?;
        let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
        self.store
            .create_session(&token_hash(&token), &user.id, &csrf, expires)
            .await?;
        tracing::info!(user = %user.username, "moderator signed in");
        Ok(NewSession {
            token,
            info: SessionInfo {
                username: user.username,
                csrf_token: csrf,
            },
        })
    }

    /// The unexpired session a token opens, if any.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let Some(token) = parse_token(token) else {
            return Ok(None);
        };
        let token_hash = token_hash(token);
        let info = self.store.session(&token_hash).await?;
        Ok(info.map(|info| Session { info, token_hash }))
    }

    /// Ends a session.
    pub async fn sign_out(&self, session: &Session) -> Result<()> {
        Ok(self.store.delete_session(&session.token_hash).await?)
    }
}

impl Service {
    /// Every moderator account, by user name, with its live sessions.
    pub async fn moderators(&self) -> Result<Vec<UserSummary>> {
        Ok(self.store.users().await?)
    }

    /// Removes a moderator account and ends its sessions. The audit log
    /// keeps the moderator's name on what they decided.
    pub async fn remove_moderator(&self, username: &str) -> Result<()> {
        let username = username.trim();
        if !self.store.delete_user(username).await? {
            return Err(Error::NotFound("moderator"));
        }
        tracing::info!(%username, "moderator removed");
        Ok(())
    }

    /// Gives a moderator a new password (the same rules as a new account's)
    /// and ends their sessions.
    pub async fn set_moderator_password(&self, username: &str, password: &str) -> Result<()> {
        let username = username.trim();
        check_password(password)?;
        let hash = hash(password).await?;
        if !self.store.set_password_hash(username, &hash).await? {
            return Err(Error::NotFound("moderator"));
        }
        tracing::info!(%username, "moderator password changed; sessions ended");
        Ok(())
    }

    /// Ends every session of a moderator: how many there were.
    pub async fn revoke_sessions(&self, username: &str) -> Result<u64> {
        let username = username.trim();
        let ended = self
            .store
            .delete_sessions_of(username)
            .await?
            .ok_or(Error::NotFound("moderator"))?;
        tracing::info!(%username, sessions = ended, "moderator sessions ended");
        Ok(ended)
    }
}

#[cfg(test)]
mod tests {
    /// Sign-in with an unknown user name costs a full check only if the
    /// stand-in hash is one argon2 reads.
    #[test]
    fn the_stand_in_hash_is_a_real_argon2_hash() {
        assert!(argon2::password_hash::PasswordHash::new(super::DUMMY_HASH).is_ok());
    }
}
