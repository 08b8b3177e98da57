//! Issue 14: a legacy definition migrates faithfully through every phase and every rollback, with
//! a plain-SQL writer writing after each phase, or is refused when phase 1 is planned with nothing
//! changed. Each case runs on its own fresh database with the variation applied to the legacy
//! schema; a second fresh database with the same variation, written by the same statements
//! through the old names only and never migrated, is the oracle the rows are compared with.

use crate::common::{apply, data_fingerprint, ok, pg_dump_schema, ra, report_dir, TestDb};
use postgres::Client;

/// A writer's statement, in its own transaction, with the time the variation's triggers stamp
/// (`ra_test.now`): the same in the migrated database and the oracle, absent in any other
/// transaction (a copy that fires a trigger stamps NULL).
fn write(c: &mut Client, n: &mut u32, sql: &str) {
    *n += 1;
    let mut tx = c.transaction().unwrap();
    tx.batch_execute(&format!(
        "SET LOCAL ra_test.now = '2030-01-01 00:{:02}:{:02}'",
        *n / 60,
        *n % 60
    ))
    .unwrap();
    tx.batch_execute(sql)
        .unwrap_or_else(|e| panic!("writer statement {sql}: {e:?}"));
    tx.commit().unwrap();
}

/// The statements a writer makes after phase `p` (0: before the migration), naming the masters
/// as a writer of that stage does: the old names until phase 3, either name in phases 3 and 4
/// (the new ones once backfilled), only the new ones after phase 5.
type Writes = fn(u8) -> Vec<String>;

/// A name as the writer of stage `p` uses it for `table` (`ra_horses`), in the migrated database.
pub fn name(p: u8, table: &str, prefer_new: bool) -> String {
    let new = table.replacen("ra_", "ra_mst_", 1);
    if p >= 5 || (prefer_new && p >= 3) {
        new
    } else {
        table.to_string()
    }
}

/// Phases 1 to 5 forward with `writes` after each, validation green, then every rollback; the
/// schema and every row must equal the oracle's (same variation, same statements, old names).
fn faithfully(variation: &str, writes: Writes) {
    faithfully_checking(variation, writes, |_, _| {});
}

/// [`faithfully`], with `check` run on the migrated database after each phase is applied.
fn faithfully_checking(variation: &str, writes: Writes, check: fn(&mut Client, u8)) {
    let (db, oracle) = (TestDb::legacy(), TestDb::legacy());
    let (mut c, mut o) = (db.client(), oracle.client());
    for x in [&mut c, &mut o] {
        x.batch_execute(variation)
            .unwrap_or_else(|e| panic!("variation: {e:?}"));
    }
    ok(&db, &["init"]);
    let schema_before = pg_dump_schema(&db.url);
    let (mut n, mut m) = (0, 0);
    for p in 1..=5u8 {
        apply(&db, p);
        // A session of its own per stage: a sequence with CACHE > 1 hands a session values it
        // cached before phase 5 moved the sequence (PostgreSQL's caches are per session).
        (c, o) = (db.client(), oracle.client());
        check(&mut c, p);
        for sql in writes(p) {
            write(&mut c, &mut n, &sql);
            write(&mut o, &mut m, &sql.replace("ra_mst_", "ra_"));
        }
        if p == 4 {
            // Until the archive both layouts hold the same rows (after it, the archive stays as
            // it was and the rollback carries the changes back).
            ok(&db, &["validate", "--report-dir", &report_dir()]);
        }
    }
    for p in (1..=5u8).rev() {
        let out = ok(&db, &["rollback", &p.to_string(), "--yes"]);
        assert!(
            out.contains("verified: no problems found"),
            "rollback {p}: {out}"
        );
    }
    assert_eq!(
        pg_dump_schema(&db.url),
        schema_before,
        "schema after the full rollback"
    );
    assert_eq!(
        pg_dump_schema(&db.url),
        pg_dump_schema(&oracle.url),
        "schema like the oracle's"
    );
    assert_eq!(
        data_fingerprint(&mut c),
        data_fingerprint(&mut o),
        "every row as the writer's own statements left it (triggers' effects included)"
    );
}

/// Ordinary writes to ra_horses: an insert, an update, and a key change of a row no fact
/// references, through the names of the stage.
fn horse_writes(p: u8) -> Vec<String> {
    let t = name(p, "ra_horses", p % 2 == 1);
    vec![
        format!("INSERT INTO {t} (id, name, age, created_at, updated_at) VALUES ('hrs_t{p}', 'New {p}', 3, '2030-01-01', '2030-01-01')"),
        format!("UPDATE {t} SET name = 'Renamed {p}' WHERE id = 'hrs_{p}'"),
        format!("UPDATE {t} SET id = 'hrs_k{p}', name = 'Moved {p}' WHERE id = 'hrs_t{p}'"),
        format!("DELETE FROM {t} WHERE id = 'hrs_k{p}' AND {p} % 2 = 0"),
    ]
}

