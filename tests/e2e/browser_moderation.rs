//! Moderation as a moderator meets it, on a phone: a decision is
//! confirmed where they are looking, a rejection asks for its reason in
//! their language, the audit log names entries and people and shows what
//! a moderator corrected, and an edit's comparison reads as the card does.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use serde_json::{Value, json};
use solidarity_map_e2e::{Browser, Server};

use crate::support::{Setup, assert_accessible, assert_says, js, sign_in, submit_entry};

/// A new group, as the join form sends it, named `en` and `ar`.
fn group(en: &str, ar: &str) -> Value {
    json!({
        "name": {"en": en, "ar": ar},
        "description": {"en": "We meet on Fridays.\nEveryone is welcome.", "ar": "نلتقي أيام الجمعة.\nالجميع مرحب بهم."},
        "category": "student", "city": "Haifa", "country": "IL",
        "location": {"lat": 32.79, "lon": 34.99}, "precision": "city",
        "contact_email": "group@example.org", "consent": true,
        "started_at": 0
    })
}

/// The id of the element that has the focus.
async fn focused(browser: &Browser) -> Value {
    js(
        browser,
        "return document.activeElement ? document.activeElement.id : ''",
    )
    .await
}

/// Waits until the element `id` has the focus and is in view.
async fn wait_focused_in_view(browser: &Browser, id: &str) {
    browser
        .wait_until(&format!("#{id} to have the focus, in view"), || async {
            let seen = browser
                .eval(&format!(
                    "const e = document.getElementById('{id}');
                     if (!e || document.activeElement !== e) return false;
                     const r = e.getBoundingClientRect();
                     return r.top >= 0 && r.bottom <= innerHeight"
                ))
                .await?;
            Ok(seen == true)
        })
        .await
        .unwrap();
}

/// Scrolls the page to the top of what `css` finds, for a screenshot.
async fn show(browser: &Browser, css: &str) {
    let script = format!("document.querySelector('{css}').scrollIntoView(); return null");
    js(browser, &script).await;
}

