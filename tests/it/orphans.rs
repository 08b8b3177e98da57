//! `ra-migrate orphans`: listing the values that name no master row, a way through (placeholder
//! master rows, or NULL with every original saved), and an undo that restores the data exactly.

use crate::common::{ok, ra, table_fingerprint, TestDb};
use postgres::Client;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Two pedigree rows pointing at sires and a dam nobody fetched, as the legacy database has.
fn make_orphans(c: &mut Client) -> Vec<String> {
    let horses: Vec<String> = c
        .query(
            "SELECT horse_id FROM ra_horse_pedigree ORDER BY horse_id LIMIT 3",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    c.batch_execute(&format!(
        "UPDATE ra_horse_pedigree SET sire_id = 'sir_ghost', sire = 'Ghost Sire' WHERE horse_id IN ('{}', '{}');
         UPDATE ra_horse_pedigree SET dam_id = 'dam_ghost', dam = NULL WHERE horse_id = '{}';",
        horses[0], horses[1], horses[2]
    ))
    .unwrap();
    horses
}

fn count(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn orphans_are_listed_fixed_by_placeholders_and_the_archive_then_verifies_with_fact_rows_untouched()
{
    let db = TestDb::legacy();
    let mut c = db.client();
    make_orphans(&mut c);
    ok(&db, &["init"]);
    let out = ra(&db, &["orphans", "--json"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sire = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["relationship"]["name"] == "ra_horse_pedigree.sire_id -> ra_sires")
        .unwrap_or_else(|| panic!("{t}"));
    assert!(sire["rows"].as_i64().unwrap() >= 2, "{t}");
    assert!(t.contains("sir_ghost"), "{t}");

    for p in ["1", "2", "3", "4"] {
        if p == "4" {
            let dir = std::env::temp_dir().join(format!("ra-orphans-{}", std::process::id()));
            let out = ra(&db, &["validate", "--report-dir", dir.to_str().unwrap()]);
            assert!(
                text(&out).contains("sire_id"),
                "validate reports the orphans"
            );
            ok(&db, &["apply", "4", "--yes", "--force"]);
            continue;
        }
        ok(&db, &["apply", p, "--yes", "--soak", "0s"]);
    }
    // The archive enforces the relationships; the orphans keep them NOT VALID.
    let out = ra(&db, &["apply", "5", "--yes", "--force"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("NOT VALID") || t.contains("orphan"), "{t}");

    let facts = table_fingerprint(&mut c, "ra_horse_pedigree");
    let out = ra(&db, &["orphans", "--fix", "placeholder"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM ra_migrate.orphan_fix"),
        0,
        "without --yes nothing is fixed"
    );
    let out = ok(&db, &["orphans", "--fix", "placeholder", "--yes"]);
    assert!(out.contains("validated"), "{out}");
    // One master row per missing key, named from the fact row where it has a name.
    let name: String = c
        .query_one("SELECT name FROM ra_mst_sires WHERE id = 'sir_ghost'", &[])
        .unwrap()
        .get(0);
    assert_eq!(name, "Ghost Sire");
    let dam: String = c
        .query_one("SELECT name FROM ra_mst_dams WHERE id = 'dam_ghost'", &[])
        .unwrap()
        .get(0);
    assert_eq!(dam, "dam_ghost");
    assert_eq!(
        table_fingerprint(&mut c, "ra_horse_pedigree"),
        facts,
        "fact rows untouched"
    );
    let out = ra(&db, &["orphans"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let not_valid = count(
        &mut c,
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'ra_horse_pedigree'::regclass AND contype = 'f' AND NOT convalidated",
    );
    assert_eq!(not_valid, 0);
    ok(&db, &["verify", "5"]);
    let logged = count(
        &mut c,
        "SELECT count(*) FROM ra_migrate.operation_log WHERE action = 'orphans-fix-placeholder' AND outcome = 'ok'",
    );
    assert_eq!(logged, 1);
}

#[test]
fn a_null_fix_and_a_placeholder_fix_are_undone_to_the_data_as_before() {
    let db = TestDb::legacy();
    let mut c = db.client();
    make_orphans(&mut c);
    ok(&db, &["init"]);
    let before = (
        table_fingerprint(&mut c, "ra_horse_pedigree"),
        table_fingerprint(&mut c, "ra_sires"),
        table_fingerprint(&mut c, "ra_dams"),
    );
    ok(&db, &["orphans", "--fix", "null", "--yes"]);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM ra_horse_pedigree WHERE sire_id = 'sir_ghost' OR dam_id = 'dam_ghost'"),
        0
    );
    let out = ra(&db, &["orphans"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    ok(&db, &["orphans", "--undo", "--yes"]);
    let after = (
        table_fingerprint(&mut c, "ra_horse_pedigree"),
        table_fingerprint(&mut c, "ra_sires"),
        table_fingerprint(&mut c, "ra_dams"),
    );
    assert_eq!(after, before, "undo restores every NULLed value");

    ok(&db, &["orphans", "--fix", "placeholder", "--yes"]);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_sires WHERE id = 'sir_ghost'"
        ),
        1
    );
    // A placeholder a fetcher has filled in since is real data: undo keeps it.
    c.batch_execute("UPDATE ra_dams SET name = 'Real Dam' WHERE id = 'dam_ghost'")
        .unwrap();
    let out = ok(&db, &["orphans", "--undo", "--yes"]);
    assert!(out.contains("1 placeholder row(s) removed"), "{out}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_sires WHERE id = 'sir_ghost'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_dams WHERE id = 'dam_ghost'"
        ),
        1
    );
    c.batch_execute("DELETE FROM ra_dams WHERE id = 'dam_ghost'")
        .unwrap();
    let after = (
        table_fingerprint(&mut c, "ra_horse_pedigree"),
        table_fingerprint(&mut c, "ra_sires"),
        table_fingerprint(&mut c, "ra_dams"),
    );
    assert_eq!(after, before);
}
