//! The store contract: every test here runs against SQLite and Postgres,
//! so the two backends cannot drift apart.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;

use solidarity_map_core::org::RawLocation;
use solidarity_map_core::{
    NewOrganization, OrgFilter, OrgId, Organization, OrganizationInput, Status,
};
use solidarity_map_server::seed;
use solidarity_map_server::store::{Decision, PublicPoint, Store, StoreError};

fn org(
    name: &[(&str, &str)],
    category: &str,
    country: &str,
    lat: f64,
    lon: f64,
    precision: &str,
) -> NewOrganization {
    OrganizationInput {
        name: name
            .iter()
            .map(|(l, t)| ((*l).to_owned(), (*t).to_owned()))
            .collect(),
        description: BTreeMap::from([("en".to_owned(), format!("About {}", name[0].1))]),
        category: category.into(),
        city: "Somewhere".into(),
        country: country.into(),
        location: Some(RawLocation { lat, lon }),
        precision: Some(precision.into()),
        contact_email: Some("private@example.org".into()),
        tags: vec!["Youth".into()],
        ..Default::default()
    }
    .validate()
    .expect("valid test organisation")
}

/// A media group near Ramallah named `name` in English.
pub(crate) fn plain(name: &str) -> NewOrganization {
    org(&[("en", name)], "media", "PS", 31.9, 35.2, "city")
}

async fn ready(store: &dyn Store) {
    seed::sync_categories(store).await.expect("categories");
}

fn names(page: &solidarity_map_server::store::Page) -> Vec<String> {
    page.items
        .iter()
        .map(|o| o.data.name.text().best("en").1.to_owned())
        .collect()
}

/// Stores `new` with `status`.
async fn put(store: &dyn Store, new: &NewOrganization, status: Status) -> Organization {
    store.insert_organization(new, status).await.unwrap()
}

/// The stored entry `id`, which must be there.
async fn fetch(store: &dyn Store, id: OrgId) -> Organization {
    store.organization(id).await.unwrap().expect("the entry")
}

fn filter(q: &str) -> OrgFilter {
    OrgFilter::from_query(q).expect("valid filter")
}

async fn insert_and_read_back(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let new = org(
        &[("en", "Ir Amim"), ("he", "עיר עמים")],
        "jerusalem",
        "IL",
        31.7683,
        35.2137,
        "city",
    );
    let stored = put(store.as_ref(), &new, Status::Pending).await;
    let read = store.organization(stored.id).await.unwrap().expect("found");
    assert_eq!(read, stored);
    assert_eq!(read.data, new);
    assert_eq!(
        read.data.contact_email.as_ref().unwrap().as_str(),
        "private@example.org"
    );
    assert_eq!(read.status, Status::Pending);
    let missing = OrgId(uuid::Uuid::new_v4());
    assert!(store.organization(missing).await.unwrap().is_none());
}

async fn only_published_entries_are_listed_and_counted(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let a = put(store.as_ref(), &plain("Alpha"), Status::Published).await;
    put(store.as_ref(), &plain("Beta"), Status::Pending).await;
    put(store.as_ref(), &plain("Gamma"), Status::Rejected).await;
    let page = store.published(&OrgFilter::default()).await.unwrap();
    assert_eq!(names(&page), ["Alpha"]);
    assert_eq!(page.total, 1);
    let cats = store.categories().await.unwrap();
    assert_eq!(cats.len(), 7);
    let media = cats
        .iter()
        .find(|c| c.category.slug.as_str() == "media")
        .unwrap();
    assert_eq!(media.count, 1);
    assert_eq!(cats.iter().map(|c| c.count).sum::<u64>(), 1);

    store.withdraw(a.id).await.unwrap();
    assert_eq!(
        store.published(&OrgFilter::default()).await.unwrap().total,
        0
    );
    assert_eq!(store.count_organizations().await.unwrap(), 3);
}

async fn filters_by_box_category_country_and_text(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let entries = [
        (
            org(
                &[("en", "Jerusalem Foundation"), ("ar", "مؤسسة القدس")],
                "jerusalem",
                "IL",
                31.77,
                35.21,
                "city",
            ),
            "J",
        ),
        (
            org(
                &[("en", "Grassroots"), ("ar", "القُدْس الشعبية")],
                "jerusalem",
                "PS",
                31.78,
                35.23,
                "city",
            ),
            "G",
        ),
        (
            org(
                &[("en", "Kehilot"), ("he", "קְהִלּוֹת צִיּוֹן")],
                "faith",
                "IL",
                31.76,
                35.2,
                "city",
            ),
            "K",
        ),
        (
            org(
                &[("en", "London Group")],
                "diaspora",
                "GB",
                51.5,
                -0.12,
                "city",
            ),
            "L",
        ),
        (
            org(
                &[("en", "Fiji Friends")],
                "solidarity",
                "FJ",
                -17.7,
                178.0,
                "city",
            ),
            "F",
        ),
        (
            org(
                &[("en", "Samoa Students")],
                "student",
                "WS",
                -13.8,
                -171.8,
                "city",
            ),
            "S",
        ),
        (
            org(
                &[("en", "100% Solidarity_")],
                "solidarity",
                "GB",
                53.4,
                -2.2,
                "city",
            ),
            "P",
        ),
    ];
    for (o, _) in &entries {
        put(store.as_ref(), o, Status::Published).await;
    }
    let count = |q: &'static str| {
        let store = store.clone();
        async move { store.published(&filter(q)).await.unwrap().total }
    };
    assert_eq!(count("bbox=34,31,36,33").await, 3);
    assert_eq!(count("bbox=-10,40,10,60").await, 2);
    // across the antimeridian: Fiji and Samoa, nothing else
    assert_eq!(count("bbox=170,-30,-170,0").await, 2);
    assert_eq!(count("category=jerusalem").await, 2);
    assert_eq!(count("category=jerusalem&category=faith").await, 3);
    assert_eq!(count("country=ps").await, 1);
    assert_eq!(count("country=IL&category=faith").await, 1);
    // text: case, Arabic vowel marks and Hebrew niqqud do not matter
    assert_eq!(count("q=JERUSALEM").await, 1);
    assert_eq!(count("q=%D8%A7%D9%84%D9%82%D8%AF%D8%B3").await, 2); // القدس
    assert_eq!(count("q=%D7%A6%D7%99%D7%95%D7%9F").await, 1); // ציון
    assert_eq!(count("q=youth").await, 7); // tags are searched
    assert_eq!(count("q=about%20london").await, 1); // descriptions too
    // LIKE wildcards in the query are literal
    assert_eq!(count("q=%25").await, 1);
    // punctuation alone folds to nothing, which is no filter at all
    assert_eq!(count("q=_").await, 7);
    assert_eq!(count("q=nothing-like-this").await, 0);
    // a city's name in one language finds the entries that wrote another,
    // as the API widens the search from its gazetteer
    let mut widened = filter("q=%D7%99%D7%A8%D7%95%D7%A9%D7%9C%D7%99%D7%9D"); // ירושלים
    assert_eq!(store.published(&widened).await.unwrap().total, 0);
    widened.q_also = solidarity_map_server::gazetteer::same_place("ירושלים");
    assert_eq!(store.published(&widened).await.unwrap().total, 2);
}

