//! Joining, editing through a private link, and moderation: the wire types
//! the join form, the edit page and the moderation page share with the API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{FieldError, NewOrganization, OrgId, OrgName, OrganizationInput, RevisionId, Status};

/// The least time a person takes to fill in the join form; faster is a bot.
pub const MIN_FILL_MILLIS: i64 = 3_000;

/// The minimum fill time of a public form, at `now_millis`: `started_at`
/// (when the form was opened) must be there, and at least
/// [`MIN_FILL_MILLIS`] ago.
pub fn check_fill_time(started_at: Option<i64>, now_millis: i64) -> Result<(), FieldError> {
    let Some(started) = started_at else {
        return Err(FieldError::new(
            "started_at",
            "is required: when the form was opened, in milliseconds since 1970",
        )
        .code("required"));
    };
    // saturating: a forged time far in the past must not overflow
    if now_millis.saturating_sub(started) < MIN_FILL_MILLIS {
        return Err(FieldError::new(
            "form",
            "that was very fast: please check the form and send it again",
        ));
    }
    Ok(())
}

/// `POST /api/submissions`: a group adds itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmissionRequest {
    #[serde(flatten)]
    pub organization: OrganizationInput,
    /// The group agrees to be shown publicly as described.
    pub consent: bool,
    /// When the form was opened (milliseconds since the epoch). Required:
    /// a submission sent sooner than [`MIN_FILL_MILLIS`] after it is a
    /// bot's. (An `Option` only so that a request without it gets an
    /// answer that names it.)
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true))]
    pub started_at: Option<i64>,
    /// A field people never see; bots fill it in.
    pub nickname: String,
    /// The group has seen the duplicate warning and submits anyway.
    pub confirm_duplicate: bool,
}

impl SubmissionRequest {
    /// The minimum fill time, at `now_millis`: `started_at` must be there,
    /// and at least [`MIN_FILL_MILLIS`] ago.
    pub fn check_fill_time(&self, now_millis: i64) -> Result<(), FieldError> {
        check_fill_time(self.started_at, now_millis)
    }

    /// The rules of the join form on top of those of an organisation: a
    /// contact address and consent are required.
    pub fn validate(&self) -> Result<NewOrganization, Vec<FieldError>> {
        let mut errors = match self.organization.validate() {
            Ok(org) => {
                if org.contact_email.is_none() {
                    vec![
                        FieldError::new(
                            "contact_email",
                            "is required, so that moderators can reach you (it is never shown)",
                        )
                        .code("contact_required"),
                    ]
                } else if self.consent {
                    return Ok(org);
                } else {
                    Vec::new()
                }
            }
            Err(errors) => errors,
        };
        if self
            .organization
            .contact_email
            .as_deref()
            .is_none_or(|e| e.trim().is_empty())
            && !errors.iter().any(|e| e.field == "contact_email")
        {
            errors.push(
                FieldError::new(
                    "contact_email",
                    "is required, so that moderators can reach you (it is never shown)",
                )
                .code("contact_required"),
            );
        }
        if !self.consent {
            errors.push(
                FieldError::new(
                    "consent",
                    "please agree to your group being shown on the map",
                )
                .code("consent"),
            );
        }
        Err(errors)
    }
}

/// `201` answer to a submission. The edit token is shown once and never
/// again: only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmissionCreated {
    pub id: OrgId,
    pub status: Status,
    pub edit_token: String,
    pub edit_url: String,
    /// Whether the link was also queued for mailing to the group's contact
    /// address through a configured SMTP server. `false` when the group
    /// gave no address, or the map sends no mail (none configured, mail
    /// disabled): the link is then in this answer only, and the join page
    /// says so.
    #[serde(default)]
    pub link_mailed: bool,
}

/// `GET /api/edit/{token}`: the group's own entry, private fields included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditView {
    pub id: OrgId,
    pub status: Status,
    /// What is stored (and public, when published).
    pub current: NewOrganization,
    /// A change waiting for a moderator, if any.
    pub pending: Option<NewOrganization>,
    /// Whether the group is listed in the Murmurations network (its
    /// profile at `/org/{id}/murmurations.json`); it may opt out.
    #[serde(default = "listed")]
    pub murmurations: bool,
}

