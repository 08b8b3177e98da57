//! `demo`: the migration rehearsed end to end on a throwaway cluster with synthetic legacy data.

use crate::cli::{DemoArgs, Global};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(_g: &Global, _args: &DemoArgs) -> Result<ExitCode> {
    anyhow::bail!("demo is being built")
}
