//! ra-migrate: phased, reversible reorganization of a live Racing API PostgreSQL database.
//!
//! `run` is the one command dispatch; every module below owns one job (see ARCHITECTURE.md).

pub mod api;
pub mod backfill;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod db;
pub mod ddl;
pub mod demo;
pub mod doctor;
pub mod fetch;
pub mod interrupt;
pub mod mapping;
pub mod orphans;
pub mod overview;
pub mod phase;
pub mod progress;
pub mod purge;
pub mod readers;
pub mod rehearse;
pub mod report;
pub mod sql;
pub mod state;
pub mod status;
pub mod synthetic;
pub mod tls;
pub mod validate;
pub mod worker;
pub mod writers;

pub use commands::run;
