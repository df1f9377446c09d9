//! What a stranger can learn and what racing requests can break, on both
//! databases: the duplicate warning answers from public data only,
//! decisions and withdrawals never undo one another, and the clustering
//! index ends as the database does.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;

use serde_json::{Value, json};
use solidarity_map_core::moderation::{RevisionKind, SubmissionRequest};
use solidarity_map_core::{NewOrganization, OrgId, OrganizationInput, Status};
use solidarity_map_server::service::{Error, Service};
use solidarity_map_server::store::{ExternalOrg, Store};

use crate::support::{self, app_state};

/// [`support::submission`] at (`lat`, `lon`), shown at `precision`.
fn input(name: &str, lat: f64, lon: f64, precision: &str) -> Value {
    let mut body = support::submission(name);
    body["location"] = json!({"lat": lat, "lon": lon});
    body["precision"] = json!(precision);
    body
}

fn request(v: Value) -> SubmissionRequest {
    serde_json::from_value(v).unwrap()
}

/// Submits and answers with the edit token, or the error code.
async fn submit(service: &Service, v: Value) -> Result<String, &'static str> {
    match service.submit(&request(v)).await {
        Ok(created) => Ok(created.edit_token),
        Err(Error::Conflict(code, _)) => Err(code),
        Err(e) => panic!("{e:?}"),
    }
}

/// The pending revision of an entry.
async fn pending_of(store: &dyn Store, org: OrgId) -> solidarity_map_core::RevisionId {
    let queue = store.pending_revisions().await.unwrap();
    queue.iter().find(|r| r.org_id == org).unwrap().id
}

/// A group named `name` in the city of (`lat`, `lon`) joins: its edit
/// token, its entry and the revision waiting for a moderator.
async fn joined(
    service: &Service,
    store: &dyn Store,
    name: &str,
    (lat, lon): (f64, f64),
) -> (String, OrgId, solidarity_map_core::RevisionId) {
    let token = submit(service, input(name, lat, lon, "city"))
        .await
        .unwrap();
    let id = service.edit_view(&token).await.unwrap().id;
    (token, id, pending_of(store, id).await)
}

async fn the_duplicate_warning_answers_from_public_data_only(store: Arc<dyn Store>) {
    let state = app_state(store.clone()).await;
    let service = state.service();
    // a group in Jerusalem, shown at country precision: public (32, 35)
    let (lat, lon) = (31.78, 35.23);
    let token = submit(&service, input("Quiet Garden", lat, lon, "country"))
        .await
        .unwrap();
    let id = service.edit_view(&token).await.unwrap().id;

    // pending: a stranger who knows its name and place learns nothing
    let probe = submit(&service, input("Quiet Garden", lat, lon, "exact")).await;
    assert!(
        probe.is_ok(),
        "a pending entry was revealed by the duplicate warning"
    );

    service
        .approve(pending_of(store.as_ref(), id).await, None, "mod")
        .await
        .unwrap();
    let public = store.published_point(id).await.unwrap().unwrap();
    assert_eq!((public.lat, public.lon), (32.0, 35.0));

    // the exact point and its mirror image across the public point get the
    // same answer: the exact point cannot be searched for
    let mirror = (2.0 * public.lat - lat, 2.0 * public.lon - lon);
    let at_exact = submit(&service, input("Quiet Garden", lat, lon, "exact")).await;
    let at_mirror = submit(&service, input("Quiet Garden", mirror.0, mirror.1, "exact")).await;
    assert_eq!(
        at_exact.is_ok(),
        at_mirror.is_ok(),
        "the answer depends on the hidden point"
    );
    // near the public point, which anyone sees, the warning still helps
    let at_public = submit(&service, input("Quiet Garden", 32.0, 35.0, "exact")).await;
    assert_eq!(at_public, Err("possible_duplicate"));

    // moderators see what may be the same group, pending or published
    let queue = store.pending_revisions().await.unwrap();
    let probe = queue
        .iter()
        .find(|r| r.data.location.lat() == lat && r.org_id != id)
        .unwrap();
    let dups: Vec<OrgId> = probe.possible_duplicates.iter().map(|d| d.id).collect();
    assert!(dups.contains(&id), "{dups:?}");
    assert!(
        probe
            .possible_duplicates
            .iter()
            .any(|d| d.status == Status::Pending),
        "the other pending probes are listed too"
    );
}

