//! Errors that name the field and the problem, so a form can put the
//! message next to the input and an API client can fix its request.

use serde::{Deserialize, Serialize};

/// One invalid field: which one, and what is wrong with it, in words a
/// person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    /// In English, for API clients and logs.
    pub message: String,
    /// The kind of problem, one of [`CODES`], so that an interface can say it
    /// in its visitor's language. Empty for problems only an API client meets.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// The number the message names (a maximum length or count), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// Every problem code a form can meet; each has a translation in the
/// client (`invalid.CODE`), which a test checks.
pub const CODES: &[&str] = &[
    "required",
    "too_long",
    "single_line",
    "control_chars",
    "bidi_controls",
    "url",
    "url_scheme",
    "url_host",
    "url_credentials",
    "email",
    "lang_code",
    "latitude",
    "longitude",
    "precision",
    "country",
    "category",
    "location_required",
    "too_many_links",
    "too_many_languages",
    "too_many_tags",
    "contact_required",
    "consent",
    "reason_required",
];

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            code: String::new(),
            limit: None,
        }
    }

    /// Tags the problem with its code (one of [`CODES`]).
    #[must_use]
    pub fn code(mut self, code: &'static str) -> Self {
        debug_assert!(CODES.contains(&code), "unknown problem code {code}");
        self.code = code.to_owned();
        self
    }

    /// The number the message names.
    #[must_use]
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A short machine-readable code: `invalid_parameter`, `not_found`, …
    pub error: String,
    /// A sentence for people.
    pub message: String,
    /// Every invalid field, when the request had any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}
