//! The sharp edges an operator hits in a real week (issue 12): SQL files rewritten in place
//! without losing a byte, odd option values, passwords in messages, re-run runbooks,
//! configuration, installation.

use crate::common::bin;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running ra-migrate")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/edges")
        .join(name)
}

fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ra-migrate-edges-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `readers --rewrite --write` changes the table names and nothing else: comments, layout, quoted
/// names keep their quotes, a CTE spelled like a master and string literals naming one stay.
#[test]
fn readers_rewrite_changes_only_table_names_byte_for_byte() {
    let dir = scratch_dir("rewrite");
    let original = std::fs::read(fixture("report.sql")).unwrap();
    let expected = std::fs::read(fixture("report.expected.sql")).unwrap();
    let file = dir.join("report.sql");
    std::fs::write(&file, &original).unwrap();
    let d = dir.to_str().unwrap();

    // the preview is a unified diff that `patch` could apply, and changes nothing
    let out = run(&["readers", "--sql", d, "--rewrite"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let diff = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(diff.contains("@@ -"), "a unified diff with hunks: {diff}");
    assert!(
        diff.contains("\n-JOIN   ra_races  ra  ON ra.id = winners.race_id\n")
            && diff.contains("\n+JOIN   ra_mst_races  ra  ON ra.id = winners.race_id\n"),
        "{diff}"
    );
    assert!(
        !diff.contains("-WITH ra_jockeys") && !diff.contains("-/* block"),
        "unchanged lines are context only: {diff}"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        original,
        "a preview writes nothing"
    );

    // --json lists each change where it stands
    let out = run(&["--json", "readers", "--sql", d, "--rewrite"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = v["files"][0]["changes"].as_array().unwrap();
    let listed: Vec<(u64, &str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["from"].as_str().unwrap(),
                c["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (8, "\"ra_horses\"", "\"ra_mst_horses\""),
            (12, "\"ra_horses\"", "\"ra_mst_horses\""),
            (12, "\"ra_horses\"", "\"ra_mst_horses\""),
            (13, "ra_races", "ra_mst_races"),
            (14, "RA_COURSES", "ra_mst_courses"),
            (20, "'ra_trainers'", "'ra_mst_trainers'"),
            (22, "ra_trainers", "ra_mst_trainers"),
            (23, "ra_trainers", "ra_mst_trainers"),
        ],
        "{v}"
    );

    let out = run(&["readers", "--sql", d, "--rewrite", "--write"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rewritten = std::fs::read(&file).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&rewritten),
        String::from_utf8_lossy(&expected),
        "byte for byte"
    );
    assert_eq!(rewritten, expected);
    assert_eq!(
        std::fs::read(dir.join("report.sql.orig")).unwrap(),
        original,
        "--write keeps the original as .orig"
    );
    // a second run finds nothing left to change and leaves the .orig alone
    let out = run(&["readers", "--sql", d, "--rewrite", "--write"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("no file under"), "{}", text(&out));
    assert_eq!(
        std::fs::read(dir.join("report.sql.orig")).unwrap(),
        original
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
