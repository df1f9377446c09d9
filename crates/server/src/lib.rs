//! Solidarity Map's server: storage, HTTP API and the web client's files.

pub mod config;
pub mod http;
pub mod seed;
pub mod store;
