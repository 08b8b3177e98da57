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
    let summary = rehearse_on(g, &url, &mapping, "public", &say)?;
    print!("{}", demo::render_summary(&summary));
    if args.keep {
        println!("cluster kept running: {url}");
    }
    drop(cluster);
    Ok(found(!summary.passed))
}

/// Every phase forward and back on a throwaway database, with writers running; reports go to
/// `reports/`.
pub(super) fn rehearse_on(
    g: &Global,
    url: &str,
    mapping: &Mapping,
    schema: &str,
    say: &dyn Fn(&str),
) -> Result<demo::Summary> {
    demo::rehearse(&Rehearsal {
        url,
        mapping,
        schema,
        lock: lock_policy(g),
        tuning: Tuning::default(),
        report_dir: PathBuf::from("reports"),
        say,
    })
}
