//! The public organisations API: published entries only, public fields
//! only, coordinates rounded to each entry's precision.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use solidarity_map_core::geojson::Feature;
use solidarity_map_core::geojson::Link;
use solidarity_map_core::{
    ErrorBody, FeatureCollection, FieldError, OrgFilter, OrgId, PageKey, PublicOrganization,
    Status, site_link,
};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{FilterParams, PageParams, ReadErrors};
use super::{ApiError, AppState};
use crate::store::Page;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
}

/// A JSON body sent as `application/geo+json` (RFC 7946).
pub struct GeoJson<T>(pub T);

impl<T: Serialize> IntoResponse for GeoJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => ([(header::CONTENT_TYPE, "application/geo+json")], bytes).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "serialising GeoJSON failed");
                axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// Published organisations matching the filters, by name, a page at a
/// time (`numberMatched`, and a `next` link while there are more: it
/// carries `after`, where the page ended).
#[utoipa::path(get, path = "/organizations", tag = "map", params(FilterParams, PageParams),
    responses((status = 200, description = "A page of organisations",
        content_type = "application/geo+json", body = FeatureCollection<PublicOrganization>),
        ReadErrors))]
async fn list(
    State(state): State<AppState>,
    Filtered(filter): Filtered<OrgFilter>,
) -> Result<Response, ApiError> {
    let page = match from_memory(&state, &filter).await? {
        Some(page) => page,
        None => {
            // without a box, words or hidden stale entries the index knows
            // the count: only the page is read from the database
            let known = state.clusters.count(&filter);
            state.store.published_counted(&filter, known).await?
        }
    };
    let returned = page.items.len() as u64;
    let mut fc = FeatureCollection::new(page.items.iter().map(|o| o.to_feature()).collect());
    fc.number_matched = Some(page.total);
    fc.number_returned = Some(returned);
    // the next page starts after this one's last entry: found through the
    // name index however deep it is, and never repeating or skipping an
    // entry when others are added or removed in between
    if let (true, Some(last)) = (page.more, page.items.last()) {
        let next = OrgFilter {
            offset: 0,
            after: Some(PageKey {
                sort_name: last.data.sort_name(),
                id: last.id,
            }),
            limit: Some(filter.limit()),
            ..filter
        };
        fc.links.push(Link {
            rel: "next".into(),
            href: site_link(
                state.site.public_url.as_ref(),
                &format!("/api/organizations?{}", next.to_query()),
            ),
            media_type: "application/geo+json".into(),
        });
    }
    Ok(GeoJson(fc).into_response())
}

/// A box's page as the index chooses it (see `Clusters::list_page`), its
/// rows read by id. `None` when the index cannot choose it, or when an
/// entry it chose is no longer published: a change committed but not yet
/// applied to the index, which the database's own answer then includes.
async fn from_memory(state: &AppState, filter: &OrgFilter) -> Result<Option<Page>, ApiError> {
    let Some(chosen) = state.clusters.list_page(filter) else {
        return Ok(None);
    };
    let mut items = state.store.published_among(&chosen.ids).await?;
    if items.len() != chosen.ids.len() {
        return Ok(None);
    }
    let limit = filter.limit() as usize;
    let more = items.len() > limit;
    items.truncate(limit);
    Ok(Some(Page {
        items,
        total: chosen.total,
        more,
    }))
}

/// A map query from the query string, parsed by the shared crate's rules,
/// every category it asks for checked against those that exist: a bad one
/// is the API's own 400.
pub(super) struct Filtered<Q>(pub Q);

/// A query string that filters the map.
pub(super) trait MapQuery: Sized {
    fn parse(raw: &str) -> Result<Self, Vec<FieldError>>;
    fn filter(&self) -> &OrgFilter;
    fn filter_mut(&mut self) -> &mut OrgFilter;
}

impl MapQuery for OrgFilter {
    fn parse(raw: &str) -> Result<Self, Vec<FieldError>> {
        OrgFilter::from_query(raw)
    }

    fn filter(&self) -> &OrgFilter {
        self
    }

    fn filter_mut(&mut self) -> &mut OrgFilter {
        self
    }
}

impl<Q: MapQuery> FromRequestParts<AppState> for Filtered<Q> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut query = Q::parse(parts.uri.query().unwrap_or("")).map_err(ApiError::BadRequest)?;
        check_categories(state, query.filter())?;
        // a city's name finds what was written under its other names
        let filter = query.filter_mut();
        if let Some(q) = filter.q.as_deref() {
            filter.q_also = crate::gazetteer::same_place(q);
        }
        Ok(Self(query))
    }
}

/// A 400 naming every category the filter asks for that does not exist.
/// Categories are fixed while the server runs, so the check is in memory.
fn check_categories(state: &AppState, filter: &OrgFilter) -> Result<(), ApiError> {
    let unknown: Vec<_> = filter
        .categories
        .iter()
        .filter(|c| !state.clusters.knows(c.as_str()))
        .map(|c| FieldError::new("category", format!("unknown category \"{c}\"")).code("category"))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::BadRequest(unknown))
    }
}

/// One published organisation.
#[utoipa::path(
    get,
    path = "/organizations/{id}",
    tag = "map",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    responses(
        (status = 200, description = "The organisation",
         content_type = "application/geo+json", body = Feature<PublicOrganization>),
        (status = 404, description = "No published organisation has this id", body = ErrorBody),
        ReadErrors,
    )
)]
async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id: OrgId = id.parse().map_err(|e| ApiError::BadRequest(vec![e]))?;
    match state.store.organization(id).await? {
        Some(org) if org.status == Status::Published => {
            Ok(GeoJson(org.to_feature()).into_response())
        }
        // pending, rejected and withdrawn entries do not exist for the public
        _ => Err(ApiError::NotFound("organisation")),
    }
}