/// Sends the group's edit through its link, as its edit page does.
async fn edit(server: &Server, token: &str, body: &Value) {
    let res = reqwest::Client::new()
        .put(format!("{}/api/edit/{token}", server.base))
        .json(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

/// The words on the page that a line break splits in two: each word of
/// the text under `css` laid out on more than one line.
async fn broken_words(browser: &Browser, css: &str) -> Vec<String> {
    let script = format!(
        "const broken = [];
         for (const root of document.querySelectorAll('{css}')) {{
           const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
           for (let node = walk.nextNode(); node; node = walk.nextNode()) {{
             const re = /\\S+/g;
             let m;
             while ((m = re.exec(node.data))) {{
               if (m[0].length < 2 || m[0].length > 24) continue;
               const range = document.createRange();
               range.setStart(node, m.index);
               range.setEnd(node, m.index + m[0].length);
               const lines = new Set([...range.getClientRects()]
                 .filter(r => r.width > 0).map(r => Math.round(r.top)));
               if (lines.size > 1) broken.push(m[0]);
             }}
           }}
         }}
         return broken;"
    );
    serde_json::from_value(js(browser, &script).await).unwrap()
}

/// On a phone, a decision is said where the moderator is looking: in a
/// live region above the queue that takes the focus, in view, rather than
/// at the top of a long page. A rejection without a reason asks for one
/// beside the field, in the moderator's language.
#[test]
fn a_decision_on_a_phone_is_confirmed_where_the_moderator_is_looking() {
    Setup::moderated(390, 844).run(async |server, browser| {
        for (en, ar) in [
            ("First Group", "المجموعة الأولى"),
            ("Second Group", "المجموعة الثانية"),
            ("Third Group", "المجموعة الثالثة"),
        ] {
            submit_entry(server, &group(en, ar)).await;
        }
        sign_in(browser, server).await;
        browser.wait_count(".revision", 3).await.unwrap();
        let last = js(
            browser,
            "return document.querySelectorAll('.revision')[2].dataset.id",
        )
        .await;
        let last = last.as_str().unwrap().to_owned();
        let reason = format!("reason-{last}");

        // no reason: asked for beside the field, which takes the focus
        browser
            .click(&format!(".revision[data-id='{last}'] .reject"))
            .await
            .unwrap();
        assert_says(
            browser,
            &format!("#{reason}-error"),
            "Say why you reject it",
        )
        .await;
        assert_eq!(focused(browser).await, reason);
        let invalid = js(
            browser,
            &format!("return document.getElementById('{reason}').getAttribute('aria-invalid')"),
        )
        .await;
        assert_eq!(invalid, "true");
        browser.choose_language("ar").await.unwrap();
        assert_says(browser, &format!("#{reason}-error"), "اذكروا سبب الرفض").await;
        browser
            .screenshot("moderation-reason-ar-phone")
            .await
            .unwrap();
        browser.choose_language("en").await.unwrap();

        // with a reason: the word comes above the queue, with the focus
        let field = browser.wait_for(&format!("#{reason}")).await.unwrap();
        field.send_keys("Not a real group.").await.unwrap();
        browser
            .click(&format!(".revision[data-id='{last}'] .reject"))
            .await
            .unwrap();
        browser.wait_count(".revision", 2).await.unwrap();
        wait_focused_in_view(browser, "decision-status").await;
        assert_says(browser, "#decision-status", "Rejected").await;
        let role = js(
            browser,
            "return document.getElementById('decision-status').getAttribute('role')",
        )
        .await;
        assert_eq!(role, "status");

        // the same after an approval further down the page
        js(
            browser,
            "document.querySelectorAll('.revision .approve')[1].scrollIntoView(); return null",
        )
        .await;
        browser
            .click(".revision:nth-child(2) .approve")
            .await
            .unwrap();
        browser.wait_count(".revision", 1).await.unwrap();
        wait_focused_in_view(browser, "decision-status").await;
        assert_says(browser, "#decision-status", "Approved").await;
        // and it follows the moderator's language
        browser.choose_language("ar").await.unwrap();
        assert_says(browser, "#decision-status", "تمت الموافقة").await;
        browser
            .screenshot("moderation-decided-phone")
            .await
            .unwrap();
    });
}

/// The audit log names the entry and the person of each line, in the
/// moderator's language, and what a moderator corrected field by field;
/// an edit's comparison names categories and precisions as people say
/// them and keeps the lines of a description. On a phone in Arabic, no
/// word is broken across lines, and axe finds nothing serious.
#[test]
fn the_audit_log_names_entries_and_people_and_shows_corrections() {
    Setup::moderated(390, 844).run(async |server, browser| {
        let created = submit_entry(server, &group("Carmel Neighbours", "جيران الكرمل")).await;
        let token = created["edit_token"].as_str().unwrap().to_owned();
        sign_in(browser, server).await;
        browser.click(".revision .edit-first").await.unwrap();
        let tags = browser.wait_for(".edit-before #tags").await.unwrap();
        tags.send_keys("youth").await.unwrap();
        browser
            .click(".edit-before input[name=precision][value=country]")
            .await
            .unwrap();
        browser.click(".edit-before .approve-edited").await.unwrap();
        browser.wait_status("Approved").await.unwrap();

        let first = browser.text("ol.audit > li").await.unwrap();
        for words in [
            "moderator",
            "approved",
            "Carmel Neighbours",
            "Corrected by the moderator before approving",
            "Shown at: City level (about 10 km) → Country level",
            "Keywords: (none) → youth",
        ] {
            assert!(first.contains(words), "{words:?} not in {first:?}");
        }
        let second = browser.text("ol.audit > li:nth-child(2)").await.unwrap();
        assert!(
            second.contains("the group (edit link)") && second.contains("submitted"),
            "{second}"
        );

        // the group edits its entry: another kind, a description on lines
        let mut edited = group("Carmel Neighbours", "جيران الكرمل");
        for sent_only in ["consent", "started_at"] {
            edited.as_object_mut().unwrap().remove(sent_only);
        }
        edited["category"] = json!("media");
        edited["precision"] = json!("country");
        edited["tags"] = json!(["youth"]);
        edited["description"]["en"] = json!("We meet on Mondays.\nBring a friend.");
        edit(server, &token, &edited).await;
        sign_in(browser, server).await;
        let categories = server.get_json("/api/categories").await.unwrap();
        let label = |slug: &str| {
            categories
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["slug"] == slug)
                .map(|c| c["labels"]["en"].as_str().unwrap().to_owned())
                .unwrap()
        };
        let diff = browser.text("table.diff").await.unwrap();
        for words in [label("student"), label("media")] {
            assert!(diff.contains(&words), "{words:?} not in {diff:?}");
        }
        let cells = js(
            browser,
            "return [...document.querySelectorAll('table.diff td')].map(td => td.innerText)",
        )
        .await;
        let cells: Vec<String> = serde_json::from_value(cells).unwrap();
        assert!(
            !cells.iter().any(|c| c == "student" || c == "media"),
            "{cells:?}"
        );
        assert!(
            cells
                .iter()
                .any(|c| c.contains("We meet on Mondays.\nBring a friend.")),
            "the description's lines are joined: {cells:?}"
        );

        for (css, name) in [
            ("table.diff", "moderation-diff-phone"),
            ("ol.audit", "moderation-audit-phone"),
        ] {
            show(browser, css).await;
            browser.screenshot(name).await.unwrap();
        }

        // in Arabic, on the phone: every word whole
        browser.choose_language("ar").await.unwrap();
        browser
            .wait_until("the log in Arabic", || async {
                Ok(browser
                    .text("ol.audit > li")
                    .await?
                    .contains("جيران الكرمل"))
            })
            .await
            .unwrap();
        // the group's edit is the newest line, the approval the one after
        assert_says(browser, "ol.audit > li", "المجموعة (رابط التعديل)").await;
        assert_says(browser, "ol.audit > li:nth-child(2)", "مستوى البلد").await;
        let last = browser.text("ol.audit > li:last-child").await.unwrap();
        assert!(!last.contains("group"), "an untranslated actor: {last}");
        for css in ["ol.audit", "table.diff", ".revision .meta"] {
            assert_eq!(
                broken_words(browser, css).await,
                Vec::<String>::new(),
                "{css}"
            );
        }
        let styles = js(
            browser,
            "return [...document.querySelectorAll('ol.audit li, table.diff td, .revision dd')]
                .map(e => getComputedStyle(e))
                .filter(s => s.overflowWrap === 'anywhere' || s.wordBreak === 'break-all').length",
        )
        .await;
        assert_eq!(styles, 0, "words may still break anywhere");
        assert_accessible(browser, "moderation with the log, in Arabic on a phone").await;
        for (css, name) in [
            ("table.diff", "moderation-diff-ar-phone"),
            ("ol.audit", "moderation-audit-ar-phone"),
        ] {
            show(browser, css).await;
            browser.screenshot(name).await.unwrap();
        }
    });
}
