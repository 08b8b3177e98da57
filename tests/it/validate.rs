//! `validate` against a real PostgreSQL: the legacy database after phase 1, with the new masters
//! filled by plain SQL (standing in for the backfill), then one kind of damage per test.

use crate::common::{ok, TestDb};
use postgres::Client;
use ra_migrate::phase::Phase;
use ra_migrate::report::validate::{
    self, Comparison, DiffKind, FkResult, ProtectedStatus, TableResult, ValidateOptions,
    ValidationReport,
};
use ra_migrate::schema::mapping::Mapping;
use ra_migrate::state::{self, Status};

/// The legacy database with phase 1 applied: empty `ra_mst_*` tables.
fn after_phase_1() -> (TestDb, Client) {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    let c = db.client();
    (db, c)
}

/// Copies every old master into its new table, in dependency order.
fn fill_new_masters(c: &mut Client) {
    let mapping = Mapping::builtin().unwrap();
    for m in mapping.masters() {
        let new = m.new_name.as_deref().unwrap();
        c.batch_execute(&format!("INSERT INTO {new} SELECT * FROM {}", m.name))
            .unwrap_or_else(|e| panic!("filling {new}: {e}"));
    }
}

fn validate_with(c: &mut Client, mapping: &Mapping, opts: &ValidateOptions) -> ValidationReport {
    validate::run(c, mapping, "public", "test database", opts)
        .unwrap_or_else(|e| panic!("validate: {e:#}"))
}

fn validate(c: &mut Client) -> ValidationReport {
    validate_with(c, &Mapping::builtin().unwrap(), &ValidateOptions::default())
}

fn table<'a>(r: &'a ValidationReport, name: &str) -> &'a TableResult {
    r.tables
        .iter()
        .find(|t| t.table == name)
        .unwrap_or_else(|| panic!("no result for {name}"))
}

fn fk<'a>(r: &'a ValidationReport, table: &str, column: &str, references: &str) -> &'a FkResult {
    r.foreign_keys
        .iter()
        .find(|f| f.table == table && f.columns == [column] && f.references == references)
        .unwrap_or_else(|| panic!("no relationship {table}.{column} -> {references}"))
}

#[test]
fn before_backfill_everything_is_missing_and_orphaned_then_a_full_copy_passes() {
    let (_db, mut c) = after_phase_1();

    let r = validate(&mut c);
    assert!(!r.passed());
    assert!(r.verdict().starts_with("FAILED"), "{}", r.verdict());
    assert_eq!(r.phase.number, 1);
    let horses = table(&r, "ra_horses");
    assert_eq!(horses.outcome, Comparison::Different);
    assert_eq!(horses.new_rows, Some(0));
    assert_eq!(horses.missing_in_new, horses.old_rows.unwrap());
    assert_eq!(horses.samples.len(), 5);
    assert!(horses
        .samples
        .iter()
        .all(|s| s.kind == DiffKind::MissingInNew && s.key.starts_with("hrs_")));
    // Orphans against the empty new masters are what the gate is for: reported, with keys.
    let sire = fk(&r, "ra_horse_pedigree", "sire_id", "ra_mst_sires");
    assert!(sire.orphans.unwrap() > 0);
    assert!(sire.origin.contains("implicit"), "{}", sire.origin);
    assert!(!sire.samples.is_empty() && sire.samples[0].value.starts_with("sir_"));
    let runners = fk(&r, "ra_runners", "horse_id", "ra_mst_horses");
    assert!(runners.orphans.unwrap() > 0);
    assert_eq!(runners.constraint, None, "phase 3 adds the constraint");
    let sires_horse = fk(&r, "ra_mst_sires", "horse_id", "ra_mst_horses");
    assert_eq!(
        sires_horse.orphans,
        Some(0),
        "an empty child has no orphans"
    );
    assert!(r
        .problems()
        .iter()
        .any(|p| p.contains("ra_horse_pedigree(sire_id)")));

    fill_new_masters(&mut c);
    let r = validate(&mut c);
    assert!(r.passed(), "{}", validate::render_terminal(&r));
    assert!(r.verdict().starts_with("PASSED"), "{}", r.verdict());
    for t in &r.tables {
        assert_eq!(t.outcome, Comparison::Equal, "{}", t.table);
        assert_eq!(t.old_rows, t.new_rows, "{}", t.table);
        assert!(t.old_rows.unwrap() > 0, "{}", t.table);
        assert_eq!(t.differing_buckets, 0);
        assert!(t.only_in_old.is_empty() && t.only_in_new.is_empty());
    }
    assert_eq!(r.tables.len(), 10);
    // Every repointed foreign key of phase 1 plus the three implicit pedigree ones.
    assert!(r.foreign_keys.len() > 10, "{:?}", r.foreign_keys.len());
    assert!(r.foreign_keys.iter().all(|f| f.orphans == Some(0)));
    assert!(r.unknown_tables.is_empty(), "{:?}", r.unknown_tables);
    assert!(!r.protected.is_empty());
    assert!(r
        .protected
        .iter()
        .all(|p| p.status == ProtectedStatus::Unchanged));
    let text = validate::render_terminal(&r);
    assert_eq!(text.lines().last().unwrap(), r.verdict());
    assert!(text.contains("ra_horses -> ra_mst_horses"), "{text}");
}