#[test]
fn a_non_key_always_identity_column_migrates_and_writers_keep_writing() {
    faithfully(
        "ALTER TABLE ra_horses ADD COLUMN seq_no bigint GENERATED ALWAYS AS IDENTITY",
        horse_writes,
    );
}

#[test]
fn a_legacy_trigger_disabled_on_the_old_table_stays_disabled_on_the_new_one() {
    faithfully(
        "CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'disabled trigger fired'; END$$;
         CREATE TRIGGER refuse_all BEFORE INSERT OR UPDATE OR DELETE ON ra_horses FOR EACH ROW EXECUTE FUNCTION refuse_all();
         ALTER TABLE ra_horses DISABLE TRIGGER refuse_all",
        horse_writes,
    );
}

const STAMP_AND_AUDIT: &str = "
    CREATE TABLE horse_audit (n bigserial PRIMARY KEY, op text NOT NULL, horse text NOT NULL, at timestamp);
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.updated_at = current_setting('ra_test.now', true)::timestamp; RETURN NEW; END$$;
    CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO horse_audit (op, horse, at)
        VALUES (TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, current_setting('ra_test.now', true)::timestamp);
        RETURN NULL;
      END$$;
    CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON ra_horses FOR EACH ROW EXECUTE FUNCTION stamp();
    CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON ra_horses FOR EACH ROW EXECUTE FUNCTION audit();";

#[test]
fn user_triggers_fire_once_per_logical_write_never_on_the_tools_copies() {
    faithfully(STAMP_AND_AUDIT, horse_writes);
}

#[test]
fn key_changes_pass_a_repointed_on_update_cascade_foreign_key() {
    // The facts reference jockeys by id (ON UPDATE CASCADE) while the key is (name, id): a
    // rename is a key change of a referenced row, and so is a new id (cascaded to the runners).
    faithfully(
        "ALTER TABLE ra_jockeys DROP CONSTRAINT ra_jockeys_pkey CASCADE;
         ALTER TABLE ra_jockeys ADD CONSTRAINT ra_jockeys_id_key UNIQUE (id);
         ALTER TABLE ra_jockeys ADD PRIMARY KEY (name, id);
         ALTER TABLE ra_runners ADD CONSTRAINT ra_runners_jockey_id_fkey FOREIGN KEY (jockey_id) REFERENCES ra_jockeys(id) ON UPDATE CASCADE",
        |p| {
            // The old name in phase 4, the new one in phase 3.
            let t = name(p, "ra_jockeys", p != 4);
            // jky_1 is referenced by runners: each stage moves it to a new id.
            let from = if p == 1 { "jky_1".to_string() } else { format!("jky_m{}", p - 1) };
            vec![
                format!("UPDATE {t} SET id = 'jky_m{p}' WHERE id = '{from}'"),
                format!("UPDATE {t} SET name = 'Rider {p}' WHERE id = 'jky_2'"),
            ]
        },
    );
}

#[test]
fn a_composite_key_renamed_after_the_archive_rolls_back() {
    faithfully(
        "ALTER TABLE ra_jockeys DROP CONSTRAINT ra_jockeys_pkey CASCADE;
         ALTER TABLE ra_jockeys ADD CONSTRAINT ra_jockeys_id_key UNIQUE (id);
         ALTER TABLE ra_jockeys ADD PRIMARY KEY (name, id);
         ALTER TABLE ra_runners ADD CONSTRAINT ra_runners_jockey_id_fkey FOREIGN KEY (jockey_id) REFERENCES ra_jockeys(id)",
        |p| {
            let t = name(p, "ra_jockeys", true);
            vec![format!(
                "UPDATE {t} SET name = 'Rider ' || '{p}' WHERE id IN ('jky_1', 'jky_2')"
            )]
        },
    );
}

#[test]
fn a_not_valid_check_with_legacy_violators_is_copied_not_valid() {
    faithfully(
        "UPDATE ra_horses SET age = -1 WHERE id IN ('hrs_30', 'hrs_40');
         ALTER TABLE ra_horses ADD CONSTRAINT chk_age CHECK (age >= 0) NOT VALID;
         COMMENT ON CONSTRAINT chk_age ON ra_horses IS 'ages are not negative'",
        horse_writes,
    );
}

#[test]
fn an_always_identity_primary_key_with_its_own_options_migrates() {
    faithfully(
        "DO $$BEGIN CREATE ROLE ra_test_seq_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
         ALTER TABLE ra_bookmakers ALTER COLUMN id DROP DEFAULT;
         DROP SEQUENCE ra_bookmakers_id_seq;
         ALTER TABLE ra_bookmakers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH 1000 INCREMENT BY 10 CACHE 5 MAXVALUE 900000000);
         SELECT setval(pg_get_serial_sequence('ra_bookmakers', 'id'), (SELECT max(id) FROM ra_bookmakers) + 1000);
         GRANT USAGE ON SEQUENCE ra_bookmakers_id_seq TO ra_test_seq_reader",
        |p| {
            let t = name(p, "ra_bookmakers", p != 4);
            vec![
                format!("INSERT INTO {t} (name, code, created_at) VALUES ('Book {p}', 'book_{p}', '2030-01-01')"),
                format!("UPDATE {t} SET name = 'Bet 365 ({p})' WHERE code = 'bet365'"),
            ]
        },
    );
}

