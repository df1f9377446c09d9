//! Reference data built into the binary: the categories and the demo
//! organisations from the project's source documents. Embedded so that the
//! one binary starts a working map with nothing beside it.

use anyhow::Context;
use serde::Deserialize;
use solidarity_map_core::category::parse_colour;
use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{
    Category, CategorySlug, Feature, FeatureCollection, LocalizedText, NewOrganization, OrgId,
    OrganizationInput, Status,
};

use crate::store::Store;

const CATEGORIES: &str = include_str!("../../../data/categories.json");
const DEMO: &str = include_str!("../../../data/demo.geojson");

#[derive(Deserialize)]
struct RawCategory {
    slug: String,
    labels: LocalizedText,
    colour: String,
    #[serde(default)]
    symbol: String,
}

pub fn categories() -> anyhow::Result<Vec<Category>> {
    let raw: Vec<RawCategory> = serde_json::from_str(CATEGORIES).context("data/categories.json")?;
    raw.into_iter()
        .map(|c| {
            Ok(Category {
                slug: CategorySlug::parse(&c.slug)?,
                labels: c.labels,
                colour: parse_colour(&c.colour)?,
                symbol: c.symbol,
            })
        })
        .collect()
}

/// Reads organisations from a GeoJSON FeatureCollection whose properties are
/// [`OrganizationInput`] fields and whose geometry is the location.
pub fn parse_geojson(text: &str) -> anyhow::Result<Vec<(OrgId, NewOrganization)>> {
    let fc: FeatureCollection<OrganizationInput> = serde_json::from_str(text)?;
    fc.features
        .into_iter()
        .enumerate()
        .map(
            |(
                i,
                Feature {
                    id,
                    geometry,
                    mut properties,
                    ..
                },
            )| {
                let (lat, lon) = geometry.lat_lon();
                properties.location = Some(RawLocation { lat, lon });
                let org = properties.validate().map_err(|errors| {
                    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    anyhow::anyhow!("feature {i}: {}", list.join("; "))
                })?;
                let id: OrgId = id.parse().with_context(|| format!("feature {i}: id"))?;
                Ok((id, org))
            },
        )
        .collect()
}

pub fn demo_organizations() -> anyhow::Result<Vec<(OrgId, NewOrganization)>> {
    parse_geojson(DEMO).context("data/demo.geojson")
}

/// Brings the categories up to date with the built-in file.
pub async fn sync_categories(store: &dyn Store) -> anyhow::Result<()> {
    store.upsert_categories(&categories()?).await?;
    Ok(())
}

/// Adds the demo organisations, published, when the database has no
/// organisations at all. Returns how many were added.
pub async fn seed_demo_if_empty(store: &dyn Store) -> anyhow::Result<usize> {
    if store.count_organizations().await? > 0 {
        return Ok(0);
    }
    let demo = demo_organizations()?;
    for (id, org) in &demo {
        store
            .insert_organization_with_id(*id, org, Status::Published)
            .await?;
    }
    Ok(demo.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_data_is_valid() {
        let cats = categories().unwrap();
        assert_eq!(cats.len(), 7);
        let demo = demo_organizations().unwrap();
        assert!(demo.len() >= 20);
        for (_, org) in &demo {
            assert!(
                cats.iter().any(|c| c.slug == org.category),
                "{:?}",
                org.category
            );
            assert!(
                org.contact_email.is_none(),
                "demo data has no invented contacts"
            );
        }
    }
}
