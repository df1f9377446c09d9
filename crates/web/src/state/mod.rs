//! The state a map page's components share, provided as context: what
//! the page loaded from the server, and what the visitor is looking at
//! (kept in step with the URL, see [`url`]). Components read and write it
//! here, never through each other, so no component module imports another.

mod load;
mod url;

use leptos::prelude::{
    Get, GetUntracked, Memo, RwSignal, Set, With, WithUntracked, expect_context, provide_context,
    window,
};
use solidarity_map_core::{CategoryCount, Facets, SiteConfig};

use crate::api::Org;

pub use load::{Load, fetch_or_mark_gone, fetch_selected, load_facets, load_reference};
pub use url::{Filters, JERUSALEM_BOUNDS, Preset, UrlState, View, bbox_of};

/// The map's visible extent: west, south, east, north.
pub type Bounds = [f64; 4];

/// State shared by the components, provided as context. Every field is a
/// signal, so the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct Shared {
    /// What the server says the filters offer.
    pub reference: Reference,
    /// What the visitor is looking at: mirrored in the URL.
    pub visitor: Visitor,
    /// The organisations for the filters (in the large mode: a page of
    /// those in view), from a resource (see [`load`]).
    pub orgs: Memo<Load<Vec<Org>>>,
    /// How many match the filters (in the large mode: in view).
    pub matched: Memo<u64>,
    /// How many requests for organisations are on their way.
    pub in_flight: RwSignal<u32>,
    /// Bumped to fetch again after an error.
    pub reload: RwSignal<u32>,
    /// The open card's organisation when it is not in `orgs` (large mode).
    pub extra: RwSignal<Option<Org>>,
    /// A link named an organisation that is not (or no longer) listed:
    /// the page says so instead of showing the bare map.
    pub gone: RwSignal<Option<String>>,
}

/// What the server says the filters offer, loaded once a page.
#[derive(Clone, Copy)]
pub struct Reference {
    pub config: RwSignal<Option<SiteConfig>>,
    pub categories: RwSignal<Vec<CategoryCount>>,
    /// The counts per category, country and language under the current
    /// filters; `None` until the first answer.
    pub facets: RwSignal<Option<Facets>>,
    /// Whether the published count is known yet (it decides the mode).
    pub counted: RwSignal<bool>,
    /// Too many organisations to send them all: the server clusters them,
    /// and the list holds a page of those in view.
    pub large: RwSignal<bool>,
    /// What the filters offer could not be loaded: the message.
    pub failed: RwSignal<Option<String>>,
}

/// What the visitor is looking at, and in which language.
#[derive(Clone, Copy)]
pub struct Visitor {
    pub filters: RwSignal<Filters>,
    /// The id of the organisation whose card is open.
    pub selected: RwSignal<Option<String>>,
    /// The language texts are shown in.
    pub lang: RwSignal<String>,
    pub view: RwSignal<Option<View>>,
    pub bounds: RwSignal<Option<Bounds>>,
    /// The filter panel on a phone.
    pub panel_open: RwSignal<bool>,
}

/// Above this many published organisations the map is clustered by the
/// server and the list shows a page of what is in view.
pub const LARGE: u64 = 5_000;

/// In the large mode, the list asks for this many organisations in view.
pub const PAGE_IN_VIEW: u32 = 300;

impl Shared {
    pub fn selected_org(&self) -> Option<Org> {
        let id = self.visitor.selected.get()?;
        let extra = self.extra.get();
        self.orgs.with(|list| held(list, extra, &id))
    }

    /// The organisation with `id` if the page has it, without tracking.
    pub fn org_untracked(&self, id: &str) -> Option<Org> {
        let extra = self.extra.get_untracked();
        self.orgs.with_untracked(|list| held(list, extra, id))
    }

    pub fn category(&self, slug: &str) -> Option<CategoryCount> {
        self.reference.categories.with(|c| category_in(c, slug))
    }

    pub fn category_untracked(&self, slug: &str) -> Option<CategoryCount> {
        self.reference
            .categories
            .with_untracked(|c| category_in(c, slug))
    }

    pub fn clear_filters(&self) {
        self.visitor.filters.set(Filters::default());
    }
}

impl Shared {
    /// The state of a map page, in the page's language, provided as
    /// context.
    pub fn provide() -> Self {
        let (filters, reload, counted) = (
            RwSignal::new(Filters::default()),
            RwSignal::new(0),
            RwSignal::new(false),
        );
        let (large, bounds, in_flight) =
            (RwSignal::new(false), RwSignal::new(None), RwSignal::new(0));
        let lang = expect_context::<crate::i18n::Lang>().0;
        let fetched = load::organisations(load::OrgQuery {
            filters,
            reload,
            counted,
            large,
            bounds,
            lang,
            in_flight,
        });
        let orgs = Memo::new(move |_| {
            fetched.with(|f| match f {
                Some(Load::Ready((list, _))) => Load::Ready(list.clone()),
                Some(Load::Failed(message)) => Load::Failed(message.clone()),
                Some(Load::Loading) | None => Load::Loading,
            })
        });
        let matched = Memo::new(move |_| {
            fetched.with(|f| match f {
                Some(Load::Ready((_, matched))) => *matched,
                _ => 0,
            })
        });
        let reference = Reference {
            config: RwSignal::new(None),
            categories: RwSignal::new(Vec::new()),
            facets: RwSignal::new(None),
            counted,
            large,
            failed: RwSignal::new(None),
        };
        let visitor = Visitor {
            filters,
            selected: RwSignal::new(None),
            lang,
            view: RwSignal::new(None),
            bounds,
            panel_open: RwSignal::new(false),
        };
        let shared = Shared {
            reference,
            visitor,
            orgs,
            matched,
            in_flight,
            reload,
            extra: RwSignal::new(None),
            gone: RwSignal::new(None),
        };
        provide_context(shared);
        shared
    }
}

/// The organisation with `id`, from the list or else the one held apart.
fn held(list: &Load<Vec<Org>>, extra: Option<Org>, id: &str) -> Option<Org> {
    let listed = match list {
        Load::Ready(list) => list.iter().find(|f| f.id == id).cloned(),
        _ => None,
    };
    listed.or_else(|| extra.filter(|o| o.id == id))
}

fn category_in(categories: &[CategoryCount], slug: &str) -> Option<CategoryCount> {
    categories
        .iter()
        .find(|c| c.category.slug.as_str() == slug)
        .cloned()
}

/// The view a new visitor sees: the world, with Jerusalem in the middle.
pub fn default_view() -> View {
    View {
        lat: 31.78,
        lon: 35.22,
        zoom: if window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w < 700.0)
        {
            2.0
        } else {
            3.0
        },
    }
}
