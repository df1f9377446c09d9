//! The change log seen from outside: a page of the public changes after a
//! cursor, each entry as it is now.
//!
//! The log numbers every change to what the public sees, in the order
//! they commit, with no number skipped ([`crate::follow`]); a page is the
//! changes after the cursor, so two pages read while others write miss
//! nothing between them. An entry is read when the page is, so it may be
//! newer than the change that named it: its later change follows in a
//! later page, and applying the same state twice is harmless. A change to
//! many entries at once (an import) is the entries it wrote (all written
//! at its time), in id order, over as many pages as it takes.
//!
//! Only what is or once was public is named: an entry taken down before
//! it was ever published leaves no tombstone, and the log records no
//! change for it at all (see `Moderation::withdraw`). A cursor older than
//! the log (it keeps [`KEEP_CHANGES_DAYS`] days) is refused, never
//! answered with a page that silently lacks what was forgotten.

use std::collections::HashMap;

use solidarity_map_core::changes::{
    ChangeCursor, ChangeEntry, ChangeKind, ChangePage, ChangesQuery, Since,
};
use solidarity_map_core::{OrgId, PublicUrl};

use crate::follow::KEEP_CHANGES_DAYS;
use crate::open_data::Licence;
use crate::service::{Error, Result};
use crate::store::{Change, FeedOrg, Store};

/// The code of the answer to a cursor the log no longer reaches.
pub const EXPIRED: &str = "cursor_expired";

/// One page of the feed.
pub async fn page(
    store: &dyn Store,
    query: &ChangesQuery,
    licence: &Licence,
    public: Option<&PublicUrl>,
) -> Result<ChangePage> {
    // the head first: whatever commits while the page is read comes later
    let head = store.change_head().await?;
    let cursor = match query.since {
        Since::Now => ChangeCursor {
            after: head,
            within: None,
        },
        Since::Start => ChangeCursor::START,
        Since::Cursor(c) => c,
    };
    let (changes, next) = read(store, cursor, head, query.limit).await?;
    Ok(ChangePage {
        more: next.after < head || next.within.is_some(),
        next: next.to_string(),
        changes,
        license: licence.name.clone(),
        license_url: licence.url.to_string(),
        attribution: super::attribution(licence, public),
    })
}

fn expired(why: &str) -> Error {
    Error::Gone(
        EXPIRED,
        format!(
            "{why}: the change log keeps {KEEP_CHANGES_DAYS} days. Start over: read the whole \
             map (/api/export.geojson) after taking a cursor with since=now"
        ),
    )
}

/// The entries changed after `cursor`, up to `limit`, and the cursor
/// after them.
async fn read(
    store: &dyn Store,
    mut cursor: ChangeCursor,
    head: i64,
    limit: u32,
) -> Result<(Vec<ChangeEntry>, ChangeCursor)> {
    if cursor.after > head {
        return Err(expired("this cursor is not from this map's log"));
    }
    let log = store.changes_after(cursor.after, limit).await?;
    if let Some(first) = log.first()
        && first.seq != cursor.after + 1
    {
        return Err(expired("the changes after this cursor are no longer kept"));
    }
    let want = usize::try_from(limit).unwrap_or(usize::MAX);
    // the changes to one entry: read all at once below, each in its place
    let mut slots: Vec<Slot> = Vec::new();
    for change in log.iter().filter(|c| c.seq <= head) {
        if slots.len() >= want {
            break;
        }
        match change.org {
            Some(id) => {
                slots.push(Slot::One(*change, id));
                cursor = ChangeCursor {
                    after: change.seq,
                    within: None,
                };
            }
            None => {
                let after = cursor.within.filter(|_| change.seq == cursor.after + 1);
                let room = want - slots.len();
                let ask = u32::try_from(room + 1).unwrap_or(u32::MAX);
                let mut written = store.feed_orgs_written(change.at, after, ask).await?;
                let done = written.len() <= room;
                written.truncate(room);
                let last = written.last().map(|o| o.org.id);
                slots.extend(
                    written
                        .into_iter()
                        .map(|o| Slot::Many(*change, Box::new(o))),
                );
                cursor = match (done, last) {
                    (false, Some(id)) => ChangeCursor {
                        after: change.seq - 1,
                        within: Some(id),
                    },
                    _ => ChangeCursor {
                        after: change.seq,
                        within: None,
                    },
                };
                if !done {
                    break;
                }
            }
        }
    }
    let ids: Vec<OrgId> = slots
        .iter()
        .filter_map(|s| match s {
            Slot::One(_, id) => Some(*id),
            Slot::Many(..) => None,
        })
        .collect();
    let now: HashMap<OrgId, FeedOrg> = store
        .feed_orgs(&ids)
        .await?
        .into_iter()
        .map(|o| (o.org.id, o))
        .collect();
    let entries = slots
        .into_iter()
        .filter_map(|s| match s {
            Slot::One(change, id) => now.get(&id).and_then(|o| entry(&change, o)),
            Slot::Many(change, o) => entry(&change, o.as_ref()),
        })
        .collect();
    Ok((entries, cursor))
}

/// A change to one entry, or one of the entries a change to many wrote.
enum Slot {
    One(Change, OrgId),
    Many(Change, Box<FeedOrg>),
}

/// What `change` says of `org` now: its public view, or a tombstone when
/// it is no longer public; nothing when it never was.
fn entry(change: &Change, org: &FeedOrg) -> Option<ChangeEntry> {
    let kind = if org.is_public() {
        if org.published_at == Some(change.at) {
            ChangeKind::Published
        } else {
            ChangeKind::Updated
        }
    } else if org.was_public() {
        ChangeKind::Removed
    } else {
        return None;
    };
    Some(ChangeEntry {
        id: org.org.id,
        kind,
        at: change.at,
        feature: (kind != ChangeKind::Removed).then(|| org.org.to_feature()),
    })
}
