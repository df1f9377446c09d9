//! The stored shape of what the store reads, shared by both backends, and
//! its parsing back into the domain types: a row that does not parse is
//! [`StoreError::Corrupt`], never a guess.

use chrono::{DateTime, Utc};
use solidarity_map_core::{
    Category, CategoryCount, CategorySlug, FacetCount, LangCode, LatLon, LocalizedText, MonthCount,
    NewOrganization, OrgId, Organization, Precision, Status,
};

use solidarity_map_core::moderation::{
    AuditEntry, PossibleDuplicate, Revision, RevisionKind, RevisionStatus,
};

use super::value::DbId;
use super::{PointSink, PublicPoint, StoreError};

/// An organisation as `sql::org_columns!` lists it.
#[derive(sqlx::FromRow)]
pub(super) struct OrgRow {
    id: DbId,
    name: String,
    description: String,
    category: String,
    city: String,
    country: String,
    lat: f64,
    lon: f64,
    precision: String,
    website: Option<String>,
    links: String,
    languages: String,
    tags: String,
    contact_email: Option<String>,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    confirmed_at: DateTime<Utc>,
    stale: bool,
    /// A mirrored entry's source, a json object; null for one kept here.
    source: Option<String>,
}

impl OrgRow {
    pub fn id(&self) -> DbId {
        self.id
    }
}

impl TryFrom<OrgRow> for Organization {
    type Error = StoreError;

    fn try_from(r: OrgRow) -> Result<Self, Self::Error> {
        let corrupt = |reason: String| StoreError::Corrupt {
            id: r.id.to_string(),
            reason,
        };
        let json = |what: &str, s: &str| -> Result<serde_json::Value, StoreError> {
            serde_json::from_str(s).map_err(|e| corrupt(format!("{what}: {e}")))
        };
        let field = |e: solidarity_map_core::FieldError| corrupt(e.to_string());
        let data = NewOrganization {
            name: serde_json::from_value(json("name", &r.name)?)
                .map_err(|e| corrupt(format!("name: {e}")))?,
            description: serde_json::from_value(json("description", &r.description)?)
                .map_err(|e| corrupt(format!("description: {e}")))?,
            category: CategorySlug::parse(&r.category).map_err(field)?,
            city: solidarity_map_core::City::parse(&r.city).map_err(field)?,
            country: solidarity_map_core::CountryCode::parse(&r.country).map_err(field)?,
            location: LatLon::new(r.lat, r.lon).map_err(field)?,
            precision: Precision::parse(&r.precision).map_err(field)?,
            website: r
                .website
                .as_deref()
                .map(solidarity_map_core::WebUrl::parse)
                .transpose()
                .map_err(field)?,
            links: serde_json::from_value(json("links", &r.links)?)
                .map_err(|e| corrupt(format!("links: {e}")))?,
            languages: serde_json::from_value(json("languages", &r.languages)?)
                .map_err(|e| corrupt(format!("languages: {e}")))?,
            tags: serde_json::from_value(json("tags", &r.tags)?)
                .map_err(|e| corrupt(format!("tags: {e}")))?,
            contact_email: r
                .contact_email
                .as_deref()
                .map(solidarity_map_core::Email::parse)
                .transpose()
                .map_err(field)?,
        };
        Ok(Organization {
            id: r.id.into(),
            data,
            status: Status::parse(&r.status).map_err(field)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            confirmed_at: r.confirmed_at,
            stale: r.stale,
            source: r
                .source
                .as_deref()
                .map(|s| serde_json::from_str(s).map_err(|e| corrupt(format!("source: {e}"))))
                .transpose()?,
        })
    }
}

/// The few columns of a [`PublicPoint`].
#[derive(sqlx::FromRow)]
pub(super) struct PointRow {
    id: DbId,
    public_lon: f64,
    public_lat: f64,
    category: String,
    country: String,
    stale: bool,
    /// A json array of codes.
    languages: String,
    sort_name: String,
}

impl TryFrom<PointRow> for PublicPoint {
    type Error = StoreError;

