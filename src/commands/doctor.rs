//! `ra-migrate doctor`: the preflight findings.

use super::{found, print_json, url};
use crate::cli::Global;
use crate::pg::db;
use crate::schema::mapping::Mapping;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global) -> Result<ExitCode> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    // Not `connect`: the doctor reports the version and the pooler instead of refusing them.
    let mut client = db::connect(url(g)?, "doctor")?;
    let r = crate::doctor::run(&mut client, url(g)?, &mapping, &g.schema)?;
    if g.json {
        print_json(&r)?;
    } else {
        print!("{}", crate::report::doctor_text(&r));
    }
    Ok(found(r.problems() > 0))
}
