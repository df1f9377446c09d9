//! The index's integration tests, as one binary: its behaviour through
//! the public API (`index`) and properties over random points (`prop`).

mod common;
mod index;
mod prop;
