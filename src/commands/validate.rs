//! `ra-migrate validate`: the validation report, written and recorded.

use super::{found, open, print_json, url, Session};
use crate::cli::{Global, ValidateArgs};
use crate::pg::db;
use crate::report::validate;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &ValidateArgs) -> Result<ExitCode> {
    let Session {
        mapping,
        mut client,
    } = open(g, "validate")?;
    let label = db::redact_url(url(g)?);
    let opts = validate::ValidateOptions {
        sample_keys: args.sample,
        buckets: args.buckets,
        deep: args.deep,
    };
    // Validation reads the archived tables itself; that is not a reader purge must wait for.
    let report = crate::purge::excluding_own_reads(&mut client, |c| {
        validate::run(c, &mapping, &g.schema, &label, &opts)
    })?;
    let (md, json) = validate::write_reports(&report, &args.report_dir)?;
    validate::record(&mut client, &report, Some(&md.display().to_string()))?;
    if g.json {
        print_json(&report.to_json()?)?;
    } else {
        print!("{}", validate::render_terminal(&report));
        println!("reports: {} and {}", md.display(), json.display());
    }
    Ok(found(!report.passed()))
}
