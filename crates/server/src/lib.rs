//! Solidarity Map's server: storage, HTTP API and the web client's files.

pub mod backup;
pub mod basemap;
pub mod clusters;
pub mod config;
pub mod feeds;
pub mod follow;
pub mod gazetteer;
pub mod generate;
pub mod http;
pub mod links;
pub mod mail;
pub mod mirror;
pub mod open_data;
pub mod outlines;
pub mod secrets;
pub mod seed;
pub mod service;
pub mod store;
