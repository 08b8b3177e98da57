//! Issue 13 on a database set up like a Supabase project: default privileges that give the API
//! roles everything on new tables, tightened grants, row-level security with `IN (...)` policies,
//! storage parameters, replica identity and the realtime publication. Every twin carries exactly
//! its old table's surface at every phase, and a full rollback leaves the schema as it was.

use crate::common::{bin, ok, pg_dump_schema, ra, TestDb};
use postgres::Client;

/// Supabase's API roles; cluster-wide, so created once and shared by every test.
fn supabase_roles(c: &mut Client) {
    for role in ["anon", "authenticated", "service_role"] {
        c.batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .unwrap();
    }
}

fn supabase_project(c: &mut Client) {
    supabase_roles(c);
    c.batch_execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
         -- the bookmakers' id sequence: only the service role draws from it
         GRANT USAGE, SELECT ON SEQUENCE ra_bookmakers_id_seq TO service_role;
         GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
         -- tightened: the public key may only read horses, and nothing of owners but two columns
         REVOKE ALL ON ra_horses FROM anon;
         GRANT SELECT ON ra_horses TO anon;
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ra_horses FROM authenticated;
         REVOKE ALL ON ra_owners FROM anon;
         GRANT SELECT (id, name) ON ra_owners TO anon;
         REVOKE ALL ON ra_races FROM authenticated;
         GRANT SELECT, INSERT ON ra_races TO authenticated WITH GRANT OPTION;
         ALTER TABLE ra_races ENABLE ROW LEVEL SECURITY;
         ALTER TABLE ra_races FORCE ROW LEVEL SECURITY;
         CREATE POLICY races_gb_ire ON ra_races FOR INSERT TO authenticated
             WITH CHECK (region IN ('GB', 'IRE'));
         CREATE POLICY races_read ON ra_races FOR SELECT TO anon, authenticated
             USING (region IN ('GB', 'IRE') OR race_name IN ('Derby'));
         ALTER TABLE ra_horses ADD CONSTRAINT ra_horses_region_check
             CHECK (region IN ('gb', 'ire', 'fr', 'usa', 'GB', 'IRE', 'FR', 'USA') OR region IS NULL);
         CREATE INDEX ra_races_gb_ire ON ra_races (date) WHERE region IN ('GB', 'IRE');
         COMMENT ON INDEX ra_races_gb_ire IS 'British and Irish races by date';
         COMMENT ON CONSTRAINT ra_horses_region_check ON ra_horses IS 'regions the API knows';
         COMMENT ON CONSTRAINT ra_horses_pkey ON ra_horses IS 'the API''s horse id';
         ALTER TABLE ra_horses SET (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.05);
         ALTER TABLE ra_races REPLICA IDENTITY FULL;
         CREATE PUBLICATION supabase_realtime FOR TABLE ra_horses, ra_races;
         -- a table owned by another role than the one the tool connects as
         ALTER TABLE ra_owners OWNER TO service_role;",
    )
    .unwrap();
}

