//! The use cases over a real SQLite file, where the HTTP tests cannot
//! reach them: the command line's and those an HTTP route does not call.

use std::sync::Arc;

use super::{Error, Service};
use crate::store::SqliteStore;

/// A service over a fresh SQLite file, which lives as long as the folder.
async fn service() -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    (Service::new(Arc::new(store)), dir)
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