async fn language_filter_and_facets(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let mut a = plain("A");
    a.languages = vec!["ar".parse_lang(), "en".parse_lang()];
    let mut b = org(&[("en", "B")], "media", "IL", 31.9, 35.2, "city");
    b.languages = vec!["he".parse_lang(), "ar".parse_lang()];
    let mut c = org(&[("en", "C")], "media", "IL", 31.9, 35.2, "city");
    c.languages = vec!["he".parse_lang()];
    put(store.as_ref(), &a, Status::Published).await;
    put(store.as_ref(), &b, Status::Published).await;
    put(store.as_ref(), &c, Status::Pending).await;
    assert_eq!(
        store.published(&filter("language=ar")).await.unwrap().total,
        2
    );
    assert_eq!(
        store.published(&filter("language=he")).await.unwrap().total,
        1
    );
    assert_eq!(
        store.published(&filter("language=fr")).await.unwrap().total,
        0
    );
    let facets = store.facets(&filter("")).await.unwrap();
    let pairs = |v: &[solidarity_map_core::FacetCount]| {
        v.iter()
            .map(|f| (f.code.clone(), f.count))
            .collect::<Vec<_>>()
    };
    let p = |code: &str, n: u64| (code.to_owned(), n);
    // under a filter, each facet counts what the other filters let
    // through; its own choice does not narrow it, nor does the box
    let hebrew = store
        .facets(&filter("language=he&bbox=0,0,1,1"))
        .await
        .unwrap();
    assert_eq!(pairs(&hebrew.countries), [p("IL", 1)]);
    assert_eq!(pairs(&hebrew.categories), [p("media", 1)]);
    assert_eq!(pairs(&hebrew.languages), pairs(&facets.languages));
    let palestine = store.facets(&filter("country=PS")).await.unwrap();
    assert_eq!(pairs(&palestine.countries), pairs(&facets.countries));
    assert_eq!(pairs(&palestine.languages), [p("ar", 1), p("en", 1)]);
    let media = store.facets(&filter("category=media")).await.unwrap();
    assert_eq!(pairs(&media.categories), pairs(&facets.categories));
    assert_eq!(pairs(&media.countries), [p("IL", 1), p("PS", 1)]);
    let faith = store.facets(&filter("category=faith")).await.unwrap();
    assert!(faith.countries.is_empty() && faith.languages.is_empty());
    // words alone: the three facets counted in one pass, as each alone
    // would count them
    let worded = store.facets(&filter("q=about+b")).await.unwrap();
    assert_eq!(pairs(&worded.categories), [p("media", 1)]);
    assert_eq!(pairs(&worded.countries), [p("IL", 1)]);
    assert_eq!(pairs(&worded.languages), [p("ar", 1), p("he", 1)]);
    let narrowed = store.facets(&filter("q=about+b&country=IL")).await.unwrap();
    assert_eq!(pairs(&narrowed.languages), pairs(&worded.languages));
    assert_eq!(pairs(&narrowed.countries), pairs(&worded.countries));
    assert_eq!(
        pairs(&facets.countries),
        [("IL".to_owned(), 1), ("PS".to_owned(), 1)]
    );
    assert_eq!(
        pairs(&facets.languages),
        [
            ("ar".to_owned(), 2),
            ("en".to_owned(), 1),
            ("he".to_owned(), 1)
        ]
    );
    facets_from_memory_agree(store.as_ref(), &a).await;
}

/// The clustering index counts facets as the database does, under every
/// kind of filter, and stays in step as entries change language and
/// category, are published and withdrawn.
async fn facets_from_memory_agree(store: &dyn Store, a: &NewOrganization) {
    use solidarity_map_server::clusters::Clusters;
    let slugs: Vec<_> = seed::categories()
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let index = Clusters::load(store, slugs).await.unwrap();
    let filters = [
        "",
        "language=he",
        "language=ar&country=IL",
        "language=fr",
        "country=PS",
        "category=media",
        "category=faith&category=media&language=ar",
        "category=faith",
        "bbox=0,0,1,1",
    ];
    let agree = async |index: &Clusters, moment: &str| {
        for f in filters {
            let f = filter(f);
            assert_eq!(
                index.facets(&f),
                Some(store.facets(&f).await.unwrap()),
                "{moment}: {f:?}"
            );
            // the list's count from memory, where there is no box
            let total = store.published(&f).await.unwrap().total;
            let counted = index.count(&f);
            assert_eq!(
                counted,
                f.bbox.is_none().then_some(total),
                "{moment}: {f:?}"
            );
        }
    };
    agree(&index, "loaded").await;
    // what the index cannot count it says so, rather than leave a part out
    for f in ["q=about", "hide_stale=true", "q=about&category=media"] {
        assert_eq!(index.facets(&filter(f)), None, "{f}");
        assert_eq!(index.count(&filter(f)), None, "{f}");
    }
    // a new entry in another category and language, then one that moves
    let mut d = org(&[("en", "D")], "faith", "GB", 51.5, -0.1, "city");
    d.languages = vec!["fr".parse_lang(), "ar".parse_lang()];
    let d = put(store, &d, Status::Published).await;
    index.refresh(store, d.id).await.unwrap();
    agree(&index, "added").await;
    let a_id = store.published(&filter("country=PS")).await.unwrap().items[0].id;
    let mut moved = a.clone();
    moved.languages = vec!["de".parse_lang()];
    moved.category = solidarity_map_core::CategorySlug::parse("faith").unwrap();
    assert!(store.propose_edit(a_id, &moved).await.unwrap());
    let edit = store.pending_revisions().await.unwrap();
    let edit = edit.iter().find(|r| r.org_id == a_id).unwrap().id;
    store
        .decide(edit, Decision::Approve(None), "mod")
        .await
        .unwrap();
    index.refresh(store, a_id).await.unwrap();
    agree(&index, "changed").await;
    store.withdraw(d.id).await.unwrap();
    index.refresh(store, d.id).await.unwrap();
    agree(&index, "withdrawn").await;
}