#[test]
fn a_changed_and_a_deleted_row_are_named_with_the_differing_column() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute(
        "UPDATE ra_mst_horses SET colour = 'pink' WHERE id = 'hrs_5';
         DELETE FROM ra_mst_jockeys WHERE id = 'jky_2';
         INSERT INTO ra_mst_courses (id, name, region_code, region) VALUES ('crs_new', 'New', 'gb', 'GB');",
    )
    .unwrap();

    let r = validate(&mut c);
    assert!(!r.passed());
    let horses = table(&r, "ra_horses");
    assert_eq!(horses.outcome, Comparison::Different);
    assert_eq!(horses.old_rows, horses.new_rows);
    assert_eq!((horses.different, horses.differing_keys()), (1, 1));
    assert_eq!(horses.differing_buckets, 1);
    assert_eq!(horses.samples.len(), 1);
    assert_eq!(horses.samples[0].key, "hrs_5");
    assert_eq!(horses.samples[0].kind, DiffKind::Different);
    assert_eq!(horses.samples[0].columns, ["colour"]);

    let jockeys = table(&r, "ra_jockeys");
    assert_eq!(jockeys.missing_in_new, 1);
    assert_eq!(jockeys.samples[0].key, "jky_2");
    assert_eq!(jockeys.samples[0].kind, DiffKind::MissingInNew);
    assert_eq!(jockeys.new_rows.unwrap() + 1, jockeys.old_rows.unwrap());

    let courses = table(&r, "ra_courses");
    assert_eq!(courses.missing_in_old, 1);
    assert_eq!(courses.samples[0].key, "crs_new");

    // The deleted jockey is an orphan for every runner that rode it.
    let ridden = fk(&r, "ra_runners", "jockey_id", "ra_mst_jockeys");
    assert!(ridden.orphans.unwrap() > 0);
    assert!(ridden.samples.iter().all(|o| o.value == "jky_2"));

    assert_eq!(table(&r, "ra_trainers").outcome, Comparison::Equal);
    let problems = r.problems().join("\n");
    assert!(
        problems.contains("ra_mst_horses") && problems.contains("hrs_5 differs in colour"),
        "{problems}"
    );
    assert!(problems.contains("jky_2 missing in new"), "{problems}");
    let text = validate::render_terminal(&r);
    assert!(text.contains("hrs_5 (colour)"), "{text}");
    assert!(text.contains("jky_2 (missing in new)"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("FAILED"), "{text}");
}

