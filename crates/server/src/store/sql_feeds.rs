//! The statements of the public feeds (see `feeds.rs`), written once for
//! SQLite and Postgres like those of `sql.rs`.

use super::sql::org_columns;

/// The columns `FeedRow` reads: an organisation's, then when it was first
/// public.
macro_rules! feed_columns {
    () => {
        concat!(org_columns!(), ", published_at")
    };
}

/// Marks entry `$2` first public at `$1` when it is published and never
/// was before: run by every change to one entry, before it is numbered.
pub const MARK_PUBLISHED: &str = "update organizations set published_at = $1
     where id = $2 and status = 'published' and published_at is null";

/// Marks every published entry that never was public before as first
/// public at `$1`: run by every change to many.
pub const MARK_ALL_PUBLISHED: &str = "update organizations set published_at = $1
     where status = 'published' and published_at is null";

/// Whether entry `$1` was ever public: its first time, or null.
pub const PUBLISHED_AT: &str = "select published_at from organizations where id = $1";

/// The start of a read of entries by id (`id in (…)` follows).
pub const FEED_ORGS: &str = concat!(
    "select ",
    feed_columns!(),
    " from organizations where published_at is not null and id in ("
);

/// Up to `$3` entries once public, last written at `$1`, after id `$2`.
pub const FEED_ORGS_WRITTEN_AFTER: &str = concat!(
    "select ",
    feed_columns!(),
    " from organizations
     where updated_at = $1 and id > $2 and published_at is not null
     order by id limit $3"
);

/// Up to `$2` entries once public, last written at `$1`, from the first.
pub const FEED_ORGS_WRITTEN_FIRST: &str = concat!(
    "select ",
    feed_columns!(),
    " from organizations
     where updated_at = $1 and published_at is not null
     order by id limit $2"
);

/// Whether entry `$1` is listed in the Murmurations network (1) or not.
pub const MURMURATIONS_LISTED: &str = "select murmurations from organizations where id = $1";

/// Lists (`$1` = 1) entry `$2` in the Murmurations network, or not (0).
pub const SET_MURMURATIONS: &str = "update organizations set murmurations = $1 where id = $2";

/// How far the Murmurations index has been told.
pub const MURMURATIONS_CURSOR: &str = "select seq from murmurations_cursor where one = 1";

/// Moves that place from `$1` to `$2`.
pub const MOVE_MURMURATIONS_CURSOR: &str =
    "update murmurations_cursor set seq = $2 where one = 1 and seq = $1";

/// The start of the newest published entries (`push_filter`, the order
/// and the limit follow).
pub const NEWEST_PUBLISHED: &str = concat!("select ", feed_columns!(), " from organizations");