async fn published_by_month_counts_published_entries(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    assert_eq!(store.published_by_month().await.unwrap(), []);
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    let mut published = Vec::new();
    for (i, status) in [
        Status::Published,
        Status::Published,
        Status::Pending,
        Status::Published,
        Status::Rejected,
    ]
    .into_iter()
    .enumerate()
    {
        let o = org(
            &[("en", &format!("M{i}"))],
            "media",
            "PS",
            31.9,
            35.2,
            "city",
        );
        let stored = store.insert_organization(&o, status).await.unwrap();
        if status == Status::Published {
            // the month the entry was added, in UTC
            *want
                .entry(stored.created_at.format("%Y-%m").to_string())
                .or_default() += 1;
            published.push(stored);
        }
    }
    let months = |v: Vec<solidarity_map_core::MonthCount>| {
        v.into_iter()
            .map(|m| (m.month, m.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        months(store.published_by_month().await.unwrap()),
        want.clone().into_iter().collect::<Vec<_>>()
    );
    // a withdrawn entry no longer counts
    let gone = &published[0];
    store.withdraw(gone.id).await.unwrap();
    let month = gone.created_at.format("%Y-%m").to_string();
    *want.get_mut(&month).unwrap() -= 1;
    want.retain(|_, n| *n > 0);
    assert_eq!(
        months(store.published_by_month().await.unwrap()),
        want.into_iter().collect::<Vec<_>>()
    );
}

async fn moderation_flow(store: Arc<dyn Store>) {
    use solidarity_map_core::moderation::{RevisionKind, RevisionStatus};
    use solidarity_map_server::store::Decided;
    ready(store.as_ref()).await;
    let new = org(
        &[("en", "Neighbours")],
        "jerusalem",
        "PS",
        31.7812,
        35.2345,
        "city",
    );
    let id = store.submit(&new, "hash-1").await.unwrap();
    assert_eq!(
        store.published(&OrgFilter::default()).await.unwrap().total,
        0
    );
    // pending: not a duplicate anyone can be told of
    assert!(
        store
            .similar(&new.sort_name(), new.location)
            .await
            .unwrap()
            .is_empty()
    );
    let view = store.edit_view("hash-1").await.unwrap().unwrap();
    assert_eq!((view.id, view.status), (id, Status::Pending));
    assert!(view.pending.is_none());
    assert!(store.edit_view("other").await.unwrap().is_none());

    let queue = store.pending_revisions().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (queue[0].kind, queue[0].status),
        (RevisionKind::Submission, RevisionStatus::Pending)
    );
    // approved with a moderator's correction, which the audit log keeps
    let mut corrected = new.clone();
    corrected.tags = vec![solidarity_map_core::Tag::parse("housing").unwrap()];
    let d = store
        .decide(
            queue[0].id,
            Decision::Approve(Some(Box::new(corrected))),
            "mod",
        )
        .await
        .unwrap();
    assert_eq!(d, Decided::Done(id), "names the organisation decided on");
    assert_eq!(
        store
            .decide(queue[0].id, Decision::Approve(None), "mod")
            .await
            .unwrap(),
        Decided::NotPending
    );
    assert_eq!(
        store.published(&OrgFilter::default()).await.unwrap().total,
        1
    );

    // an edit waits; a newer edit replaces it; approving applies it
    let mut changed = new.clone();
    changed.city = solidarity_map_core::City::parse("Silwan").unwrap();
    assert!(store.propose_edit(id, &changed).await.unwrap());
    changed.city = solidarity_map_core::City::parse("Ras al-Amud").unwrap();
    assert!(store.propose_edit(id, &changed).await.unwrap());
    let queue = store.pending_revisions().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].current.city.as_str(), "Somewhere");
    assert_eq!(
        fetch(store.as_ref(), id).await.data.city.as_str(),
        "Somewhere"
    );
    store
        .decide(queue[0].id, Decision::Approve(None), "mod")
        .await
        .unwrap();
    assert_eq!(
        fetch(store.as_ref(), id).await.data.city.as_str(),
        "Ras al-Amud"
    );
    let page = store.published(&filter("q=ras%20al")).await.unwrap();
    assert_eq!(page.total, 1, "search text follows the approved edit");

    // a rejected submission is kept, not public
    let spam = plain("Spam");
    let spam_id = store.submit(&spam, "hash-2").await.unwrap();
    let rev = store.pending_revisions().await.unwrap()[0].id;
    assert_eq!(
        store
            .decide(rev, Decision::Reject("fake".into()), "mod")
            .await
            .unwrap(),
        Decided::Done(spam_id)
    );
    assert_eq!(
        fetch(store.as_ref(), spam_id).await.status,
        Status::Rejected
    );
    assert_eq!(
        store
            .decide(
                solidarity_map_core::RevisionId(uuid::Uuid::new_v4()),
                Decision::Approve(None),
                "mod"
            )
            .await
            .unwrap(),
        Decided::NotFound
    );

    // withdrawing
    store.withdraw(id).await.unwrap();
    assert_eq!(
        store.published(&OrgFilter::default()).await.unwrap().total,
        0
    );
    assert!(!store.propose_edit(id, &new).await.unwrap());

    // moderators and sessions
    store.create_user("mod", "phc-hash").await.unwrap();
    assert!(matches!(
        store.create_user("mod", "x").await,
        Err(StoreError::Conflict(_))
    ));
    let user = store.user("mod").await.unwrap().unwrap();
    assert_eq!(user.password_hash, "phc-hash");
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    store
        .create_session("s1", &user.id, "csrf", later)
        .await
        .unwrap();
    assert_eq!(store.session("s1").await.unwrap().unwrap().username, "mod");
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    store
        .create_session("s2", &user.id, "csrf", past)
        .await
        .unwrap();
    assert!(store.session("s2").await.unwrap().is_none(), "expired");
    store.delete_session("s1").await.unwrap();
    assert!(store.session("s1").await.unwrap().is_none());

    let log = store.audit_log(100).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "withdrawn",
            "rejected",
            "submitted",
            "approved",
            "edited",
            "edited",
            "approved",
            "submitted"
        ]
    );
    assert_eq!(log[1].detail.as_deref(), Some("fake"));
    // each line names its entry as it is now, and the correction is kept
    let named = |e: &solidarity_map_core::moderation::AuditEntry| {
        e.org_name
            .as_ref()
            .map(|n| n.text().best("en").1.to_owned())
    };
    assert_eq!(named(&log[1]).as_deref(), Some("Spam"));
    assert_eq!(named(&log[7]).as_deref(), Some("Neighbours"));
    assert_eq!(log[6].actor, "mod");
    let fields: Vec<&str> = log[6].changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["tags"]);
    assert_eq!(log[6].changes[0].after, serde_json::json!(["housing"]));
    assert!(
        log[3].changes.is_empty(),
        "an approval as sent corrects nothing"
    );
}

trait ParseLang {
    fn parse_lang(&self) -> solidarity_map_core::LangCode;
}

impl ParseLang for str {
    fn parse_lang(&self) -> solidarity_map_core::LangCode {
        solidarity_map_core::LangCode::parse(self).unwrap()
    }
}

async fn bbox_matches_public_coordinates_only(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    // exact point 31.74, 35.26; shown (city precision) at 31.7, 35.3
    put(
        store.as_ref(),
        &org(&[("en", "Hidden")], "media", "PS", 31.74, 35.26, "city"),
        Status::Published,
    )
    .await;
    let around_exact = filter("bbox=35.25,31.73,35.27,31.75");
    assert_eq!(
        store.published(&around_exact).await.unwrap().total,
        0,
        "a box probe must not find the exact point"
    );
    let around_public = filter("bbox=35.29,31.69,35.31,31.71");
    let page = store.published(&around_public).await.unwrap();
    assert_eq!(page.total, 1);
    let loc = page.items[0].public_location();
    assert_eq!((loc.lat(), loc.lon()), (31.7, 35.3));
}

async fn pages_are_stable_and_ordered_by_name(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
        put(store.as_ref(), &plain(name), Status::Published).await;
    }
    let first = store.published(&filter("limit=2")).await.unwrap();
    assert_eq!(names(&first), ["Alpha", "Bravo"]);
    assert_eq!(first.total, 5);
    let second = store.published(&filter("limit=2&offset=2")).await.unwrap();
    assert_eq!(names(&second), ["charlie", "delta"]);
    let last = store.published(&filter("limit=2&offset=4")).await.unwrap();
    assert_eq!(names(&last), ["echo"]);
    let beyond = store.published(&filter("offset=50")).await.unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 5);
    assert!(first.more && second.more && !last.more && !beyond.more);
}

/// Pages that start after the last one's end: the same order as offsets,
/// and an entry added or withdrawn between two pages neither repeats nor
/// hides another (an offset would shift by one).
async fn pages_follow_where_the_last_ended(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let mut ids = std::collections::HashMap::new();
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo", "foxtrot"] {
        ids.insert(
            name,
            put(store.as_ref(), &plain(name), Status::Published)
                .await
                .id,
        );
    }
    let after = |page: &solidarity_map_server::store::Page| {
        let last = page.items.last().unwrap();
        let mut f = filter("limit=2");
        f.after = Some(solidarity_map_core::PageKey {
            sort_name: last.data.sort_name(),
            id: last.id,
        });
        f
    };
    let first = store.published(&filter("limit=2")).await.unwrap();
    assert_eq!(names(&first), ["Alpha", "Bravo"]);
    // meanwhile one is added before the page's end and one withdrawn
    put(store.as_ref(), &plain("Aardvark"), Status::Published).await;
    store.withdraw(ids["charlie"]).await.unwrap();
    let second = store.published(&after(&first)).await.unwrap();
    assert_eq!(names(&second), ["delta", "echo"]);
    assert_eq!(second.total, 6, "the count is of every match");
    assert!(second.more);
    let third = store.published(&after(&second)).await.unwrap();
    assert_eq!(names(&third), ["foxtrot"]);
    assert!(!third.more);
    // two entries with one name are told apart by id
    let twin = put(store.as_ref(), &plain("foxtrot"), Status::Published).await;
    let mut both = [ids["foxtrot"], twin.id];
    both.sort();
    let mut f = filter("limit=1&q=foxtrot");
    let one = store.published(&f).await.unwrap();
    assert_eq!(one.items[0].id, both[0]);
    f.after = Some(solidarity_map_core::PageKey {
        sort_name: one.items[0].data.sort_name(),
        id: one.items[0].id,
    });
    let two = store.published(&f).await.unwrap();
    assert_eq!(
        two.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [both[1]]
    );
}

