//! `ra-migrate demo`: the whole migration on a throwaway cluster, with writers running.

use crate::cli::{DemoArgs, Global};
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &DemoArgs) -> Result<ExitCode> {
    crate::rehearsal::demo::run(g, args)
}
