//! `ra-migrate rollback N`: a phase undone, every row kept.

use crate::cli::{Global, RunArgs};
use crate::phase::Direction;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &RunArgs) -> Result<ExitCode> {
    super::apply::run(g, args, Direction::Rollback)
}
