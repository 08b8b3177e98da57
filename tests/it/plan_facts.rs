//! The planner's facts checked in under tests/fixtures/facts (what `cargo test --lib` renders all
//! ten previews from, without a database) are what a real legacy database gives after each phase:
//! every preview rendered from the fixture equals the one rendered from facts read live.
//! `UPDATE_FIXTURES=1` writes the fixtures from the live database instead (review the diff).

use crate::common::{ok, TestDb};
use ra_migrate::phase::{engine, Direction, Facts, Phase};
use ra_migrate::schema::mapping::Mapping;

fn preview(facts: &Facts, mapping: &Mapping, phase: Phase, direction: Direction) -> String {
    let plan = engine::plan_from(facts, mapping, phase, direction)
        .unwrap_or_else(|e| panic!("planning {} {phase}: {e:#}", direction.as_str()));
    ra_migrate::report::plan_sql(&plan, &Default::default())
}

#[test]
fn the_planner_fixtures_are_what_a_real_database_gives_after_each_phase() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mapping = Mapping::builtin().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    for stage in 0..=5i16 {
        if stage > 0 {
            if stage == 4 {
                let reports = std::env::temp_dir().join("ra-migrate-test-reports");
                ok(
                    &db,
                    &["validate", "--report-dir", &reports.display().to_string()],
                );
            }
            // the soak is the worker's business; the fixtures only need each phase applied
            ok(
                &db,
                &[
                    "apply",
                    &stage.to_string(),
                    "--yes",
                    "--functions",
                    "--soak",
                    "0s",
                ],
            );
        }
        // The plans these facts serve: the next phase's apply, this phase's rollback.
        let mut wanted = Vec::new();
        if stage < 5 {
            wanted.push((Phase::from_number(stage + 1).unwrap(), Direction::Apply));
        }
        if stage > 0 {
            wanted.push((Phase::from_number(stage).unwrap(), Direction::Rollback));
        }
        let live = Facts::gather(&mut db.client(), "public", &mapping, &wanted, true).unwrap();
        let path = dir.join(format!("after-phase-{stage}.json"));
        if update {
            std::fs::write(&path, serde_json::to_string_pretty(&live).unwrap() + "\n").unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (UPDATE_FIXTURES=1 writes it from a real database)",
                path.display()
            )
        });
        let fixture: Facts = serde_json::from_str(&text).unwrap();
        for (phase, direction) in wanted {
            let expected = preview(&live, &mapping, phase, direction);
            let from_fixture = preview(&fixture, &mapping, phase, direction);
            assert!(
                normalize_estimates(&from_fixture) == normalize_estimates(&expected),
                "{} {phase} planned from {} differs from the plan of the live database: run with UPDATE_FIXTURES=1 and review the diff",
                direction.as_str(),
                path.display()
            );
        }
    }
}

/// Row estimates depend on autovacuum timing; they are not part of the plan.
fn normalize_estimates(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("(about ") {
        out.push_str(&rest[..i + 7]);
        rest = &rest[i + 7..];
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        out.push('N');
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}
