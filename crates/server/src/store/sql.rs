//! Every statement the store runs, written once for SQLite and Postgres.
//!
//! Parameters are numbered (`$1`, `$2`, …), which both drivers bind by
//! number, and ids bind as [`DbId`](super::value::DbId), so no statement
//! needs a cast. The few that cannot be one text are put together here from
//! the [`Backend`]'s pieces.

use solidarity_map_core::OrgFilter;
use sqlx::{Encode, QueryBuilder, Type};

use super::dialect::{Backend, Dialect};
use super::like_pattern;

/// The columns `OrgRow` reads.
macro_rules! org_columns {
    () => {
        "id, name, description, category, city, country, lat, lon, precision, website, links, \
         languages, tags, contact_email, status, created_at, updated_at, \
         coalesce(confirmed_at, created_at) as confirmed_at, stale_at is not null as stale, \
         source"
    };
}

pub(super) use org_columns;

/// `select` of `$columns` (one of the `*_columns!` macros) from `$table`,
/// then `$rest`.
macro_rules! select {
    ($columns:ident from $table:literal, $rest:literal) => {
        concat!("select ", $columns!(), " from ", $table, " ", $rest)
    };
}

/// The columns `RevisionRow` reads.
macro_rules! revision_columns {
    () => {
        "id, org_id, data, kind, status, reason, created_at"
    };
}

// ---- categories

/// Adds a category or updates it by its slug.
pub const UPSERT_CATEGORY: &str = "insert into categories (slug, labels, colour, symbol, position)
     values ($1, $2, $3, $4, $5)
     on conflict (slug) do update set labels = excluded.labels,
         colour = excluded.colour, symbol = excluded.symbol, position = excluded.position";

/// Every category in its order, with how many published entries it has:
/// only published ones count, the public must not learn how many are
/// waiting or were rejected.
pub const CATEGORIES: &str = "select c.slug, c.labels, c.colour, c.symbol,
         (select count(*) from organizations o
           where o.category = c.slug and o.status = 'published') as count
     from categories c
     order by c.position, c.slug";

// ---- organisations

/// The columns an organisation's insert fills, in the order [`bind_org!`]
/// binds them (the time twice).
macro_rules! insert_columns {
    () => {
        "id, name, description, category, city, country, lat, lon, precision, public_lat, \
         public_lon, website, links, languages, tags, contact_email, status, search_text, \
         sort_name, created_at, updated_at"
    };
}

/// The start of a many-row insert: `values (…), (…)` or a `select` follows.
pub const INSERT_ORGANIZATIONS: &str =
    concat!("insert into organizations (", insert_columns!(), ") ");

/// Adds an organisation: `$1` its id, `$2`…`$19` its fields and `$20` the
/// time, of both its creation and its last change (see [`bind_org!`]).
pub const INSERT_ORGANIZATION: &str = concat!(
    "insert into organizations (",
    insert_columns!(),
    ") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
     $18, $19, $20, $20)"
);

/// Binds an organisation's parameters of [`INSERT_ORGANIZATION`] and
/// [`UPDATE_ORGANIZATION`]: `$q.$bind(…)` for each, with `$bind` the
/// builder's method (`bind` for a query, `push_bind` for one row of a
/// many-row insert). `$status` is an `Option<Status>`.
macro_rules! bind_org {
    ($q:expr, $bind:ident, $id:expr, $org:expr, $status:expr, $at:expr) => {{
        let org: &solidarity_map_core::NewOrganization = $org;
        let status: Option<solidarity_map_core::Status> = $status;
        let v = $crate::store::row::OrgValues::of(org);
        $q.$bind($id)
            .$bind(v.name)
            .$bind(v.description)
            .$bind(org.category.as_str())
            .$bind(org.city.as_str())
            .$bind(org.country.as_str())
            .$bind(org.location.lat())
            .$bind(org.location.lon())
            .$bind(org.precision.as_str())
            .$bind(v.public.lat())
            .$bind(v.public.lon())
            .$bind(org.website.as_ref().map(|w| w.as_str()))
            .$bind(v.links)
            .$bind(v.languages)
            .$bind(v.tags)
            .$bind(org.contact_email.as_ref().map(|e| e.as_str()))
            .$bind(status.map(|s| s.as_str()))
            .$bind(v.search_text)
            .$bind(v.sort_name)
            .$bind($at)
    }};
}

pub(super) use bind_org;

