//! Rehearsing the migration away from production: the demo on a throwaway cluster, `rehearse` on
//! a copy of a real schema, the background writers they measure, and the legacy baseline.

pub mod baseline;
pub mod cluster;
pub mod demo;
pub mod rehearse;
pub mod writers;