#[test]
fn samples_are_capped_while_counts_stay_exact() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute(
        "DELETE FROM ra_mst_owners WHERE id IN ('own_1', 'own_2', 'own_3', 'own_4', 'own_5', 'own_6', 'own_7');
         UPDATE ra_mst_owners SET name = name || '!', total_wins = -1 WHERE id IN ('own_10', 'own_11');",
    )
    .unwrap();
    let opts = ValidateOptions {
        sample_keys: 2,
        buckets: 7,
        deep: false,
    };
    let r = validate_with(&mut c, &Mapping::builtin().unwrap(), &opts);
    let owners = table(&r, "ra_owners");
    assert_eq!((owners.missing_in_new, owners.different), (7, 2));
    assert_eq!(owners.samples.len(), 2);
    assert!(owners.differing_buckets <= 7);
    // Key order: own_1 then own_10, the first changed one, with both columns named.
    assert_eq!(owners.samples[0].key, "own_1");
    assert_eq!(owners.samples[1].key, "own_10");
    assert_eq!(owners.samples[1].columns, ["name", "total_wins"]);

    // No samples wanted: the counts still arrive.
    let opts = ValidateOptions {
        sample_keys: 0,
        buckets: 1,
        deep: false,
    };
    let r = validate_with(&mut c, &Mapping::builtin().unwrap(), &opts);
    let owners = table(&r, "ra_owners");
    assert_eq!((owners.missing_in_new, owners.different), (7, 2));
    assert!(owners.samples.is_empty());
}

#[test]
fn a_column_only_on_the_old_side_fails_and_one_only_on_the_new_side_warns() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute("ALTER TABLE ra_mst_owners ADD COLUMN note text DEFAULT 'x'")
        .unwrap();
    let r = validate(&mut c);
    let owners = table(&r, "ra_owners");
    assert_eq!(owners.only_in_new, ["note"]);
    assert_eq!(owners.outcome, Comparison::Equal);
    assert!(r.passed(), "{}", r.verdict());
    assert!(r.warnings().iter().any(|w| w.contains("note")));

    // Schema drift after phase 1: production gained a column the copy does not have.
    c.batch_execute("ALTER TABLE ra_trainers ADD COLUMN extra integer DEFAULT 7")
        .unwrap();
    let r = validate(&mut c);
    assert!(!r.passed());
    let trainers = table(&r, "ra_trainers");
    assert_eq!(trainers.only_in_old, ["extra"]);
    assert_eq!(
        trainers.outcome,
        Comparison::Equal,
        "the shared columns are equal"
    );
    assert!(!trainers.columns_compared.contains(&"extra".to_string()));
    assert!(r.verdict().contains("extra"), "{}", r.verdict());
    assert!(validate::render_terminal(&r).contains("only in old: extra"));
}

#[test]
fn an_orphan_in_the_implicit_pedigree_relationship_fails_with_its_key() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute(
        "UPDATE ra_horse_pedigree SET sire_id = 'sir_nowhere' WHERE horse_id = 'hrs_3'",
    )
    .unwrap();
    let r = validate(&mut c);
    assert!(!r.passed());
    let sire = fk(&r, "ra_horse_pedigree", "sire_id", "ra_mst_sires");
    assert_eq!(sire.orphans, Some(1));
    assert_eq!(sire.ref_columns, ["id"]);
    assert_eq!(sire.samples.len(), 1);
    assert_eq!(sire.samples[0].key, "hrs_3");
    assert_eq!(sire.samples[0].value, "sir_nowhere");
    assert_eq!(
        fk(&r, "ra_horse_pedigree", "dam_id", "ra_mst_dams").orphans,
        Some(0)
    );
    assert!(r.tables.iter().all(|t| t.outcome == Comparison::Equal));
    assert_eq!(r.problems().len(), 1, "{:?}", r.problems());
    assert!(
        r.verdict().contains("hrs_3 -> sir_nowhere"),
        "{}",
        r.verdict()
    );
    let text = validate::render_terminal(&r);
    assert!(
        text.contains("ra_horse_pedigree(sire_id) -> ra_mst_sires(id)"),
        "{text}"
    );
}