/// Replaces the fields of organisation `$1`, with the insert's parameters:
/// the contact address stays when `$16` is null, the status when `$17` is.
/// Fields written afresh are no longer scrubbed ones, and the entry is
/// confirmed as active (an approval, an approved edit, a new import of
/// it): fresh again, asked nothing.
pub const UPDATE_ORGANIZATION: &str = "update organizations set name = $2, description = $3,
         category = $4, city = $5, country = $6, lat = $7, lon = $8, precision = $9,
         public_lat = $10, public_lon = $11, website = $12, links = $13, languages = $14,
         tags = $15, contact_email = coalesce($16, contact_email),
         status = coalesce($17, status), search_text = $18, sort_name = $19,
         updated_at = $20, scrubbed_at = null, confirmed_at = $20, fresh_asked_at = null,
         fresh_reminded_at = null, stale_at = null
     where id = $1";

/// Sets the status of organisation `$3` at time `$2` (a withdrawal, the
/// rejection of a submission).
pub const SET_STATUS: &str = "update organizations set status = $1, updated_at = $2 where id = $3";

/// One organisation, whatever its status.
pub const ORGANIZATION: &str = select!(org_columns from "organizations", "where id = $1");

/// The status of organisation `$1`.
pub const STATUS_OF: &str = "select status from organizations where id = $1";

/// The start of a filtered page; `push_filter`, the order and the limit
/// follow, then [`PAGE_OF_ORGANIZATIONS_END`]. The inner select finds the
/// page's ids from the indexes alone (name and id are in them), so only
/// the page's own rows are read whole.
pub const PAGE_OF_ORGANIZATIONS: &str = concat!(
    select!(org_columns from "organizations", "where id in ("),
    "select id from organizations"
);

/// The end of [`PAGE_OF_ORGANIZATIONS`]: its rows in the page's order.
pub const PAGE_OF_ORGANIZATIONS_END: &str = ") order by sort_name, id";

/// Organisations by id: the dialect's `push_ids` follows. Nothing else
/// narrows it, so both databases look each id up in the primary key (with
/// a status or an order here they chose to walk the name index instead).
pub const AMONG: &str = select!(org_columns from "organizations", "where true");

/// How many organisations there are; `push_filter` may follow.
pub const COUNT_ORGANIZATIONS: &str = "select count(*) from organizations";

/// Keyset pages in id order (the primary key's): the first page…
pub const PUBLISHED_FIRST: &str =
    select!(org_columns from "organizations", "where status = 'published' order by id limit $1");

/// … and every later one, after id `$2` (which need not exist).
pub const PUBLISHED_AFTER: &str = select!(org_columns from "organizations",
    "where status = 'published' and id > $2 order by id limit $1");

/// The columns of a `PointRow`.
macro_rules! point_columns {
    () => {
        "id, public_lon, public_lat, category, country, stale_at is not null as stale, languages,
         sort_name"
    };
}

/// Every published marker, in no order.
pub const PUBLISHED_POINTS: &str =
    select!(point_columns from "organizations", "where status = 'published'");

/// The marker of one organisation, if it is published.
pub const PUBLISHED_POINT: &str =
    select!(point_columns from "organizations", "where id = $1 and status = 'published'");

/// What a facet counts published entries by.
#[derive(Debug, Clone, Copy)]
pub enum Facet {
    Category,
    Country,
    /// An entry counts once in each language it works in.
    Language,
}

/// The start and the end of the query that counts published entries per
/// value of `facet`, most first: [`push_filter`] goes between them.
pub fn facet_query(backend: Backend, facet: Facet) -> (String, String) {
    let (code, from) = match facet {
        Facet::Category => ("category", "organizations".to_owned()),
        Facet::Country => ("country", "organizations".to_owned()),
        Facet::Language => (
            "j.value",
            format!(
                "organizations o, {}",
                backend.json_array_values("o.languages")
            ),
        ),
    };
    (
        format!("select {code} as code, count(*) as count from {from}"),
        format!(" group by {code} order by count(*) desc, {code}"),
    )
}

/// The start and the end of the query that counts all three facets in
/// one pass, when they share their filter (it chooses no category,
/// country or language, so no facet leaves out a filter of its own): the
/// matching entries are read once (words, hidden stale entries) and
/// counted three ways, each row `(facet, code, count)` with facet 0 for
/// categories, 1 for countries and 2 for languages. [`push_filter`] goes
/// between them.
pub fn all_facets_query(backend: Backend) -> (&'static str, String) {
    (
        "with m as materialized (select category, country, languages from organizations",
        format!(
            ")
             select 0 as facet, category as code, count(*) as count from m group by category
             union all
             select 1, country, count(*) from m group by country
             union all
             select 2, j.value, count(*) from m, {} group by j.value",
            backend.json_array_values("m.languages")
        ),
    )
}