async fn unknown_category_is_refused(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let err = store
        .insert_organization(
            &org(&[("en", "X")], "no-such-kind", "PS", 31.9, 35.2, "city"),
            Status::Pending,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownCategory(ref s) if s == "no-such-kind"),
        "{err:?}"
    );
}

async fn categories_upsert_is_idempotent(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    ready(store.as_ref()).await;
    let cats = store.categories().await.unwrap();
    let slugs: Vec<&str> = cats.iter().map(|c| c.category.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "solidarity",
            "student",
            "faith",
            "diaspora",
            "media",
            "research",
            "jerusalem"
        ]
    );
    assert_eq!(cats[0].category.labels.get("ar"), Some("مجموعات التضامن"));
}

async fn demo_data_seeds_once(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let n = seed::seed_demo_if_empty(store.as_ref()).await.unwrap();
    assert!(n >= 20);
    assert_eq!(seed::seed_demo_if_empty(store.as_ref()).await.unwrap(), 0);
    let all = store.published(&OrgFilter::default()).await.unwrap();
    assert_eq!(all.total, n as u64);
}

async fn published_points_are_public_and_rounded(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let shown = org(&[("en", "Shown")], "media", "PS", 31.7812, 35.2345, "city");
    let shown = put(store.as_ref(), &shown, Status::Published).await;
    let exact = org(
        &[("en", "Exact")],
        "faith",
        "GB",
        51.50712,
        -0.12756,
        "exact",
    );
    let exact = put(store.as_ref(), &exact, Status::Published).await;
    let waiting = org(&[("en", "Waiting")], "media", "IL", 32.1, 34.8, "city");
    let waiting = store.submit(&waiting, "hash-waiting").await.unwrap();

    let mut points = store.published_points().await.unwrap();
    points.sort_by(|a, b| a.category.cmp(&b.category));
    assert_eq!(points.len(), 2, "published only");
    let expected = |o: &solidarity_map_core::Organization| PublicPoint {
        id: o.id,
        lon: o.public_location().lon(),
        lat: o.public_location().lat(),
        category: o.data.category.as_str().to_owned(),
        country: o.data.country,
        stale: false,
        languages: o
            .data
            .languages
            .iter()
            .map(|l| l.as_str().to_owned())
            .collect(),
        sort_name: o.data.sort_name(),
    };
    assert_eq!(points, [expected(&exact), expected(&shown)]);
    // rounded to the city grid: the submitted point never leaves
    assert_eq!((points[1].lon, points[1].lat), (35.2, 31.8));

    assert_eq!(
        store.published_point(shown.id).await.unwrap(),
        Some(expected(&shown))
    );
    assert_eq!(store.published_point(waiting).await.unwrap(), None);
    let missing = OrgId(uuid::Uuid::new_v4());
    assert_eq!(store.published_point(missing).await.unwrap(), None);

    let submission = store.pending_revisions().await.unwrap()[0].id;
    store
        .decide(submission, Decision::Approve(None), "mod")
        .await
        .unwrap();
    assert!(store.published_point(waiting).await.unwrap().is_some());
    store.withdraw(shown.id).await.unwrap();
    assert_eq!(store.published_point(shown.id).await.unwrap(), None);
    assert_eq!(store.published_points().await.unwrap().len(), 2);
}

async fn bulk_insert_matches_the_normal_insert(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let mut new = org(
        &[("en", "Café Zoë Collective"), ("ar", "مقهى الجيران")],
        "solidarity",
        "FR",
        48.85661,
        2.35222,
        "neighbourhood",
    );
    new.website = Some(solidarity_map_core::WebUrl::parse("https://cafe.example.org/").unwrap());
    new.languages = vec![
        solidarity_map_core::LangCode::parse("fr").unwrap(),
        solidarity_map_core::LangCode::parse("ar").unwrap(),
    ];
    let normal = store
        .insert_organization_with_id(OrgId(uuid::Uuid::new_v4()), &new, Status::Published)
        .await
        .unwrap();

    // enough rows to span several statements of a batch
    let bulk_id = OrgId(uuid::Uuid::new_v4());
    let mut batch = vec![(bulk_id, new.clone())];
    for i in 0..2_600 {
        let filler = org(
            &[("en", &format!("Filler {i:04}"))],
            "research",
            "DE",
            52.0 + f64::from(i) / 10_000.0,
            13.0,
            "city",
        );
        batch.push((OrgId(uuid::Uuid::new_v4()), filler));
    }
    let hidden_id = OrgId(uuid::Uuid::new_v4());
    assert_eq!(
        store.bulk_insert(&batch, Status::Published).await.unwrap(),
        batch.len()
    );
    assert_eq!(
        store
            .bulk_insert(&[(hidden_id, new.clone())], Status::Pending)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.bulk_insert(&[], Status::Published).await.unwrap(), 0);

    let read = store.organization(bulk_id).await.unwrap().expect("stored");
    assert_eq!(read.data, normal.data);
    assert_eq!(read.data, new);
    assert_eq!(read.status, Status::Published);
    assert_eq!(read.created_at, read.updated_at);
    assert_eq!(
        fetch(store.as_ref(), hidden_id).await.status,
        Status::Pending
    );

    // the derived columns: search (accents folded), sort order, the
    // rounded point
    let page = store.published(&filter("q=cafe zoe")).await.unwrap();
    let mut ids: Vec<_> = page.items.iter().map(|o| o.id).collect();
    ids.sort();
    let mut want = vec![normal.id, bulk_id];
    want.sort();
    assert_eq!(ids, want, "both found, the pending one not");
    let page = store.published(&filter("q=الجيران")).await.unwrap();
    assert_eq!(page.total, 2);
    let first = store.published(&filter("limit=2")).await.unwrap();
    assert_eq!(
        names(&first),
        ["Café Zoë Collective", "Café Zoë Collective"]
    );
    let p_normal = store.published_point(normal.id).await.unwrap().unwrap();
    let p_bulk = store.published_point(bulk_id).await.unwrap().unwrap();
    assert_eq!((p_bulk.lon, p_bulk.lat), (p_normal.lon, p_normal.lat));
    assert_eq!((p_bulk.lon, p_bulk.lat), (2.35, 48.86));
    assert_eq!(store.count_organizations().await.unwrap(), 2_603);
    assert_eq!(store.published_points().await.unwrap().len(), 2_602);
}