#[test]
fn a_not_valid_constraint_fails_even_without_orphans() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute(
        "ALTER TABLE ra_runners ADD CONSTRAINT ra_runners_horse_id_mst_fkey
           FOREIGN KEY (horse_id) REFERENCES ra_mst_horses(id) NOT VALID;
         ALTER TABLE ra_horse_pedigree ADD CONSTRAINT pedigree_sire_fk
           FOREIGN KEY (sire_id) REFERENCES ra_mst_sires(id);",
    )
    .unwrap();
    let r = validate(&mut c);
    let horse = fk(&r, "ra_runners", "horse_id", "ra_mst_horses");
    assert_eq!(
        horse.constraint.as_deref(),
        Some("ra_runners_horse_id_mst_fkey")
    );
    assert_eq!((horse.validated, horse.orphans), (Some(false), Some(0)));
    // An implicit relationship's constraint is found by its columns and target.
    let sire = fk(&r, "ra_horse_pedigree", "sire_id", "ra_mst_sires");
    assert_eq!(sire.constraint.as_deref(), Some("pedigree_sire_fk"));
    assert_eq!(sire.validated, Some(true));
    assert!(!r.passed());
    assert_eq!(r.problems().len(), 1, "{:?}", r.problems());
    assert!(r.problems()[0].contains("NOT VALID"));

    c.batch_execute("ALTER TABLE ra_runners VALIDATE CONSTRAINT ra_runners_horse_id_mst_fkey")
        .unwrap();
    assert!(validate(&mut c).passed());
}

#[test]
fn a_changed_protected_table_is_named_and_fails() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute("UPDATE ra_odds_live SET odds_decimal = 9.5 WHERE id = 1")
        .unwrap();
    let r = validate(&mut c);
    assert!(!r.passed());
    let live = r
        .protected
        .iter()
        .find(|p| p.table == "ra_odds_live")
        .unwrap();
    assert_eq!(live.status, ProtectedStatus::Changed);
    assert_eq!(live.recorded_rows, live.current_rows);
    assert!(r
        .protected
        .iter()
        .filter(|p| p.table != "ra_odds_live")
        .all(|p| p.status == ProtectedStatus::Unchanged));
    assert!(
        r.verdict().contains("protected table ra_odds_live changed"),
        "{}",
        r.verdict()
    );

    // A protected table that appears after init has no fingerprint to prove it untouched.
    c.batch_execute("CREATE TABLE ra_odds_new (id int)")
        .unwrap();
    let r = validate(&mut c);
    let added = r
        .protected
        .iter()
        .find(|p| p.table == "ra_odds_new")
        .unwrap();
    assert_eq!(added.status, ProtectedStatus::Added);
    assert!(!r.unknown_tables.contains(&"ra_odds_new".to_string()));
}

#[test]
fn an_unknown_table_is_listed_without_failing() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute("CREATE TABLE ra_metadata_tracking (id int PRIMARY KEY, note text)")
        .unwrap();
    let r = validate(&mut c);
    assert_eq!(r.unknown_tables, ["ra_metadata_tracking"]);
    assert!(r.passed(), "{}", r.verdict());
    assert!(r
        .warnings()
        .iter()
        .any(|w| w.contains("ra_metadata_tracking")));
    assert!(validate::render_terminal(&r).contains("ra_metadata_tracking"));
    assert!(validate::render_markdown(&r).contains("ra_metadata_tracking"));
}

