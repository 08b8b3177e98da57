//! `ra-migrate completions SHELL`.

use crate::cli::CompletionsArgs;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut cmd = crate::cli::command(&[]).map_err(anyhow::Error::msg)?;
    clap_complete::generate(args.shell, &mut cmd, "ra-migrate", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