/// Published entries per month (UTC) they were added, oldest first.
pub fn published_by_month(backend: Backend) -> String {
    format!(
        "select {month} as code, count(*) as count
         from organizations
         where status = 'published'
         group by 1 order by 1",
        month = backend.month_of("created_at")
    )
}

/// The languages of the names and descriptions of published entries (the
/// keys of their json objects), once each, in no order.
pub fn text_languages(backend: Backend) -> String {
    format!(
        "select j.key from organizations o, {name} where o.status = 'published'
         union
         select j.key from organizations o, {description} where o.status = 'published'",
        name = backend.json_object_keys("o.name"),
        description = backend.json_object_keys("o.description")
    )
}

// ---- imports

/// The entry imported before from source `$1` under its id `$2` there.
pub const IMPORTED: &str =
    "select id from organizations where external_source = $1 and external_id = $2";

/// 1 when id `$1` is taken, else 0.
pub const ID_TAKEN: &str = "select count(*) from organizations where id = $1";

/// Notes where organisation `$3` was imported from.
pub const SET_IMPORTED: &str =
    "update organizations set external_source = $1, external_id = $2 where id = $3";

// ---- moderation

pub const SET_EDIT_TOKEN: &str = "update organizations set edit_token_hash = $1 where id = $2";

/// The entry whose edit token hash is `$2` gets the hash `$1`.
pub const REPLACE_EDIT_TOKEN: &str =
    "update organizations set edit_token_hash = $1 where edit_token_hash = $2";

/// The pending and published entries whose contact address is `$1` in
/// lower case: whose edit links a recovery replaces.
pub const CONTACTED: &str = select!(org_columns from "organizations",
    "where lower(contact_email) = $1 and status in ('pending', 'published') order by id");

/// The entry an edit token (its hash) opens.
pub const EDITED_BY_TOKEN: &str = "select id from organizations where edit_token_hash = $1";

/// Published entries with the folded name `$1` whose *public* point lies in
/// the box `$2`…`$5` (latitudes, then longitudes). What a stranger's
/// submission is compared with: public data only, so the answer cannot
/// reveal an exact point or a pending entry.
pub const SIMILAR: &str = "select id from organizations
     where sort_name = $1 and status = 'published'
       and public_lat between $2 and $3 and public_lon between $4 and $5";

/// For moderators: each entry with a pending revision on the page
/// (`$1` revisions from the `$2`th, as [`PENDING_PAGE`]) and the other
/// pending or published entries with its folded name within about 20 km of
/// its exact point (0.2° of latitude, 0.25° of longitude).
pub const POSSIBLE_DUPLICATES: &str = "select s.id as org_id, o.id, o.name, o.status
     from organizations s
     join organizations o on o.sort_name = s.sort_name and o.id <> s.id
       and o.status in ('pending', 'published')
       and o.lat between s.lat - 0.2 and s.lat + 0.2
       and o.lon between s.lon - 0.25 and s.lon + 0.25
     where s.id in (select org_id from revisions where status = 'pending'
                    order by created_at, id limit $1 offset $2)
     order by o.created_at, o.id";

/// A new pending revision of kind `$4` (`submission` or `edit`).
pub const INSERT_REVISION: &str =
    "insert into revisions (id, org_id, data, kind, status, created_at)
     values ($1, $2, $3, $4, 'pending', $5)";

pub const REVISION: &str = select!(revision_columns from "revisions", "where id = $1");

/// The newest pending revision of an organisation.
pub const PENDING_REVISION_OF: &str = select!(revision_columns from "revisions",
    "where org_id = $1 and status = 'pending'
     order by created_at desc limit 1"
);

/// A page of the queue, oldest first: `$1` revisions from the `$2`th.
pub const PENDING_PAGE: &str = select!(revision_columns from "revisions",
    "where status = 'pending' order by created_at, id limit $1 offset $2");

/// How many revisions wait for a decision.
pub const COUNT_PENDING: &str = "select count(*) from revisions where status = 'pending'";

/// The entries of the revisions of a page of the queue (as [`PENDING_PAGE`]),
/// in one read instead of one a revision.
pub const PENDING_PAGE_ORGS: &str = select!(org_columns from "organizations",
    "where id in (select org_id from revisions where status = 'pending'
                    order by created_at, id limit $1 offset $2)"
);

