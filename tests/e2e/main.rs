//! The end-to-end tests, as one binary: the real `solidarity-map` binary
//! and the built client in headless Chromium (`browser_*`), and the real
//! server killed mid-burst (`durability`), several servers on one database
//! (`instances`) or one losing its Postgres
//! (`pg_outage`), mail through a real SMTP server (`mail`, and the
//! contact relay and lost edit links in `relay`, the "still active?" mail
//! in `freshness`), and maps that mirror each other (`mirror`). Each
//! module is what used to be a file of its own, so a test keeps its name
//! (`cargo test -p solidarity-map-e2e --test e2e browser_map::`). `support` holds the steps the browser tests share.

mod browser_a11y;
mod browser_basemap;
mod browser_bidi;
mod browser_explore;
mod browser_freshness;
mod browser_i18n;
mod browser_join;
mod browser_map;
mod browser_mirror;
mod browser_moderation;
mod browser_pmtiles;
mod browser_reach;
mod browser_relay;
mod browser_xss;
mod deploy;
mod durability;
mod freshness;
mod instances;
mod mail;
mod mirror;
mod pg_outage;
mod relay;
mod support;
