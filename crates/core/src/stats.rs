//! The map in numbers, for the statistics page: how many organisations
//! were added each month. Counts per category and per country come with
//! the categories and the facets.

use serde::{Deserialize, Serialize};

/// Published organisations by the month they were added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Months with at least one, oldest first.
    pub monthly: Vec<MonthCount>,
    /// How many published organisations are confirmed as active, and how
    /// many are stale.
    #[serde(default)]
    pub freshness: Freshness,
}

/// Published organisations by whether they were confirmed as active
/// lately: `stale` ones were not, for the operator's period and a
/// reminder after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Freshness {
    pub fresh: u64,
    pub stale: u64,
}

/// How many published organisations were added in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCount {
    /// `YYYY-MM`, in UTC.
    pub month: String,
    pub count: u64,
}

impl MonthCount {
    /// The year and month of a `YYYY-MM` string.
    pub fn year_month(month: &str) -> Option<(i32, u32)> {
        let (y, m) = month.split_once('-')?;
        let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
        (1..=12).contains(&m).then_some((y, m))
    }
}

/// Every month from the first to the last of `counts` (sorted, oldest
/// first), the months between with none as zero: the series a chart draws.
/// At most `max` months, the latest ones.
pub fn with_empty_months(counts: &[MonthCount], max: usize) -> Vec<MonthCount> {
    let parsed: Vec<((i32, u32), u64)> = counts
        .iter()
        .filter_map(|c| MonthCount::year_month(&c.month).map(|ym| (ym, c.count)))
        .collect();
    let (Some(first), Some(last)) = (parsed.first(), parsed.last()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut y, mut m) = first.0;
    while (y, m) <= last.0 {
        let count = parsed
            .iter()
            .find(|(ym, _)| *ym == (y, m))
            .map_or(0, |(_, n)| *n);
        out.push(MonthCount {
            month: format!("{y:04}-{m:02}"),
            count,
        });
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    let skip = out.len().saturating_sub(max);
    out.split_off(skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mc(month: &str, count: u64) -> MonthCount {
        MonthCount {
            month: month.into(),
            count,
        }
    }

    #[test]
    fn gaps_are_filled_across_a_year() {
        let got = with_empty_months(&[mc("2024-11", 2), mc("2025-02", 5)], 100);
        assert_eq!(
            got,
            [
                mc("2024-11", 2),
                mc("2024-12", 0),
                mc("2025-01", 0),
                mc("2025-02", 5)
            ]
        );
        assert_eq!(
            with_empty_months(&got, 2),
            [mc("2025-01", 0), mc("2025-02", 5)]
        );
        assert!(with_empty_months(&[], 10).is_empty());
        assert_eq!(MonthCount::year_month("2025-13"), None);
    }
}