#[test]
fn readers_of_old_masters_warn_before_phase_4_and_fail_once_it_is_in_effect() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute(
        "CREATE VIEW horse_names AS SELECT id, name FROM ra_horses;
         CREATE FUNCTION jockey_count() RETURNS bigint LANGUAGE sql
           AS 'SELECT count(*) FROM ra_jockeys';",
    )
    .unwrap();
    let r = validate(&mut c);
    assert!(r.passed(), "{}", r.verdict());
    assert!(!r.readers_must_be_switched);
    let names: Vec<&str> = r.stale_readers.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"public.horse_names"), "{names:?}");
    assert!(names.contains(&"public.jockey_count()"), "{names:?}");
    assert!(r
        .warnings()
        .iter()
        .any(|w| w.contains("public.horse_names") && w.contains("to switch in phase 4")));

    // Phase 4 is not built yet: record it as in effect, as its apply will.
    for p in [Phase::DualWrite, Phase::Backfill, Phase::SwitchReaders] {
        state::set_phase(
            &mut c,
            p,
            Status::Applied,
            true,
            false,
            &ra_migrate::phase::Record::empty(p),
        )
        .unwrap();
    }
    let r = validate(&mut c);
    assert_eq!(r.phase.number, 4);
    assert!(r.readers_must_be_switched);
    assert!(!r.passed());
    let problems = r.problems().join("\n");
    assert!(
        problems.contains("view public.horse_names still names ra_horses"),
        "{problems}"
    );
    assert!(
        problems.contains("function public.jockey_count() still names ra_jockeys"),
        "{problems}"
    );
}

#[test]
fn before_phase_1_the_new_tables_are_reported_missing() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mut c = db.client();
    let r = validate(&mut c);
    assert!(!r.passed());
    assert_eq!(r.phase.number, 0);
    for t in &r.tables {
        assert_eq!(t.outcome, Comparison::NewMissing, "{}", t.table);
        assert!(t.old_rows.unwrap() > 0);
    }
    assert!(
        r.problems()[0].contains("phase 1 is not applied"),
        "{:?}",
        r.problems()
    );
    // Without phase 1's record only the implicit relationships are known, and their targets are missing.
    assert_eq!(r.foreign_keys.len(), 3);
    assert!(r.foreign_keys.iter().all(|f| f.not_checked.is_some()));
}

#[test]
fn validate_refuses_a_database_without_init_or_without_any_master() {
    let db = TestDb::legacy();
    let mut c = db.client();
    let mapping = Mapping::builtin().unwrap();
    let opts = ValidateOptions::default();
    let e = validate::run(&mut c, &mapping, "public", "test", &opts).unwrap_err();
    assert!(format!("{e:#}").contains("ra-migrate init"), "{e:#}");

    // A wrong schema must not pass with every master "absent".
    ok(&db, &["init"]);
    let e = validate::run(&mut c, &mapping, "nowhere", "test", &opts).unwrap_err();
    assert!(
        format!("{e:#}").contains("none of the mapping's masters exists in schema nowhere"),
        "{e:#}"
    );
}

