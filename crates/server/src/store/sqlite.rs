//! The zero-configuration backend: one file, created on first start.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use solidarity_map_core::{
    Category, CategoryCount, Facets, LangCode, MonthCount, NewOrganization, OrgFilter, OrgId,
    Organization, Status,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use uuid::Uuid;

use futures_util::TryStreamExt;

use super::row::{
    CategoryRow, FacetRow, INSERT_COLUMNS, ORG_COLUMNS, OrgRow, OrgValues, PointRow, labels_json,
    map_insert_error, parse_languages, push_json_points,
};
use super::{
    BULK_ROWS_PER_STATEMENT, ExternalOrg, ImportCounts, Page, PublicPoint, Result, Store,
    bulk_insert_error, like_pattern,
};

/// Up to this many matches a page is found through the position index and
/// sorted; beyond, by walking the name index (see `push_filter`).
const BY_POSITION_UP_TO: i64 = 20_000;

#[derive(Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the file the URL names, e.g.
    /// `sqlite:state/solidarity-map.db`, and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets the map read while a submission is written.
            .journal_mode(SqliteJournalMode::Wal)
            // Durable on commit: an acknowledged submission survives a crash
            // of the process (FULL also survives power loss in WAL mode).
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The filter as a `where` clause. `by_position`: the box may use the
    /// position index; when it matches most of the table, walking the name
    /// index and skipping what lies outside is far cheaper than sorting
    /// every match by name, so the caller turns it off (a unary `+` hides
    /// the columns from the planner).
    fn push_filter(qb: &mut QueryBuilder<'_, Sqlite>, f: &OrgFilter, by_position: bool) {
        qb.push(" where status = 'published'");
        let col = |c: &str| {
            if by_position {
                format!(" {c}")
            } else {
                format!(" +{c}")
            }
        };
        if let Some(b) = f.bbox {
            qb.push(" and")
                .push(col("public_lat"))
                .push(" between ")
                .push_bind(b.min_lat)
                .push(" and ")
                .push_bind(b.max_lat);
            if b.crosses_antimeridian() {
                qb.push(" and (public_lon >= ")
                    .push_bind(b.min_lon)
                    .push(" or public_lon <= ")
                    .push_bind(b.max_lon)
                    .push(")");
            } else {
                qb.push(" and")
                    .push(col("public_lon"))
                    .push(" between ")
                    .push_bind(b.min_lon)
                    .push(" and ")
                    .push_bind(b.max_lon);
            }
        }
        if !f.categories.is_empty() {
            qb.push(" and category in (");
            let mut sep = qb.separated(", ");
            for c in &f.categories {
                sep.push_bind(c.as_str().to_owned());
            }
            qb.push(")");
        }
        if let Some(c) = f.country {
            qb.push(" and country = ").push_bind(c.as_str().to_owned());
        }
        if let Some(l) = &f.language {
            // languages is a json array of codes: match the quoted code
            qb.push(" and languages like ")
                .push_bind(format!("%\"{}\"%", l.as_str()));
        }
        if let Some(q) = f.normalized_q() {
            qb.push(" and search_text like ")
                .push_bind(like_pattern(&q))
                .push(" escape '\\'");
        }
    }
}

