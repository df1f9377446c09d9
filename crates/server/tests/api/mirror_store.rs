//! The mirrors' part of the store contract, on both databases: a page is
//! applied once, with its cursor; a full read takes away what it no
//! longer names; an entry kept here for no mirror (or for another) is
//! left alone; a hidden entry stays hidden whatever its source sends;
//! and a mirror removed and added again keeps its entries.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;

use solidarity_map_core::mirror::{DataSource, MirrorScope};
use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{NewOrganization, OrgId, OrganizationInput, PublicUrl, Status};
use solidarity_map_server::seed;
use solidarity_map_server::store::{
    MirrorCounts, MirrorItem, MirrorPage, NewMirror, Store, StoreError,
};

fn entry(name: &str) -> NewOrganization {
    OrganizationInput {
        name: BTreeMap::from([("en".to_owned(), name.to_owned())]),
        description: BTreeMap::from([("en".to_owned(), format!("About {name}"))]),
        category: "media".into(),
        city: "Somewhere".into(),
        country: "PS".into(),
        location: Some(RawLocation {
            lat: 31.9,
            lon: 35.2,
        }),
        precision: Some("city".into()),
        ..Default::default()
    }
    .validate()
    .unwrap()
}

fn source() -> DataSource {
    DataSource::new(
        "Map A",
        PublicUrl::parse("https://a.example").unwrap(),
        "ODbL-1.0",
        Some("https://opendatacommons.org/licenses/odbl/1-0/"),
    )
}

fn put(id: OrgId, name: &str) -> MirrorItem {
    MirrorItem::Put {
        id,
        org: Box::new(entry(name)),
        source: source(),
    }
}

fn page(next: &str, items: Vec<MirrorItem>, complete: bool) -> MirrorPage {
    MirrorPage {
        next: next.to_owned(),
        license: "ODbL-1.0".to_owned(),
        license_url: None,
        items,
        complete,
    }
}

fn counts(added: usize, updated: usize, removed: usize, skipped: usize) -> MirrorCounts {
    MirrorCounts {
        added,
        updated,
        removed,
        skipped,
    }
}

async fn name_and_status(store: &dyn Store, id: OrgId) -> (String, Status) {
    let org = store.organization(id).await.unwrap().unwrap();
    (org.data.name.text().best("en").1.to_owned(), org.status)
}

async fn pages_apply_once_and_own_entries_are_left_alone(store: Arc<dyn Store>) {
    seed::sync_categories(store.as_ref()).await.unwrap();
    let mirror = NewMirror {
        source: source(),
        scope: MirrorScope::default(),
        publish: true,
    };
    let m = store.add_mirror(&mirror).await.unwrap();
    assert!(matches!(
        store.add_mirror(&mirror).await,
        Err(StoreError::Conflict(_))
    ));
    let (x, y) = (OrgId(uuid::Uuid::new_v4()), OrgId(uuid::Uuid::new_v4()));
    let first = page("c1", vec![put(x, "Ex"), put(y, "Why")], true);
    let head = store.change_head().await.unwrap();
    assert_eq!(
        store.apply_mirror_page(m, None, &first).await.unwrap(),
        Some(counts(2, 0, 0, 0))
    );
    // each public entry is a change of this map's own log
    assert_eq!(store.change_head().await.unwrap(), head + 2);
    // the same page from the same place again: not applied twice
    assert_eq!(
        store.apply_mirror_page(m, None, &first).await.unwrap(),
        None
    );
    let stored = store.organization(x).await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Published);
    assert_eq!(stored.source, Some(source()));
    assert_eq!(stored.data.contact_email, None);

    // this map's own entry under the same id is never touched
    let own = store
        .insert_organization(&entry("Our Own"), Status::Published)
        .await
        .unwrap();
    let second = page(
        "c2",
        vec![put(own.id, "Intruder"), MirrorItem::Remove(y)],
        false,
    );
    assert_eq!(
        store
            .apply_mirror_page(m, Some("c1"), &second)
            .await
            .unwrap(),
        Some(counts(0, 0, 1, 1))
    );
    assert_eq!(
        name_and_status(store.as_ref(), own.id).await,
        ("Our Own".to_owned(), Status::Published)
    );
    assert_eq!(
        name_and_status(store.as_ref(), y).await.1,
        Status::Withdrawn
    );

    // a full read: what it names is back, what it does not is gone
    let full = page("c3", vec![put(y, "Why Again")], true);
    assert_eq!(
        store.apply_mirror_page(m, Some("c2"), &full).await.unwrap(),
        Some(counts(0, 1, 1, 0))
    );
    assert_eq!(
        name_and_status(store.as_ref(), y).await,
        ("Why Again".to_owned(), Status::Published)
    );
    assert_eq!(
        name_and_status(store.as_ref(), x).await.1,
        Status::Withdrawn
    );

    // hidden: it stays off this map whatever its source sends
    assert!(store.hide_mirrored(y, true, "mod").await.unwrap());
    assert!(!store.hide_mirrored(own.id, true, "mod").await.unwrap());
    let renamed = page("c4", vec![put(y, "Why Renamed")], false);
    store
        .apply_mirror_page(m, Some("c3"), &renamed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        name_and_status(store.as_ref(), y).await,
        ("Why Renamed".to_owned(), Status::Withdrawn)
    );
    let hidden = store.hidden_entries().await.unwrap();
    assert_eq!(hidden.len(), 1);
    assert_eq!((hidden[0].id, hidden[0].name.as_str()), (y, "Why Renamed"));
    let listed = store.mirrors().await.unwrap();
    assert_eq!(listed[0].cursor.as_deref(), Some("c4"));
    assert_eq!((listed[0].info.entries, listed[0].info.hidden), (2, 1));
    assert!(store.hide_mirrored(y, false, "mod").await.unwrap());
    assert_eq!(
        name_and_status(store.as_ref(), y).await.1,
        Status::Published
    );

    // a failure stops it when it must; a stopped mirror applies nothing
    store.mirror_failed(m, "not a feed", true).await.unwrap();
    let late = page("c5", vec![put(x, "Ex")], false);
    assert_eq!(
        store.apply_mirror_page(m, Some("c4"), &late).await.unwrap(),
        None
    );
    assert!(store.resume_mirror(m).await.unwrap());

    // removed, its entries leave the map; added again, it keeps them
    assert_eq!(store.remove_mirror(m).await.unwrap(), Some(1));
    assert_eq!(
        name_and_status(store.as_ref(), y).await.1,
        Status::Withdrawn
    );
    assert_eq!(store.remove_mirror(m).await.unwrap(), None);
    let again = store.add_mirror(&mirror).await.unwrap();
    let back = page("c1", vec![put(y, "Why")], true);
    assert_eq!(
        store.apply_mirror_page(again, None, &back).await.unwrap(),
        Some(counts(0, 1, 0, 0))
    );
    assert_eq!(
        name_and_status(store.as_ref(), y).await.1,
        Status::Published
    );
}

on_both_backends!(pages_apply_once_and_own_entries_are_left_alone);
