//! The clustering index the map reads when there are too many
//! organisations to send: built once from the store at start-up, then kept
//! in step with every moderation decision in place, so a new entry is on
//! the map at once without a rebuild. It holds public (already rounded)
//! points only, and which of them are stale (the map fades those).

mod facets;
mod lists;

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use solidarity_map_cluster::{Bbox, Filter, Index, Item, Point, PointId};
use solidarity_map_core::{BBox, CategorySlug, CountryCode, Facets, LatLon, OrgFilter, OrgId};

use crate::store::{PublicPoint, Store};
use facets::{FacetCache, FacetTable};
use lists::Names;

/// One thing to draw, with the store's ids and slugs.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawn {
    Cluster {
        lon: f64,
        lat: f64,
        count: u64,
        categories: Vec<(CategorySlug, u64)>,
        expansion_zoom: u8,
    },
    One {
        id: OrgId,
        lon: f64,
        lat: f64,
        category: CategorySlug,
        stale: bool,
    },
}

/// What the log says once the lists' order is sorted (see
/// [`Clusters::prepare_lists`]): the benchmark waits for it.
pub const SORTED: &str = "the lists' order is sorted";

/// A page of a list in a box (see [`Clusters::list_page`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// How many published entries match the filter, in all.
    pub total: u64,
    /// The page's ids and the next one's, if any, by name.
    pub ids: Vec<OrgId>,
}

/// The index, the two-way map between organisation ids and the dense
/// point ids the index wants (freed ones are reused), and what the
/// filters' counts need of each point.
#[derive(Default)]
struct Inner {
    index: Index,
    points: HashMap<OrgId, PointId>,
    orgs: Vec<Option<OrgId>>,
    free: Vec<u32>,
    /// The indexed entries that are stale.
    stale: HashSet<OrgId>,
    facets: FacetTable,
    /// Each point's sort key, for lists by name.
    names: Names,
    /// The points in the lists' order, once built.
    order: lists::Order,
}

impl Inner {
    fn point_id(&mut self, id: OrgId) -> PointId {
        if let Some(p) = self.points.get(&id) {
            return *p;
        }
        let p = match self.free.pop() {
            Some(n) => n,
            None => {
                self.orgs.push(None);
                u32::try_from(self.orgs.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.orgs[p as usize] = Some(id);
        self.points.insert(id, PointId(p));
        PointId(p)
    }

    fn remove(&mut self, id: OrgId) -> bool {
        let Some(p) = self.points.remove(&id) else {
            return false;
        };
        self.order.remove(&self.names, &self.orgs, p);
        self.orgs[p.0 as usize] = None;
        self.free.push(p.0);
        self.stale.remove(&id);
        self.facets.clear(p);
        self.names.clear(p);
        self.index.remove(p)
    }
}

/// Shared by all requests; queries take a read lock for well under a
/// millisecond, updates a write lock for microseconds.
pub struct Clusters {
    inner: RwLock<Inner>,
    /// Category slugs by their number in the index (at most 64).
    categories: Vec<CategorySlug>,
    /// Held while a change is read from the store and applied (see
    /// [`Clusters::refresh`]).
    changes: tokio::sync::Mutex<()>,
    /// Counts already made under a filter, for as long as nothing changed.
    facet_cache: FacetCache,
}

impl std::fmt::Debug for Clusters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clusters")
            .field("len", &self.len())
            .finish()
    }
}

/// Gathers the points of a new index one at a time.
struct Builder {
    categories: Vec<CategorySlug>,
    inner: Inner,
    batch: Vec<Point>,
}

impl Builder {
    fn new(categories: Vec<CategorySlug>) -> Self {
        Self {
            categories: categories
                .into_iter()
                .take(usize::from(solidarity_map_cluster::MAX_CATEGORIES))
                .collect(),
            inner: Inner::default(),
            batch: Vec::new(),
        }
    }