async fn bulk_insert_is_all_or_nothing(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let mut batch: Vec<_> = (0..1_500)
        .map(|i| {
            (
                OrgId(uuid::Uuid::new_v4()),
                org(
                    &[("en", &format!("Good {i}"))],
                    "media",
                    "PS",
                    31.9,
                    35.2,
                    "city",
                ),
            )
        })
        .collect();
    batch.push((
        OrgId(uuid::Uuid::new_v4()),
        org(&[("en", "Bad")], "no-such-kind", "PS", 31.9, 35.2, "city"),
    ));
    match store.bulk_insert(&batch, Status::Published).await {
        Err(StoreError::UnknownCategory(c)) => assert_eq!(c, "no-such-kind"),
        other => panic!("expected UnknownCategory, got {other:?}"),
    }
    assert_eq!(store.count_organizations().await.unwrap(), 0);
    // a duplicate id fails the whole batch too
    let dup = batch[0].clone();
    batch.truncate(10);
    batch.push(dup);
    assert!(store.bulk_insert(&batch, Status::Published).await.is_err());
    assert_eq!(store.count_organizations().await.unwrap(), 0);
}

async fn published_after_walks_every_published_entry_by_id(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let mut published = Vec::new();
    for i in 0..23 {
        let o = org(
            &[("en", &format!("Org {i}")), ("ar", "منظمة")],
            "media",
            "PS",
            31.9,
            35.2,
            "city",
        );
        published.push(put(store.as_ref(), &o, Status::Published).await.id);
    }
    let hidden = org(&[("fr", "Cachée")], "media", "FR", 48.8, 2.3, "city");
    put(store.as_ref(), &hidden, Status::Pending).await;
    published.sort();

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.published_after(after, 5).await.unwrap();
        assert!(page.len() <= 5);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.iter().map(|o| o.id));
    }
    // every published entry once, in uuid order, on both backends
    assert_eq!(seen, published);
    let languages: Vec<String> = store
        .published_text_languages()
        .await
        .unwrap()
        .iter()
        .map(|l| l.as_str().to_owned())
        .collect();
    // the pending entry's French is not there
    assert_eq!(languages, ["ar", "en"]);
}

async fn import_external_adds_then_updates(store: Arc<dyn Store>) {
    use solidarity_map_server::store::{ExternalOrg, ImportCounts};
    ready(store.as_ref()).await;
    let kept_id = OrgId(uuid::Uuid::new_v4());
    let row = |external_id: &str, name: &str, email: bool, id| {
        let mut o = plain(name);
        if !email {
            o.contact_email = None;
        }
        ExternalOrg {
            external_id: external_id.to_owned(),
            id,
            org: o,
        }
    };
    let none = |_: usize| {};
    let first = [
        row("a", "Alpha", true, Some(kept_id)),
        row("b", "Beta", true, None),
    ];
    let counts = store
        .import_external("sheet", &first, None, &none)
        .await
        .unwrap();
    assert_eq!(
        counts,
        ImportCounts {
            added: 2,
            updated: 0
        }
    );
    // a free id from the source is kept; without one, pending by default
    let a = store.organization(kept_id).await.unwrap().expect("kept id");
    assert_eq!(a.status, Status::Pending);

    // again, changed and published: the same two entries, updated
    let second = [
        row("a", "Alpha Two", false, Some(kept_id)),
        row("b", "Beta", true, None),
    ];
    let counts = store
        .import_external("sheet", &second, Some(Status::Published), &none)
        .await
        .unwrap();
    assert_eq!(
        counts,
        ImportCounts {
            added: 0,
            updated: 2
        }
    );
    assert_eq!(store.count_organizations().await.unwrap(), 2);
    let a = fetch(store.as_ref(), kept_id).await;
    assert_eq!(a.data.name.text().best("en").1, "Alpha Two");
    assert_eq!(a.status, Status::Published);
    // the row had no contact address: the stored one stays
    assert_eq!(
        a.data.contact_email.as_ref().unwrap().as_str(),
        "private@example.org"
    );
    // without a status an update keeps the entry's own
    store.withdraw(kept_id).await.unwrap();
    store
        .import_external("sheet", &second, None, &none)
        .await
        .unwrap();
    assert_eq!(
        fetch(store.as_ref(), kept_id).await.status,
        Status::Withdrawn
    );

    // the same external id from another source is another entry; the id
    // it asks for is taken, so it gets a new one
    let counts = store
        .import_external(
            "other",
            &[row("a", "Elsewhere", true, Some(kept_id))],
            None,
            &none,
        )
        .await
        .unwrap();
    assert_eq!(counts.added, 1);
    assert_eq!(store.count_organizations().await.unwrap(), 3);

    // one bad row: nothing of the file is stored
    let mut bad = row("z", "Zed", true, None);
    bad.org.category = solidarity_map_core::CategorySlug::parse("no-such-kind").unwrap();
    let batch = [row("c", "Gamma", true, None), bad];
    match store.import_external("sheet", &batch, None, &none).await {
        Err(StoreError::UnknownCategory(c)) => assert_eq!(c, "no-such-kind"),
        other => panic!("expected UnknownCategory, got {other:?}"),
    }
    assert_eq!(store.count_organizations().await.unwrap(), 3);
}

/// Stores an organisation called `name`, somewhere in Palestine.
async fn add(store: &dyn Store, name: &str, category: &str, status: Status) -> Organization {
    let o = org(&[("en", name)], category, "PS", 31.9, 35.2, "city");
    store.insert_organization(&o, status).await.unwrap()
}

/// This process's clock, to the microsecond, as the store reads it.
fn clock() -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap()
}

/// The time of a change is read once, from this process's clock, and kept
/// to the microsecond: every row the change writes carries it, and a read
/// gives back what the write returned. Both backends, to the microsecond.
async fn every_change_has_one_time_from_the_process_clock(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let whole_micros =
        |t: chrono::DateTime<chrono::Utc>| t.timestamp_subsec_nanos().is_multiple_of(1000);
    let read = |id| {
        let store = store.clone();
        async move { fetch(store.as_ref(), id).await }
    };
    let last_audit = || {
        let store = store.clone();
        async move { store.audit_log(1).await.unwrap().remove(0) }
    };

    // a submission: the entry, its revision and the audit line
    let before = clock();
    let new = plain("On time");
    let id = store.submit(&new, "hash-time").await.unwrap();
    let after = chrono::Utc::now();
    let submitted = read(id).await;
    let t = submitted.created_at;
    assert!(whole_micros(t), "{t:?} has nanoseconds");
    assert!(
        before <= t && t <= after,
        "{t:?} is not this process's clock"
    );
    assert_eq!(submitted.updated_at, t);
    let revision = store.pending_revisions().await.unwrap().remove(0);
    assert_eq!(revision.created_at, t, "the revision is of the same change");
    let line = last_audit().await;
    assert_eq!(
        (line.at, line.org_id, line.revision_id),
        (t, Some(id), Some(revision.id))
    );

    // a decision
    let before = clock();
    store
        .decide(revision.id, Decision::Approve(None), "mod")
        .await
        .unwrap();
    let approved = read(id).await;
    let t = approved.updated_at;
    assert!(
        whole_micros(t) && before <= t && t <= chrono::Utc::now(),
        "{t:?}"
    );
    assert_eq!(approved.created_at, submitted.created_at);
    assert_eq!(last_audit().await.at, t);

    // an edit, then a withdrawal that makes it moot
    let before = clock();
    assert!(store.propose_edit(id, &new).await.unwrap());
    let edit = store.pending_revisions().await.unwrap().remove(0);
    assert!(whole_micros(edit.created_at) && before <= edit.created_at);
    assert_eq!(last_audit().await.at, edit.created_at);
    let before = clock();
    store.withdraw(id).await.unwrap();
    let withdrawn = read(id).await;
    let t = withdrawn.updated_at;
    assert!(
        whole_micros(t) && before <= t && t <= chrono::Utc::now(),
        "{t:?}"
    );
    assert_eq!(last_audit().await.at, t);

    // a rejected submission
    let spam = plain("Late");
    let spam = store.submit(&spam, "hash-late").await.unwrap();
    let revision = store.pending_revisions().await.unwrap().remove(0).id;
    store
        .decide(revision, Decision::Reject("no".into()), "mod")
        .await
        .unwrap();
    let rejected = read(spam).await;
    assert!(whole_micros(rejected.updated_at));
    assert_eq!(last_audit().await.at, rejected.updated_at);

    // what a write returns is what a read gives
    let inserted = add(store.as_ref(), "Inserted", "media", Status::Published).await;
    assert!(whole_micros(inserted.created_at));
    assert_eq!(read(inserted.id).await, inserted);
    let mut stored: Vec<Organization> = Vec::new();
    let bulk = OrgId(uuid::Uuid::new_v4());
    store
        .bulk_insert(&[(bulk, new.clone())], Status::Published)
        .await
        .unwrap();
    stored.push(read(bulk).await);
    let imported = solidarity_map_server::store::ExternalOrg {
        external_id: "1".into(),
        id: None,
        org: new.clone(),
    };
    store
        .import_external("sheet", &[imported], Some(Status::Published), &|_| {})
        .await
        .unwrap();
    stored.extend(store.published_after(None, 100).await.unwrap());
    for o in stored {
        assert!(
            whole_micros(o.created_at) && o.created_at == o.updated_at,
            "{o:?}"
        );
    }
}

