//! Storing generated organisations in batches, with progress shown as a
//! bar on a terminal or as log lines elsewhere.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Context;
use solidarity_map_core::{NewOrganization, OrgId, Status};

use super::{Cities, Generator, organizations};
use crate::store::Store;

/// How [`load`] reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A bar on standard error when it is a terminal, else a log line per
    /// tenth.
    Show,
    /// Nothing (tests).
    Quiet,
}

/// Generates `count` published organisations with `seed` and stores them
/// with [`Store::bulk_insert`], `batch` per transaction. The next batch is
/// generated on a blocking thread while the current one is written.
pub async fn load(
    store: &dyn Store,
    cities: &Cities,
    count: usize,
    seed: u64,
    batch: usize,
    progress: Progress,
) -> anyhow::Result<usize> {
    let categories = store.category_slugs().await?;
    anyhow::ensure!(
        !categories.is_empty(),
        "the database has no categories; run `solidarity-map seed` or `serve` once first"
    );
    let batch = batch.max(1);
    let bar = Bar::new(count, progress);
    let started = Instant::now();
    let next_batch = |mut generator: Generator| {
        tokio::task::spawn_blocking(move || {
            let items: Vec<(OrgId, NewOrganization)> = generator.by_ref().take(batch).collect();
            (generator, items)
        })
    };
    let mut pending = next_batch(organizations(seed, count, &categories, cities));
    let mut stored = 0;
    loop {
        let (generator, items) = pending.await.context("generator thread failed")?;
        if items.is_empty() {
            break;
        }
        pending = next_batch(generator);
        stored += store.bulk_insert(&items, Status::Published).await?;
        bar.set(stored);
    }
    bar.finish();
    tracing::info!(
        count = stored,
        seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
        "generated organisations stored"
    );
    Ok(stored)
}

/// An indicatif bar when standard error is a terminal, else log lines.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    logged_tenths: std::cell::Cell<usize>,
    started: Instant,
    quiet: bool,
}

impl Bar {
    fn new(total: usize, progress: Progress) -> Self {
        let quiet = progress == Progress::Quiet;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{wide_bar} {human_pos}/{human_len} {per_sec} [{elapsed_precise}, ETA {eta}]",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            total,
            logged_tenths: std::cell::Cell::new(0),
            started: Instant::now(),
            quiet,
        }
    }

    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rate and an ETA for the log: never negative, and `as` saturates"
    )]
    fn set(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            return;
        }
        if self.quiet || self.total == 0 {
            return;
        }
        let tenths = done * 10 / self.total;
        if tenths > self.logged_tenths.get() {
            self.logged_tenths.set(tenths);
            let secs = self.started.elapsed().as_secs_f64();
            let rate = done as f64 / secs.max(1e-9);
            let eta = (self.total - done.min(self.total)) as f64 / rate.max(1e-9);
            tracing::info!(
                done,
                total = self.total,
                per_second = rate.round() as u64,
                eta_seconds = eta.round() as u64,
                "generating"
            );
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
