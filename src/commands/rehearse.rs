//! `ra-migrate rehearse`: the migration on a throwaway copy of a real database.

use super::found;
use crate::cli::{Global, RehearseArgs};
use crate::rehearsal::{demo, rehearse};
use crate::schema::mapping::Mapping;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &RehearseArgs) -> Result<ExitCode> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let say = |line: &str| println!("{line}");
    let copy = rehearse::prepare(args, &g.schema, &mapping, &say)?;
    let summary = super::demo::rehearse_on(g, &copy.role_url, &mapping, &g.schema, &say)?;
    print!("{}", demo::render_summary(&summary));
    println!(
        "source {} was only read (read-only session); nothing was written to it",
        copy.source_label
    );
    if args.keep {
        println!("cluster kept running: {}", copy.role_url);
    }
    drop(copy);
    Ok(found(!summary.passed))
}