/// `published` answers a page and the number of all matches: the total
/// counts exactly the entries the pages are cut from, whatever the limit
/// and offset, and even while entries are being added.
async fn published_total_counts_what_its_pages_are_cut_from(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    for i in 0..7 {
        let category = if i % 2 == 0 { "media" } else { "faith" };
        add(
            store.as_ref(),
            &format!("N{i}"),
            category,
            Status::Published,
        )
        .await;
    }
    add(store.as_ref(), "Waiting", "media", Status::Pending).await;
    add(store.as_ref(), "Turned down", "media", Status::Rejected).await;
    for (q, matches) in [
        ("", 7),
        ("category=media&", 4),
        ("category=faith&country=PS&", 3),
        ("q=nothing-like-this&", 0),
    ] {
        let all = store
            .published(&filter(&format!("{q}limit=10000")))
            .await
            .unwrap();
        assert_eq!(
            (all.items.len(), all.total),
            (matches, matches as u64),
            "{q}"
        );
        for limit in [1, 2, 3, 7, 50] {
            let mut seen = Vec::new();
            for offset in (0..=matches + limit).step_by(limit) {
                let page = store
                    .published(&filter(&format!("{q}limit={limit}&offset={offset}")))
                    .await
                    .unwrap();
                assert_eq!(page.total, all.total, "{q}limit={limit}&offset={offset}");
                assert_eq!(page.items.len(), limit.min(matches.saturating_sub(offset)));
                seen.extend(page.items.into_iter().map(|o| o.id));
            }
            let want: Vec<_> = all.items.iter().map(|o| o.id).collect();
            assert_eq!(seen, want, "{q}limit={limit}");
        }
    }

    // entries added while pages are read: each answer counts its own page
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                add(store.as_ref(), &format!("W{i}"), "media", Status::Published).await;
            }
        })
    };
    let mut rounds = 0;
    loop {
        let done = writer.is_finished();
        let page = store.published(&filter("limit=10000")).await.unwrap();
        assert_eq!(page.items.len() as u64, page.total, "round {rounds}");
        rounds += 1;
        if done {
            break;
        }
    }
    writer.await.unwrap();
    let page = store.published(&filter("limit=10000")).await.unwrap();
    assert_eq!((page.items.len(), page.total), (67, 67));
}

