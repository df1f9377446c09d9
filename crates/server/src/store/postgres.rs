//! The backend for larger deployments: `DATABASE_URL=postgres://…`.

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use solidarity_map_core::{
    Category, CategoryCount, Facets, LangCode, MonthCount, NewOrganization, OrgFilter, OrgId,
    Organization, Status,
};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use futures_util::TryStreamExt;

use super::row::{
    CategoryRow, FacetRow, INSERT_COLUMNS, ORG_COLUMNS, OrgRow, OrgValues, PointRow, labels_json,
    map_insert_error, parse_languages,
};
use super::{
    ExternalOrg, ImportCounts, Page, PublicPoint, Result, Store, bulk_insert_error, like_pattern,
};

/// Rows per `unnest` statement of a bulk insert: bounds the memory of the
/// bound arrays whatever the caller's batch.
const BULK_ROWS_PER_UNNEST: usize = 5000;

#[derive(Clone)]
pub struct PgStore {
    pub(super) pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // a request waits at most this long for a connection, then gets
            // 503 instead of hanging while the database is down
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (tests point it at their own schema) and
    /// migrates it.
    pub async fn from_pool(pool: PgPool) -> Result<Self> {
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    fn push_filter(qb: &mut QueryBuilder<'_, Postgres>, f: &OrgFilter) {
        qb.push(" where status = 'published'");
        if let Some(b) = f.bbox {
            qb.push(" and public_lat between ")
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
                qb.push(" and public_lon between ")
                    .push_bind(b.min_lon)
                    .push(" and ")
                    .push_bind(b.max_lon);
            }
        }
        if !f.categories.is_empty() {
            let slugs: Vec<String> = f.categories.iter().map(|c| c.as_str().to_owned()).collect();
            qb.push(" and category = any(").push_bind(slugs).push(")");
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
    exec: impl sqlx::PgExecutor<'e>,
    id: &str,
    org: &NewOrganization,
    status: Option<Status>,
) -> Result<()> {
    let v = OrgValues::of(org);
    sqlx::query(
        "update organizations set name = $1, description = $2, category = $3,
             city = $4, country = $5, lat = $6, lon = $7, precision = $8,
             public_lat = $9, public_lon = $10, website = $11, links = $12,
             languages = $13, tags = $14,
             contact_email = coalesce($15, contact_email),
             status = coalesce($16, status),
             search_text = $17, sort_name = $18, updated_at = $19
         where id = $20::uuid",
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
    exec: impl sqlx::PgExecutor<'e>,
    id: Uuid,
    org: &NewOrganization,
    status: Status,
) -> Result<Organization> {
    let v = OrgValues::of(org);
    let now = Utc::now();
    sqlx::query(&format!(
        "insert into organizations ({INSERT_COLUMNS})
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
             $17, $18, $19, $20, $21)"
    ))
    .bind(id)
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
        // postgres keeps microseconds; return what a read will return
        created_at: truncate_micros(now),
        updated_at: truncate_micros(now),
    })
}

/// One column per array, bound to an `unnest` insert.
#[derive(Default)]
struct BulkColumns {
    id: Vec<Uuid>,
    name: Vec<String>,
    description: Vec<String>,
    category: Vec<String>,
    city: Vec<String>,
    country: Vec<String>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    precision: Vec<&'static str>,
    public_lat: Vec<f64>,
    public_lon: Vec<f64>,
    website: Vec<Option<String>>,
    links: Vec<String>,
    languages: Vec<String>,
    tags: Vec<String>,
    contact_email: Vec<Option<String>>,
    search_text: Vec<String>,
    sort_name: Vec<String>,
}

impl BulkColumns {
    fn of(orgs: &[(OrgId, NewOrganization)]) -> Self {
        let mut c = BulkColumns::default();
        for (id, org) in orgs {
            let v = OrgValues::of(org);
            c.id.push(id.0);
            c.name.push(v.name);
            c.description.push(v.description);
            c.category.push(org.category.as_str().to_owned());
            c.city.push(org.city.as_str().to_owned());
            c.country.push(org.country.as_str().to_owned());
            c.lat.push(org.location.lat());
            c.lon.push(org.location.lon());
            c.precision.push(org.precision.as_str());
            c.public_lat.push(v.public.lat());
            c.public_lon.push(v.public.lon());
            c.website
                .push(org.website.as_ref().map(|w| w.as_str().to_owned()));
            c.links.push(v.links);
            c.languages.push(v.languages);
            c.tags.push(v.tags);
            c.contact_email
                .push(org.contact_email.as_ref().map(|e| e.as_str().to_owned()));
            c.search_text.push(v.search_text);
            c.sort_name.push(v.sort_name);
        }
        c
    }
}

