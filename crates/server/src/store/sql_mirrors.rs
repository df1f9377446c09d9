//! The statements of mirroring (see `mirrors.rs`), written once for SQLite
//! and Postgres like those of `sql.rs`.

/// Adds a mirror: `$1` its address, `$2` its name, `$3` `$4` its licence,
/// `$5` the categories taken (json), `$6` the box, `$7` whether new
/// entries are published (1), `$8` now.
pub const INSERT_MIRROR: &str = "insert into mirrors
     (url, name, license, license_url, categories, bbox, publish, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id";

/// Entries a mirror of address `$2` kept before it was removed: the new
/// mirror `$1` keeps them again, so they are not taken for this map's own.
pub const ADOPT_MIRRORED: &str = "update organizations set mirror_id = $1
     where mirror_id is null and external_source = $2";

/// Every mirror, oldest first, with how many entries it keeps and how
/// many of them are hidden.
pub const MIRRORS: &str = "select m.id, m.url, m.name, m.license, m.license_url, m.categories,
            m.bbox, m.publish, m.cursor, m.state, m.error, m.last_read,
            (select count(*) from organizations o where o.mirror_id = m.id) as entries,
            (select count(*) from organizations o
              where o.mirror_id = m.id and o.hidden <> 0) as hidden
       from mirrors m order by m.id";

/// Moves mirror `$1`'s cursor from `$2` (null before the first read) to
/// `$3`, with the licence `$4` `$5` its feed names and the time `$6` of
/// the read, if it is still there and the mirror is following.
pub const MOVE_MIRROR: &str = "update mirrors
        set cursor = $3, license = $4, license_url = $5, last_read = $6, error = null
      where id = $1 and state = 'following' and coalesce(cursor, '') = coalesce($2, '')";

/// Who keeps entry `$1` (its mirror, or null), whether it is hidden
/// (0 no, 1 yes, 2 yes and gone from its source), its status, and whether
/// it came from another map (a mirror since removed kept it when it has a
/// source but no mirror: another may take it on).
pub const KEPT_BY: &str = "select mirror_id, hidden, status, source is not null
     from organizations where id = $1";

/// Entry `$4` was last confirmed at `$1` and is stale (`$2` = 1, since
/// `$3` unless it was already) or not, as its own map says.
pub const SET_FRESHNESS: &str = "update organizations
        set confirmed_at = $1,
            stale_at = case when $2 = 1 then coalesce(stale_at, $3) else null end
      where id = $4";

/// Notes that entry `$5` is kept by mirror `$1`, from the source `$2`
/// (json); `$3` names the map (`mirror:` and its address) and `$4` is the
/// entry's id there, so a later mirror of the same map keeps it again.
pub const SET_MIRRORED: &str = "update organizations
        set mirror_id = $1, source = $2, external_source = $3, external_id = $4
      where id = $5";

/// The source (json) `$1` of entry `$2`.
pub const SET_SOURCE: &str = "update organizations set source = $1 where id = $2";

/// Whether entry `$2` is hidden (see [`KEPT_BY`]).
pub const SET_HIDDEN: &str = "update organizations set hidden = $1 where id = $2";

/// The entries mirror `$1` keeps that are public or waiting for a
/// moderator.
pub const MIRRORED_LIVE: &str = "select id from organizations
     where mirror_id = $1 and status in ('published', 'pending')";

/// Notes failure `$2` of mirror `$1`, stopping it when `$3` is 1.
pub const MIRROR_FAILED: &str = "update mirrors
        set error = $2, state = case when $3 = 1 then 'stopped' else state end
      where id = $1";

/// Starts mirror `$1` again.
pub const RESUME_MIRROR: &str =
    "update mirrors set state = 'following', error = null where id = $1";

/// Whether mirror `$1` publishes new entries at once (1), and its address.
pub const MIRROR_PUBLISHES: &str = "select publish, url from mirrors where id = $1";

/// Lets go of mirror `$1`'s entries (they keep the source's name in
/// `external_source`, for a later mirror of the same map).
pub const RELEASE_MIRRORED: &str = "update organizations set mirror_id = null where mirror_id = $1";

/// Forgets mirror `$1`.
pub const DELETE_MIRROR: &str = "delete from mirrors where id = $1";

/// The hidden mirrored entries, most recently changed first.
pub const HIDDEN_ENTRIES: &str = "select id, name, source from organizations
     where hidden <> 0 and mirror_id is not null
     order by updated_at desc, id limit 500";
