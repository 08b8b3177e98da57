//! Records the fetchers could not use, kept whole in `ra_migrate.quarantine`.

use crate::cli::{Global, QuarantineArgs};
use anyhow::Result;
use std::process::ExitCode;

pub fn list(_g: &Global, _args: &QuarantineArgs) -> Result<ExitCode> {
    anyhow::bail!("quarantine is being built")
}