/// Replaces an organisation's fields with `org`'s (and the columns derived
/// from them). The contact address is kept when `org` has none, and the
/// status when `status` is `None`: an approval and a re-import share this.
pub(super) async fn update<'e>(
    exec: impl sqlx::SqliteExecutor<'e>,
    id: &str,
    org: &NewOrganization,
    status: Option<Status>,
) -> Result<()> {
    let v = OrgValues::of(org);
    sqlx::query(
        "update organizations set name = ?, description = ?, category = ?,
             city = ?, country = ?, lat = ?, lon = ?, precision = ?,
             public_lat = ?, public_lon = ?, website = ?, links = ?,
             languages = ?, tags = ?,
             contact_email = coalesce(?, contact_email),
             status = coalesce(?, status),
             search_text = ?, sort_name = ?, updated_at = ?
         where id = ?",
    )
    .bind(&v.name)
    .bind(&v.description)
    .bind(org.category.as_str())
    .bind(org.city.as_str())
    .bind(org.country.as_str())
    .bind(org.location.lat())
    .bind(org.location.lon())
    .bind(org.precision.as_str())
    .bind(v.public.lat())
    .bind(v.public.lon())
    .bind(org.website.as_ref().map(|w| w.as_str()))
    .bind(&v.links)
    .bind(&v.languages)
    .bind(&v.tags)
    .bind(org.contact_email.as_ref().map(|e| e.as_str()))
    .bind(status.map(|s| s.as_str()))
    .bind(&v.search_text)
    .bind(&v.sort_name)
    .bind(Utc::now())
    .bind(id)
    .execute(exec)
    .await
    .map_err(|e| map_insert_error(e, &org.category))?;
    Ok(())
}

