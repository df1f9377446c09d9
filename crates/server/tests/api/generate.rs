//! The synthetic-data generator: realistic, valid and deterministic, loaded
//! into a real SQLite file through `bulk_insert`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::support;

use std::collections::BTreeSet;
use std::path::Path;

use solidarity_map_core::{CategorySlug, OrgFilter, OrganizationInput, Precision};
use solidarity_map_server::generate::{self, Cities, Progress};
use solidarity_map_server::seed;

fn cities() -> Cities {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cities.tsv");
    Cities::load(&path).unwrap()
}

fn slugs() -> Vec<CategorySlug> {
    seed::categories()
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect()
}

#[test]
fn same_seed_same_organisations() {
    let cities = cities();
    let a: Vec<_> = generate::organizations(7, 500, &slugs(), &cities).collect();
    let b: Vec<_> = generate::organizations(7, 500, &slugs(), &cities).collect();
    assert_eq!(a, b);
    let c: Vec<_> = generate::organizations(8, 500, &slugs(), &cities).collect();
    assert_ne!(a, c);
    // a shorter run is a prefix of a longer one
    let short: Vec<_> = generate::organizations(7, 100, &slugs(), &cities).collect();
    assert_eq!(short[..], a[..100]);
}

#[test]
fn organisations_round_trip_through_validation() {
    let cities = cities();
    let orgs: Vec<_> = generate::organizations(3, 2_000, &slugs(), &cities).collect();
    let mut scripts = BTreeSet::new();
    let mut precisions = BTreeSet::new();
    for (_, org) in &orgs {
        let input: OrganizationInput =
            serde_json::from_value(serde_json::to_value(org).unwrap()).unwrap();
        assert_eq!(&input.validate().unwrap(), org);
        assert!(org.contact_email.is_none());
        assert!(
            (1..=3).contains(&org.languages.len()),
            "{:?}",
            org.languages
        );
        assert!(org.tags.len() <= 3);
        for (lang, _) in org.name.text().iter() {
            scripts.insert(lang.as_str().to_owned());
        }
        precisions.insert(org.precision.as_str());
    }
    for lang in ["en", "ar", "he"] {
        assert!(scripts.contains(lang), "no name in {lang}: {scripts:?}");
    }
    assert_eq!(precisions.len(), Precision::ALL.len());
    let city = orgs
        .iter()
        .filter(|(_, o)| o.precision == Precision::City)
        .count();
    assert!(city > orgs.len() / 2, "mostly city precision");
}

#[test]
fn missing_gazetteer_is_a_clear_error() {
    let err = Cities::load(Path::new("/nonexistent/cities.tsv")).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("/nonexistent/cities.tsv"), "{message}");
    assert!(message.contains("--cities"), "{message}");
}

#[tokio::test]
async fn loads_two_thousand_into_sqlite() {
    let db = support::sqlite().await;
    let store = db.store();
    seed::sync_categories(store.as_ref()).await.unwrap();
    let cities = cities();
    let n = generate::load(store.as_ref(), &cities, 2_000, 42, 300, Progress::Quiet)
        .await
        .unwrap();
    assert_eq!(n, 2_000);
    assert_eq!(store.count_organizations().await.unwrap(), 2_000);
    let page = store.published(&OrgFilter::default()).await.unwrap();
    assert_eq!(page.total, 2_000);
    for c in store.categories().await.unwrap() {
        assert!(c.count > 0, "no organisation in {}", c.category.slug);
    }
    assert_eq!(store.published_points().await.unwrap().len(), 2_000);

    // what is stored is exactly what the generator gives for that seed
    let expected: Vec<_> = generate::organizations(42, 2_000, &slugs(), &cities).collect();
    for (id, org) in expected.iter().step_by(97) {
        let stored = store.organization(*id).await.unwrap().unwrap();
        assert_eq!(&stored.data, org);
    }
}
