//! The server's integration tests, as one binary: the store contract on
//! both databases, and the HTTP API in process and over real sockets. One
//! binary links axum and sqlx once instead of once per file; each module is
//! what used to be a file of its own, so a test keeps its name
//! (`cargo test -p solidarity-map-server --test api store_contract::`).

#[macro_use]
mod support;

mod accounts;
mod answers;
mod api;
mod backup;
mod cache;
mod change_log;
mod changes;
mod feeds;
mod freshness;
mod generate;
mod limits;
mod linked_data;
mod lists;
mod metrics;
mod mirror_store;
mod moderation;
mod murmurations;
mod open_data;
mod openapi;
mod outbox;
mod outlines;
mod pmtiles;
mod privacy;
mod relay;
mod retention;
mod safety;
mod security;
mod store_contract;
mod tiles;
