//! ra-migrate: phased, reversible reorganization of a live Racing API PostgreSQL database.
//!
//! `run` is the one command dispatch; every module below owns one job (see ARCHITECTURE.md).

pub mod allocator;
pub mod api;
pub mod cli;
pub(crate) mod commands;
pub(crate) mod doctor;
pub mod fetch;
pub(crate) mod interrupt;
pub(crate) mod orphans;
pub mod pg;
pub mod phase;
pub mod progress;
pub(crate) mod purge;
pub(crate) mod readers;
pub mod rehearsal;
pub mod report;
pub mod schema;
pub mod state;
pub(crate) mod worker;

pub use commands::run;