    fn try_from(r: PointRow) -> Result<Self, Self::Error> {
        Ok(PublicPoint {
            id: r.id.into(),
            lon: r.public_lon,
            lat: r.public_lat,
            country: solidarity_map_core::CountryCode::parse(&r.country).map_err(|e| {
                StoreError::Corrupt {
                    id: r.id.to_string(),
                    reason: e.to_string(),
                }
            })?,
            category: r.category,
            stale: r.stale,
            languages: serde_json::from_str(&r.languages).map_err(|e| StoreError::Corrupt {
                id: r.id.to_string(),
                reason: format!("languages: {e}"),
            })?,
            sort_name: r.sort_name,
        })
    }
}

/// Hands on the points of one page of `[[id, lon, lat, category, country,
/// stale, [language, …], sort name], …]`, the json SQLite sends them in (see
/// `SqliteStore::published_points`).
pub(super) fn push_json_points(page: &str, sink: &mut PointSink<'_>) -> Result<(), StoreError> {
    type Row = (String, f64, f64, String, String, u8, Vec<String>, String);
    let rows: Vec<Row> = serde_json::from_str(page).map_err(|e| StoreError::Corrupt {
        id: "published points".to_owned(),
        reason: e.to_string(),
    })?;
    for (id, public_lon, public_lat, category, country, stale, languages, sort_name) in rows {
        let id = id.parse::<OrgId>().map_err(|e| StoreError::Corrupt {
            id,
            reason: e.to_string(),
        })?;
        let country =
            solidarity_map_core::CountryCode::parse(&country).map_err(|e| StoreError::Corrupt {
                id: id.to_string(),
                reason: e.to_string(),
            })?;
        sink(PublicPoint {
            id,
            lon: public_lon,
            lat: public_lat,
            category,
            country,
            stale: stale != 0,
            languages,
            sort_name,
        });
    }
    Ok(())
}

/// The values an insert binds, computed once for both backends.
pub(super) struct OrgValues {
    pub name: String,
    pub description: String,
    pub public: LatLon,
    pub links: String,
    pub languages: String,
    pub tags: String,
    pub search_text: String,
    pub sort_name: String,
}