/// Inserts one organisation through any executor: the pool, or a
/// transaction for all-or-nothing imports.
pub(super) async fn insert<'e>(
    exec: impl sqlx::SqliteExecutor<'e>,
    id: Uuid,
    org: &NewOrganization,
    status: Status,
) -> Result<Organization> {
    let v = OrgValues::of(org);
    let now = Utc::now();
    sqlx::query(&format!(
        "insert into organizations ({INSERT_COLUMNS})
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(id.to_string())
    .bind(&v.name)
    .bind(&v.description)
    .bind(org.category.as_str())
    .bind(org.city.as_str())
    .bind(org.country.as_str())
    .bind(org.location.lat())
    .bind(org.location.lon())
    .bind(org.precision.as_str())
    .bind(v.public.lat())
    .bind(v.public.lon())
    .bind(org.website.as_ref().map(|w| w.as_str()))
    .bind(&v.links)
    .bind(&v.languages)
    .bind(&v.tags)
    .bind(org.contact_email.as_ref().map(|e| e.as_str()))
    .bind(status.as_str())
    .bind(&v.search_text)
    .bind(&v.sort_name)
    .bind(now)
    .bind(now)
    .execute(exec)
    .await
    .map_err(|e| map_insert_error(e, &org.category))?;
    Ok(Organization {
        id: OrgId(id),
        data: org.clone(),
        status,
        created_at: now,
        updated_at: now,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn upsert_categories(&self, categories: &[Category]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (position, c) in categories.iter().enumerate() {
            sqlx::query(
                "insert into categories (slug, labels, colour, symbol, position)
                 values (?, ?, ?, ?, ?)
                 on conflict (slug) do update set labels = excluded.labels,
                     colour = excluded.colour, symbol = excluded.symbol,
                     position = excluded.position",
            )
            .bind(c.slug.as_str())
            .bind(labels_json(c))
            .bind(&c.colour)
            .bind(&c.symbol)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn categories(&self) -> Result<Vec<CategoryCount>> {
        // counts only published entries: the public must not learn how many
        // are waiting or were rejected
        let rows: Vec<CategoryRow> = sqlx::query_as(
            "select c.slug, c.labels, c.colour, c.symbol,
                    (select count(*) from organizations o
                      where o.category = c.slug and o.status = 'published') as count
             from categories c
             order by c.position, c.slug",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(CategoryCount::try_from).collect()
    }

    async fn insert_organization(
        &self,
        org: &NewOrganization,
        status: Status,
    ) -> Result<Organization> {
        insert(&self.pool, Uuid::new_v4(), org, status).await
    }

    async fn insert_organization_with_id(
        &self,
        id: OrgId,
        org: &NewOrganization,
        status: Status,
    ) -> Result<Organization> {
        insert(&self.pool, id.0, org, status).await
    }

    async fn organization(&self, id: OrgId) -> Result<Option<Organization>> {
        let row: Option<OrgRow> = sqlx::query_as(&format!(
            "select id, {ORG_COLUMNS} from organizations where id = ?"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Organization::try_from).transpose()
    }

    async fn published(&self, filter: &OrgFilter) -> Result<Page> {
        // how many match first: it decides how to find the page
        let mut count = QueryBuilder::new("select count(*) from organizations");
        Self::push_filter(&mut count, filter, true);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let by_position = total <= BY_POSITION_UP_TO;
        let mut qb = QueryBuilder::new(format!("select id, {ORG_COLUMNS} from organizations"));
        Self::push_filter(&mut qb, filter, by_position);
        qb.push(" order by sort_name, id limit ")
            .push_bind(i64::from(filter.limit()))
            .push(" offset ")
            .push_bind(i64::try_from(filter.offset).unwrap_or(i64::MAX));
        let rows: Vec<OrgRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        let items = rows
            .into_iter()
            .map(Organization::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn set_status(&self, id: OrgId, status: Status) -> Result<bool> {
        let done = sqlx::query("update organizations set status = ?, updated_at = ? where id = ?")
            .bind(status.as_str())
            .bind(Utc::now())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn import_organizations(
        &self,
        orgs: &[(OrgId, NewOrganization)],
        status: Status,
    ) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        for (id, org) in orgs {
            insert(&mut *tx, id.0, org, status).await?;
        }
        tx.commit().await?;
        Ok(orgs.len())
    }

    async fn bulk_insert(
        &self,
        orgs: &[(OrgId, NewOrganization)],
        status: Status,
    ) -> Result<usize> {
        if orgs.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        for chunk in orgs.chunks(BULK_ROWS_PER_STATEMENT) {
            // insert into organizations (…) values (…), (…), …: the same
            // values as `insert`, up to 1000 rows per statement
            let mut qb = QueryBuilder::<Sqlite>::new(format!(
                "insert into organizations ({INSERT_COLUMNS}) "
            ));
            qb.push_values(chunk, |mut row, (id, org)| {
                let v = OrgValues::of(org);
                row.push_bind(id.0.to_string())
                    .push_bind(v.name)
                    .push_bind(v.description)
                    .push_bind(org.category.as_str().to_owned())
                    .push_bind(org.city.as_str().to_owned())
                    .push_bind(org.country.as_str().to_owned())
                    .push_bind(org.location.lat())
                    .push_bind(org.location.lon())
                    .push_bind(org.precision.as_str())
                    .push_bind(v.public.lat())
                    .push_bind(v.public.lon())
                    .push_bind(org.website.as_ref().map(|w| w.as_str().to_owned()))
                    .push_bind(v.links)
                    .push_bind(v.languages)
                    .push_bind(v.tags)
                    .push_bind(org.contact_email.as_ref().map(|e| e.as_str().to_owned()))
                    .push_bind(status.as_str())
                    .push_bind(v.search_text)
                    .push_bind(v.sort_name)
                    .push_bind(now)
                    .push_bind(now);
            });
            if let Err(e) = qb.build().execute(&mut *tx).await {
                drop(tx);
                return Err(bulk_insert_error(self, e, orgs).await);
            }
        }
        tx.commit().await?;
        Ok(orgs.len())
    }

    async fn published_points(&self) -> Result<Vec<PublicPoint>> {
        let published: i64 =
            sqlx::query_scalar("select count(*) from organizations where status = 'published'")
                .fetch_one(&self.pool)
                .await?;
        let mut points = Vec::with_capacity(usize::try_from(published).unwrap_or(0));
        // sqlx hands SQLite rows over from its worker thread one by one, at
        // ~14 µs a row: a million took 14 s. So the scan sends one json
        // array per 8192 rows instead (~3 s), and reads the table in rowid
        // order (not indexed): through the status index it would visit the
        // rows in longitude order, at random. Public points have at most
        // five decimals, which json's 15 significant digits keep exactly.
        let mut pages = sqlx::query_scalar::<_, String>(
            "select json_group_array(json_array(id, public_lon, public_lat, category, country))
             from organizations not indexed
             where status = 'published'
             group by rowid >> 13",
        )
        .fetch(&self.pool);
        while let Some(page) = pages.try_next().await? {
            push_json_points(&page, &mut points)?;
        }
        Ok(points)
    }

    async fn published_point(&self, id: OrgId) -> Result<Option<PublicPoint>> {
        let row: Option<PointRow<String>> = sqlx::query_as(
            "select id, public_lon, public_lat, category, country
             from organizations
             where id = ? and status = 'published'",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(PublicPoint::try_from).transpose()
    }

    async fn facets(&self) -> Result<Facets> {
        let countries: Vec<FacetRow> = sqlx::query_as(
            "select country as code, count(*) as count from organizations
             where status = 'published'
             group by country order by count(*) desc, country",
        )
        .fetch_all(&self.pool)
        .await?;
        // each published entry counts once per language it works in
        let languages: Vec<FacetRow> = sqlx::query_as(
            "select j.value as code, count(*) as count
             from organizations o, json_each(o.languages) j
             where o.status = 'published'
             group by j.value order by count(*) desc, j.value",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Facets {
            countries: countries.into_iter().map(Into::into).collect(),
            languages: languages.into_iter().map(Into::into).collect(),
        })
    }

    async fn published_by_month(&self) -> Result<Vec<MonthCount>> {
        let months: Vec<FacetRow> = sqlx::query_as(
            // created_at is rfc 3339 text (`2025-03-07T…`): its first seven
            // characters are the month, already in utc
            "select substr(created_at, 1, 7) as code, count(*) as count
             from organizations
             where status = 'published'
             group by substr(created_at, 1, 7)
             order by code",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(months.into_iter().map(Into::into).collect())
    }

    async fn count_organizations(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("select count(*) from organizations")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn published_after(&self, after: Option<OrgId>, limit: u32) -> Result<Vec<Organization>> {
        // ids are lower-case hyphenated uuids, so text order is uuid order
        // (the order Postgres gives); every id is after the empty string.
        // The primary key index walks them in order.
        let rows: Vec<OrgRow> = sqlx::query_as(&format!(
            "select id, {ORG_COLUMNS} from organizations
             where status = 'published' and id > ?
             order by id
             limit ?"
        ))
        .bind(after.map(|id| id.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Organization::try_from).collect()
    }

    async fn published_text_languages(&self) -> Result<Vec<LangCode>> {
        // the keys of the name and description json objects of every
        // published entry, once each
        let codes: Vec<String> = sqlx::query_scalar(
            "select j.key from organizations o, json_each(o.name) j
             where o.status = 'published'
             union
             select j.key from organizations o, json_each(o.description) j
             where o.status = 'published'
             order by 1",
        )
        .fetch_all(&self.pool)
        .await?;
        parse_languages(codes)
    }

    async fn import_external(
        &self,
        source: &str,
        rows: &[ExternalOrg],
        status: Option<Status>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportCounts> {
        let mut counts = ImportCounts::default();
        let mut tx = self.pool.begin().await?;
        for (done, row) in rows.iter().enumerate() {
            // the entry this source's id was imported as before, if any
            let existing: Option<String> = sqlx::query_scalar(
                "select id from organizations where external_source = ? and external_id = ?",
            )
            .bind(source)
            .bind(&row.external_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = existing {
                // every public field from the file; the contact address
                // only when the file has one, the status only when asked
                update(&mut *tx, &id, &row.org, status).await?;
                counts.updated += 1;
            } else {
                // the source's id when it is a free uuid, else a new one
                let free = match row.id {
                    Some(id) => {
                        sqlx::query_scalar::<_, i64>(
                            "select count(*) from organizations where id = ?",
                        )
                        .bind(id.to_string())
                        .fetch_one(&mut *tx)
                        .await?
                            == 0
                    }
                    None => false,
                };
                let id = match row.id {
                    Some(id) if free => id.0,
                    _ => Uuid::new_v4(),
                };
                insert(&mut *tx, id, &row.org, status.unwrap_or(Status::Pending)).await?;
                sqlx::query(
                    "update organizations set external_source = ?, external_id = ? where id = ?",
                )
                .bind(source)
                .bind(&row.external_id)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                counts.added += 1;
            }
            progress(done + 1);
        }
        tx.commit().await?;
        Ok(counts)
    }
}
