//! `ra-migrate status`: where the migration stands, once or (`--watch`) every `--interval`.

use super::{open, url, Session};
use crate::cli::{Global, StatusArgs};
use crate::pg::db;
use crate::report::{self, status};
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// `status`, once or (`--watch`) every `--interval` until interrupted.
pub(super) fn exec(g: &Global, args: &StatusArgs) -> Result<ExitCode> {
    let Session {
        mapping,
        mut client,
    } = open(g, "status")?;
    let label = db::redact_url(url(g)?);
    let clear = args.watch && std::io::stdout().is_terminal();
    loop {
        let s = status::gather(&mut client, &mapping, &g.schema, &label, args.exact)?;
        let standing = crate::report::overview::standing(&mut client, &mapping, &g.schema)?;
        let worker = crate::worker::overview(&mut client)?;
        let mut out = String::new();
        if clear {
            out.push_str("\x1b[2J\x1b[H");
        }
        if g.json {
            let mut v = serde_json::to_value(&s)?;
            v["rows"] = serde_json::json!(if args.exact { "exact" } else { "estimated" });
            v["standing"] = serde_json::to_value(&standing)?;
            v["worker"] = serde_json::to_value(&worker)?;
            // one line per refresh when watching, so a reader can take them one by one
            out.push_str(&if args.watch {
                serde_json::to_string(&v)?
            } else {
                serde_json::to_string_pretty(&v)?
            });
            out.push('\n');
        } else {
            out.push_str(&report::status_table(&s));
            if !args.exact {
                out.push_str("rows: planner estimates (--exact counts them)\n");
            }
            out.push_str(&standing.text());
            out.push_str(&worker.render());
        }
        if args.watch && !g.json {
            out.push_str(&format!(
                "-- refreshed every {} (Ctrl-C to stop)\n",
                humantime::format_duration(args.interval)
            ));
        }
        print!("{out}");
        std::io::stdout().flush()?;
        if !args.watch {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(args.interval);
    }
}