#[test]
fn planner_statistics_storage_and_attribute_options_are_copied() {
    faithfully_checking(
        "ALTER TABLE ra_horses ALTER COLUMN name SET STATISTICS 500;
         ALTER TABLE ra_horses ALTER COLUMN breeder SET STORAGE MAIN;
         ALTER TABLE ra_horses ALTER COLUMN sire_id SET (n_distinct = -0.5);
         CREATE STATISTICS ra_horses_parents (ndistinct, dependencies) ON sire_id, dam_id FROM ra_horses;
         ALTER STATISTICS ra_horses_parents SET STATISTICS 250",
        horse_writes,
        |c, p| {
            let attributes = |c: &mut Client, t: &str| -> Vec<String> {
                c.query(
                    "SELECT a.attname || ' ' || a.attstattarget || ' ' || a.attstorage::text || ' ' || coalesce(a.attoptions::text, '')
                     FROM pg_attribute a WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    &[&t],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
            };
            let statistics = |c: &mut Client, t: &str| -> Vec<String> {
                c.query(
                    "SELECT pg_get_statisticsobjdef(oid) || ' target ' || stxstattarget
                     FROM pg_statistic_ext WHERE stxrelid = $1::text::regclass",
                    &[&t],
                )
                .unwrap()
                .iter()
                .map(|r| {
                    let def: String = r.get(0);
                    ["ra_mst_horses", "ra_old_horses", "ra_horses"]
                        .iter()
                        .fold(def, |d, n| d.replace(n, "<table>"))
                })
                .collect()
            };
            let (old, new) = if p == 5 {
                ("ra_old_horses", "ra_mst_horses")
            } else {
                ("ra_horses", "ra_mst_horses")
            };
            assert_eq!(attributes(c, old), attributes(c, new), "after phase {p}");
            let want = statistics(c, old);
            assert_eq!(want.len(), 1);
            assert_eq!(statistics(c, new), want, "after phase {p}");
        },
    );
}

/// Phase 1 refuses the variation before anything changes, naming the table and the reason.
fn refused(variation: &str, table: &str, reason: &str) {
    let db = TestDb::legacy();
    let mut c = db.client();
    c.batch_execute(variation).unwrap();
    ok(&db, &["init"]);
    let before = pg_dump_schema(&db.url);
    let rows = data_fingerprint(&mut c);
    let out = ra(&db, &["apply", "1", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(table) && err.contains(reason), "{err}");
    assert_eq!(pg_dump_schema(&db.url), before, "nothing changed");
    assert_eq!(data_fingerprint(&mut c), rows);
    let applied: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_migrate.phase_state WHERE status <> 'rolled_back'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(applied, 0);
    let doctor = ra(&db, &["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(text.contains(table) && text.contains(reason), "{text}");
}

#[test]
fn a_master_without_a_primary_key_is_refused_before_phase_1() {
    refused(
        "ALTER TABLE ra_trainers DROP CONSTRAINT ra_trainers_pkey CASCADE",
        "ra_trainers",
        "no primary key",
    );
}

#[test]
fn a_partitioned_master_is_refused_before_phase_1() {
    refused(
        "DROP TABLE ra_bookmakers CASCADE;
         CREATE TABLE ra_bookmakers (id bigint NOT NULL, name text, code text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
         CREATE TABLE ra_bookmakers_all PARTITION OF ra_bookmakers DEFAULT",
        "ra_bookmakers",
        "partitioned",
    );
}

#[test]
fn a_deferrable_primary_key_is_refused_before_phase_1() {
    refused(
        "ALTER TABLE ra_jockeys DROP CONSTRAINT ra_jockeys_pkey CASCADE;
         ALTER TABLE ra_jockeys ADD PRIMARY KEY (id) DEFERRABLE",
        "ra_jockeys",
        "DEFERRABLE",
    );
}

#[test]
fn phase_2_proves_its_copies_before_it_commits_and_commits_nothing_when_they_fail() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    apply(&db, 1);
    // Something the copies cannot satisfy: every horse copied into the new table breaks it.
    c.batch_execute("ALTER TABLE ra_mst_horses ADD CONSTRAINT refuse_copies CHECK (age < 0)")
        .unwrap();
    let before = pg_dump_schema(&db.url);
    let out = ra(&db, &["apply", "2", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("proving dual-write on ra_horses")
            && err.contains("the database is as it was before"),
        "{err}"
    );
    assert_eq!(pg_dump_schema(&db.url), before, "no trigger was committed");
    let status: Option<String> = c
        .query_opt(
            "SELECT status FROM ra_migrate.phase_state WHERE phase = 2",
            &[],
        )
        .unwrap()
        .map(|r| r.get(0));
    assert!(status.as_deref() != Some("applied"), "{status:?}");
    // Writers are not broken.
    c.batch_execute("UPDATE ra_horses SET name = 'Still writable' WHERE id = 'hrs_5'")
        .unwrap();
}
