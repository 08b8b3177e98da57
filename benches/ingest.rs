//! Ingest benchmark (being built).
fn main() {}
