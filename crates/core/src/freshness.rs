//! Freshness as moderators read it: the published entries nobody
//! confirmed as active for the operator's period and a reminder after it
//! (`GET /api/admin/stale`), for them to archive or look into. Visitors
//! see the same state as `stale` on each entry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{City, CountryCode, OrgId, OrgName};

/// One stale entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaleEntry {
    pub id: OrgId,
    pub name: OrgName,
    pub city: City,
    pub country: CountryCode,
    /// When it was last confirmed as active.
    pub last_confirmed: DateTime<Utc>,
    /// Since when it is stale.
    pub stale_since: DateTime<Utc>,
    /// Whether the group was asked by mail (an entry without a contact
    /// address, or on a map that sends no mail, never is).
    pub asked: bool,
}

/// `GET /api/admin/stale`: the stale entries, longest stale first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StalePage {
    pub items: Vec<StaleEntry>,
    /// How many there are in all.
    pub total: u64,
}