/// Many rounds of a moderator's approval racing the group's withdrawal,
/// and of an approval racing a rejection of the same revision.
async fn decisions_and_withdrawals_never_undo_each_other(store: Arc<dyn Store>) {
    let state = app_state(store.clone()).await;
    let service = state.service();
    for round in 0..12 {
        // approve against withdraw: the entry always ends withdrawn
        let race = format!("Race {round}");
        let (token, id, revision) = joined(&service, store.as_ref(), &race, (31.7, 35.2)).await;
        let (approved, withdrawn) = tokio::join!(
            service.approve(revision, None, "mod"),
            service.withdraw(&token)
        );
        withdrawn.unwrap();
        match approved {
            Ok(()) | Err(Error::Conflict("already_decided", _)) => {}
            Err(e) => panic!("round {round}: approve failed with {e:?}"),
        }
        let org = store.organization(id).await.unwrap().unwrap();
        assert_eq!(
            org.status,
            Status::Withdrawn,
            "round {round}: a withdrawal was undone"
        );

        // approve against reject: exactly one wins
        let duel = format!("Duel {round}");
        let (_, id, revision) = joined(&service, store.as_ref(), &duel, (31.6, 35.1)).await;
        let (approved, rejected) = tokio::join!(
            service.approve(revision, None, "alice"),
            service.reject(revision, "not a group", "bob")
        );
        let won = |r: &Result<(), Error>| match r {
            Ok(()) => true,
            Err(Error::Conflict("already_decided", _)) => false,
            Err(e) => panic!("round {round}: {e:?}"),
        };
        assert!(
            won(&approved) ^ won(&rejected),
            "round {round}: {approved:?} and {rejected:?}"
        );
        let org = store.organization(id).await.unwrap().unwrap();
        let expected = if won(&approved) {
            Status::Published
        } else {
            Status::Rejected
        };
        assert_eq!(org.status, expected, "round {round}");
    }
    // the map shows exactly what the database publishes
    assert_eq!(
        state.clusters.len(),
        store.published_points().await.unwrap().len()
    );
}

async fn an_edit_link_can_be_replaced(store: Arc<dyn Store>) {
    let state = app_state(store.clone()).await;
    let service = state.service();
    let old = submit(&service, input("Moving House", 31.7, 35.2, "city"))
        .await
        .unwrap();
    let new = service.replace_edit_link(&old).await.unwrap();
    assert_eq!(new.edit_url, format!("/edit/{}", new.edit_token));
    assert!(matches!(
        service.edit_view(&old).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        service.replace_edit_link(&old).await,
        Err(Error::NotFound(_))
    ));
    let entry = service.edit_view(&new.edit_token).await.unwrap();
    assert_eq!(entry.current.name.text().best("en").1, "Moving House");
}

async fn the_queue_comes_in_pages_with_its_total(store: Arc<dyn Store>) {
    let state = app_state(store.clone()).await;
    let service = state.service();
    for n in 0..5 {
        submit(&service, input(&format!("Queued {n}"), 31.7, 35.2, "city"))
            .await
            .unwrap();
    }
    let first = store.pending_page(0, 2).await.unwrap();
    assert_eq!((first.items.len(), first.total), (2, 5));
    let last = store.pending_page(4, 2).await.unwrap();
    assert_eq!((last.items.len(), last.total), (1, 5));
    let all = store.pending_revisions().await.unwrap();
    assert_eq!(first.items[..], all[..2]);
    assert_eq!(last.items[0], all[4]);
}

fn external(id: &str, name: &str) -> ExternalOrg {
    let v = input(name, 32.08, 34.78, "city");
    let input: OrganizationInput = serde_json::from_value(v).unwrap();
    let org: NewOrganization = input.validate().unwrap();
    ExternalOrg {
        external_id: id.to_owned(),
        id: None,
        org,
    }
}

/// Imports `rows` from the partner map, with `status` (else pending).
async fn import(store: &dyn Store, rows: &[ExternalOrg], status: Option<Status>) {
    store
        .import_external("partner-map", rows, status, &|_| {})
        .await
        .unwrap();
}

async fn pending_imports_reach_the_queue(store: Arc<dyn Store>) {
    let state = app_state(store.clone()).await;
    let service = state.service();
    let rows = [external("a", "Imported One"), external("b", "Imported Two")];
    import(store.as_ref(), &rows, None).await;
    let queue = store.pending_revisions().await.unwrap();
    assert_eq!(queue.len(), 2);
    assert!(
        queue
            .iter()
            .all(|r| r.source.as_deref() == Some("partner-map"))
    );
    assert!(queue.iter().all(|r| r.kind == RevisionKind::Submission));

    // imported again, changed: the queue shows the new data, once
    let again = [external("a", "Imported One, renamed")];
    import(store.as_ref(), &again, None).await;
    let queue = store.pending_revisions().await.unwrap();
    assert_eq!(queue.len(), 2);
    let renamed = queue
        .iter()
        .find(|r| r.data.name.text().best("en").1 == "Imported One, renamed")
        .unwrap();

    // a moderator approves it like any submission
    service.approve(renamed.id, None, "mod").await.unwrap();
    assert_eq!(store.published_points().await.unwrap().len(), 1);
    let log = store.audit_log(10).await.unwrap();
    assert!(log.iter().any(|l| l.action == "imported"));

    // published by the import itself: nothing waits
    let published = [external("c", "Imported Three")];
    import(store.as_ref(), &published, Some(Status::Published)).await;
    assert_eq!(store.pending_revisions().await.unwrap().len(), 1);
}

on_both_backends!(
    the_duplicate_warning_answers_from_public_data_only,
    decisions_and_withdrawals_never_undo_each_other,
    an_edit_link_can_be_replaced,
    the_queue_comes_in_pages_with_its_total,
    pending_imports_reach_the_queue,
);