/// What a user checks of a table's surface in the catalog, publications aside.
fn surface(c: &mut Client, table: &str) -> Vec<String> {
    let mut out: Vec<String> = c
        .query(
            "SELECT (SELECT array_agg(x::text ORDER BY x::text)
                     FROM unnest(coalesce(relacl, acldefault('r', relowner))) x)::text,
                    pg_get_userbyid(relowner)::text, relrowsecurity::text,
                    relforcerowsecurity::text, coalesce(reloptions, '{}')::text,
                    relreplident::text
             FROM pg_class WHERE oid = $1::text::regclass",
            &[&table],
        )
        .unwrap()
        .iter()
        .map(|r| {
            (0..6)
                .map(|i| r.get::<_, String>(i))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    for r in c
        .query(
            "SELECT 'policy ' || polname || ' ' || polcmd::text || ' ' || polpermissive::text || ' '
                    || polroles::regrole[]::text
             FROM pg_policy WHERE polrelid = $1::text::regclass ORDER BY polname",
            &[&table],
        )
        .unwrap()
    {
        out.push(r.get(0));
    }
    for r in c
        .query(
            "SELECT 'constraint comment ' || regexp_replace(conname::text, '^ra_(mst_|old_)?[a-z]+', '')
                    || ' ' || d.description
             FROM pg_constraint con JOIN pg_description d
                  ON d.objoid = con.oid AND d.classoid = 'pg_constraint'::regclass
             WHERE con.conrelid = $1::text::regclass
             UNION ALL
             SELECT 'index comment '
                    || regexp_replace(ic.relname::text, '^(idx_)?ra_(mst_|old_)?[a-z]+', '')
                    || ' ' || obj_description(i.indexrelid, 'pg_class')
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
             WHERE i.indrelid = $1::text::regclass
               AND obj_description(i.indexrelid, 'pg_class') IS NOT NULL
             ORDER BY 1",
            &[&table],
        )
        .unwrap()
    {
        out.push(r.get(0));
    }
    for r in c
        .query(
            "SELECT 'column ' || attname || ' ' || attacl::text FROM pg_attribute
             WHERE attrelid = $1::text::regclass AND attacl IS NOT NULL ORDER BY attnum",
            &[&table],
        )
        .unwrap()
    {
        out.push(r.get(0));
    }
    out
}

fn sequence_acl(c: &mut Client, sequence: &str) -> String {
    c.query_one(
        "SELECT (SELECT array_agg(x::text ORDER BY x::text)
                 FROM unnest(coalesce(relacl, acldefault('s', relowner))) x)::text
         FROM pg_class WHERE oid = $1::text::regclass",
        &[&sequence],
    )
    .unwrap()
    .get(0)
}

