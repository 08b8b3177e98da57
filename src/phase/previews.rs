//! All ten plan previews (apply and rollback of the five phases), rendered as the `plan` command
//! renders them from the planner's facts checked in under tests/fixtures/facts (read from a real
//! legacy database after each phase: tests/it/plan_facts.rs keeps them true), without a database,
//! and compared with tests/snapshots/lib. A missing or different snapshot fails;
//! `UPDATE_SNAPSHOTS=1` writes them (review the diff).

use super::{engine, Direction, Facts, Phase};
use crate::schema::mapping::Mapping;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The facts after `stage` phases were applied.
fn facts(stage: i16) -> Facts {
    let path = root().join(format!("fixtures/facts/after-phase-{stage}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn all_ten_previews_render_from_the_fixtures_as_their_snapshots() {
    let mapping = Mapping::builtin().unwrap();
    let lock = crate::pg::db::LockPolicy::default();
    let stages: Vec<Facts> = (0..=5).map(facts).collect();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut problems = Vec::new();
    for phase in Phase::ALL {
        for direction in [Direction::Apply, Direction::Rollback] {
            let stage = match direction {
                Direction::Apply => phase.number() - 1,
                Direction::Rollback => phase.number(),
            };
            let plan = engine::plan_from(&stages[stage as usize], &mapping, phase, direction)
                .unwrap_or_else(|e| panic!("planning {} {phase}: {e:#}", direction.as_str()));
            let preview = crate::report::plan_sql(&plan, &lock);
            let path = root().join(format!(
                "snapshots/lib/plan-{}-{}-{}.sql",
                phase.number(),
                phase.name(),
                direction.as_str()
            ));
            if update {
                std::fs::write(&path, &preview).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(expected) if expected == preview => {}
                Ok(expected) => problems.push(format!(
                    "{}: differs from the preview, first at line {}",
                    path.display(),
                    expected
                        .lines()
                        .zip(preview.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or(expected.lines().count().min(preview.lines().count()))
                        + 1
                )),
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "plan previews changed or have no snapshot (review, then UPDATE_SNAPSHOTS=1 cargo test --lib writes them):\n{}",
        problems.join("\n")
    );
}

/// Phase 3 as planned: every copy before the first step that joins, the second session's share
/// of them and its statistics, and nothing that makes writers wait on it; a plan that would put
/// such a step there is refused.
#[test]
fn phase_3_shares_its_copies_joins_before_the_constraints_and_keeps_blocking_steps_off_the_second_session(
) {
    let mapping = Mapping::builtin().unwrap();
    let mut plan =
        engine::plan_from(&facts(2), &mapping, Phase::Backfill, Direction::Apply).unwrap();
    let copies = plan.steps.iter().filter(|s| s.copy.is_some()).count();
    assert!(plan.steps[..copies].iter().all(|s| s.copy.is_some()));
    let shared = plan.steps[..copies].iter().filter(|s| s.beside).count();
    assert!(
        shared > 0 && shared < copies,
        "{shared} of {copies} copies beside"
    );
    let first_after = super::transactions(&plan.steps)
        .into_iter()
        .find(|t| t.steps.start >= copies)
        .unwrap();
    assert!(first_after.joins(&plan.steps));
    assert!(plan
        .steps
        .iter()
        .filter(|s| s.beside)
        .all(|s| !s.lock.blocks_writers()));
    assert!(plan
        .steps
        .iter()
        .any(|s| s.beside && s.sql.starts_with("ANALYZE ")));

    let add = plan
        .steps
        .iter()
        .position(|s| s.sql.contains("NOT VALID") && s.lock.blocks_writers())
        .unwrap();
    plan.steps[add].beside = true;
    let e = engine::check_plan(&mut plan, &mapping, &facts(2).catalog).unwrap_err();
    assert!(
        format!("{e:#}").contains("would make writers wait on the second session"),
        "{e:#}"
    );
}
