//! `ra-migrate demo`: the whole migration on a throwaway cluster, with writers running.

use super::{found, lock_policy};
use crate::cli::{DemoArgs, Global};
use crate::phase::copy::Tuning;
use crate::rehearsal::demo::{self, Rehearsal};
use crate::schema::mapping::Mapping;
use anyhow::{bail, Result};
use std::path::PathBuf;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &DemoArgs) -> Result<ExitCode> {
    if g.database_url.is_some() && std::env::var_os("DATABASE_URL").is_none() {
        bail!("demo always runs on its own throwaway cluster; it does not take --database-url");
    }
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let say = |line: &str| println!("{line}");
    let (cluster, url) = demo::start(args.scale, args.keep, &mapping, &say)?;
    let summary = demo::rehearse(&Rehearsal {
        url: &url,
        mapping: &mapping,
        schema: "public",
        lock: lock_policy(g),
        tuning: Tuning::default(),
        report_dir: PathBuf::from("reports"),
        say: &say,
    })?;
    print!("{}", demo::render_summary(&summary));
    if args.keep {
        println!("cluster kept running: {url}");
    }
    drop(cluster);
    Ok(found(!summary.passed))
}
