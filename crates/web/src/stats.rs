//! The statistics page (`/stats`): published organisations by category,
//! by freshness (confirmed as active lately, or stale), by country and by
//! the month they were added, each as a bar chart drawn
//! here as SVG (no chart library to ship or trust) and as a table with the
//! same numbers, which is what screen readers and people who want the
//! figures read. The numbers are the API's own: `/api/categories`,
//! `/api/facets` and `/api/stats`.

use leptos::prelude::*;
use solidarity_map_core::stats::with_empty_months;
use solidarity_map_core::{CategoryCount, Facets, Stats};

use crate::api;
use crate::i18n::{Lang, PageHeading, is_rtl, tr, tr_n};
use crate::names;
use crate::state::Load;

/// The monthly chart shows at most this many months, the latest.
const MAX_MONTHS: usize = 120;

/// One bar: its label, its count, its colour.
#[derive(Debug, Clone, PartialEq)]
struct Bar {
    label: String,
    count: u64,
    colour: String,
}

/// What the page draws, loaded together.
#[derive(Debug, Clone, PartialEq)]
struct Numbers {
    categories: Vec<CategoryCount>,
    facets: Facets,
    stats: Stats,
}

async fn load() -> Result<Numbers, api::ApiError> {
    Ok(Numbers {
        categories: api::categories().await?,
        facets: api::facets(&solidarity_map_core::OrgFilter::default()).await?,
        stats: api::stats().await?,
    })
}

/// "Mar 2025" for `2025-03` in the visitor's language, from the browser.
fn month_label(lang: &str, month: &str) -> String {
    let Some((y, m)) = solidarity_map_core::MonthCount::year_month(month) else {
        return month.to_owned();
    };
    let date = js_sys::Date::new(&js_sys::Date::utc(f64::from(y), f64::from(m - 1)).into());
    let options = js_sys::Object::new();
    let set = |k: &str, v: &str| js_sys::Reflect::set(&options, &k.into(), &v.into());
    if set("year", "numeric").is_err() || set("month", "short").is_err() {
        return month.to_owned();
    }
    let _ = set("timeZone", "UTC");
    date.to_locale_date_string(lang, &options)
        .as_string()
        .unwrap_or_else(|| month.to_owned())
}

/// Geometry of the horizontal bar charts, in SVG user units.
const WIDTH: f64 = 640.0;
const ROW: f64 = 26.0;
const LABEL: f64 = 270.0;
const VALUE_ROOM: f64 = 56.0;

