//! How the store writes ids and times, the same on both databases.
//!
//! Ids are uuids: Postgres keeps them in `uuid` columns, SQLite as
//! lower-case hyphenated text (whose text order is the uuid's order).
//! [`DbId`] binds and reads as the column's own type on each, so one SQL
//! text serves both, with no cast in it.
//!
//! Times come from this process, never from a database's `now()`, read
//! once per change ([`now`]) and kept to whole microseconds, which is what
//! Postgres stores: what a write returns is what a later read gives, on
//! either database, and every row one change writes carries the same time.

use chrono::{DateTime, Utc};
use solidarity_map_core::{OrgId, RevisionId};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

/// A uuid as an id column stores it (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct DbId(pub Uuid);

impl DbId {
    /// A fresh random id.
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl std::fmt::Display for DbId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Each typed id of the domain is stored as a [`DbId`].
macro_rules! stored_as_db_id {
    ($($id:ident),*) => {$(
        impl From<$id> for DbId {
            fn from(id: $id) -> Self {
                Self(id.0)
            }
        }

        impl From<DbId> for $id {
            fn from(id: DbId) -> Self {
                $id(id.0)
            }
        }
    )*};
}

stored_as_db_id!(OrgId, RevisionId);

impl Type<Sqlite> for DbId {
    fn type_info() -> SqliteTypeInfo {
        <Hyphenated as Type<Sqlite>>::type_info()
    }
}

impl<'q> Encode<'q, Sqlite> for DbId {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <Hyphenated as Encode<'q, Sqlite>>::encode(self.0.hyphenated(), buf)
    }
}

impl Decode<'_, Sqlite> for DbId {
    fn decode(value: SqliteValueRef<'_>) -> Result<Self, BoxDynError> {
        <Hyphenated as Decode<Sqlite>>::decode(value).map(|h| Self(h.into_uuid()))
    }
}

impl Type<Postgres> for DbId {
    fn type_info() -> PgTypeInfo {
        <Uuid as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for DbId {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <Uuid as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl Decode<'_, Postgres> for DbId {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <Uuid as Decode<Postgres>>::decode(value).map(Self)
    }
}

/// The time of a change: this process's clock, to the microsecond.
pub(super) fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// `t` to the microsecond, as Postgres keeps it: a time a caller gives is
/// stored the same on both databases.
pub(super) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}
