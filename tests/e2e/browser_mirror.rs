//! A mirrored entry in Chromium: its card names the map it comes from
//! and its licence, and offers no "Write to this group" (its own map
//! relays that); a moderator sees the map followed on the moderation page
//! and hides the entry by its link, and it leaves the map. In English
//! on a desktop and in Arabic on a phone, axe-clean, screenshotted.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use solidarity_map_e2e::{ServeProcess, add_moderator, cli};

use crate::instances::{Moderator, PASSWORD, submit};
use crate::support::{
    MODERATOR, PASSWORD as MODERATOR_PASSWORD, Setup, assert_accessible, count, js,
};

#[test]
fn a_mirrored_entry_names_its_source_and_a_moderator_hides_it() {
    for (lang, width, height) in [("en", 1280, 800), ("ar", 390, 844)] {
        Setup::moderated(width, height).run(async |server, browser| {
            // the other map, with one group
            let dir = tempfile::tempdir().unwrap();
            let other_db = format!("sqlite:{}", dir.path().join("other.db").display());
            let other = ServeProcess::start(&other_db, &[]).await.unwrap();
            add_moderator(&other_db, "mod", PASSWORD).unwrap();
            let (id, _) = submit(&other.base, "Harbour Solidarity", 1).await;
            Moderator::sign_in(&other.base).await.approve(&id).await;

            // this map mirrors it: the running server follows the command
            let db = &server.database_url;
            cli(
                db,
                &[
                    "mirror",
                    "add",
                    &other.base,
                    "--publish",
                    "--name",
                    "Coast Map",
                ],
                "",
            )
            .unwrap();
            cli(db, &["mirror", "run"], "").unwrap();
            browser
                .wait_until("the mirrored entry to be served", || async {
                    let r = reqwest::get(format!("{}/api/organizations/{id}", server.base)).await?;
                    Ok(r.status() == 200)
                })
                .await
                .unwrap();

            // a page whose language picker a phone shows too: the choice
            // is remembered for the map
            browser.open(server, "/edit").await.unwrap();
            browser.choose_language(lang).await.unwrap();
            browser
                .wait_until("the page to speak the language", || async {
                    Ok(js(browser, "return document.documentElement.lang").await == lang)
                })
                .await
                .unwrap();
            browser.open(server, &format!("/org/{id}")).await.unwrap();
            browser.wait_for(".card .source a").await.unwrap();
            let source = browser.text(".card .source").await.unwrap();
            assert!(source.contains("Coast Map"), "{source}");
            assert!(source.contains("ODbL-1.0"), "{source}");
            let from = if lang == "en" { "From" } else { "من" };
            assert!(source.starts_with(from), "{source}");
            let href = js(
                browser,
                "return document.querySelector('.card .source a').href",
            )
            .await;
            assert_eq!(href.as_str().unwrap(), format!("{}/org/{id}", other.base));
            assert_eq!(
                count(browser, ".card .relay").await,
                0,
                "no relay to a mirrored entry"
            );
            assert_accessible(browser, &format!("mirrored card in {lang}")).await;
            browser
                .screenshot(&format!("mirror-card-{lang}"))
                .await
                .unwrap();

            // a moderator hides it by its link (the queue is empty: the
            // mirror publishes)
            browser.open(server, "/admin").await.unwrap();
            browser.wait_for("#username").await.unwrap();
            browser.log_in(MODERATOR, MODERATOR_PASSWORD).await.unwrap();
            browser.wait_for(".mirrors .mirror-list li").await.unwrap();
            let listed = browser.text(".mirrors .mirror-list").await.unwrap();
            assert!(listed.contains("Coast Map"), "{listed}");
            browser
                .type_into("#hide-entry", &format!("{}/org/{id}", server.base))
                .await
                .unwrap();
            browser
                .click(".hide-entry button[type=submit]")
                .await
                .unwrap();
            browser.wait_for(".mirrors .hidden-list li").await.unwrap();
            assert_accessible(browser, &format!("moderation mirrors in {lang}")).await;
            browser
                .screenshot(&format!("mirror-admin-{lang}"))
                .await
                .unwrap();
            let r = reqwest::get(format!("{}/api/organizations/{id}", server.base))
                .await
                .unwrap();
            assert_eq!(r.status(), 404);
            // and shows it again
            browser.click(".hidden-list button.show").await.unwrap();
            browser
                .wait_until("the entry to be back", || async {
                    Ok(count(browser, ".mirrors .hidden-list li").await == 0)
                })
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        });
    }
}
