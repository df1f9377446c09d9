//! Errors that name the field and the problem, so a form can put the
//! message next to the input and an API client can fix its request.

use serde::{Deserialize, Serialize};

/// One invalid field: which one, and what is wrong with it, in words a
/// person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same problem reported under another (usually more specific) name,
    /// e.g. `name` becomes `name.ar`.
    #[must_use]
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

/// The JSON body of every 4xx and 5xx response of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A short machine-readable code: `invalid_parameter`, `not_found`, …
    pub error: String,
    /// A sentence for people.
    pub message: String,
    /// Every invalid field, when the request had any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}
