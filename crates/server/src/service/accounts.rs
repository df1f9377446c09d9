//! Moderator accounts and their sessions. Passwords are checked in the
//! same time whether or not the user exists, so sign-in does not tell
//! which user names do.

use solidarity_map_core::moderation::SessionInfo;

use super::{Error, Result, Service};
use crate::secrets::{hash_password, new_token, parse_token, token_hash, verify_password};

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// The longest user name, in characters.
const MAX_USERNAME_CHARS: usize = 64;

/// The shortest password, in characters.
const MIN_PASSWORD_CHARS: usize = 12;

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
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::field(
                "password",
                format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        let hash = hash_password(password)?;
        self.store.create_user(username, &hash).await?;
        tracing::info!(%username, "moderator added");
        Ok(())
    }

    /// Signs a moderator in: a new session, or [`Error::Unauthorized`].
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<NewSession> {
        let user = self.store.user(username.trim()).await?;
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash),
            None => {
                let _ = verify_password(password, DUMMY_HASH);
                false
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            tracing::info!("failed moderator sign-in");
            return Err(Error::Unauthorized);
        };
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