#[test]
fn composite_keys_missing_keys_and_archived_old_tables() {
    let db = TestDb::empty();
    ok(&db, &["init"]);
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE ra_pairs (a int, b text, v text, j json, PRIMARY KEY (a, b));
         CREATE TABLE ra_mst_pairs (a bigint, b varchar(20), v text, j json, PRIMARY KEY (a, b));
         INSERT INTO ra_pairs SELECT g, 'k' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'v' END, '{\"x\": 1}'
           FROM generate_series(1, 500) g;
         INSERT INTO ra_mst_pairs SELECT * FROM ra_pairs;
         CREATE TABLE ra_bag (x int, y text);
         CREATE TABLE ra_mst_bag (x int, y text);
         INSERT INTO ra_bag VALUES (1, 'a'), (2, 'b');
         INSERT INTO ra_mst_bag VALUES (1, 'a');
         CREATE TABLE ra_dup (id int PRIMARY KEY, v text);
         CREATE TABLE ra_mst_dup (id int, v text);
         INSERT INTO ra_dup VALUES (1, 'a'), (2, 'b');
         INSERT INTO ra_mst_dup VALUES (1, 'a'), (2, 'b'), (2, 'b');",
    )
    .unwrap();
    let mapping = Mapping::parse(
        "[[table]]\nname = \"ra_pairs\"\nkind = \"master\"\n\
         [[table]]\nname = \"ra_bag\"\nkind = \"master\"\n\
         [[table]]\nname = \"ra_gone\"\nkind = \"master\"\n\
         [[table]]\nname = \"ra_dup\"\nkind = \"master\"\n",
        "test mapping",
    )
    .unwrap();

    let r = validate_with(&mut c, &mapping, &ValidateOptions::default());
    let pairs = table(&r, "ra_pairs");
    assert_eq!(
        pairs.outcome,
        Comparison::Equal,
        "{}",
        validate::render_terminal(&r)
    );
    assert_eq!(pairs.key, ["a", "b"]);
    assert_eq!((pairs.old_rows, pairs.new_rows), (Some(500), Some(500)));
    let bag = table(&r, "ra_bag");
    assert!(
        matches!(bag.outcome, Comparison::NotComparable { .. }),
        "{:?}",
        bag.outcome
    );
    assert_eq!((bag.old_rows, bag.new_rows), (Some(2), Some(1)));
    assert_eq!(table(&r, "ra_gone").outcome, Comparison::Absent);
    assert!(table(&r, "ra_gone").passed());
    // A copy that lost its primary key can hold a row twice: no single key differs.
    let dup = table(&r, "ra_dup");
    assert_eq!(dup.outcome, Comparison::Different);
    assert_eq!((dup.differing_keys(), dup.new_rows), (0, Some(3)));
    assert!(
        dup.problem().unwrap().contains("duplicate keys"),
        "{:?}",
        dup.problem()
    );

    // Phase 5 renamed the old table: the archive is compared.
    c.batch_execute(
        "ALTER TABLE ra_pairs RENAME TO ra_old_pairs;
         UPDATE ra_mst_pairs SET v = 'changed', j = '{\"x\": 2}' WHERE a = 7;
         UPDATE ra_mst_pairs SET v = NULL WHERE a = 8;
         DELETE FROM ra_mst_pairs WHERE a = 9;",
    )
    .unwrap();
    let r = validate_with(&mut c, &mapping, &ValidateOptions::default());
    let pairs = table(&r, "ra_pairs");
    assert_eq!(pairs.old_table.as_deref(), Some("ra_old_pairs"));
    assert_eq!((pairs.different, pairs.missing_in_new), (2, 1));
    let keys: Vec<(&str, &[String])> = pairs
        .samples
        .iter()
        .map(|s| (s.key.as_str(), s.columns.as_slice()))
        .collect();
    assert_eq!(keys[0].0, "(7,k7)");
    assert_eq!(keys[0].1, ["v", "j"]);
    assert_eq!(keys[1].0, "(8,k8)");
    assert_eq!(keys[1].1, ["v"], "NULL against a value is a difference");
    assert_eq!(keys[2].0, "(9,k9)");
    assert!(validate::render_markdown(&r).contains("(7,k7) (v, j)"));
}