fn listed() -> bool {
    true
}

/// `PUT /api/edit/{token}/murmurations`: to be listed in the Murmurations
/// network, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MurmurationsChoice {
    pub listed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RevisionKind {
    Submission,
    Edit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RevisionStatus {
    Pending,
    Approved,
    Rejected,
    /// A newer edit replaced it before a decision, or the entry was withdrawn.
    Superseded,
}

/// A submission or an edit, as a moderator reviews it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    pub id: RevisionId,
    pub org_id: OrgId,
    pub kind: RevisionKind,
    pub status: RevisionStatus,
    pub data: NewOrganization,
    /// The entry as it stands, to compare an edit with.
    pub current: NewOrganization,
    pub org_status: Status,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
    /// The source an imported entry came from (`import --source`); none
    /// for a group's own submission.
    #[serde(default)]
    pub source: Option<String>,
    /// Other pending or published entries with the same name near the
    /// exact point: shown to moderators only, never to whoever submits.
    #[serde(default)]
    pub possible_duplicates: Vec<PossibleDuplicate>,
}

/// `POST /api/edit/{token}/replace`: the entry's new private edit link;
/// the old one no longer opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewEditLink {
    pub edit_url: String,
    pub edit_token: String,
}

/// An entry that may be the same group as the one under review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PossibleDuplicate {
    pub id: OrgId,
    pub name: OrgName,
    pub status: Status,
}

/// A page of the moderation queue, oldest first, and how many wait in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuePage {
    pub items: Vec<Revision>,
    pub total: u64,
}

/// `POST /api/admin/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in moderator, with the token state-changing requests must
/// send back in `X-CSRF-Token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub username: String,
    pub csrf_token: String,
}

/// `POST /api/admin/submissions/{id}/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectRequest {
    pub reason: String,
}

/// `POST /api/admin/submissions/{id}/approve`: optionally with the
/// moderator's corrections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproveRequest {
    pub edited: Option<OrganizationInput>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// Who did it: a moderator's user name (kept when the account is
    /// removed), `group` (through its edit link), `retention`, or
    /// `import:SOURCE`.
    pub actor: String,
    pub action: String,
    pub org_id: Option<OrgId>,
    /// The entry's name as it is now, in every language it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_name: Option<OrgName>,
    pub revision_id: Option<RevisionId>,
    pub detail: Option<String>,
    /// What a moderator corrected of what the group sent, when approving
    /// it with changes (private values left out: see [`corrections`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
}

/// One field that differs between two versions of an entry: its name in
/// [`OrganizationInput`] (`name`, `category`, `precision`, …) and its value
/// before and after, as that input's JSON has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: String,
    /// `null` for a private field whose value is not kept.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub before: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub after: serde_json::Value,
}

/// The fields of an entry in the order a person reads them.
pub const FIELDS: [&str; 12] = [
    "name",
    "description",
    "category",
    "city",
    "country",
    "location",
    "precision",
    "website",
    "links",
    "languages",
    "tags",
    "contact_email",
];

/// The fields whose values never leave the moderators' queue: the
/// contact address and the exact point.
pub const PRIVATE_FIELDS: [&str; 2] = ["contact_email", "location"];

/// Every field that differs from `before` to `after`, in [`FIELDS`] order.
pub fn changes(before: &NewOrganization, after: &NewOrganization) -> Vec<FieldChange> {
    let as_json =
        |o: &NewOrganization| serde_json::to_value(OrganizationInput::from(o)).unwrap_or_default();
    let (a, b) = (as_json(before), as_json(after));
    FIELDS
        .iter()
        .filter_map(|f| {
            let (x, y) = (&a[*f], &b[*f]);
            (x != y).then(|| FieldChange {
                field: (*f).to_owned(),
                before: x.clone(),
                after: y.clone(),
            })
        })
        .collect()
}

