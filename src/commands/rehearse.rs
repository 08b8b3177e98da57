//! `ra-migrate rehearse`: the migration on a throwaway copy of a real database.

use crate::cli::{Global, RehearseArgs};
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &RehearseArgs) -> Result<ExitCode> {
    crate::rehearsal::rehearse::run(g, args)
}
