//! The built-in fetchers: the phase-aware write path of the migration.

pub mod quarantine;

use crate::cli::{FetchArgs, Global};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(_g: &Global, _args: &FetchArgs) -> Result<ExitCode> {
    anyhow::bail!("fetch is being built")
}
