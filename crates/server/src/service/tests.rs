//! The use cases over a real SQLite file, where the HTTP tests cannot
//! reach them: the command line's and those an HTTP route does not call.

use std::sync::Arc;

use std::path::Path;

use super::{Error, Service};
use crate::follow::Follower;
use crate::open_data::import;
use crate::store::{SqliteStore, Store};

/// A fresh SQLite file with the project's categories, which lives as long
/// as the folder.
async fn store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&url).await.unwrap());
    crate::seed::sync_categories(store.as_ref()).await.unwrap();
    (store, dir)
}

async fn service() -> (Service, tempfile::TempDir) {
    let (store, dir) = store().await;
    (Service::new(store), dir)
}

#[tokio::test]
async fn a_moderator_is_added_signs_in_and_out() {
    let (service, _dir) = service().await;
    let invalid = |r: Result<(), Error>| match r {
        Err(Error::Invalid(fields)) => fields[0].field.clone(),
        other => panic!("{other:?}"),
    };
    let long = "a long enough password";
    assert_eq!(invalid(service.add_moderator(" ", long).await), "username");
    let too_long_name = "n".repeat(65);
    assert_eq!(
        invalid(service.add_moderator(&too_long_name, long).await),
        "username"
    );
    assert_eq!(
        invalid(service.add_moderator("alice", "11 chars...").await),
        "password"
    );
    service.add_moderator(" alice ", long).await.unwrap();
    assert!(matches!(
        service.add_moderator("alice", long).await,
        Err(Error::Store(_))
    ));

    assert!(matches!(
        service.sign_in("alice", "a wrong password!!").await,
        Err(Error::Unauthorized)
    ));
    assert!(matches!(
        service.sign_in("nobody", long).await,
        Err(Error::Unauthorized)
    ));
    let new = service.sign_in(" alice", long).await.unwrap();
    assert_eq!(new.info.username, "alice");
    let session = service.session(&new.token).await.unwrap().unwrap();
    assert_eq!(session.info, new.info);
    assert!(service.session("not a token").await.unwrap().is_none());
    service.sign_out(&session).await.unwrap();
    assert!(service.session(&new.token).await.unwrap().is_none());
}

#[tokio::test]
async fn an_import_keeps_the_index_in_step() {
    let (store, _dir) = store().await;
    let known: Vec<_> = crate::seed::categories()
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let follower = Follower::start(store.clone(), known.clone()).await.unwrap();
    let follower = Arc::new(follower);
    let index = follower.index().clone();
    let service = Service::new(store).with_follower(follower.clone());
    let rows = |csv: &str| {
        let header = "id,name,description,category,city,country,lat,lon,precision\n";
        let text = format!("{header}{csv}\n");
        let checked = import::check(
            Path::new("sheet.csv"),
            text.as_bytes(),
            &import::Options::default(),
            &known,
        )
        .unwrap();
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        checked.rows
    };

    let pending = rows("a,Pending Group,We meet weekly.,solidarity,Haifa,IL,32.8,35.0,city");
    let counts = service
        .import("sheet", &pending, false, &|_| {})
        .await
        .unwrap();
    assert_eq!(counts.added, 1);
    assert!(index.is_empty(), "a pending entry is not on the map");

    let public = rows("b,Public Group,We meet weekly.,solidarity,Haifa,IL,32.8,35.0,city");
    service
        .import("sheet", &public, true, &|_| {})
        .await
        .unwrap();
    assert_eq!(index.len(), 1, "a published entry is on the map at once");
    assert_eq!(
        follower.lag().await.unwrap(),
        0,
        "the index has applied the log"
    );
}
