//! All integration tests, in one binary, against a real PostgreSQL (see `common`).

mod api;
mod common;
mod crash;
mod fetch;
mod fuzz;
mod lifecycle;
mod overview;
mod phases;
mod rehearse;
mod safety;
mod tls;
mod validate;
