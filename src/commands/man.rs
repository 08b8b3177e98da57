//! `ra-migrate man`: the manual page.

use anyhow::{Context, Result};
use std::process::ExitCode;

pub(super) fn exec() -> Result<ExitCode> {
    let cmd = crate::cli::command(&[]).map_err(anyhow::Error::msg)?;
    clap_mangen::Man::new(cmd)
        .render(&mut std::io::stdout())
        .context("writing the manual page")?;
    Ok(ExitCode::SUCCESS)
}
