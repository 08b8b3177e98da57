//! All integration tests, in one binary, against a real PostgreSQL (see `common`).

mod api;
mod archive_rollback;
mod common;
mod crash;
mod definitions;
mod doctor;
mod edges;
mod fetch;
mod fuzz;
mod lifecycle;
mod lock_order;
mod nothing_lost;
mod orphans;
mod overview;
mod phases;
mod plan_facts;
mod records;
mod rehearse;
mod safety;
mod supabase;
mod surface;
mod tls;
mod validate;
mod worker;
