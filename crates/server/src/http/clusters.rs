//! The clustered map, for when there are too many organisations to send
//! them all: category and country filters are answered from the in-memory
//! index; words, languages and hiding stale entries go to the store, and
//! their matches are clustered on the fly (few matches come back as single
//! points). A single organisation says whether it is stale.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use solidarity_map_core::cluster::{ClusterProperties, ClusterQuery};
use solidarity_map_core::geojson::{Feature, FeatureCollection, Geometry};
use solidarity_map_core::query::MAX_LIMIT;
use solidarity_map_core::{FieldError, LatLon, OrgFilter};

use super::organizations::{Filtered, GeoJson, MapQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{FilterParams, ReadErrors};
use super::{ApiError, AppState};
use crate::clusters::{Clusters, Drawn};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(clusters))
}

fn point(lon: f64, lat: f64) -> Geometry {
    LatLon::new(lat, lon).map_or(
        Geometry::Point {
            coordinates: [lon, lat],
        },
        Geometry::point,
    )
}

/// A cluster's centroid comes back from integer Web Mercator sums with
/// float noise in the last digits (35.19999993033707); six decimals are a
/// tenth of a metre and keep the answer short.
fn centroid(lon: f64, lat: f64) -> Geometry {
    let round = |x: f64| (x * 1e6).round() / 1e6;
    point(round(lon), round(lat))
}

fn feature(n: usize, d: Drawn) -> Feature<ClusterProperties> {
    match d {
        Drawn::Cluster {
            lon,
            lat,
            count,
            categories,
            expansion_zoom,
        } => Feature::new(
            format!("cluster-{n}"),
            centroid(lon, lat),
            ClusterProperties {
                cluster: true,
                count,
                categories: categories
                    .into_iter()
                    .map(|(c, n)| (c.as_str().to_owned(), n))
                    .collect::<BTreeMap<_, _>>(),
                expansion_zoom: Some(expansion_zoom),
                category: None,
                stale: false,
            },
        ),
        Drawn::One {
            id,
            lon,
            lat,
            category,
            stale,
        } => Feature::new(
            id.to_string(),
            point(lon, lat),
            ClusterProperties {
                cluster: false,
                count: 1,
                categories: BTreeMap::new(),
                expansion_zoom: None,
                category: Some(category.as_str().to_owned()),
                stale,
            },
        ),
    }
}

impl MapQuery for ClusterQuery {
    fn parse(raw: &str) -> Result<Self, Vec<FieldError>> {
        ClusterQuery::from_query(raw)
    }

    fn filter(&self) -> &OrgFilter {
        &self.filter
    }

    fn filter_mut(&mut self) -> &mut OrgFilter {
        &mut self.filter
    }
}

/// The published organisations in a box, clustered for a zoom level: a
/// cluster has `count`, a per-category mix and `expansion_zoom`; a single
/// organisation has its `category` and its id as the feature id.
#[utoipa::path(get, path = "/clusters", tag = "map",
    params(("zoom" = u8, Query, minimum = 0, maximum = 22, description = "The map's zoom level"),
        FilterParams),
    responses(ReadErrors, (status = 200, description = "Clusters and single organisations",
        content_type = "application/geo+json", body = FeatureCollection<ClusterProperties>)))]
async fn clusters(
    State(state): State<AppState>,
    Filtered(q): Filtered<ClusterQuery>,
) -> Result<Response, ApiError> {
    let (drawn, matched) = if Clusters::answers(&q.filter) {
        let drawn = state.clusters.query(&q.filter, q.zoom);
        let matched = drawn
            .iter()
            .map(|d| match d {
                Drawn::Cluster { count, .. } => *count,
                Drawn::One { .. } => 1,
            })
            .sum();
        (drawn, matched)
    } else {
        // words or a language: the store finds the matches in the box (up
        // to a page of them); the same grid clusters them
        let page = state
            .store
            .published(&OrgFilter {
                limit: Some(MAX_LIMIT),
                offset: 0,
                after: None,
                ..q.filter.clone()
            })
            .await?;
        let points: Vec<_> = page
            .items
            .iter()
            .map(|o| {
                let p = o.public_location();
                (
                    o.id,
                    p.lon(),
                    p.lat(),
                    o.data.category.clone(),
                    o.data.country,
                    o.stale,
                )
            })
            .collect();
        (
            state
                .clusters
                .cluster_matches(&points, q.filter.bbox.as_ref(), q.zoom),
            page.total,
        )
    };
    let features: Vec<_> = drawn
        .into_iter()
        .enumerate()
        .map(|(n, d)| feature(n, d))
        .collect();
    let mut fc = FeatureCollection::new(features);
    fc.number_matched = Some(matched);
    fc.number_returned = Some(fc.features.len() as u64);
    Ok(GeoJson(fc).into_response())
}