/// One chart: a heading, the bars as SVG named by the heading, and the
/// table twin. `id` makes the element ids unique on the page.
fn chart(id: &'static str, title: String, head: String, bars: Vec<Bar>, lang: &str) -> AnyView {
    let rtl = is_rtl(lang);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let title_id = format!("{id}-title");
    let table_id = format!("{id}-table");
    let count_head = tr(lang, "stats.count");
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = 4.0 + ROW * i as f64;
            let w = (WIDTH - LABEL - VALUE_ROOM) * b.count as f64 / max;
            // the SVG is laid out left to right; in Arabic and Hebrew the
            // labels go on the right and the bars grow to the left. The
            // count sits between its label and its bar, so that a phone
            // that shows only the start of a wide chart still shows it
            let (label_x, label_anchor, bar_x, value_x, value_anchor) = if rtl {
                let bar_end = WIDTH - LABEL - VALUE_ROOM;
                (WIDTH - 4.0, "end", bar_end - w, WIDTH - LABEL - 4.0, "end")
            } else {
                (4.0, "start", LABEL + VALUE_ROOM, LABEL + 4.0, "start")
            };
            let text_y = y + ROW * 0.62;
            view! {
                <g class="bar-row">
                    <text class="bar-label" x=label_x y=text_y text-anchor=label_anchor>{b.label.clone()}</text>
                    <rect class="bar" x=bar_x y={y + 3.0} width=w height={ROW - 6.0}
                        fill=b.colour.clone() data-count=b.count.to_string()></rect>
                    <text class="bar-value" x=value_x y=text_y text-anchor=value_anchor>{b.count.to_string()}</text>
                </g>
            }
        })
        .collect_view();
    let table_rows = bars
        .into_iter()
        .map(|b| {
            view! {
                <tr>
                    <th scope="row" dir="auto">{b.label}</th>
                    <td>{b.count.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    let (section_label, svg_label) = (title_id.clone(), title_id.clone());
    let table_ref = table_id.clone();
    view! {
        <section class="chart" id=id aria-labelledby=section_label>
            <h2 id=title_id>{title.clone()}</h2>
            // a phone scrolls the chart sideways rather than shrink its words
            <div class="bars-scroll">
                <svg class="bars" role="img" aria-labelledby=svg_label aria-describedby=table_ref
                    viewBox=format!("0 0 {WIDTH} {height}") width="100%"
                    preserveAspectRatio="xMidYMin meet">
                    {rows}
                </svg>
            </div>
            <table class="chart-table" id=table_id>
                <caption>{title}</caption>
                <thead>
                    <tr><th scope="col">{head}</th><th scope="col">{count_head}</th></tr>
                </thead>
                <tbody>{table_rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

fn charts(n: &Numbers, lang: &str) -> AnyView {
    let by_category = n
        .categories
        .iter()
        .map(|c| Bar {
            label: c.category.labels.best(lang).1.to_owned(),
            count: c.count,
            colour: c.category.colour.clone(),
        })
        .collect();
    let by_country = n
        .facets
        .countries
        .iter()
        .map(|c| Bar {
            label: names::country(lang, &c.code),
            count: c.count,
            colour: "#0b5cad".to_owned(),
        })
        .collect();
    let by_month = with_empty_months(&n.stats.monthly, MAX_MONTHS)
        .into_iter()
        .map(|m| Bar {
            label: month_label(lang, &m.month),
            count: m.count,
            colour: "#2f6f4f".to_owned(),
        })
        .collect();
    let freshness = vec![
        Bar {
            label: tr(lang, "stats.fresh"),
            count: n.stats.freshness.fresh,
            colour: "#2f6f4f".to_owned(),
        },
        Bar {
            label: tr(lang, "stats.stale"),
            count: n.stats.freshness.stale,
            colour: "#8a939d".to_owned(),
        },
    ];
    view! {
        {chart("by-category", tr(lang, "stats.by_category"), tr(lang, "stats.category"), by_category, lang)}
        {chart("freshness", tr(lang, "stats.freshness"), tr(lang, "stats.freshness_state"), freshness, lang)}
        {chart("by-country", tr(lang, "stats.by_country"), tr(lang, "stats.country"), by_country, lang)}
        {chart("by-month", tr(lang, "stats.by_month"), tr(lang, "stats.month"), by_month, lang)}
    }
    .into_any()
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let lang = expect_context::<Lang>().0;
    let ui = move || lang.get();
    let numbers = RwSignal::new(Load::Loading);
    leptos::task::spawn_local(async move {
        numbers.set(match load().await {
            Ok(n) => Load::Ready(n),
            Err(e) => Load::Failed(e.message(&lang.get_untracked())),
        });
    });
    view! {
        <main class="page stats">
            <PageHeading title="stats.title" lead="stats.lead" />
            {move || match numbers.get() {
                Load::Loading => view! { <p role="status">{tr(&ui(), "edit.loading")}</p> }.into_any(),
                Load::Failed(msg) => view! { <p class="form-status error" role="alert">{msg}</p> }.into_any(),
                Load::Ready(n) => {
                    let total: u64 = n.categories.iter().map(|c| c.count).sum();
                    view! {
                        <p class="total">{tr_n(&ui(), "stats.total", usize::try_from(total).unwrap_or(usize::MAX))}</p>
                        {charts(&n, &ui())}
                    }
                    .into_any()
                }
            }}
        </main>
    }
}
