//! `ra-migrate fetch`: one fetcher run through the phase-aware write path.

use super::{connect, print_json, require_init};
use crate::cli::{FetchArgs, Global};
use crate::schema::mapping::Mapping;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &FetchArgs) -> Result<ExitCode> {
    crate::fetch::check_dates(args)?;
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let source = crate::fetch::source::open(args)?;
    let mut client = connect(g, "fetch")?;
    require_init(&mut client, g, &mapping)?;
    let (summary, error) = crate::fetch::run(&mut client, mapping, &g.schema, &*source, args);
    match error {
        None => {
            if g.json {
                print_json(&summary)?;
            } else {
                print!("{}", summary.render());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(e) => {
            // what was committed before the failure stays committed: say so, then fail
            if summary.incomplete {
                eprint!("{}", summary.render());
            }
            Err(e)
        }
    }
}
