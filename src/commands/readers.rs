//! `ra-migrate readers`: who still reads the old tables, and rewriting SQL files to the new names.

use super::{connect, found, print_json};
use crate::cli::{Global, ReadersArgs};
use crate::report;
use crate::schema::mapping::Mapping;
use anyhow::{Context, Result};
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &ReadersArgs) -> Result<ExitCode> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    if args.rewrite {
        let dir = args.sql.as_deref().context("--rewrite needs --sql DIR")?;
        let files = crate::readers::rewrite_files(dir, &mapping)?;
        let mut written = Vec::new();
        if args.write {
            // all or nothing: a refusal must not come after some files were already rewritten
            for r in &files {
                crate::readers::refuse_existing_orig(r)?;
            }
        }
        for r in &files {
            if args.write {
                let orig = crate::readers::write_rewrite(r)?;
                if !g.json {
                    println!(
                        "rewrote {} ({} name(s) changed; the original is kept as {})",
                        r.file.display(),
                        r.changes.len(),
                        orig.display()
                    );
                }
                written.push(orig);
            } else if !g.json {
                print!("{}", crate::readers::diff(r));
            }
        }
        if g.json {
            let out: Vec<serde_json::Value> = files
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    serde_json::json!({
                        "file": r.file,
                        "changes": r.changes,
                        "diff": crate::readers::diff(r),
                        "original_kept_as": written.get(i),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"written": args.write, "files": out})
                )?
            );
        } else if files.is_empty() {
            println!("no file under {} names an old table", dir.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut client = connect(g, "readers")?;
    let cat = crate::schema::catalog::Catalog::read(&mut client, &g.schema)?;
    let inv = crate::readers::inventory(&mut client, &cat, &mapping, args.sql.as_deref())?;
    if g.json {
        print_json(&inv)?;
    } else {
        print!("{}", report::readers_text(&inv));
    }
    Ok(found(!inv.is_empty()))
}
