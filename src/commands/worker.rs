//! `ra-migrate worker`: the plan's fetch schedule, unattended.

use crate::cli::{Global, WorkerArgs};
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &WorkerArgs) -> Result<ExitCode> {
    crate::worker::run(g, args)
}
