//! What the index's test files share.

use solidarity_map_cluster::Item;

/// How many points `items` stand for: each cluster its count, each single
/// point one.
pub fn total(items: &[Item]) -> u64 {
    items
        .iter()
        .map(|i| match i {
            Item::Cluster { count, .. } => *count,
            Item::Point { .. } => 1,
        })
        .sum()
}
