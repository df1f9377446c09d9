//! The statements of freshness (see `freshness.rs`), written once for
//! SQLite and Postgres like those of `sql.rs`. An entry's last
//! confirmation is `coalesce(confirmed_at, created_at)`: a new entry
//! counts from its creation until its approval writes the column. Each
//! step's update repeats its question's condition, so that of two
//! instances only the first to take the step changes the row.

/// Published entries with an address, not asked since they were last
/// confirmed at `$1` or before: `$2` at most.
pub const ASK_DUE: &str = "select id from organizations
     where status = 'published' and contact_email is not null and fresh_asked_at is null
       and coalesce(confirmed_at, created_at) <= $1
     order by id limit $2";

/// Entry `$1` is asked at `$2`, while it still qualifies (`$3` as `$1` of
/// [`ASK_DUE`]).
pub const MARK_ASKED: &str = "update organizations set fresh_asked_at = $2
     where id = $1 and status = 'published' and contact_email is not null
       and fresh_asked_at is null and coalesce(confirmed_at, created_at) <= $3";

/// Published entries asked at `$1` or before and not reminded: `$2` at most.
pub const REMIND_DUE: &str = "select id from organizations
     where status = 'published' and fresh_reminded_at is null and fresh_asked_at <= $1
     order by id limit $2";

/// Entry `$1` is reminded at `$2`, while it still qualifies (`$3` as `$1`
/// of [`REMIND_DUE`]).
pub const MARK_REMINDED: &str = "update organizations set fresh_reminded_at = $2
     where id = $1 and status = 'published' and fresh_reminded_at is null
       and fresh_asked_at <= $3";

/// Published entries, not stale yet, reminded at `$1` or before, or never
/// asked and last confirmed at `$2` or before: `$3` at most. A mirrored
/// entry never is: its own map asks its group.
pub const STALE_DUE: &str = "select id from organizations
     where status = 'published' and stale_at is null and mirror_id is null
       and (fresh_reminded_at <= $1
            or (fresh_asked_at is null and coalesce(confirmed_at, created_at) <= $2))
     order by id limit $3";

/// Entry `$1` is stale from `$2`, while it still qualifies (`$3` and `$4`
/// as `$1` and `$2` of [`STALE_DUE`]).
pub const MARK_STALE: &str = "update organizations set stale_at = $2
     where id = $1 and status = 'published' and stale_at is null and mirror_id is null
       and (fresh_reminded_at <= $3
            or (fresh_asked_at is null and coalesce(confirmed_at, created_at) <= $4))";

/// Published entry `$1` is confirmed as active at `$2`.
pub const CONFIRM: &str = "update organizations
     set confirmed_at = $2, fresh_asked_at = null, fresh_reminded_at = null, stale_at = null
     where id = $1 and status = 'published'";

/// Stale entry `$1` is withdrawn at `$2`.
pub const ARCHIVE: &str = "update organizations set status = 'withdrawn', updated_at = $2
     where id = $1 and status = 'published' and stale_at is not null";

/// Published entry `$1` gets the edit token hash `$2`.
pub const RENEW_EDIT_TOKEN: &str = "update organizations set edit_token_hash = $2
     where id = $1 and status = 'published'";

/// The stale entries, longest stale first: `$1` at most.
pub const STALE_PAGE: &str = "select id, name, city, country,
         coalesce(confirmed_at, created_at), stale_at, fresh_asked_at is not null
     from organizations
     where status = 'published' and stale_at is not null
     order by stale_at, id limit $1";

pub const COUNT_STALE: &str =
    "select count(*) from organizations where status = 'published' and stale_at is not null";

/// Published entries: how many fresh, how many stale.
pub const FRESHNESS_COUNTS: &str = "select count(case when stale_at is null then 1 end),
         count(case when stale_at is not null then 1 end)
     from organizations where status = 'published'";

/// Stores key `$1` as `$2`, made at `$3`, unless one is stored.
pub const INSERT_LINK_KEY: &str = "insert into link_keys (name, key, created_at)
     values ($1, $2, $3) on conflict (name) do nothing";

/// The key named `$1`.
pub const LINK_KEY: &str = "select key from link_keys where name = $1";