impl OrgValues {
    pub fn of(org: &NewOrganization) -> Self {
        // Serialising these plain types cannot fail.
        let to_json = |v: serde_json::Value| v.to_string();
        Self {
            name: to_json(serde_json::json!(org.name)),
            description: to_json(serde_json::json!(org.description)),
            public: org.location.rounded(org.precision),
            links: to_json(serde_json::json!(org.links)),
            languages: to_json(serde_json::json!(org.languages)),
            tags: to_json(serde_json::json!(org.tags)),
            search_text: org.search_text(),
            sort_name: org.sort_name(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CategoryRow {
    slug: String,
    labels: String,
    colour: String,
    symbol: String,
    count: i64,
}

impl TryFrom<CategoryRow> for CategoryCount {
    type Error = StoreError;
    fn try_from(r: CategoryRow) -> Result<Self, Self::Error> {
        let corrupt = |reason: String| StoreError::Corrupt {
            id: r.slug.clone(),
            reason,
        };
        let labels: LocalizedText =
            serde_json::from_str(&r.labels).map_err(|e| corrupt(e.to_string()))?;
        Ok(CategoryCount {
            category: Category {
                slug: CategorySlug::parse(&r.slug).map_err(|e| corrupt(e.to_string()))?,
                labels,
                colour: r.colour.clone(),
                symbol: r.symbol.clone(),
            },
            count: u64::try_from(r.count).unwrap_or(0),
        })
    }
}

/// Language codes as stored (json object keys), checked.
pub(super) fn parse_languages(codes: Vec<String>) -> Result<Vec<LangCode>, StoreError> {
    codes
        .into_iter()
        .map(|c| {
            LangCode::parse(&c).map_err(|e| StoreError::Corrupt {
                id: format!("language {c:?}"),
                reason: e.to_string(),
            })
        })
        .collect()
}

pub(super) fn labels_json(c: &Category) -> String {
    serde_json::json!(c.labels).to_string()
}

pub(super) fn map_insert_error(e: sqlx::Error, category: &CategorySlug) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::UnknownCategory(category.to_string())
        }
        _ => e.into(),
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct FacetRow {
    code: String,
    count: i64,
}

impl From<FacetRow> for FacetCount {
    fn from(r: FacetRow) -> Self {
        FacetCount {
            code: r.code,
            count: u64::try_from(r.count).unwrap_or(0),
        }
    }
}

/// A month (`YYYY-MM`, read as `code`) and its count.
impl From<FacetRow> for MonthCount {
    fn from(r: FacetRow) -> Self {
        MonthCount {
            month: r.code,
            count: u64::try_from(r.count).unwrap_or(0),
        }
    }
}

/// A revision as `sql::revision_columns!` lists it.
#[derive(sqlx::FromRow)]
pub(super) struct RevisionRow {
    pub id: DbId,
    pub org_id: DbId,
    pub data: String,
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl RevisionRow {
    /// The revision with the entry it belongs to.
    pub fn into_revision(self, org: &Organization) -> Result<Revision, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            id: self.id.to_string(),
            reason,
        };
        let data: NewOrganization =
            serde_json::from_str(&self.data).map_err(|e| corrupt(e.to_string()))?;
        let kind = match self.kind.as_str() {
            "submission" => RevisionKind::Submission,
            "edit" => RevisionKind::Edit,
            other => return Err(corrupt(format!("unknown revision kind {other:?}"))),
        };
        let status = match self.status.as_str() {
            "pending" => RevisionStatus::Pending,
            "approved" => RevisionStatus::Approved,
            "rejected" => RevisionStatus::Rejected,
            "superseded" => RevisionStatus::Superseded,
            other => return Err(corrupt(format!("unknown revision status {other:?}"))),
        };
        Ok(Revision {
            id: self.id.into(),
            org_id: org.id,
            kind,
            status,
            data,
            current: org.data.clone(),
            org_status: org.status,
            created_at: self.created_at,
            reason: self.reason,
            source: None,
            possible_duplicates: Vec::new(),
        })
    }
}

/// An entry that may be the same group as `org_id`, which waits for a
/// decision (see `sql::POSSIBLE_DUPLICATES`).
#[derive(sqlx::FromRow)]
pub(super) struct DuplicateRow {
    pub org_id: DbId,
    id: DbId,
    name: String,
    status: String,
}

impl TryFrom<DuplicateRow> for PossibleDuplicate {
    type Error = StoreError;

    fn try_from(r: DuplicateRow) -> Result<Self, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            id: r.id.to_string(),
            reason,
        };
        Ok(PossibleDuplicate {
            id: r.id.into(),
            name: serde_json::from_str(&r.name).map_err(|e| corrupt(format!("name: {e}")))?,
            status: Status::parse(&r.status).map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub org_id: Option<DbId>,
    /// The json of the entry's name, as it is now.
    pub org_name: Option<String>,
    pub revision_id: Option<DbId>,
    pub detail: Option<String>,
    /// The json of a moderator's corrections.
    pub changes: Option<String>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;

    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            id: format!("audit line {}", r.id),
            reason,
        };
        let org_name = match &r.org_name {
            Some(json) => {
                Some(serde_json::from_str(json).map_err(|e| corrupt(format!("name: {e}")))?)
            }
            None => None,
        };
        let changes = match &r.changes {
            Some(json) => {
                serde_json::from_str(json).map_err(|e| corrupt(format!("changes: {e}")))?
            }
            None => Vec::new(),
        };
        Ok(Self {
            at: r.at,
            actor: r.actor,
            action: r.action,
            org_id: r.org_id.map(Into::into),
            org_name,
            revision_id: r.revision_id.map(Into::into),
            detail: r.detail,
            changes,
        })
    }
}

pub(super) fn revision_json(org: &NewOrganization) -> String {
    serde_json::json!(org).to_string()
}

/// The json of revision `id` without what retention removes: no contact
/// address, and the public point (at the revision's own precision) as its
/// point. `None` when there is nothing left to remove, so scrubbing twice
/// writes nothing.
pub(super) fn scrubbed_revision_json(id: DbId, data: &str) -> Result<Option<String>, StoreError> {
    let mut org: NewOrganization = serde_json::from_str(data).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    let public = org.location.rounded(org.precision);
    if org.contact_email.is_none() && org.location == public {
        return Ok(None);
    }
    org.contact_email = None;
    org.location = public;
    Ok(Some(revision_json(&org)))
}

pub(super) fn map_unique(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(what.to_owned())
        }
        _ => e.into(),
    }
}