#[test]
fn passing_runs_are_recorded_and_the_gate_forgets_them_after_a_phase_change() {
    let (db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    assert_eq!(
        state::latest_passing_since_last_change(&mut c).unwrap(),
        None
    );

    let good = validate(&mut c);
    assert!(good.passed());
    let good_id = validate::record(&mut c, &good, Some("reports/validate-x.md")).unwrap();
    let (id, finished) = state::latest_passing_since_last_change(&mut c)
        .unwrap()
        .expect("a passing run");
    assert_eq!(id, good_id);
    assert!(!finished.is_empty());

    c.batch_execute("UPDATE ra_mst_horses SET name = 'x' WHERE id = 'hrs_1'")
        .unwrap();
    let bad = validate(&mut c);
    assert!(!bad.passed());
    let bad_id = validate::record(&mut c, &bad, None).unwrap();
    assert!(bad_id > good_id);
    assert_eq!(
        state::latest_passing_since_last_change(&mut c)
            .unwrap()
            .map(|x| x.0),
        Some(good_id),
        "a failing run does not replace the last passing one"
    );
    let row = c
        .query_one(
            "SELECT phase, passed, summary->>'verdict', report_path, finished_at IS NOT NULL
             FROM ra_migrate.validation_run WHERE id = $1",
            &[&bad_id],
        )
        .unwrap();
    assert_eq!(row.get::<_, Option<i16>>(0), Some(1));
    assert_eq!(row.get::<_, Option<bool>>(1), Some(false));
    assert_eq!(row.get::<_, Option<String>>(2), Some(bad.verdict()));
    assert_eq!(row.get::<_, Option<String>>(3), None);
    assert!(row.get::<_, bool>(4));

    // A phase change makes every earlier run stale.
    ok(&db, &["rollback", "1", "--yes"]);
    assert_eq!(
        state::latest_passing_since_last_change(&mut c).unwrap(),
        None
    );
}

#[test]
fn write_reports_writes_markdown_and_json_with_the_verdict() {
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute("UPDATE ra_mst_horses SET colour = 'pink' WHERE id = 'hrs_5'")
        .unwrap();
    let r = validate(&mut c);
    let dir = std::env::temp_dir().join(format!(
        "ra-migrate-validate-{}-{}",
        std::process::id(),
        r.finished_at.timestamp_nanos_opt().unwrap_or(0)
    ));
    let nested = dir.join("reports");
    let (md, json) = validate::write_reports(&r, &nested).unwrap();
    let (md2, _) = validate::write_reports(&r, &nested).unwrap();
    assert_ne!(
        md, md2,
        "a second report in the same second gets its own name"
    );
    let name = md.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("validate-") && name.ends_with("Z.md"),
        "{name}"
    );
    assert_eq!(json.extension().unwrap(), "json");

    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# ra-migrate validation report"));
    let verdict_line = text.lines().position(|l| l.contains(&r.verdict())).unwrap();
    assert!(verdict_line < 5, "verdict near the top:\n{text}");
    assert!(
        text.contains("test database") && text.contains("hrs_5 (colour)"),
        "{text}"
    );

    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["verdict"], r.verdict());
    assert_eq!(v["database"], "test database");
    assert!(v["tables"].as_array().unwrap().len() == 10);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_valid_enforced_constraint_is_trusted_but_not_once_its_triggers_are_disabled_and_deep_scans_it()
{
    let (_db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    c.batch_execute(
        "ALTER TABLE ra_horse_pedigree ADD CONSTRAINT pedigree_sire_fk
           FOREIGN KEY (sire_id) REFERENCES ra_mst_sires(id);",
    )
    .unwrap();
    let r = validate(&mut c);
    let sire = fk(&r, "ra_horse_pedigree", "sire_id", "ra_mst_sires");
    assert!(sire.enforced, "{sire:?}");
    assert_eq!(
        sire.orphans, None,
        "an enforced relationship is not scanned again"
    );
    assert!(r.passed(), "{}", validate::render_terminal(&r));
    assert!(validate::render_terminal(&r).contains("enforced by the constraint"));

    // With the constraint's triggers off PostgreSQL no longer guarantees it: scanned, orphan found.
    c.batch_execute(
        "ALTER TABLE ra_horse_pedigree DISABLE TRIGGER ALL;
         UPDATE ra_horse_pedigree SET sire_id = 'sir_nowhere'
          WHERE horse_id = (SELECT min(horse_id) FROM ra_horse_pedigree);",
    )
    .unwrap();
    let r = validate(&mut c);
    let sire = fk(&r, "ra_horse_pedigree", "sire_id", "ra_mst_sires");
    assert!(!sire.enforced);
    assert_eq!(sire.orphans, Some(1));
    assert!(!r.passed());

    // Triggers back on, the orphan stays: only --deep scans what the catalog says is enforced.
    c.batch_execute("ALTER TABLE ra_horse_pedigree ENABLE TRIGGER ALL")
        .unwrap();
    assert!(
        fk(
            &validate(&mut c),
            "ra_horse_pedigree",
            "sire_id",
            "ra_mst_sires"
        )
        .enforced
    );
    let deep = ValidateOptions {
        deep: true,
        ..ValidateOptions::default()
    };
    let r = validate_with(&mut c, &Mapping::builtin().unwrap(), &deep);
    assert_eq!(
        fk(&r, "ra_horse_pedigree", "sire_id", "ra_mst_sires").orphans,
        Some(1)
    );
    assert!(!r.passed());
}

#[test]
fn the_real_phases_pass_validation_and_phase_5_compares_the_archives() {
    let (db, mut c) = after_phase_1();
    ok(&db, &["apply", "2", "--yes"]);
    ok(&db, &["apply", "3", "--yes", "--soak", "0s"]);
    let r = validate(&mut c);
    assert!(r.passed(), "{}", validate::render_terminal(&r));
    // Phase 3 added the repointed constraints: each is found and validated.
    let horse = fk(&r, "ra_runners", "horse_id", "ra_mst_horses");
    assert!(horse.constraint.is_some(), "{horse:?}");
    assert_eq!(horse.validated, Some(true));

    // The CLI records the run that phase 4's gate reads.
    let dir = std::env::temp_dir().join(format!("ra-migrate-validate-e2e-{}", db.name));
    ok(&db, &["validate", "--report-dir", dir.to_str().unwrap()]);
    assert!(state::latest_passing_since_last_change(&mut c)
        .unwrap()
        .is_some());
    ok(&db, &["apply", "4", "--yes"]);
    ok(&db, &["apply", "5", "--yes"]);
    let r = validate(&mut c);
    assert_eq!(r.phase.number, 5);
    for t in &r.tables {
        assert_eq!(
            t.old_table.as_deref(),
            Some(ra_migrate::schema::mapping::archived_name(&t.table).as_str())
        );
        assert_eq!(t.outcome, Comparison::Equal, "{}", t.table);
    }
    assert!(r.unknown_tables.is_empty(), "{:?}", r.unknown_tables);
    assert!(r.passed(), "{}", validate::render_terminal(&r));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `validate` through the binary: exit 0 when the layouts agree, 1 on any difference (naming the
/// table and key), 2 when it cannot validate at all.
#[test]
fn validate_exit_codes_through_the_binary() {
    use crate::common::ra;
    let (db, mut c) = after_phase_1();
    fill_new_masters(&mut c);
    let dir = std::env::temp_dir().join(format!("ra-migrate-validate-exit-{}", db.name));
    let d = dir.to_str().unwrap();
    let out = ra(&db, &["validate", "--report-dir", d]);
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    c.batch_execute("UPDATE ra_mst_horses SET colour = 'pink' WHERE id = 'hrs_5'")
        .unwrap();
    let out = ra(&db, &["--json", "validate", "--report-dir", d]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let horses = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "ra_horses")
        .unwrap_or_else(|| panic!("{v}"));
    assert!(horses.to_string().contains("hrs_5"), "{horses}");

    // cannot validate: a report directory that is a file, a database without the tool's schema
    let file = dir.join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = ra(&db, &["validate", "--report-dir", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let bare = TestDb::legacy();
    let out = ra(&bare, &["validate", "--report-dir", d]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("ra-migrate init"), "{}", text(&out));
    std::fs::remove_dir_all(&dir).ok();
}