    fn push(&mut self, p: &PublicPoint) {
        // at most MAX_CATEGORIES (64) were kept: each has a u8 number
        let number = self
            .categories
            .iter()
            .zip(0u8..)
            .find_map(|(c, number)| (c.as_str() == p.category).then_some(number));
        if let Some(c) = number {
            let id = self.inner.point_id(p.id);
            if p.stale {
                self.inner.stale.insert(p.id);
            }
            let country = country(&p.country);
            self.inner.facets.set(id, c, country, &p.languages);
            self.inner.names.set(id, &p.sort_name);
            self.batch.push(Point {
                id,
                lon: p.lon,
                lat: p.lat,
                category: c,
                country,
            });
        }
    }

    fn finish(self) -> Clusters {
        let Self {
            categories,
            mut inner,
            batch,
        } = self;
        inner.index = Index::build(&batch);
        drop(batch);
        Clusters {
            inner: RwLock::new(inner),
            categories,
            changes: tokio::sync::Mutex::new(()),
            facet_cache: FacetCache::default(),
        }
    }
}

fn bbox(b: Option<&BBox>) -> Bbox {
    b.map_or(Bbox::WORLD, |b| Bbox {
        min_lon: b.min_lon,
        min_lat: b.min_lat,
        max_lon: b.max_lon,
        max_lat: b.max_lat,
    })
}

fn country(c: &CountryCode) -> [u8; 2] {
    let b = c.as_str().as_bytes();
    [b[0], b[1]]
}

impl Clusters {
    /// An index of `points`; categories are numbered in the given order.
    pub fn new(categories: Vec<CategorySlug>, points: &[PublicPoint]) -> Self {
        let mut builder = Builder::new(categories);
        for p in points {
            builder.push(p);
        }
        builder.finish()
    }

    /// Builds the index from every published organisation in the store,
    /// numbering `categories` in their order: the project's own list, which
    /// start-up has written to the store (asking the store would count
    /// every organisation per category, 2.9 s at a million, for nothing).
    /// Each point goes into the index's compact form as it is read, so the
    /// store's rows are never all in memory beside the index.
    pub async fn load(
        store: &dyn Store,
        categories: Vec<CategorySlug>,
    ) -> crate::store::Result<Self> {
        let mut builder = Builder::new(categories);
        store
            .each_published_point(&mut |p| builder.push(&p))
            .await?;
        Ok(builder.finish())
    }