/// Where the imported entries of a page of the queue (as [`PENDING_PAGE`])
/// came from.
pub const PENDING_PAGE_SOURCES: &str = "select id, external_source from organizations
     where external_source is not null
       and id in (select org_id from revisions where status = 'pending'
                  order by created_at, id limit $1 offset $2)";

/// The pending revisions of an organisation are replaced (by a newer edit)
/// or moot (it was withdrawn).
pub const SUPERSEDE: &str =
    "update revisions set status = 'superseded' where org_id = $1 and status = 'pending'";

/// Approves revision `$4` as the data `$1` that was published, if it is
/// still pending: no row changes when another decision or a withdrawal
/// came first (on Postgres the statement waits for that one to commit,
/// then sees its outcome).
pub const APPROVE_REVISION: &str = "update revisions
     set status = 'approved', data = $1, decided_by = $2, decided_at = $3
     where id = $4 and status = 'pending'";

/// Rejects revision `$4` for the reason `$1`, if it is still pending (see
/// [`APPROVE_REVISION`]).
pub const REJECT_REVISION: &str = "update revisions
     set status = 'rejected', reason = $1, decided_by = $2, decided_at = $3
     where id = $4 and status = 'pending'";

// ---- retention

/// Withdrawn and rejected entries whose status changed at `$1` or before
/// and whose private fields are still kept, oldest first.
pub const EXPIRED: &str = "select id from organizations
     where status in ('withdrawn', 'rejected') and scrubbed_at is null and updated_at <= $1
     order by updated_at, id";

/// Scrubs withdrawn or rejected organisation `$1` at time `$2`: no contact
/// address, and the public point as its point. Never a pending or
/// published one, whatever the caller asks.
pub const SCRUB_ORGANIZATION: &str = "update organizations
     set contact_email = null, lat = public_lat, lon = public_lon, scrubbed_at = $2
     where id = $1 and status in ('withdrawn', 'rejected')";

/// [`SCRUB_ORGANIZATION`] for the retention job: only while the entry is
/// still unscrubbed and its status changed at `$3` or before (it may have
/// changed since [`EXPIRED`] listed it).
pub const SCRUB_EXPIRED_ORGANIZATION: &str = "update organizations
     set contact_email = null, lat = public_lat, lon = public_lon, scrubbed_at = $2
     where id = $1 and status in ('withdrawn', 'rejected')
       and scrubbed_at is null and updated_at <= $3";

/// The edit link of organisation `$1` stops working.
pub const CLEAR_EDIT_TOKEN: &str = "update organizations set edit_token_hash = null where id = $1";

/// Every revision of organisation `$1`, whatever its status: the json
/// each keeps.
pub const REVISION_DATA_OF: &str = "select id, data from revisions where org_id = $1";

/// Replaces the json of revision `$2` with `$1`.
pub const SET_REVISION_DATA: &str = "update revisions set data = $1 where id = $2";

/// A line of the audit log; `$7` is the json of a moderator's
/// corrections, or null.
pub const INSERT_AUDIT: &str =
    "insert into audit_log (at, actor, action, org_id, revision_id, detail, changes)
     values ($1, $2, $3, $4, $5, $6, $7)";

/// Hands out the next change number. The row stays locked until the
/// change commits, so numbers commit in order (see migration 0005); a
/// change runs it last, just before it commits.
pub const NEXT_CHANGE: &str = "update change_head set seq = seq + 1 where one = 1 returning seq";

/// Records change `$1` to entry `$2` (null: to many at once) at `$3`.
pub const INSERT_CHANGE: &str = "insert into changes (seq, org_id, at) values ($1, $2, $3)";

/// The number of the last committed change (0 before the first).
pub const CHANGE_HEAD: &str = "select seq from change_head where one = 1";

/// Up to `$2` changes after number `$1`, in order.
pub const CHANGES_AFTER: &str = "select seq, org_id, at from changes
     where seq > $1
     order by seq limit $2";

/// The channel a change is announced on when it commits (Postgres).
pub const CHANGE_CHANNEL: &str = "solidarity_map_changes";

/// Forgets the changes made before `$1` (and always keeps the last one,
/// so that a gap after it is seen as one).
pub const PRUNE_CHANGES: &str = "delete from changes
     where at < $1 and seq < (select seq from change_head where one = 1)";

/// The newest `$1` lines of the audit log first, each with the name its
/// entry has now (the actor is kept as a user name, so a removed
/// moderator is still named).
pub const AUDIT_LOG: &str = "select a.id, a.at, a.actor, a.action, a.org_id, o.name as org_name,
         a.revision_id, a.detail, a.changes
     from audit_log a
     left join organizations o on o.id = a.org_id
     order by a.id desc limit $1";