fn publications(c: &mut Client, table: &str) -> Vec<String> {
    c.query(
        "SELECT pubname::text FROM pg_publication_tables WHERE schemaname = 'public' AND tablename = $1
         ORDER BY 1",
        &[&table],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn realtime(c: &mut Client) -> Vec<String> {
    c.query(
        "SELECT tablename::text FROM pg_publication_tables WHERE pubname = 'supabase_realtime'
         ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

const PAIRS: [(&str, &str); 3] = [
    ("ra_horses", "ra_mst_horses"),
    ("ra_races", "ra_mst_races"),
    ("ra_owners", "ra_mst_owners"),
];

#[test]
fn twins_carry_the_surface_of_a_supabase_project_through_every_phase_and_back() {
    let db = TestDb::legacy();
    let mut c = db.client();
    supabase_project(&mut c);
    let before = pg_dump_schema(&db.url);
    let originals: Vec<(Vec<String>, Vec<String>)> = PAIRS
        .iter()
        .map(|(old, _)| (surface(&mut c, old), publications(&mut c, old)))
        .collect();
    let sequence = sequence_acl(&mut c, "ra_bookmakers_id_seq");
    assert!(sequence.contains("service_role=rU/"), "{sequence}");
    ok(&db, &["init"]);
    for phase in ["1", "2", "3", "4", "5"] {
        if phase == "4" {
            ok(
                &db,
                &[
                    "validate",
                    "--report-dir",
                    &std::env::temp_dir().to_string_lossy(),
                ],
            );
        }
        ok(&db, &["apply", phase, "--yes", "--soak", "0s"]);
        assert_eq!(
            sequence_acl(&mut c, "ra_mst_bookmakers_id_seq"),
            sequence,
            "phase {phase}"
        );
        for ((old, new), (surf, pubs)) in PAIRS.iter().zip(&originals) {
            let old_now = if phase == "5" {
                old.replacen("ra_", "ra_old_", 1)
            } else {
                old.to_string()
            };
            assert_eq!(
                &surface(&mut c, &old_now),
                surf,
                "phase {phase}: {old_now} changed"
            );
            assert_eq!(
                &surface(&mut c, new),
                surf,
                "phase {phase}: {new} differs from {old}"
            );
            if phase == "5" {
                assert_eq!(&publications(&mut c, new), pubs, "phase 5: {new}");
                assert_eq!(
                    publications(&mut c, &old_now),
                    Vec::<String>::new(),
                    "phase 5: {old_now} is still published"
                );
            } else {
                assert_eq!(&publications(&mut c, old), pubs, "phase {phase}: {old}");
                assert_eq!(&publications(&mut c, new), pubs, "phase {phase}: {new}");
            }
        }
    }
    assert_eq!(realtime(&mut c), ["ra_mst_horses", "ra_mst_races"]);
    for phase in ["5", "4", "3", "2", "1"] {
        ok(&db, &["rollback", phase, "--yes"]);
        let listed = realtime(&mut c);
        let expected: &[&str] = if phase == "1" {
            &["ra_horses", "ra_races"]
        } else {
            &["ra_horses", "ra_mst_horses", "ra_mst_races", "ra_races"]
        };
        assert_eq!(listed, expected, "after rolling back phase {phase}");
    }
    assert_eq!(pg_dump_schema(&db.url), before);
}

/// The published column list of `table` in `publication` (PostgreSQL 15's `attnames`).
fn published_columns(c: &mut Client, publication: &str, table: &str) -> Option<Vec<String>> {
    c.query_opt(
        "SELECT attnames::text[] FROM pg_publication_tables WHERE pubname = $1 AND tablename = $2",
        &[&publication, &table],
    )
    .unwrap()
    .map(|r| r.get(0))
}

#[test]
fn verification_still_names_a_real_difference_in_the_surface() {
    let db = TestDb::legacy();
    let mut c = db.client();
    supabase_project(&mut c);
    // A column list and a row filter (an IN list on a varchar is not allowed in one).
    c.batch_execute(
        "CREATE PUBLICATION gb_horses FOR TABLE ra_horses (id, name, region)
             WHERE (region = 'GB' OR region = 'IRE') WITH (publish = 'insert')",
    )
    .unwrap();
    // A grant made by another role than the owner.
    c.batch_execute(
        "SET ROLE authenticated; GRANT SELECT ON ra_races TO service_role; RESET ROLE;",
    )
    .unwrap();
    ok(&db, &["init"]);
    // ... made again in its grantor's name on the twin (the tool may act as any role here).
    let plan = ok(&db, &["plan", "1"]);
    assert!(!plan.contains("the owner postgres grants them"), "{plan}");
    ok(&db, &["apply", "1", "--yes"]);
    ok(&db, &["verify", "1"]);
    let grantors = |c: &mut Client, table: &str| -> Vec<String> {
        c.query(
            "SELECT x::text FROM pg_class, unnest(relacl) x WHERE oid = $1::text::regclass
             AND x::text LIKE 'service_role=%' ORDER BY 1",
            &[&table],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let old_grants = grantors(&mut c, "ra_races");
    assert!(
        old_grants.contains(&"service_role=r/authenticated".to_string()),
        "{old_grants:?}"
    );
    assert_eq!(grantors(&mut c, "ra_mst_races"), old_grants);
    assert_eq!(
        published_columns(&mut c, "gb_horses", "ra_mst_horses"),
        Some(vec!["id".to_string(), "name".into(), "region".into()])
    );
    c.batch_execute(
        "DROP POLICY races_gb_ire ON ra_mst_races;
         CREATE POLICY races_gb_ire ON ra_mst_races FOR INSERT TO authenticated
             WITH CHECK (region IN ('GB'));
         ALTER TABLE ra_mst_horses DROP CONSTRAINT ra_mst_horses_region_check;
         ALTER TABLE ra_mst_horses ADD CONSTRAINT ra_mst_horses_region_check
             CHECK (region IN ('gb', 'ire', 'fr', 'usa', 'GB', 'IRE', 'FR', 'US') OR region IS NULL);
         GRANT INSERT ON ra_mst_horses TO anon;
         REVOKE SELECT (name) ON ra_mst_owners FROM anon;
         ALTER TABLE ra_mst_races REPLICA IDENTITY DEFAULT;
         SET ROLE authenticated; REVOKE SELECT ON ra_mst_races FROM service_role; RESET ROLE;
         ALTER PUBLICATION gb_horses DROP TABLE ra_mst_horses;
         ALTER PUBLICATION gb_horses ADD TABLE ra_mst_horses (id, name, region)
             WHERE (region = 'GB');",
    )
    .unwrap();
    let out = ra(&db, &["verify", "1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for expected in [
        "ra_mst_races: policy races_gb_ire differs",
        "ra_mst_horses: constraint ra_mst_horses_region_check differs",
        "ra_mst_horses: privileges of anon differs: ra_horses has 'SELECT', ra_mst_horses has 'INSERT, SELECT'",
        "ra_mst_owners: privileges of anon on column name is missing",
        "ra_mst_races: replica identity is missing",
        "ra_mst_races: privileges of service_role granted by authenticated is missing",
        "ra_mst_horses: publication gb_horses differs",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
    // validate checks publications too: realtime would lose the races at the archive.
    c.batch_execute("ALTER PUBLICATION supabase_realtime DROP TABLE ra_mst_races")
        .unwrap();
    let out = ra(
        &db,
        &[
            "validate",
            "--report-dir",
            &std::env::temp_dir().to_string_lossy(),
        ],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("ra_races is in publication supabase_realtime but ra_mst_races is not"),
        "{text}"
    );
    assert!(!text.contains("ra_horses is in publication"), "{text}");
}

/// The cluster `rehearse --keep` left running, stopped and removed when dropped (with the command
/// rehearse printed for it).
struct KeptCluster {
    stop: Vec<String>,
    root: Option<std::path::PathBuf>,
}

impl Drop for KeptCluster {
    fn drop(&mut self) {
        if let Some((program, args)) = self.stop.split_first() {
            let _ = std::process::Command::new(program)
                .args(args)
                .stdin(std::process::Stdio::null())
                .output();
        }
        if let Some(root) = &self.root {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// The statements of a schema dump that make up the tables' surface (a policy up to its
/// expressions), sorted.
fn dump_surface(dump: &str) -> Vec<String> {
    let mut out: Vec<String> = dump
        .lines()
        .filter(|l| {
            [
                "GRANT ",
                "REVOKE ",
                "ALTER DEFAULT PRIVILEGES",
                "CREATE PUBLICATION",
                "ALTER PUBLICATION",
                "CREATE POLICY",
                "COMMENT ON",
                "OWNER TO",
            ]
            .iter()
            .any(|p| l.starts_with(p) || l.contains(p))
                || l.contains("ROW LEVEL SECURITY")
                || l.contains("REPLICA IDENTITY")
                || l.starts_with("WITH (")
        })
        .map(|l| {
            match l
                .split_once(" USING (")
                .or_else(|| l.split_once(" WITH CHECK ("))
            {
                Some((head, _)) if l.starts_with("CREATE POLICY") => head.to_string(),
                _ => l.to_string(),
            }
        })
        .collect();
    out.sort();
    out
}

/// Runs `rehearse --from SOURCE --keep` (and `extra`); returns its output, the kept cluster (stopped
/// when dropped) and the copy's URL when it printed one.
fn rehearse_kept(
    source: &str,
    extra: &[&str],
) -> (std::process::Output, KeptCluster, Option<String>) {
    let dir = std::env::temp_dir().join(format!(
        "ra-surface-rehearse-{}-{}",
        std::process::id(),
        source.rsplit('/').next().unwrap_or("db")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let out = bin()
        .args(["rehearse", "--from", source, "--keep"])
        .args(extra)
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let stop: Vec<String> = stderr
        .lines()
        .chain(stdout.lines())
        .find_map(|l| l.split_once("stop it with: "))
        .map(|(_, cmd)| cmd.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let data = stop.iter().skip_while(|a| *a != "-D").nth(1).cloned();
    let kept = KeptCluster {
        root: data
            .as_deref()
            .and_then(|d| std::path::Path::new(d).parent())
            .map(|p| p.to_path_buf()),
        stop,
    };
    let copy = stdout
        .lines()
        .find_map(|l| l.strip_prefix("cluster kept running: "))
        .map(str::to_string);
    (out, kept, copy)
}

#[test]
fn rehearse_reproduces_the_surface_of_a_supabase_project() {
    let source = TestDb::legacy();
    let mut c = source.client();
    supabase_project(&mut c);
    c.batch_execute("CREATE PUBLICATION public_schema FOR TABLES IN SCHEMA public")
        .unwrap();
    let before = pg_dump_schema(&source.url);
    let (out, _kept, copy) = rehearse_kept(&source.url, &["--sample", "20"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let copy = copy.unwrap_or_else(|| panic!("no kept cluster:\n{stdout}"));
    // After the rehearsal rolled every phase back, the copy has the source's surface: grants,
    // default privileges, row-level security, policies, publications (of tables and of the
    // schema). (Definitions themselves come back re-parsed from any dump, so they are not
    // compared here.)
    let (copied, source_surface) = (dump_surface(&pg_dump_schema(&copy)), dump_surface(&before));
    assert!(
        copied
            .iter()
            .any(|l| l.starts_with("ALTER DEFAULT PRIVILEGES")),
        "{copied:#?}"
    );
    assert!(
        copied
            .iter()
            .any(|l| l.contains("ADD TABLES IN SCHEMA public")),
        "{copied:#?}"
    );
    let missing: Vec<&String> = source_surface
        .iter()
        .filter(|l| !copied.contains(l))
        .collect();
    let extra: Vec<&String> = copied
        .iter()
        .filter(|l| !source_surface.contains(l))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the copy lacks {missing:#?}\nand has {extra:#?}\n{stdout}"
    );
    // The source is untouched.
    assert_eq!(pg_dump_schema(&source.url), before);
}

/// A role the tool connects as that is not a superuser but bypasses row-level security (as
/// Supabase's `postgres`): a member of `postgres` (the masters' owner) and of `member_of`,
/// allowed to create in the database and the schema.
fn migrating_role(c: &mut Client, db: &TestDb, member_of: &[&str]) -> (String, String) {
    let tag = db.name.rsplit('_').next().unwrap().to_string();
    let migrator = format!("migrator_{tag}");
    let mut sql = format!(
        "CREATE ROLE {migrator} LOGIN BYPASSRLS PASSWORD 'pw_{migrator}';
         GRANT postgres TO {migrator};
         GRANT CONNECT, CREATE ON DATABASE \"{db}\" TO {migrator};
         GRANT USAGE, CREATE ON SCHEMA public TO {migrator};",
        db = db.name
    );
    for role in member_of {
        sql.push_str(&format!("GRANT {role} TO {migrator};"));
    }
    c.batch_execute(&sql).unwrap();
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.split_once('@').map(|(_, r)| r).unwrap_or(rest);
    let url = format!("{scheme}://{migrator}:pw_{migrator}@{host}");
    (migrator, url)
}

#[test]
fn rehearse_runs_as_the_production_role_and_makes_the_same_twins() {
    let source = TestDb::legacy();
    let mut c = source.client();
    supabase_project(&mut c);
    let (migrator, url) = migrating_role(&mut c, &source, &["service_role"]);
    // A grant made by a role the migrating role cannot act as: the owner makes it on the twin.
    c.batch_execute(
        "SET ROLE authenticated; GRANT SELECT ON ra_races TO service_role; RESET ROLE;",
    )
    .unwrap();
    // ra_owners' owner may not create in the schema (a superuser gave it the table): a role
    // that is not a superuser cannot give the twin that owner, and the plan says so first.
    let (code, text) = crate::common::run_url(&url, &["init"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = crate::common::run_url(&url, &["doctor"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("phase 1 cannot give these masters' twins their owner, who may not create in schema public: ra_owners (owner service_role)"),
        "{text}"
    );
    let (code, text) = crate::common::run_url(&url, &["plan", "1"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("ra_mst_owners cannot be given the owner of ra_owners (service_role): that role may not create in schema public"),
        "{text}"
    );
    c.batch_execute("GRANT CREATE ON SCHEMA public TO service_role")
        .unwrap();
    let (code, text) = crate::common::run_url(&url, &["plan", "1"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("authenticated granted service_role privileges on ra_races: on ra_mst_races the owner postgres grants them"),
        "{text}"
    );
    let (out, _kept, copy) = rehearse_kept(&url, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let text = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("rehearsing as role {migrator} ")),
        "{text}"
    );
    let copy = copy.unwrap_or_else(|| panic!("no kept cluster:\n{text}"));
    assert!(copy.contains(&format!("://{migrator}@")), "{copy}");
    // Phase 1 as the same role on the rehearsal's copy and on production: the same twins.
    let (code, text) = crate::common::run_url(&copy, &["apply", "1", "--yes"]);
    assert_eq!(code, Some(0), "copy: {text}");
    let (code, text) = crate::common::run_url(&url, &["apply", "1", "--yes"]);
    assert_eq!(code, Some(0), "production: {text}");
    let mut copy_client = postgres::Client::connect(&copy, postgres::NoTls).unwrap();
    for (_, new) in PAIRS {
        assert_eq!(
            surface(&mut copy_client, new),
            surface(&mut c, new),
            "{new}: the rehearsal's twin differs from production's"
        );
        assert_eq!(
            publications(&mut copy_client, new),
            publications(&mut c, new),
            "{new}"
        );
    }
    assert_eq!(
        sequence_acl(&mut copy_client, "ra_mst_bookmakers_id_seq"),
        sequence_acl(&mut c, "ra_mst_bookmakers_id_seq")
    );
}

#[test]
fn rehearse_fails_where_production_would_fail() {
    let source = TestDb::legacy();
    let mut c = source.client();
    supabase_project(&mut c);
    // Not a member of service_role, which owns ra_owners; allowed to read it (so the copy can
    // be made), not to give a table to its owner.
    let (migrator, url) = migrating_role(&mut c, &source, &[]);
    c.batch_execute(&format!("GRANT SELECT ON ra_owners TO {migrator}"))
        .unwrap();
    let refusal = format!(
        "ra_mst_owners cannot be given the owner of ra_owners (service_role): {migrator} is not a member of that role"
    );
    let (out, _kept, _) = rehearse_kept(&url, &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the rehearsal passed:\n{text}");
    assert!(text.contains(&refusal), "{text}");
    // As production does.
    let (code, _) = crate::common::run_url(&url, &["init"]);
    assert_eq!(code, Some(0));
    let (code, text) = crate::common::run_url(&url, &["apply", "1", "--yes"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains(&refusal), "{text}");
}

/// Compares with tests/snapshots/NAME (row estimates masked); `UPDATE_SNAPSHOTS=1` rewrites it.
fn snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    let actual: String = actual
        .lines()
        .map(|line| match line.find("about ") {
            Some(i) => {
                let rest = &line[i + 6..];
                let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
                format!("{}about N{}\n", &line[..i], &rest[digits..])
            }
            None => format!("{line}\n"),
        })
        .collect();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    let first = expected
        .lines()
        .zip(actual.lines())
        .enumerate()
        .find(|(_, (e, a))| e != a)
        .map(|(i, (e, a))| format!("line {}:\n- {e}\n+ {a}", i + 1))
        .unwrap_or_else(|| "lengths differ".into());
    assert!(
        expected == actual,
        "plan preview changed; review and run with UPDATE_SNAPSHOTS=1 to accept.\n--- {}\n{first}",
        path.display()
    );
}

#[test]
fn plans_on_a_supabase_project_match_their_snapshots() {
    let db = TestDb::legacy();
    let mut c = db.client();
    supabase_project(&mut c);
    ok(&db, &["init"]);
    snapshot("plan-1-create-supabase.sql", &ok(&db, &["plan", "1"]));
    for phase in ["1", "2", "3", "4"] {
        if phase == "4" {
            ok(
                &db,
                &[
                    "validate",
                    "--report-dir",
                    &std::env::temp_dir().to_string_lossy(),
                ],
            );
        }
        ok(&db, &["apply", phase, "--yes", "--soak", "0s"]);
    }
    snapshot("plan-5-archive-supabase.sql", &ok(&db, &["plan", "5"]));
    ok(&db, &["apply", "5", "--yes"]);
    snapshot(
        "plan-5-archive-supabase-rollback.sql",
        &ok(&db, &["plan", "5", "--rollback"]),
    );
}

#[test]
fn the_plan_refuses_an_owner_the_tool_cannot_give_before_anything_runs() {
    let db = TestDb::legacy();
    let mut c = db.client();
    supabase_project(&mut c);
    let tag = db.name.rsplit('_').next().unwrap().to_string();
    let migrator = format!("migrator_{tag}");
    ok(&db, &["init"]);
    // A migrating role that may act as the masters' owner, but not as service_role, ra_owners'.
    c.batch_execute(&format!(
        "CREATE ROLE {migrator} LOGIN PASSWORD 'pw_{migrator}';
         GRANT postgres TO {migrator};
         GRANT CONNECT ON DATABASE \"{db}\" TO {migrator};
         GRANT USAGE, CREATE ON SCHEMA public TO {migrator};
         GRANT USAGE ON SCHEMA ra_migrate TO {migrator};
         GRANT SELECT ON ALL TABLES IN SCHEMA ra_migrate TO {migrator};",
        db = db.name
    ))
    .unwrap();
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.split_once('@').map(|(_, r)| r).unwrap_or(rest);
    let url = format!("{scheme}://{migrator}:pw_{migrator}@{host}");
    for args in [&["plan", "1"][..], &["apply", "1", "--yes"]] {
        let (code, text) = crate::common::run_url(&url, args);
        assert_eq!(code, Some(2), "{args:?}: {text}");
        assert!(
            text.contains(&format!(
                "ra_mst_owners cannot be given the owner of ra_owners (service_role): {migrator} is not a member of that role"
            )),
            "{args:?}: {text}"
        );
    }
    let created: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'ra\\_mst\\_%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(created, 0);
}

/// `(publication, table)` for every master pair's table, from `pg_publication_tables` (membership
/// as subscribers see it, implicit or explicit), and the explicit members of `mixed`.
fn membership(c: &mut Client) -> (Vec<(String, String)>, Vec<String>) {
    let all = c
        .query(
            "SELECT pubname::text, tablename::text FROM pg_publication_tables
             WHERE tablename IN ('ra_horses', 'ra_mst_horses', 'ra_old_horses',
                                 'ra_races', 'ra_mst_races', 'ra_old_races')
             ORDER BY 1, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let explicit = c
        .query(
            "SELECT c.relname::text FROM pg_publication_rel r
             JOIN pg_publication p ON p.oid = r.prpubid JOIN pg_class c ON c.oid = r.prrelid
             WHERE p.pubname = 'mixed' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    (all, explicit)
}

#[test]
fn publications_of_all_tables_and_of_the_schema_follow_every_phase_and_back() {
    let db = TestDb::legacy();
    let mut c = db.client();
    // Publications that name no table: every table, every table of the schema, and one that
    // does both (an explicit member that also belongs through its schema).
    c.batch_execute(
        "CREATE PUBLICATION everything FOR ALL TABLES;
         CREATE PUBLICATION public_schema FOR TABLES IN SCHEMA public;
         CREATE PUBLICATION mixed FOR TABLE ra_horses;
         ALTER PUBLICATION mixed ADD TABLES IN SCHEMA public;",
    )
    .unwrap();
    let before = pg_dump_schema(&db.url);
    let (original, original_explicit) = membership(&mut c);
    let pubs = ["everything", "mixed", "public_schema"];
    let expect = |tables: &[&str]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = pubs
            .iter()
            .flat_map(|p| tables.iter().map(move |t| (p.to_string(), t.to_string())))
            .collect();
        v.sort();
        v
    };
    assert_eq!(original, expect(&["ra_horses", "ra_races"]));
    ok(&db, &["init"]);
    let plan = ok(&db, &["plan", "1"]);
    for p in [
        "everything (FOR ALL TABLES)",
        "public_schema (FOR TABLES IN SCHEMA public)",
    ] {
        assert!(
            plan.contains(&format!(
                "publication {p} takes every new table of schema public"
            )),
            "{p}:\n{plan}"
        );
    }
    for phase in ["1", "2", "3", "4", "5"] {
        if phase == "4" {
            ok(
                &db,
                &[
                    "validate",
                    "--report-dir",
                    &std::env::temp_dir().to_string_lossy(),
                ],
            );
        }
        if phase == "5" {
            let plan = ok(&db, &["plan", "5"]);
            assert!(
                plan.contains("publication everything (FOR ALL TABLES) keeps publishing the archived ra_old_* tables"),
                "{plan}"
            );
        }
        ok(&db, &["apply", phase, "--yes", "--soak", "0s"]);
        ok(&db, &["verify", phase]);
        let (all, explicit) = membership(&mut c);
        if phase == "5" {
            // The archived tables cannot leave a publication of every table; the explicit
            // membership moved to the new master.
            assert_eq!(
                all,
                expect(&[
                    "ra_mst_horses",
                    "ra_mst_races",
                    "ra_old_horses",
                    "ra_old_races"
                ]),
                "phase 5"
            );
            assert_eq!(explicit, ["ra_mst_horses"], "phase 5");
        } else {
            assert_eq!(
                all,
                expect(&["ra_horses", "ra_mst_horses", "ra_mst_races", "ra_races"]),
                "phase {phase}"
            );
            assert_eq!(explicit, ["ra_horses", "ra_mst_horses"], "phase {phase}");
        }
    }
    // After the archive, validate does not count an unavoidable implicit membership as a problem.
    ok(
        &db,
        &[
            "validate",
            "--report-dir",
            &std::env::temp_dir().to_string_lossy(),
        ],
    );
    for phase in ["5", "4", "3", "2", "1"] {
        ok(&db, &["rollback", phase, "--yes"]);
    }
    assert_eq!(membership(&mut c), (original, original_explicit));
    assert_eq!(pg_dump_schema(&db.url), before);
}

/// A role that may hold only one connection (Supabase's poolers and plans cap them): phase 3
/// cannot open its second session, says so in its log, and runs every step on its own session.
#[test]
fn phase_3_runs_on_one_session_when_the_role_may_not_open_a_second() {
    let db = TestDb::legacy();
    let mut c = db.client();
    let (migrator, url) = migrating_role(&mut c, &db, &[]);
    for args in [
        &["init"][..],
        &["apply", "1", "--yes"],
        &["apply", "2", "--yes"],
    ] {
        let (code, text) = crate::common::run_url(&url, args);
        assert_eq!(code, Some(0), "{args:?}: {text}");
    }
    // The server lets a backend go a moment after its client: wait until the earlier commands'
    // sessions are gone, so the one connection left is apply 3's.
    crate::common::wait_for("the earlier commands' sessions to end", || {
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = $1",
            &[&migrator],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 0
    });
    c.batch_execute(&format!("ALTER ROLE {migrator} CONNECTION LIMIT 1"))
        .unwrap();
    let (code, text) = crate::common::run_url(&url, &["apply", "3", "--yes", "--soak", "0s"]);
    assert_eq!(code, Some(0), "{text}");
    let (status, verified, log): (String, bool, String) = {
        let r = c
            .query_one(
                "SELECT p.status, p.verified, l.statements::text FROM ra_migrate.phase_state p, \
                 ra_migrate.operation_log l WHERE p.phase = 3 AND l.phase = 3 \
                 ORDER BY l.id DESC LIMIT 1",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!((status.as_str(), verified), ("applied", true));
    assert!(log.contains("-- no second session ("), "{log}");
    assert!(log.contains("too many connections"), "{log}");
    assert!(log.contains("ANALYZE public.ra_mst_jockeys"), "{log}");
    assert!(!log.contains("(second session)"), "{log}");
}