/// [`changes`] as the audit log keeps them for good: a private field is
/// named, but its values are left out (retention erases them elsewhere).
pub fn corrections(before: &NewOrganization, after: &NewOrganization) -> Vec<FieldChange> {
    let mut list = changes(before, after);
    for c in &mut list {
        if PRIVATE_FIELDS.contains(&c.field.as_str()) {
            c.before = serde_json::Value::Null;
            c.after = serde_json::Value::Null;
        }
    }
    list
}

impl From<&NewOrganization> for OrganizationInput {
    fn from(o: &NewOrganization) -> Self {
        OrganizationInput {
            name: o
                .name
                .text()
                .iter()
                .map(|(l, t)| (l.to_string(), t.to_owned()))
                .collect(),
            description: o
                .description
                .text()
                .iter()
                .map(|(l, t)| (l.to_string(), t.to_owned()))
                .collect(),
            category: o.category.to_string(),
            city: o.city.to_string(),
            country: o.country.to_string(),
            location: Some(crate::org::RawLocation {
                lat: o.location.lat(),
                lon: o.location.lon(),
            }),
            precision: Some(o.precision.as_str().to_owned()),
            website: o.website.as_ref().map(ToString::to_string),
            links: o.links.iter().map(ToString::to_string).collect(),
            languages: o.languages.iter().map(ToString::to_string).collect(),
            tags: o.tags.iter().map(ToString::to_string).collect(),
            contact_email: o.contact_email.as_ref().map(ToString::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> SubmissionRequest {
        let org: OrganizationInput = serde_json::from_value(serde_json::json!({
            "name": {"en": "Neighbours"},
            "description": {"en": "We meet."},
            "category": "jerusalem",
            "city": "Jerusalem",
            "country": "PS",
            "location": {"lat": 31.78, "lon": 35.23},
            "contact_email": "we@example.org"
        }))
        .unwrap();
        SubmissionRequest {
            organization: org,
            consent: true,
            ..Default::default()
        }
    }

    #[test]
    fn join_form_needs_contact_and_consent() {
        assert!(request().validate().is_ok());
        let refused = |r: SubmissionRequest| -> Vec<String> {
            r.validate()
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let mut r = request();
        r.consent = false;
        r.organization.contact_email = None;
        assert_eq!(refused(r), ["contact_email", "consent"]);
        let mut r = request();
        r.organization.city = String::new();
        r.consent = false;
        assert_eq!(refused(r), ["city", "consent"]);
    }

    #[test]
    fn the_fill_time_is_required_and_long_enough() {
        let now = 1_700_000_000_000;
        let mut r = request();
        let e = r.check_fill_time(now).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("started_at", "required")
        );
        r.started_at = Some(now - MIN_FILL_MILLIS + 1);
        assert_eq!(r.check_fill_time(now).unwrap_err().field, "form");
        r.started_at = Some(now - MIN_FILL_MILLIS);
        assert!(r.check_fill_time(now).is_ok());
        r.started_at = Some(i64::MIN);
        assert!(r.check_fill_time(now).is_ok());
    }

    #[test]
    fn input_round_trips_through_the_domain_type() {
        let org = request().validate().unwrap();
        assert_eq!(OrganizationInput::from(&org).validate().unwrap(), org);
    }

    #[test]
    fn corrections_name_private_fields_without_their_values() {
        let before = request().validate().unwrap();
        let mut r = request();
        r.organization.tags = vec!["youth".into()];
        r.organization.precision = Some("country".into());
        r.organization.contact_email = Some("other@example.org".into());
        let after = r.validate().unwrap();
        let all = changes(&before, &after);
        let fields: Vec<&str> = all.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["precision", "tags", "contact_email"]);
        assert_eq!(all[0].before, "city");
        assert_eq!(all[0].after, "country");
        assert_eq!(all[2].after, "other@example.org");
        let kept = corrections(&before, &after);
        assert_eq!(kept[1].after, serde_json::json!(["youth"]));
        assert_eq!(kept[2].before, serde_json::Value::Null);
        assert_eq!(kept[2].after, serde_json::Value::Null);
        assert!(changes(&before, &before).is_empty());
    }

    #[test]
    fn flattened_wire_shape() {
        let json = serde_json::to_value(request()).unwrap();
        assert_eq!(json["name"]["en"], "Neighbours");
        assert_eq!(json["consent"], true);
    }
}
