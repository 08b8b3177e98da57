//! The overview against a real PostgreSQL: the legacy database after `init` and `apply 1`.

use crate::common::{ok, TestDb};
use ra_migrate::report::overview::{self, Overview, RelKind, TableState};
use ra_migrate::schema::catalog::Catalog;
use ra_migrate::schema::mapping::Mapping;

fn gather(c: &mut postgres::Client) -> Overview {
    let cat = Catalog::read(c, "public").expect("reading the catalog");
    overview::gather(c, &cat, &Mapping::builtin().unwrap())
        .unwrap_or_else(|e| panic!("gathering the overview: {e:#}"))
}

fn state(o: &Overview, table: &str) -> Option<TableState> {
    o.tables.iter().find(|t| t.name == table).map(|t| t.state)
}

fn edge<'a>(
    o: &'a Overview,
    child: &str,
    column: &str,
    parent: &str,
) -> Option<&'a overview::Relationship> {
    o.relationships
        .iter()
        .find(|r| r.child == child && r.columns == [column] && r.parent == parent)
}

#[test]
fn overview_after_phase_1_shows_new_masters_empty_catalog_fks_and_timing() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    let mut c = db.client();
    // A foreign key added NOT VALID over one of the mapping's implicit relationships: the catalog's
    // validity is what the overview shows, and the implicit edge gives way to it.
    c.batch_execute(
        "ALTER TABLE ra_horse_pedigree ADD CONSTRAINT overview_dam_fk
           FOREIGN KEY (dam_id) REFERENCES ra_dams(id) NOT VALID",
    )
    .unwrap();
    let o = gather(&mut c);
    let mapping = Mapping::builtin().unwrap();

    for m in mapping.masters() {
        let new = m.new_name.as_deref().unwrap();
        assert_eq!(
            state(&o, &m.name),
            Some(TableState::OldMaster),
            "{}",
            m.name
        );
        assert_eq!(state(&o, new), Some(TableState::NewMasterEmpty), "{new}");
    }
    assert_eq!(state(&o, "ra_runners"), Some(TableState::Fact));
    assert_eq!(state(&o, "ra_race_results"), Some(TableState::Deprecated));
    assert_eq!(state(&o, "ra_odds_live"), Some(TableState::Protected));
    assert!(o.missing.is_empty(), "{:?}", o.missing);
    let horses = o.tables.iter().find(|t| t.name == "ra_horses").unwrap();
    assert!(horses.estimated_rows.is_some_and(|n| n > 0), "{horses:?}");

    // Every foreign key of the catalog among the shown tables, with its validity.
    let cat = Catalog::read(&mut c, "public").unwrap();
    let mut checked = 0;
    for t in cat.tables.values().filter(|t| state(&o, &t.name).is_some()) {
        for fk in t.constraints.iter().filter(|k| k.kind == "f") {
            let parent = fk.ref_table.as_deref().unwrap();
            let r = o
                .relationships
                .iter()
                .find(|r| r.constraint.as_deref() == Some(fk.name.as_str()) && r.child == t.name)
                .unwrap_or_else(|| panic!("{}.{} is missing", t.name, fk.name));
            assert_eq!((r.parent.as_str(), &r.columns), (parent, &fk.columns));
            let kind = if fk.validated {
                RelKind::ForeignKey
            } else {
                RelKind::NotValid
            };
            assert_eq!(r.kind, kind, "{}.{}", t.name, fk.name);
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} foreign keys");
    assert_eq!(
        edge(&o, "ra_runners", "horse_id", "ra_horses").map(|r| r.kind),
        Some(RelKind::ForeignKey)
    );
    assert_eq!(
        edge(&o, "ra_horse_pedigree", "dam_id", "ra_dams").map(|r| r.kind),
        Some(RelKind::NotValid)
    );
    assert_eq!(
        edge(&o, "ra_horse_pedigree", "sire_id", "ra_sires").map(|r| r.kind),
        Some(RelKind::Implicit)
    );
    assert_eq!(
        o.relationships
            .iter()
            .filter(|r| r.child == "ra_horse_pedigree" && r.columns == ["dam_id"])
            .count(),
        1,
        "the NOT VALID key replaces the implicit edge"
    );

    assert_eq!(o.phase_runs.len(), 1, "{:?}", o.phase_runs);
    let run = &o.phase_runs[0];
    assert_eq!(
        (run.phase, run.action.as_str(), run.outcome.as_str()),
        (1, "apply", "ok")
    );
    assert!(
        run.finished_at.is_some() && run.seconds.is_some_and(|s| s >= 0.0),
        "{run:?}"
    );

    let m = o.mermaid();
    assert!(m.contains("ra_mst_horses<br/>empty\"]:::newEmpty"), "{m}");
    assert!(m.contains("(NOT VALID)"), "{m}");
    assert!(o.timing_markdown().contains("| 1 (create) | apply |"));

    // Emptiness is read from the table, not from statistics that lag behind a fill.
    c.batch_execute("INSERT INTO ra_mst_courses SELECT * FROM ra_courses")
        .unwrap();
    let o = gather(&mut c);
    assert_eq!(
        state(&o, "ra_mst_courses"),
        Some(TableState::NewMasterPopulated)
    );
    assert_eq!(state(&o, "ra_mst_horses"), Some(TableState::NewMasterEmpty));

    // A rollback is appended after the apply, and the new masters are gone from the overview.
    ok(&db, &["rollback", "1", "--yes"]);
    let o = gather(&mut c);
    let actions: Vec<&str> = o.phase_runs.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["apply", "rollback"]);
    assert_eq!(state(&o, "ra_mst_horses"), None);
    assert_eq!(state(&o, "ra_horses"), Some(TableState::OldMaster));
}