// ---- backups

/// The version of the newest migration applied (sqlx's table).
pub const SCHEMA_VERSION: &str = "select max(version) from _sqlx_migrations";

/// What a restore must not overwrite: how many organisations, moderators
/// and lines of the audit log there are.
pub const HOLDINGS: &str = "select (select count(*) from organizations),
         (select count(*) from users),
         (select count(*) from audit_log)";

// ---- moderators and their sessions

pub const INSERT_USER: &str =
    "insert into users (id, username, password_hash, created_at) values ($1, $2, $3, $4)";

pub const USER: &str = "select id, username, password_hash from users where username = $1";

pub const INSERT_SESSION: &str =
    "insert into sessions (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, $4)";

/// The moderator of a session that has not expired at `$2`.
pub const SESSION: &str = "select u.username, s.csrf_token
     from sessions s join users u on u.id = s.user_id
     where s.token_hash = $1 and s.expires_at > $2";

pub const DELETE_SESSION: &str = "delete from sessions where token_hash = $1";

/// Every moderator by user name, with their sessions unexpired at `$1`.
pub const USERS: &str = "select u.username, u.created_at,
         (select count(*) from sessions s
           where s.user_id = u.id and s.expires_at > $1) as live_sessions
     from users u
     order by u.username";

/// The id of moderator `$1`.
pub const USER_ID: &str = "select id from users where username = $1";

/// Removes moderator `$1` (their sessions first: they reference the user).
pub const DELETE_USER: &str = "delete from users where id = $1";

/// Gives moderator `$1` the password hash `$2`.
pub const SET_PASSWORD_HASH: &str = "update users set password_hash = $2 where id = $1";

/// Ends every session of moderator `$1`.
pub const DELETE_SESSIONS_OF: &str = "delete from sessions where user_id = $1";

/// Deletes the sessions expired at `$1`: [`SESSION`] never opens them.
pub const PURGE_EXPIRED_SESSIONS: &str = "delete from sessions where expires_at <= $1";

/// The filter as a `where` clause of published entries.
///
/// `by_position`: the box may use the position index. When the box matches
/// most of the table, walking the name index and skipping what lies outside
/// is far cheaper than sorting every match by name, so the caller turns it
/// off (see [`Backend::by_position`]): a unary `+` hides the columns from
/// the planner.
pub fn push_filter<'a, D: Dialect>(qb: &mut QueryBuilder<'a, D>, f: &OrgFilter, by_position: bool)
where
    f64: Encode<'a, D> + Type<D>,
    String: Encode<'a, D> + Type<D>,
{
    qb.push(" where status = 'published'");
    let col = |c: &str| {
        if by_position {
            format!(" {c}")
        } else {
            format!(" +{c}")
        }
    };
    if let Some(b) = f.bbox {
        let (lat, lon) = (col("public_lat"), col("public_lon"));
        // `and lat between $ and $`, and the same of lon unless the box
        // crosses the antimeridian: then `and (lon >= $ or lon <= $)`
        qb.push(format!(" and{lat} between ")).push_bind(b.min_lat);
        qb.push(" and ").push_bind(b.max_lat);
        if b.crosses_antimeridian() {
            qb.push(" and (public_lon >= ").push_bind(b.min_lon);
            qb.push(" or public_lon <= ").push_bind(b.max_lon).push(")");
        } else {
            qb.push(format!(" and{lon} between ")).push_bind(b.min_lon);
            qb.push(" and ").push_bind(b.max_lon);
        }
    }
    if !f.categories.is_empty() {
        let slugs = f.categories.iter().map(|c| c.as_str().to_owned()).collect();
        D::push_one_of(qb, "category", slugs);
    }
    if let Some(c) = f.country {
        qb.push(" and country = ").push_bind(c.as_str().to_owned());
    }
    if f.hide_stale {
        qb.push(" and stale_at is null");
    }
    if let Some(l) = &f.language {
        // languages is a json array of codes: match the quoted code
        qb.push(" and languages like ")
            .push_bind(format!("%\"{}\"%", l.as_str()));
    }
    if let Some(q) = f.normalized_q() {
        // the words as typed, or a name of the same city in another
        // language (q_also, from the gazetteer)
        qb.push(" and (search_text like ")
            .push_bind(like_pattern(&q))
            .push(" escape '\\'");
        for also in &f.q_also {
            qb.push(" or search_text like ")
                .push_bind(like_pattern(also))
                .push(" escape '\\'");
        }
        qb.push(")");
    }
}