/// `published_after` pages by id with an exclusive bound that need not be
/// stored; the first page starts before every id, the nil uuid too, and
/// text and uuid order agree.
async fn published_after_bounds_hold_at_both_ends(store: Arc<dyn Store>) {
    use solidarity_map_core::OrgId;
    ready(store.as_ref()).await;
    let id = |s: &str| OrgId(s.parse().unwrap());
    let nil = id("00000000-0000-0000-0000-000000000000");
    let below_half = id("7fffffff-ffff-ffff-ffff-ffffffffffff");
    let half = id("80000000-0000-0000-0000-000000000000");
    let letter = id("a0000000-0000-0000-0000-000000000000");
    let max = id("ffffffff-ffff-ffff-ffff-ffffffffffff");
    let pending = id("90000000-0000-0000-0000-000000000000");
    let o = plain("Keyed");
    for id in [max, letter, half, below_half, nil] {
        store
            .insert_organization_with_id(id, &o, Status::Published)
            .await
            .unwrap();
    }
    store
        .insert_organization_with_id(pending, &o, Status::Pending)
        .await
        .unwrap();
    let after = |bound: Option<OrgId>, limit: u32| {
        let store = store.clone();
        async move {
            let page = store.published_after(bound, limit).await.unwrap();
            page.into_iter().map(|o| o.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(after(None, 100).await, [nil, below_half, half, letter, max]);
    assert_eq!(after(None, 2).await, [nil, below_half]);
    // the bound itself is not repeated
    assert_eq!(after(Some(nil), 2).await, [below_half, half]);
    // an id that is not published, or not stored at all, bounds as well
    assert_eq!(after(Some(pending), 100).await, [letter, max]);
    let unknown = id("80000000-0000-0000-0000-000000000001");
    assert_eq!(after(Some(unknown), 100).await, [letter, max]);
    assert_eq!(after(Some(max), 100).await, []);
    assert_eq!(after(None, 0).await, []);
}

/// `published_among` reads the published ones of some ids, in the order
/// asked (the index's order), leaving out what is not published.
async fn published_among_reads_a_chosen_page_in_list_order(store: Arc<dyn Store>) {
    ready(store.as_ref()).await;
    let mut ids = Vec::new();
    for name in ["Zeta", "alpha", "Été", "Beta"] {
        ids.push(
            put(store.as_ref(), &plain(name), Status::Published)
                .await
                .id,
        );
    }
    let waiting = put(store.as_ref(), &plain("Aaa waiting"), Status::Pending).await;
    let unknown = OrgId(uuid::Uuid::new_v4());
    let names = |page: Vec<Organization>| -> Vec<String> {
        page.iter()
            .map(|o| o.data.name.text().best("en").1.to_owned())
            .collect()
    };
    let asked = [ids[2], waiting.id, ids[0], unknown, ids[3], ids[1]];
    assert_eq!(
        names(store.published_among(&asked).await.unwrap()),
        ["Été", "Zeta", "Beta", "alpha"]
    );
    assert!(store.published_among(&[]).await.unwrap().is_empty());
    assert!(
        store
            .published_among(&[waiting.id, unknown])
            .await
            .unwrap()
            .is_empty()
    );
    // a page the index could choose: as many ids as the largest page
    let many: Vec<OrgId> = (0..10_001)
        .map(|_| OrgId(uuid::Uuid::new_v4()))
        .chain([ids[1]])
        .collect();
    assert_eq!(
        names(store.published_among(&many).await.unwrap()),
        ["alpha"]
    );
}

on_both_backends!(
    published_among_reads_a_chosen_page_in_list_order,
    insert_and_read_back,
    only_published_entries_are_listed_and_counted,
    filters_by_box_category_country_and_text,
    language_filter_and_facets,
    published_by_month_counts_published_entries,
    moderation_flow,
    bbox_matches_public_coordinates_only,
    pages_are_stable_and_ordered_by_name,
    pages_follow_where_the_last_ended,
    unknown_category_is_refused,
    categories_upsert_is_idempotent,
    demo_data_seeds_once,
    published_points_are_public_and_rounded,
    bulk_insert_matches_the_normal_insert,
    bulk_insert_is_all_or_nothing,
    published_after_walks_every_published_entry_by_id,
    import_external_adds_then_updates,
    every_change_has_one_time_from_the_process_clock,
    published_total_counts_what_its_pages_are_cut_from,
    published_after_bounds_hold_at_both_ends,
);

/// Moderator accounts as the command line manages them: listed, removed,
/// given a new password, their sessions ended, the expired ones purged.
mod accounts {
    use std::sync::Arc;

    use chrono::{Duration, Utc};
    use solidarity_map_server::store::{Decided, Decision, Store};

    async fn with_sessions(store: &dyn Store, username: &str, live: &[&str], expired: &[&str]) {
        store.create_user(username, "phc-hash").await.unwrap();
        let user = store.user(username).await.unwrap().unwrap();
        for (tokens, expires) in [
            (live, Utc::now() + Duration::hours(1)),
            (expired, Utc::now() - Duration::hours(1)),
        ] {
            for token in tokens {
                store
                    .create_session(token, &user.id, "csrf", expires)
                    .await
                    .unwrap();
            }
        }
    }

    async fn moderators_are_listed_with_their_live_sessions(store: Arc<dyn Store>) {
        assert!(store.users().await.unwrap().is_empty());
        let before = Utc::now() - Duration::seconds(1);
        with_sessions(store.as_ref(), "zoe", &["z1"], &[]).await;
        with_sessions(store.as_ref(), "amal", &["a1", "a2"], &["a3"]).await;
        let users = store.users().await.unwrap();
        let listed: Vec<(&str, u64)> = users
            .iter()
            .map(|u| (u.username.as_str(), u.live_sessions))
            .collect();
        assert_eq!(listed, [("amal", 2), ("zoe", 1)]);
        for u in &users {
            assert!(u.created_at > before && u.created_at <= Utc::now(), "{u:?}");
        }
    }

    async fn removing_a_moderator_ends_their_sessions_and_keeps_the_audit_log(
        store: Arc<dyn Store>,
    ) {
        super::ready(store.as_ref()).await;
        with_sessions(store.as_ref(), "leaving", &["l1"], &["l2"]).await;
        with_sessions(store.as_ref(), "staying", &["s1"], &[]).await;
        // a decision of the moderator who leaves
        let new = super::org(
            &[("en", "Neighbours")],
            "jerusalem",
            "IL",
            31.8,
            35.2,
            "city",
        );
        store.submit(&new, "edit-hash").await.unwrap();
        let revision = store.pending_revisions().await.unwrap()[0].id;
        let decided = store
            .decide(revision, Decision::Approve(None), "leaving")
            .await
            .unwrap();
        assert!(matches!(decided, Decided::Done(_)));

        assert!(store.delete_user("leaving").await.unwrap());
        assert!(store.user("leaving").await.unwrap().is_none());
        assert!(store.session("l1").await.unwrap().is_none());
        assert!(!store.delete_user("leaving").await.unwrap(), "already gone");
        assert!(!store.delete_user("nobody").await.unwrap());
        // the others are untouched
        assert_eq!(
            store.session("s1").await.unwrap().unwrap().username,
            "staying"
        );
        let names: Vec<String> = store
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["staying"]);
        // what they decided still names them
        let log = store.audit_log(10).await.unwrap();
        assert_eq!(log[0].action, "approved");
        assert_eq!(log[0].actor, "leaving");
        // and the name can be given to someone new
        store.create_user("leaving", "another-hash").await.unwrap();
    }

    async fn a_new_password_hash_ends_the_sessions(store: Arc<dyn Store>) {
        with_sessions(store.as_ref(), "mod", &["m1", "m2"], &[]).await;
        with_sessions(store.as_ref(), "other", &["o1"], &[]).await;
        assert!(store.set_password_hash("mod", "new-hash").await.unwrap());
        assert_eq!(
            store.user("mod").await.unwrap().unwrap().password_hash,
            "new-hash"
        );
        assert!(store.session("m1").await.unwrap().is_none());
        assert!(store.session("m2").await.unwrap().is_none());
        assert!(store.session("o1").await.unwrap().is_some());
        assert_eq!(
            store.user("other").await.unwrap().unwrap().password_hash,
            "phc-hash"
        );
        assert!(!store.set_password_hash("nobody", "x").await.unwrap());
    }

    async fn revoking_ends_every_session_of_one_moderator(store: Arc<dyn Store>) {
        with_sessions(store.as_ref(), "mod", &["m1", "m2"], &["m3"]).await;
        with_sessions(store.as_ref(), "other", &["o1"], &[]).await;
        // the expired one counts too: it is deleted with the others
        assert_eq!(store.delete_sessions_of("mod").await.unwrap(), Some(3));
        assert!(store.session("m1").await.unwrap().is_none());
        assert!(store.session("o1").await.unwrap().is_some());
        assert_eq!(store.delete_sessions_of("mod").await.unwrap(), Some(0));
        assert_eq!(store.delete_sessions_of("nobody").await.unwrap(), None);
        // the account stays
        assert!(store.user("mod").await.unwrap().is_some());
    }

    async fn expired_sessions_are_purged(store: Arc<dyn Store>) {
        with_sessions(store.as_ref(), "mod", &["live"], &["old-1", "old-2"]).await;
        assert_eq!(store.purge_expired_sessions().await.unwrap(), 2);
        // the rows are gone, not only unread: nothing is left to purge or
        // to end
        assert_eq!(store.purge_expired_sessions().await.unwrap(), 0);
        assert_eq!(
            store.session("live").await.unwrap().unwrap().username,
            "mod"
        );
        assert_eq!(store.delete_sessions_of("mod").await.unwrap(), Some(1));
    }

    on_both_backends!(
        moderators_are_listed_with_their_live_sessions,
        removing_a_moderator_ends_their_sessions_and_keeps_the_audit_log,
        a_new_password_hash_ends_the_sessions,
        revoking_ends_every_session_of_one_moderator,
        expired_sessions_are_purged,
    );
}

/// Data minimisation: what the store keeps of entries once they are
/// withdrawn or rejected, and for how long.
mod retention {
    use std::sync::Arc;

    use solidarity_map_core::moderation::AuditEntry;
    use solidarity_map_core::{LatLon, NewOrganization, OrgId, RevisionId, Status};
    use solidarity_map_server::store::{Decision, Store};

    use super::fetch;
    use crate::support::{Backend, Stored, TestDb};

    const EMAIL: &str = "private@example.org";

    /// An entry at an exact point that its precision (about 1 km) hides.
    fn entry(name: &str) -> NewOrganization {
        super::org(
            &[("en", name)],
            "media",
            "PS",
            31.78123,
            35.23456,
            "neighbourhood",
        )
    }

    /// A fresh database on `backend` with the categories, and its store;
    /// `None` when the test is skipped.
    async fn ready(backend: Backend) -> Option<(TestDb, Arc<dyn Store>)> {
        let db = backend.fresh().await?;
        let store = db.store();
        super::ready(store.as_ref()).await;
        Some((db, store))
    }

    /// The point the public sees of [`entry`].
    fn public_point() -> LatLon {
        let e = entry("any");
        e.location.rounded(e.precision)
    }

    /// The revision of the entry `id` that waits for a moderator.
    async fn waiting(store: &dyn Store, id: OrgId) -> RevisionId {
        let queue = store.pending_revisions().await.unwrap();
        queue.into_iter().find(|r| r.org_id == id).unwrap().id
    }

    /// A submission with its edit token hash `name`, approved.
    async fn published(store: &dyn Store, name: &str) -> OrgId {
        let id = store.submit(&entry(name), name).await.unwrap();
        let revision = waiting(store, id).await;
        store
            .decide(revision, Decision::Approve(None), "mod")
            .await
            .unwrap();
        id
    }

    async fn stored(db: &TestDb, id: OrgId) -> Stored {
        db.stored(id.0).await
    }

    /// Neither the contact address nor the exact point is kept anywhere:
    /// not in the row, not in the json of any revision.
    fn assert_scrubbed(s: &Stored) {
        let public = public_point();
        assert_eq!(s.contact_email, None);
        assert_eq!((s.lat, s.lon), (public.lat(), public.lon()));
        assert!(!s.revisions.is_empty());
        for r in &s.revisions {
            assert!(!r.contains(EMAIL) && !r.contains("31.78123"), "{r}");
            let json: serde_json::Value = serde_json::from_str(r).unwrap();
            assert!(json["contact_email"].is_null(), "{r}");
            assert_eq!(json["location"]["lat"].as_f64(), Some(public.lat()), "{r}");
            assert_eq!(json["location"]["lon"].as_f64(), Some(public.lon()), "{r}");
        }
    }

    /// Everything the group gave is still kept.
    fn assert_kept(s: &Stored) {
        assert_eq!(s.contact_email.as_deref(), Some(EMAIL));
        assert_eq!((s.lat, s.lon), (31.78123, 35.23456));
        assert!(!s.revisions.is_empty());
        for r in &s.revisions {
            assert!(r.contains(EMAIL) && r.contains("31.78123"), "{r}");
        }
    }

    fn lines(log: &[AuditEntry], action: &str) -> Vec<(String, Option<OrgId>)> {
        log.iter()
            .filter(|l| l.action == action)
            .map(|l| {
                assert_eq!(l.detail, None, "no personal data in the log");
                (l.actor.clone(), l.org_id)
            })
            .collect()
    }

    /// Withdrawn and rejected entries past the period lose their contact
    /// address and exact point, in the row and in every revision; fresh
    /// ones keep them, published and pending ones are never touched, and
    /// running it twice changes nothing.
    async fn expired_entries_are_scrubbed_once_and_nothing_else(backend: Backend) {
        let Some((db, store)) = ready(backend).await else {
            return;
        };

        // withdrawn after an approval and a pending edit: three revisions
        let withdrawn = published(store.as_ref(), "withdrawn").await;
        let mut moved = entry("withdrawn");
        moved.location = LatLon::new(31.78124, 35.23457).unwrap();
        assert!(store.propose_edit(withdrawn, &moved).await.unwrap());
        store.withdraw(withdrawn).await.unwrap();
        // a submission rejected
        let rejected = store.submit(&entry("rejected"), "rejected").await.unwrap();
        let revision = waiting(store.as_ref(), rejected).await;
        store
            .decide(revision, Decision::Reject("spam".into()), "mod")
            .await
            .unwrap();
        // as old, but public or waiting
        let public = published(store.as_ref(), "public").await;
        let pending = store.submit(&entry("pending"), "pending").await.unwrap();

        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let cutoff = chrono::Utc::now();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        // withdrawn within the period
        let fresh = published(store.as_ref(), "fresh").await;
        store.withdraw(fresh).await.unwrap();

        for (id, status) in [
            (withdrawn, Status::Withdrawn),
            (rejected, Status::Rejected),
            (public, Status::Published),
            (pending, Status::Pending),
            (fresh, Status::Withdrawn),
        ] {
            assert_eq!(fetch(store.as_ref(), id).await.status, status);
        }
        assert_eq!(store.scrub_expired(cutoff).await.unwrap(), 2);
        let scrubbed = stored(&db, withdrawn).await;
        assert_eq!(scrubbed.revisions.len(), 2);
        assert_scrubbed(&scrubbed);
        assert_scrubbed(&stored(&db, rejected).await);
        for kept in [public, pending, fresh] {
            assert_kept(&stored(&db, kept).await);
        }
        // what the audit needs stays: status, time of the change, the reason
        let r = fetch(store.as_ref(), rejected).await;
        assert_eq!(r.status, Status::Rejected);
        assert!(r.updated_at < cutoff);
        assert_eq!(
            fetch(store.as_ref(), withdrawn).await.status,
            Status::Withdrawn
        );
        let log = store.audit_log(100).await.unwrap();
        let mut scrub_lines = lines(&log, "scrubbed");
        scrub_lines.sort_by_key(|(_, id)| *id);
        let mut expected = vec![
            ("retention".to_owned(), Some(withdrawn)),
            ("retention".to_owned(), Some(rejected)),
        ];
        expected.sort_by_key(|(_, id)| *id);
        assert_eq!(scrub_lines, expected);

        // again: nothing changes, nothing is logged
        let before: Vec<Stored> = {
            let mut v = Vec::new();
            for id in [withdrawn, rejected, public, pending, fresh] {
                v.push(stored(&db, id).await);
            }
            v
        };
        assert_eq!(store.scrub_expired(cutoff).await.unwrap(), 0);
        for (id, was) in [withdrawn, rejected, public, pending, fresh]
            .into_iter()
            .zip(before)
        {
            assert_eq!(stored(&db, id).await, was);
        }
        assert_eq!(store.audit_log(100).await.unwrap().len(), log.len());

        // a period of nothing: every withdrawn or rejected entry goes, the
        // public and pending ones still do not
        assert_eq!(store.scrub_expired(chrono::Utc::now()).await.unwrap(), 1);
        assert_scrubbed(&stored(&db, fresh).await);
        for kept in [public, pending] {
            assert_kept(&stored(&db, kept).await);
        }
    }

    /// The group erases its published entry: withdrawn, scrubbed at once,
    /// its link gone, and the log says so without personal data; erasing
    /// what is already withdrawn scrubs it too.
    async fn erasure_withdraws_scrubs_and_ends_the_link(backend: Backend) {
        let Some((db, store)) = ready(backend).await else {
            return;
        };
        let id = published(store.as_ref(), "erased").await;
        let other = published(store.as_ref(), "other").await;
        assert!(store.propose_edit(id, &entry("erased")).await.unwrap());

        assert!(store.erase(id).await.unwrap());
        let org = fetch(store.as_ref(), id).await;
        assert_eq!(org.status, Status::Withdrawn);
        assert!(store.pending_revisions().await.unwrap().is_empty());
        assert_scrubbed(&stored(&db, id).await);
        assert!(store.edit_view("erased").await.unwrap().is_none());
        assert!(store.published_point(id).await.unwrap().is_none());
        assert_kept(&stored(&db, other).await);
        assert!(store.edit_view("other").await.unwrap().is_some());
        let log = store.audit_log(2).await.unwrap();
        let actions: Vec<_> = log
            .iter()
            .map(|l| (l.actor.as_str(), l.action.as_str()))
            .collect();
        assert_eq!(actions, [("group", "erased"), ("group", "withdrawn")]);
        assert!(
            log.iter()
                .all(|l| l.org_id == Some(id) && l.detail.is_none())
        );
        // the retention job finds nothing more to do
        assert_eq!(store.scrub_expired(chrono::Utc::now()).await.unwrap(), 0);

        // already withdrawn: not withdrawn again, but scrubbed
        let gone = published(store.as_ref(), "gone").await;
        store.withdraw(gone).await.unwrap();
        assert!(store.erase(gone).await.unwrap());
        assert_scrubbed(&stored(&db, gone).await);
        let actions: Vec<_> = store
            .audit_log(2)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.action)
            .collect();
        assert_eq!(actions, ["erased", "withdrawn"]);
        assert!(!store.erase(OrgId(uuid::Uuid::new_v4())).await.unwrap());
    }

    on_both_backends!(backend:
        expired_entries_are_scrubbed_once_and_nothing_else,
        erasure_withdraws_scrubs_and_ends_the_link,
    );
}