    /// Builds the index again from the store, after a change to many
    /// organisations at once (an import); queries meanwhile see the old one.
    pub async fn reload(&self, store: &dyn Store) -> crate::store::Result<()> {
        let _one_at_a_time = self.changes.lock().await;
        let fresh = Self::load(store, self.categories.clone()).await?;
        // sorting a million keys takes most of a second: not on the
        // runtime's workers, which serve requests meanwhile
        let fresh = tokio::task::spawn_blocking(move || {
            fresh.prepare_lists();
            fresh
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        let inner = fresh.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        self.write(|i| *i = inner);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.read(|i| i.index.len())
    }

    /// A number that grows with every change applied to the index: an
    /// answer made from the published entries holds while it is the same.
    pub fn generation(&self) -> u64 {
        self.facet_cache.generation()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Approximate memory the index and the sort keys hold, for the
    /// start-up log.
    pub fn memory_bytes(&self) -> usize {
        self.read(|i| i.index.memory_bytes() + i.names.memory_bytes() + i.order.memory_bytes())
    }

    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> T {
        // a panic while holding the lock cannot leave the index half
        // updated in a way queries could notice, so a poisoned lock is used
        f(&self.inner.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn write<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        // under the lock: a count made before this change is never taken
        // for one made after
        self.facet_cache.changed();
        f(&mut inner)
    }

    /// Puts an organisation's public point in the index, or moves it.
    pub fn upsert(&self, p: &PublicPoint) {
        let Some(c) = self.category_number(&p.category) else {
            tracing::warn!(id = %p.id, category = %p.category, "not clustered: unknown category");
            return;
        };
        self.write(|i| {
            let known = i.points.contains_key(&p.id);
            let id = i.point_id(p.id);
            // a new key's place in the lists' order, taken by the old one
            let renamed = !known || i.names.get(id) != p.sort_name;
            if known && renamed {
                i.order.remove(&i.names, &i.orgs, id);
            }
            if p.stale {
                i.stale.insert(p.id);
            } else {
                i.stale.remove(&p.id);
            }
            i.facets.set(id, c, country(&p.country), &p.languages);
            i.names.set(id, &p.sort_name);
            if renamed {
                i.order.insert(&i.names, &i.orgs, id);
            }
            i.index.update(Point {
                id,
                lon: p.lon,
                lat: p.lat,
                category: c,
                country: country(&p.country),
            });
        });
    }

    /// Takes an organisation off; false when it was not there.
    pub fn remove(&self, id: OrgId) -> bool {
        self.write(|i| i.remove(id))
    }

    /// Brings one organisation in step with the store: in the index when
    /// published, out of it otherwise.
    ///
    /// Called after the change has committed; refreshes run one at a time,
    /// each reading the store afresh, so whichever of two racing changes
    /// commits last, the last refresh sees it and the index ends as the
    /// database does.
    pub async fn refresh(&self, store: &dyn Store, id: OrgId) -> crate::store::Result<()> {
        let _one_at_a_time = self.changes.lock().await;
        match store.published_point(id).await? {
            Some(p) => self.upsert(&p),
            None => {
                self.remove(id);
            }
        }
        Ok(())
    }

    /// How many published entries each category has, in the index's
    /// order: the facets' running totals, so the legend costs a copy of
    /// a few numbers at a million entries, and stays exact as the change
    /// log is applied.
    pub fn category_totals(&self) -> Vec<(CategorySlug, u64)> {
        self.read(|i| {
            let totals = i.facets.category_totals();
            self.categories
                .iter()
                .enumerate()
                .map(|(n, c)| (c.clone(), totals.get(n).copied().unwrap_or(0)))
                .collect()
        })
    }

    /// The filters' counts, as `Store::facets` counts them (see
    /// [`facets`]), or `None` for a filter the index cannot count: words,
    /// and leaving out stale entries, need the database.
    pub fn facets(&self, filter: &OrgFilter) -> Option<Facets> {
        if filter.q.is_some() || filter.hide_stale {
            return None;
        }
        let key = facets::key(filter);
        if let Some(hit) = self.facet_cache.get(&key) {
            return Some(hit);
        }
        let (facets, generation) = self.read(|i| {
            let counted = i
                .facets
                .facets(filter, &self.categories, |slug| self.category_number(slug));
            (counted, self.facet_cache.generation())
        });
        self.facet_cache.put(key, generation, &facets);
        Some(facets)
    }

    /// How many published entries match a filter with no box, words or
    /// hidden stale entries (else `None`): the categories' counts under
    /// the filter's country and language, summed over its categories.
    pub fn count(&self, filter: &OrgFilter) -> Option<u64> {
        if filter.bbox.is_some() {
            return None;
        }
        let chosen = |code: &str| {
            filter.categories.is_empty() || filter.categories.iter().any(|c| c.as_str() == code)
        };
        let facets = self.facets(filter)?;
        Some(
            facets
                .categories
                .iter()
                .filter(|c| chosen(&c.code))
                .map(|c| c.count)
                .sum(),
        )
    }

    /// A page of a list in a box, chosen from memory: how many published
    /// entries match, and the ids of the filter's page and one more (is
    /// there a next page?), in the list's order.
    ///
    /// The total comes from the grid (exact under categories and a
    /// country); the page from the lists' order when the box is dense
    /// enough for its first matches to come soon, else from the box's own
    /// points. `None` for what needs the database: no box (the name index
    /// finds those pages at once), words, an offset (only keyset pages are
    /// chosen here), or a box whose points would have to be walked (a
    /// language, hidden stale entries, or names that crowd away from the
    /// start of the order) and that holds more than
    /// [`lists::FROM_MEMORY_UP_TO`] entries (see there).
    pub fn list_page(&self, filter: &OrgFilter) -> Option<ListPage> {
        let b = filter.bbox.as_ref()?;
        if filter.q.is_some() || filter.offset > 0 {
            return None;
        }
        let f = self.index_filter(filter);
        let take = filter.limit() as usize + 1;
        // the box's own rule, both edges included as the database's
        // `between` has them
        let inside = |lon: f64, lat: f64| LatLon::new(lat, lon).is_ok_and(|p| b.contains(p));
        // what the grid cannot tell apart: languages and stale entries
        let kept = |i: &Inner, p: PointId, id: OrgId| {
            filter
                .language
                .as_ref()
                .is_none_or(|l| i.facets.speaks(p, l.as_str()))
                && !(filter.hide_stale && i.stale.contains(&id))
        };
        self.read(|i| {
            // without languages and stale entries the grid counts exactly
            let exact = filter.language.is_none() && !filter.hide_stale;
            let total = if exact {
                // from the grid's counts and the points on the box's edges
                i.index.count(&bbox(Some(b)), &f, inside)
            } else {
                // the grid's counts a few cells at a time: at least what
                // the box holds under the category and country
                i.index
                    .query(&bbox(Some(b)), lists::coarse_zoom(b), &f)
                    .iter()
                    .map(|item| match item {
                        Item::Cluster { count, .. } => *count,
                        Item::Point { .. } => 1,
                    })
                    .sum()
            };
            let all = i.index.len();
            if exact
                && total > 0
                && lists::by_order_first(take, all, total)
                && let Some(ids) = i.order.get()
            {
                let from = lists::Order::start(ids, &i.names, &i.orgs, filter.after.as_ref());
                let budget = lists::step_budget(take, all, total);
                let mut page = Vec::with_capacity(take);
                for &p in ids[from..].iter().take(budget) {
                    let Some(at) = i.index.point(p) else { continue };
                    if f.categories.is_none_or(|m| m & 1 << at.category != 0)
                        && f.country.is_none_or(|c| c == at.country)
                        && inside(at.lon, at.lat)
                        && let Some(id) = i.orgs.get(p.0 as usize).copied().flatten()
                    {
                        page.push(id);
                        if page.len() == take {
                            break;
                        }
                    }
                }
                // a full page, or the end of the order: else the names
                // crowd where the walk did not reach, and the box's own
                // points are walked
                if page.len() == take || from.saturating_add(budget) >= ids.len() {
                    return Some(ListPage { total, ids: page });
                }
            }
            if total > lists::FROM_MEMORY_UP_TO {
                return None;
            }
            let mut matches = Vec::new();
            // every point on its own (past the last zoom), then the box
            // exactly: the grid's cells overlap its edges
            for item in i.index.query(&bbox(Some(b)), u8::MAX, &f) {
                let Item::Point {
                    id: p, lon, lat, ..
                } = item
                else {
                    continue;
                };
                let Some(id) = i.orgs.get(p.0 as usize).copied().flatten() else {
                    continue;
                };
                if inside(lon, lat) && kept(i, p, id) {
                    matches.push((i.names.get(p), id));
                }
            }
            Some(ListPage {
                total: matches.len() as u64,
                ids: lists::first(matches, filter.after.as_ref(), take),
            })
        })
    }

    /// Sorts the entries in the list's order, for [`Clusters::list_page`]
    /// (a few hundred milliseconds at a million entries, so it is called
    /// off the request path; pages are chosen without it until then).
    pub fn prepare_lists(&self) {
        let started = std::time::Instant::now();
        let entries = self.read(|i| {
            i.order.build(&i.names, &i.orgs);
            i.order.get().map_or(0, <[PointId]>::len)
        });
        tracing::info!(entries, took_ms = started.elapsed().as_millis(), "{SORTED}");
    }

    /// The filter's categories and country as the index has them.
    fn index_filter(&self, filter: &OrgFilter) -> Filter {
        let categories = (!filter.categories.is_empty()).then(|| {
            filter
                .categories
                .iter()
                .filter_map(|c| self.category_number(c.as_str()))
                .fold(0u64, |m, c| m | 1 << c)
        });
        Filter {
            categories,
            country: filter.country.as_ref().map(country),
        }
    }

    /// Whether a category exists (categories are fixed while serving).
    pub fn knows(&self, slug: &str) -> bool {
        self.category_number(slug).is_some()
    }

    fn category_number(&self, slug: &str) -> Option<u8> {
        self.categories
            .iter()
            .position(|c| c.as_str() == slug)
            .and_then(|n| u8::try_from(n).ok())
    }

    /// Whether the index can answer this filter by itself: categories and
    /// country yes, words, languages and hiding stale entries no (the
    /// grid's cells count every entry).
    pub fn answers(filter: &OrgFilter) -> bool {
        filter.q.is_none() && filter.language.is_none() && !filter.hide_stale
    }

    /// What to draw in the filter's box at `zoom`, for the filter's
    /// categories and country. Unknown categories match nothing.
    pub fn query(&self, filter: &OrgFilter, zoom: u8) -> Vec<Drawn> {
        let f = self.index_filter(filter);
        let b = bbox(filter.bbox.as_ref());
        self.read(|i| {
            let items = i.index.query(&b, zoom, &f);
            self.named(items, |p| {
                let id = i.orgs.get(p.0 as usize).copied().flatten()?;
                Some((id, i.stale.contains(&id)))
            })
        })
    }

    /// Clusters an arbitrary set of points (a text search's matches, with
    /// whether each is stale) the same way, without touching the shared
    /// index.
    pub fn cluster_matches(
        &self,
        points: &[(OrgId, f64, f64, CategorySlug, CountryCode, bool)],
        bbox_filter: Option<&BBox>,
        zoom: u8,
    ) -> Vec<Drawn> {
        let index_points: Vec<Point> = points
            .iter()
            .enumerate()
            .filter_map(|(n, (_, lon, lat, cat, c, _))| {
                Some(Point {
                    id: PointId(u32::try_from(n).ok()?),
                    lon: *lon,
                    lat: *lat,
                    category: self.category_number(cat.as_str())?,
                    country: country(c),
                })
            })
            .collect();
        let index = Index::build(&index_points);
        let items = index.query(&bbox(bbox_filter), zoom, &Filter::default());
        self.named(items, |p| points.get(p.0 as usize).map(|m| (m.0, m.5)))
    }

    /// The index's items under the store's ids and slugs, in one order
    /// whatever order the points went in: west to east, south to north,
    /// then by id. Instances that built their index from other histories
    /// then answer byte for byte alike, and so with the same `ETag`.
    fn named(
        &self,
        items: Vec<Item>,
        org: impl Fn(PointId) -> Option<(OrgId, bool)>,
    ) -> Vec<Drawn> {
        let mut drawn = self.name_items(items, org);
        drawn.sort_by(|a, b| {
            let key = |d: &Drawn| match d {
                Drawn::Cluster { lon, lat, .. } => (*lon, *lat, None),
                Drawn::One { lon, lat, id, .. } => (*lon, *lat, Some(*id)),
            };
            let (a, b) = (key(a), key(b));
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        drawn
    }

    fn name_items(
        &self,
        items: Vec<Item>,
        org: impl Fn(PointId) -> Option<(OrgId, bool)>,
    ) -> Vec<Drawn> {
        let slug = |c: u8| self.categories.get(usize::from(c)).cloned();
        items
            .into_iter()
            .filter_map(|item| match item {
                Item::Cluster {
                    lon,
                    lat,
                    count,
                    per_category,
                    expansion_zoom,
                } => Some(Drawn::Cluster {
                    lon,
                    lat,
                    count,
                    categories: per_category
                        .into_iter()
                        .filter_map(|(c, n)| Some((slug(c)?, n)))
                        .collect(),
                    expansion_zoom,
                }),
                Item::Point {
                    id,
                    lon,
                    lat,
                    category,
                } => {
                    let (id, stale) = org(id)?;
                    Some(Drawn::One {
                        id,
                        lon,
                        lat,
                        category: slug(category)?,
                        stale,
                    })
                }
            })
            .collect()
    }
}
