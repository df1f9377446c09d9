//! What can go wrong in a use case, in terms of the request rather than of
//! HTTP: the HTTP layer gives each kind its status once, and the command
//! line prints it.

use solidarity_map_core::FieldError;

use crate::store::StoreError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request breaks a rule; each problem names its field.
    #[error("{}", joined(.0))]
    Invalid(Vec<FieldError>),
    /// Nothing has this id or token.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// Valid, but it clashes with what is stored: a stable code (e.g.
    /// `possible_duplicate`) and what clashes.
    #[error("{code}: {}", joined(.1), code = .0)]
    Conflict(&'static str, Vec<FieldError>),
    /// What was asked for is no longer kept (a change feed's cursor older
    /// than the log): a stable code, and what to do instead.
    #[error("{0}: {1}")]
    Gone(&'static str, String),
    /// A wrong user name or password.
    #[error("wrong user name or password")]
    Unauthorized,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else that should not happen.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// One invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}

/// The problems one after the other, as an API message says them.
pub(crate) fn joined(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
