//! The mirrors' part of the store contract, on both databases: a page is
//! applied once, with its cursor; a full read takes away what it no
//! longer names; an entry kept here for no mirror (or for another) is
//! left alone; a hidden entry stays hidden whatever its source sends;
//! and a mirror removed and added again keeps its entries.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;

use solidarity_map_core::mirror::{DataSource, MirrorScope};
use solidarity_map_core::{NewOrganization, OrgId, PublicUrl, Status};
use solidarity_map_server::seed;
use solidarity_map_server::store::{
    Decision, MirrorCounts, MirrorItem, MirrorPage, NewMirror, Store, StoreError,
};

/// An entry as another map publishes it: no contact address.
fn entry(name: &str) -> NewOrganization {
    NewOrganization {
        contact_email: None,
        ..crate::store_contract::plain(name)
    }
}

fn source() -> DataSource {
    DataSource::new(
        "Map A",
        PublicUrl::parse("https://a.example").unwrap(),
        "ODbL-1.0",
        Some("https://opendatacommons.org/licenses/odbl/1-0/"),
    )
}

/// When the other map last had its entries confirmed.
fn confirmed() -> chrono::DateTime<chrono::Utc> {
    "2026-01-02T03:04:05Z".parse().unwrap()
}

fn put(id: OrgId, name: &str) -> MirrorItem {
    MirrorItem::Put {
        id,
        org: Box::new(entry(name)),
        source: source(),
        confirmed: confirmed(),
        stale: false,
    }
}

/// [`put`], stale at its source.
fn stale(id: OrgId, name: &str) -> MirrorItem {
    match put(id, name) {
        MirrorItem::Put {
            id, org, source, ..
        } => MirrorItem::Put {
            id,
            org,
            source,
            confirmed: confirmed(),
            stale: true,
        },
        other => other,
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
    // as fresh as its own map says, not as the day it arrived
    assert_eq!((stored.confirmed_at, stored.stale), (confirmed(), false));

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

/// A mirror whose new entries wait for a moderator; freshness from the
/// source; a rejected entry that hiding cannot bring back; and entries a
/// removed mirror kept, which another mirror takes on.
async fn pending_entries_wait_and_removed_mirrors_let_go(store: Arc<dyn Store>) {
    seed::sync_categories(store.as_ref()).await.unwrap();
    let waiting = NewMirror {
        source: source(),
        scope: MirrorScope::default(),
        publish: false,
    };
    let m = store.add_mirror(&waiting).await.unwrap();
    let (x, y) = (OrgId(uuid::Uuid::new_v4()), OrgId(uuid::Uuid::new_v4()));
    let first = page("c1", vec![put(x, "Ex"), put(y, "Why")], true);
    store.apply_mirror_page(m, None, &first).await.unwrap();
    let queued = |queue: &solidarity_map_core::moderation::QueuePage, id: OrgId| {
        queue.items.iter().find(|r| r.org_id == id).map(|r| r.id)
    };
    let queue = store.pending_page(0, 50).await.unwrap();
    assert_eq!(name_and_status(store.as_ref(), x).await.1, Status::Pending);
    assert!(queued(&queue, x).is_some() && queued(&queue, y).is_some());

    // hidden while waiting, then shown: waiting again, in the queue
    assert!(store.hide_mirrored(x, true, "mod").await.unwrap());
    assert_eq!(
        name_and_status(store.as_ref(), x).await.1,
        Status::Withdrawn
    );
    assert!(queued(&store.pending_page(0, 50).await.unwrap(), x).is_none());
    assert!(store.hide_mirrored(x, false, "mod").await.unwrap());
    assert_eq!(name_and_status(store.as_ref(), x).await.1, Status::Pending);
    let revision = queued(&store.pending_page(0, 50).await.unwrap(), x).unwrap();

    // rejected: hiding and showing it does not publish it
    store
        .decide(revision, Decision::Reject("not for this map".into()), "mod")
        .await
        .unwrap();
    assert!(store.hide_mirrored(x, true, "mod").await.unwrap());
    store.hide_mirrored(x, false, "mod").await.unwrap();
    assert_eq!(name_and_status(store.as_ref(), x).await.1, Status::Rejected);

    // stale at its source: stale here
    let revision = queued(&store.pending_page(0, 50).await.unwrap(), y).unwrap();
    store
        .decide(revision, Decision::Approve(None), "mod")
        .await
        .unwrap();
    let later = page("c2", vec![stale(y, "Why")], false);
    store
        .apply_mirror_page(m, Some("c1"), &later)
        .await
        .unwrap()
        .unwrap();
    assert!(store.organization(y).await.unwrap().unwrap().stale);

    // removed: its entries leave the map, and another mirror (another
    // map that has them too) takes them on
    assert_eq!(store.remove_mirror(m).await.unwrap(), Some(1));
    let other = NewMirror {
        source: DataSource::new(
            "Map B",
            PublicUrl::parse("https://b.example").unwrap(),
            "CC0-1.0",
            None,
        ),
        scope: MirrorScope::default(),
        publish: true,
    };
    let b = store.add_mirror(&other).await.unwrap();
    let taken = page("b1", vec![put(y, "Why")], true);
    assert_eq!(
        store.apply_mirror_page(b, None, &taken).await.unwrap(),
        Some(counts(0, 1, 0, 0))
    );
    assert_eq!(
        name_and_status(store.as_ref(), y).await.1,
        Status::Published
    );
    assert!(!store.organization(y).await.unwrap().unwrap().stale);
}

on_both_backends!(
    pages_apply_once_and_own_entries_are_left_alone,
    pending_entries_wait_and_removed_mirrors_let_go,
);