fn truncate_micros(t: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
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
                 values ($1, $2, $3, $4, $5)
                 on conflict (slug) do update set labels = excluded.labels,
                     colour = excluded.colour, symbol = excluded.symbol,
                     position = excluded.position",
            )
            .bind(c.slug.as_str())
            .bind(labels_json(c))
            .bind(&c.colour)
            .bind(&c.symbol)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
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
            "select id::text as id, {ORG_COLUMNS} from organizations where id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Organization::try_from).transpose()
    }

    async fn published(&self, filter: &OrgFilter) -> Result<Page> {
        let mut qb = QueryBuilder::new(format!(
            "select id::text as id, {ORG_COLUMNS} from organizations"
        ));
        Self::push_filter(&mut qb, filter);
        qb.push(" order by sort_name, id limit ")
            .push_bind(i64::from(filter.limit()))
            .push(" offset ")
            .push_bind(i64::try_from(filter.offset).unwrap_or(i64::MAX));
        let rows: Vec<OrgRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        let items = rows
            .into_iter()
            .map(Organization::try_from)
            .collect::<Result<Vec<_>>>()?;

        let mut count = QueryBuilder::new("select count(*) from organizations");
        Self::push_filter(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn set_status(&self, id: OrgId, status: Status) -> Result<bool> {
        let done =
            sqlx::query("update organizations set status = $1, updated_at = now() where id = $2")
                .bind(status.as_str())
                .bind(id.0)
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
        for chunk in orgs.chunks(BULK_ROWS_PER_UNNEST) {
            let c = BulkColumns::of(chunk);
            // one array per column, zipped back into rows by unnest; the
            // status and the timestamps are the same for the whole batch
            let done = sqlx::query(&format!(
                "insert into organizations ({INSERT_COLUMNS})
                 select id, name, description, category, city, country, lat, lon,
                     precision, public_lat, public_lon, website, links, languages, tags,
                     contact_email, $17, search_text, sort_name, $18, $18
                 from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                     $6::text[], $7::float8[], $8::float8[], $9::text[], $10::float8[],
                     $11::float8[], $12::text[], $13::text[], $14::text[], $15::text[],
                     $16::text[], $19::text[], $20::text[])
                 as t(id, name, description, category, city, country, lat, lon,
                     precision, public_lat, public_lon, website, links, languages, tags,
                     contact_email, search_text, sort_name)"
            ))
            .bind(c.id)
            .bind(c.name)
            .bind(c.description)
            .bind(c.category)
            .bind(c.city)
            .bind(c.country)
            .bind(c.lat)
            .bind(c.lon)
            .bind(c.precision)
            .bind(c.public_lat)
            .bind(c.public_lon)
            .bind(c.website)
            .bind(c.links)
            .bind(c.languages)
            .bind(c.tags)
            .bind(c.contact_email)
            .bind(status.as_str())
            .bind(now)
            .bind(c.search_text)
            .bind(c.sort_name)
            .execute(&mut *tx)
            .await;
            if let Err(e) = done {
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
        // only the marker's columns, the uuid as binary; streamed, so the
        // rows are never all in memory beside the points
        let mut rows = sqlx::query_as::<_, PointRow<Uuid>>(
            "select id, public_lon, public_lat, category, country
             from organizations
             where status = 'published'",
        )
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            points.push(PublicPoint::try_from(row)?);
        }
        Ok(points)
    }

    async fn published_point(&self, id: OrgId) -> Result<Option<PublicPoint>> {
        let row: Option<PointRow<Uuid>> = sqlx::query_as(
            "select id, public_lon, public_lat, category, country
             from organizations
             where id = $1 and status = 'published'",
        )
        .bind(id.0)
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
             from organizations o, json_array_elements_text(o.languages::json) j(value)
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
            // the month in utc, whatever the session's time zone
            "select to_char(created_at at time zone 'utc', 'YYYY-MM') as code,
                 count(*) as count
             from organizations
             where status = 'published'
             group by 1
             order by 1",
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
        // keyset paging along the primary key; the first page has no bound
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "select id::text as id, {ORG_COLUMNS} from organizations
             where status = 'published'"
        ));
        if let Some(after) = after {
            qb.push(" and id > ").push_bind(after.0);
        }
        qb.push(" order by id limit ").push_bind(i64::from(limit));
        let rows: Vec<OrgRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter().map(Organization::try_from).collect()
    }

    async fn published_text_languages(&self) -> Result<Vec<LangCode>> {
        // the keys of the name and description json objects of every
        // published entry, once each; "C" so the order is SQLite's
        let codes: Vec<String> = sqlx::query_scalar(
            "select k collate \"C\" from (
                 select json_object_keys(name::json) as k from organizations
                 where status = 'published'
                 union
                 select json_object_keys(description::json) from organizations
                 where status = 'published'
             ) keys
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
            let existing: Option<Uuid> = sqlx::query_scalar(
                "select id from organizations where external_source = $1 and external_id = $2",
            )
            .bind(source)
            .bind(&row.external_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = existing {
                // every public field from the file; the contact address
                // only when the file has one, the status only when asked
                update(&mut *tx, &id.to_string(), &row.org, status).await?;
                counts.updated += 1;
            } else {
                // the source's id when it is a free uuid, else a new one
                let free = match row.id {
                    Some(id) => {
                        !sqlx::query_scalar::<_, bool>(
                            "select exists (select 1 from organizations where id = $1)",
                        )
                        .bind(id.0)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                    None => false,
                };
                let id = match row.id {
                    Some(id) if free => id.0,
                    _ => Uuid::new_v4(),
                };
                insert(&mut *tx, id, &row.org, status.unwrap_or(Status::Pending)).await?;
                sqlx::query(
                    "update organizations set external_source = $1, external_id = $2
                     where id = $3",
                )
                .bind(source)
                .bind(&row.external_id)
                .bind(id)
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