/// A mirror as `sql_mirrors::MIRRORS` reads it, with its counts.
#[derive(sqlx::FromRow)]
pub(super) struct MirrorRow {
    id: i64,
    url: String,
    name: String,
    license: String,
    license_url: Option<String>,
    /// The chosen categories, a json list.
    categories: String,
    bbox: Option<String>,
    publish: i32,
    cursor: Option<String>,
    state: String,
    error: Option<String>,
    last_read: Option<DateTime<Utc>>,
    entries: i64,
    hidden: i64,
}

impl TryFrom<MirrorRow> for super::mirrors::MirrorRecord {
    type Error = StoreError;

    fn try_from(r: MirrorRow) -> Result<Self, Self::Error> {
        use solidarity_map_core::mirror::{DataSource, MirrorInfo, MirrorScope, MirrorState};
        let corrupt = |reason: String| StoreError::Corrupt {
            id: format!("mirror {}", r.id),
            reason,
        };
        let url =
            solidarity_map_core::PublicUrl::parse(&r.url).map_err(|e| corrupt(e.to_string()))?;
        let scope = MirrorScope {
            categories: serde_json::from_str(&r.categories)
                .map_err(|e| corrupt(format!("categories: {e}")))?,
            bbox: r
                .bbox
                .as_deref()
                .map(solidarity_map_core::BBox::parse)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
        };
        Ok(Self {
            info: MirrorInfo {
                id: r.id,
                source: DataSource::new(&r.name, url, &r.license, r.license_url.as_deref()),
                scope,
                publish: r.publish != 0,
                state: MirrorState::parse(&r.state).map_err(|e| corrupt(e.to_string()))?,
                error: r.error,
                last_read: r.last_read,
                entries: u64::try_from(r.entries).unwrap_or(0),
                hidden: u64::try_from(r.hidden).unwrap_or(0),
            },
            cursor: r.cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use std::collections::BTreeMap;

    use solidarity_map_core::OrganizationInput;
    use solidarity_map_core::org::RawLocation;

    use super::*;

    fn organization() -> Organization {
        let data = OrganizationInput {
            name: BTreeMap::from([("en".to_owned(), "Neighbours".to_owned())]),
            description: BTreeMap::from([("en".to_owned(), "Next door".to_owned())]),
            category: "media".into(),
            city: "Somewhere".into(),
            country: "PS".into(),
            location: Some(RawLocation {
                lat: 31.9,
                lon: 35.2,
            }),
            precision: Some("city".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        Organization {
            id: OrgId(uuid::Uuid::new_v4()),
            data,
            status: Status::Pending,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            confirmed_at: Utc::now(),
            stale: false,
            source: None,
        }
    }

    fn revision(org: &Organization, kind: &str, status: &str) -> RevisionRow {
        RevisionRow {
            id: DbId::new(),
            org_id: org.id.into(),
            data: revision_json(&org.data),
            kind: kind.to_owned(),
            status: status.to_owned(),
            reason: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn an_unknown_revision_kind_or_status_is_corrupt_not_a_guess() {
        let org = organization();
        let read = revision(&org, "edit", "superseded")
            .into_revision(&org)
            .unwrap();
        assert_eq!(
            (read.kind, read.status),
            (RevisionKind::Edit, RevisionStatus::Superseded)
        );
        for (kind, status) in [
            ("import", "pending"),
            ("edit", "maybe"),
            ("Edit", "pending"),
        ] {
            let err = revision(&org, kind, status)
                .into_revision(&org)
                .unwrap_err();
            assert!(
                matches!(err, StoreError::Corrupt { .. }),
                "{kind} {status}: {err:?}"
            );
        }
    }
}

/// An organisation and when it was first public, as
/// `sql_feeds::feed_columns!` lists them.
#[derive(sqlx::FromRow)]
pub(super) struct FeedRow {
    #[sqlx(flatten)]
    org: OrgRow,
    published_at: Option<DateTime<Utc>>,
}

impl TryFrom<FeedRow> for super::feeds::FeedOrg {
    type Error = StoreError;

    fn try_from(r: FeedRow) -> Result<Self, Self::Error> {
        Ok(Self {
            org: Organization::try_from(r.org)?,
            published_at: r.published_at,
        })
    }
}
