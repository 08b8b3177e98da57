//! `ra-migrate init`: the tool's schema, the protected tables' fingerprints, the settings.

use super::{connect, print_json, settings};
use crate::cli::{Global, InitArgs};
use crate::schema::mapping::Mapping;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &InitArgs) -> Result<ExitCode> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let mut client = connect(g, "init")?;
    let r = crate::state::init(&mut client, &mapping.protected)?;
    let settings = settings::record(&mut client, g, &mapping, args.reconfigure)?;
    if g.json {
        let mut v = serde_json::to_value(&r)?;
        v["settings"] = serde_json::json!(settings);
        print_json(&v)?;
    } else {
        println!(
            "ra_migrate schema ready ({} migration(s) applied now); protected tables fingerprinted now: {}",
            r.migrations_applied.len(),
            if r.fingerprints_recorded.is_empty() {
                "none (kept the first fingerprints)".into()
            } else {
                r.fingerprints_recorded.join(", ")
            }
        );
        println!("{settings}");
    }
    Ok(ExitCode::SUCCESS)
}
