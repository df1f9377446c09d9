//! The statements of the contact relay and of the recovery of lost edit
//! links, written once for SQLite and Postgres like those of `sql.rs`.

/// Entry `$1`'s status and whether it switched the relay off (1).
pub const RELAY_OFF: &str = "select status, relay_off from organizations where id = $1";

/// Entry `$1` takes messages (`$2` = 0) or not (1).
pub const SET_RELAY_OFF: &str = "update organizations set relay_off = $2 where id = $1";

/// The address of published entry `$1` that takes messages, if it has one
/// and has not blocked sender `$2`.
pub const RELAY_RECIPIENT: &str = "select contact_email from organizations o
     where o.id = $1 and o.status = 'published' and o.relay_off = 0
       and o.contact_email is not null
       and not exists (select 1 from relay_blocks b where b.org_id = o.id and b.sender = $2)";

/// The "report abuse" link `$1` of a message from sender `$3` to entry
/// `$2`, made at `$4`.
pub const INSERT_REPORT: &str = "insert into relay_reports (token_hash, org_id, sender, created_at)
     values ($1, $2, $3, $4)";

/// The entry and the sender a "report abuse" link (its token's hash `$1`)
/// names, unless it was made before `$2`.
pub const REPORT: &str = "select org_id, sender from relay_reports
     where token_hash = $1 and created_at > $2";

/// Entry `$2` blocks sender `$3`, from `$4` (block `$1`); blocked once
/// however often.
pub const BLOCK_SENDER: &str = "insert into relay_blocks (id, org_id, sender, created_at)
     values ($1, $2, $3, $4) on conflict (org_id, sender) do nothing";

/// Forgets the "report abuse" links made before `$1`.
pub const PRUNE_REPORTS: &str = "delete from relay_reports where created_at <= $1";

/// What entry `$1`'s relay left behind: it is erased.
pub const DELETE_REPORTS_OF: &str = "delete from relay_reports where org_id = $1";
pub const DELETE_BLOCKS_OF: &str = "delete from relay_blocks where org_id = $1";
