//! The one command dispatch.
use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
