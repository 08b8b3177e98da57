//! `ra-migrate quarantine`: the API records the fetchers could not store.

use super::{open, print_json, Session};
use crate::cli::{Global, QuarantineArgs};
use crate::fetch::quarantine;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &QuarantineArgs) -> Result<ExitCode> {
    let Session { mut client, .. } = open(g, "quarantine")?;
    let entries = quarantine::entries(&mut client, args.limit)?;
    if g.json {
        print_json(&entries)?;
    } else {
        print!("{}", quarantine::render(&entries));
    }
    Ok(ExitCode::SUCCESS)
}
