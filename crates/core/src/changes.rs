//! The public change feed (`GET /api/changes`): every change to what the
//! public sees, in the order it was made, a page at a time, so a partner
//! map stays in step without reading the whole map again. Its wire types
//! and its query are here, so that the server and a mirroring instance
//! read the same shapes.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::geojson::Feature;
use crate::{FieldError, OrgId, PublicOrganization};

/// Page size when none is asked for.
pub const DEFAULT_CHANGES: u32 = 100;
/// The largest page.
pub const MAX_CHANGES: u32 = 1000;

/// Where a reader of the feed is: every change up to `after` is read,
/// and, when `within` is set, the change after it (one that wrote many
/// entries at once) up to that entry. Shown to clients as an opaque
/// string: they pass back what they were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub after: i64,
    pub within: Option<OrgId>,
}

impl ChangeCursor {
    /// Before the first change.
    pub const START: Self = Self {
        after: 0,
        within: None,
    };

    /// Reads a cursor this feed gave out.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "since",
                "is not a cursor of this feed: pass the `next` of an earlier answer, or `now`",
            )
        };
        let rest = raw.strip_prefix('c').ok_or_else(bad)?;
        let (after, within) = match rest.split_once('.') {
            Some((seq, id)) => (seq, Some(id.parse::<OrgId>().map_err(|_| bad())?)),
            None => (rest, None),
        };
        if after.is_empty() || !after.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let after = after.parse::<i64>().map_err(|_| bad())?;
        Ok(Self { after, within })
    }
}

impl fmt::Display for ChangeCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.within {
            Some(id) => write!(f, "c{}.{}", self.after, id.0.simple()),
            None => write!(f, "c{}", self.after),
        }
    }
}

/// Where a read of the feed starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// At the first change the log ever had.
    Start,
    /// At the end of the log: nothing yet, and the cursor to follow from
    /// (read it before a full export).
    Now,
    /// Where an earlier answer left off.
    Cursor(ChangeCursor),
}

/// The query of `GET /api/changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangesQuery {
    pub since: Since,
    pub limit: u32,
}

impl ChangesQuery {
    /// Parses a URL query string (without `?`); unknown parameters are
    /// ignored, every problem with a known one reported.
    pub fn from_query(raw: &str) -> Result<Self, Vec<FieldError>> {
        let mut q = Self {
            since: Since::Start,
            limit: DEFAULT_CHANGES,
        };
        let mut errors = Vec::new();
        let mut seen = Vec::new();
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            if matches!(key.as_ref(), "since" | "limit") {
                if seen.contains(&key) {
                    errors.push(FieldError::new(key.as_ref(), "must be given only once"));
                    continue;
                }
                seen.push(key.clone());
            }
            match key.as_ref() {
                "since" if value == "now" => q.since = Since::Now,
                "since" if value.is_empty() => {}
                "since" => match ChangeCursor::parse(&value) {
                    Ok(c) => q.since = Since::Cursor(c),
                    Err(e) => errors.push(e),
                },
                "limit" => match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_CHANGES).contains(&n) => q.limit = n,
                    _ => errors.push(FieldError::new(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_CHANGES}"),
                    )),
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }
}

/// What happened to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChangeKind {
    /// Public for the first time.
    Published,
    /// Public, and changed.
    Updated,
    /// No longer public (withdrawn, erased, or taken back for review): a
    /// tombstone, with no data.
    Removed,
}

/// One change, as the entry is now: `published` and `updated` carry its
/// public view (the same as `/api/organizations` gives, the point at its
/// public precision); `removed` carries nothing but the id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeEntry {
    pub id: OrgId,
    pub kind: ChangeKind,
    /// When the change was made.
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<Feature<PublicOrganization>>,
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePage {
    /// In the order they were made. An entry changed twice may appear
    /// twice, each time as it is now: apply them in order.
    pub changes: Vec<ChangeEntry>,
    /// The cursor to pass as `since` for what follows; opaque.
    pub next: String,
    /// Whether more changes are waiting now (ask again at once).
    pub more: bool,
    /// The data's licence (an SPDX identifier where there is one).
    pub license: String,
    pub license_url: String,
    /// The credit the licence asks of those who reuse the data.
    pub attribution: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_what_they_wrote() {
        let id: OrgId = "3f2a9d6e-1b7c-4c2e-9a44-0c6f3e1d2b5a".parse().unwrap();
        for c in [
            ChangeCursor::START,
            ChangeCursor {
                after: 41,
                within: Some(id),
            },
        ] {
            assert_eq!(ChangeCursor::parse(&c.to_string()), Ok(c));
        }
        for bad in [
            "",
            "c",
            "41",
            "c-1",
            "c4x",
            "c4.",
            "c4.zz",
            "c99999999999999999999",
        ] {
            assert!(ChangeCursor::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_query_names_each_bad_parameter() {
        let q = ChangesQuery::from_query("since=c7&limit=5&other=1").unwrap();
        assert_eq!(
            q.since,
            Since::Cursor(ChangeCursor {
                after: 7,
                within: None
            })
        );
        assert_eq!(q.limit, 5);
        assert_eq!(ChangesQuery::from_query("").unwrap().since, Since::Start);
        assert_eq!(
            ChangesQuery::from_query("since=now").unwrap().since,
            Since::Now
        );
        let errors = ChangesQuery::from_query("since=x&limit=0").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["since", "limit"]);
        assert!(ChangesQuery::from_query("limit=1&limit=2").is_err());
    }
}
