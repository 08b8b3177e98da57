//! What a phase recorded is what its rollback undoes: a record that no longer reads as its phase's
//! stops the rollback with an error naming the phase and the field, and changes nothing.

use crate::common::{ok, ra, TestDb};

#[test]
fn a_damaged_phase_record_stops_the_rollback_and_changes_nothing() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    let mut c = db.client();
    // An operator's hand edit gone wrong: the list of created tables is no longer a list.
    c.batch_execute(
        "UPDATE ra_migrate.phase_state SET detail = jsonb_set(detail, '{tables}', '\"damaged\"')
         WHERE phase = 1",
    )
    .unwrap();

    for args in [
        &["rollback", "1", "--dry-run"][..],
        &["rollback", "1", "--yes"][..],
    ] {
        let out = ra(&db, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "ra-migrate {args:?}:\n{err}");
        assert!(err.contains("phase 1 (create)"), "{err}");
        assert!(err.contains("field `tables`"), "{err}");
    }

    let status: String = c
        .query_one(
            "SELECT status FROM ra_migrate.phase_state WHERE phase = 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(status, "applied");
    let twins: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'ra_mst_%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(twins > 0, "the rollback dropped the new tables");
}
