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

/// Options whose every value of their type is meaningful (a seed): only values that do not parse
/// as that type are odd for them.
const UNBOUNDED_ON_PURPOSE: &[&str] = &["seed"];

/// What every command needs besides the option under test, so that the option's value is what
/// clap judges (clap reports a bad value before a missing argument, but a good value would then
/// fail for the wrong reason).
fn required_args(cmd: &clap::Command) -> Vec<String> {
    let mut out = Vec::new();
    for a in cmd.get_arguments().filter(|a| a.is_required_set()) {
        match a.get_long() {
            Some("date") => out.extend(["--date".into(), "2025-10-13".into()]),
            Some(long) => out.extend([
                format!("--{long}"),
                "postgres://nobody@127.0.0.1:1/none".into(),
            ]),
            None => out.push("1".into()),
        }
    }
    out
}

fn is_numeric(a: &clap::Arg) -> Option<bool> {
    use std::any::TypeId;
    let t = a.get_value_parser().type_id();
    let numeric = [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i16>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
        TypeId::of::<isize>(),
        TypeId::of::<f32>(),
        TypeId::of::<f64>(),
    ];
    if numeric.iter().any(|n| t == *n) {
        Some(true)
    } else if t == TypeId::of::<std::time::Duration>() {
        Some(false)
    } else {
        None
    }
}

/// Every numeric and duration option of every command (found from the clap definitions, so a
/// new one is covered without editing this test) gets odd values: each is refused with exit 2 and
/// a message naming the option, and nothing panics (`purge --retention 1e30d` did, exit 101).
#[test]
fn odd_values_of_every_numeric_and_duration_option_are_usage_errors_never_panics() {
    use clap::CommandFactory;
    let numbers = [
        "-1",
        "-0.5",
        "1e30",
        "1e400",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "",
        "abc",
        "0x10",
        " 5",
        "5 ",
        "99999999999999999999999",
        "١٢",
    ];
    let too_big = ["18446744073709551615", "9223372036854775807", "4294967295"];
    let durations = [
        "1e30d",
        "-5d",
        "30",
        "30x",
        "",
        "d",
        "NaNd",
        "99999999999999999999d",
        "1000000000w",
        "36500000d",
        "30 days ago",
    ];
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Arg)>) {
        let required = required_args(cmd);
        for a in cmd.get_arguments() {
            if a.get_long().is_some() && !a.is_global_set() || path.is_empty() {
                let mut p = path.clone();
                p.extend(required.iter().cloned());
                out.push((p, a.clone()));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                let mut p = path.clone();
                p.extend(required.iter().filter(|_| !path.is_empty()).cloned());
                p.push(sub.get_name().to_string());
                walk(sub, p, out);
            }
        }
    }
    let mut options = Vec::new();
    walk(&ra_migrate::cli::Cli::command(), Vec::new(), &mut options);
    let mut tried = 0;
    let mut seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for (path, arg) in &options {
        let Some(long) = arg.get_long() else { continue };
        let Some(numeric) = is_numeric(arg) else {
            continue;
        };
        seen.insert(format!("{} --{long}", path.join(" ")));
        let mut values: Vec<&str> = if numeric {
            numbers.to_vec()
        } else {
            durations.to_vec()
        };
        if numeric && !UNBOUNDED_ON_PURPOSE.contains(&arg.get_id().as_str()) {
            values.extend(too_big);
        }
        for v in values {
            // the global options go before a command that needs no database to parse
            let mut argv: Vec<String> = path.clone();
            argv.push(format!("--{long}={v}"));
            if path.is_empty() {
                argv.push("status".into());
            }
            let out = bin()
                .args(&argv)
                .stdin(Stdio::null())
                .output()
                .expect("running ra-migrate");
            tried += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.code() != Some(2)
                || !stderr.contains(&format!("--{long}"))
                || stderr.contains("panicked")
            {
                failures.push(format!(
                    "{argv:?}: exit {:?}, stderr: {}",
                    out.status.code(),
                    stderr.lines().take(3).collect::<Vec<_>>().join(" | ")
                ));
            }
        }
    }
    for expected in [
        " --lock-timeout-ms",
        " --lock-retries",
        "purge --retention",
        "apply 1 --batch-size",
        "rollback 1 --max-rows-per-sec",
        "validate --buckets",
        "demo --scale",
        "fetch entities --recheck-absent-days",
        "rehearse --from postgres://nobody@127.0.0.1:1/none --sample",
        "log --limit",
        "quarantine --limit",
        "orphans --sample",
    ] {
        assert!(
            seen.iter().any(|s| s.ends_with(expected)),
            "{expected} not found among {seen:?}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} tries: {failures:#?}",
        failures.len()
    );
    eprintln!("{tried} odd values over {} options", seen.len());
}

/// The phase argument takes a number or a name; anything else is a usage error, never a panic.
#[test]
fn odd_phase_arguments_are_errors_never_panics() {
    for cmd in ["plan", "apply", "rollback", "verify"] {
        for v in [
            "0",
            "6",
            "-1",
            "",
            "99999999999999999999",
            "1.5",
            "archive!",
            "NaN",
        ] {
            let out = run(&[cmd, "--", v]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd} {v:?}: {stderr}");
            assert!(stderr.contains("phase"), "{cmd} {v:?}: {stderr}");
        }
    }
}

/// Retention in the units an operator writes: each of these passes parsing (and only then stops
/// for want of a database).
#[test]
fn retention_takes_days_weeks_hours_and_combinations() {
    for v in ["30d", "2w", "36h", "1h 30m", "0s", "90m"] {
        let out = run(&["purge", "--retention", v]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{v}: {stderr}");
        assert!(stderr.contains("no database given"), "{v}: {stderr}");
    }
}

/// The password is scrubbed where it stands: a one-letter password does not mangle `Connection
/// refused`, a password equal to the user name does not hide the user the server names, and a URL
/// whose password holds unencoded special characters gets a hint.
#[test]
fn password_scrubbing_keeps_messages_readable() {
    let db = crate::common::TestDb::empty();
    let (code, text) = crate::common::run_url("postgres://app:s@127.0.0.1:1/racing", &["status"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("Connection refused"), "{text}");
    assert!(
        text.contains("postgres://app:***@127.0.0.1:1/racing"),
        "{text}"
    );

    // same password as the user name, a role the server does not know: it names the role
    let (_, server) = db.url.rsplit_once('@').unwrap();
    let ghost = format!("postgres://ghost_operator:ghost_operator@{server}");
    let (code, text) = crate::common::run_url(&ghost, &["status"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("\"ghost_operator\""),
        "the user name the server names stays readable: {text}"
    );

    // an unencoded `@` in the password makes the URL name another host: say how to write it
    let raw = format!("postgres://app:p@ss@{server}");
    let (code, text) = crate::common::run_url(&raw, &["status"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("percent-encoded: @ as %40"), "{text}");
    assert!(!text.contains("p@ss"), "{text}");
}

fn log_entries(c: &mut postgres::Client) -> i64 {
    c.query_one("SELECT count(*) FROM ra_migrate.operation_log", &[])
        .unwrap()
        .get(0)
}

/// A runbook can be run again: `apply N` of a phase applied and verified says there is nothing
/// to do (exit 0, nothing changed, nothing logged); applied but not verified, it verifies;
/// `rollback N` of a phase not in effect likewise has nothing to do.
#[test]
fn apply_and_rollback_run_again_have_nothing_to_do() {
    use crate::common::{ok, pg_dump_schema, ra, TestDb};
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mut c = db.client();

    let before = log_entries(&mut c);
    let out = ok(&db, &["rollback", "2", "--yes"]);
    assert!(
        out.contains("phase 2 (dual-write) was never applied: nothing to roll back"),
        "{out}"
    );
    assert_eq!(log_entries(&mut c), before, "nothing logged");

    ok(&db, &["apply", "1", "--yes"]);
    let schema = pg_dump_schema(&db.url);
    let before = log_entries(&mut c);
    for args in [
        vec!["apply", "1", "--yes"],
        vec!["apply", "create", "--dry-run"],
        vec!["--json", "apply", "1", "--yes"],
    ] {
        let out = ra(&db, &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        assert!(stdout.contains("nothing to do"), "{args:?}: {stdout}");
    }
    assert_eq!(log_entries(&mut c), before, "nothing logged");
    assert_eq!(pg_dump_schema(&db.url), schema, "nothing changed");

    // applied, but its verification has not passed (say it found orphans that were fixed since)
    c.batch_execute("UPDATE ra_migrate.phase_state SET verified = false WHERE phase = 1")
        .unwrap();
    let out = ra(&db, &["apply", "1", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("phase 1 (create): verified, no problems found"),
        "{}",
        text(&out)
    );
    let verified: bool = c
        .query_one(
            "SELECT verified FROM ra_migrate.phase_state WHERE phase = 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(verified, "the verification is recorded");
    assert_eq!(pg_dump_schema(&db.url), schema, "verifying changed nothing");

    ok(&db, &["rollback", "1", "--yes"]);
    let before = log_entries(&mut c);
    let out = ok(&db, &["rollback", "1", "--yes"]);
    assert!(
        out.contains("phase 1 (create) is not in effect (rolled back at")
            && out.contains("nothing to roll back"),
        "{out}"
    );
    assert_eq!(log_entries(&mut c), before, "nothing logged");
}

/// Every global option can come from `RA_MIGRATE_*`, and from `ra-migrate.toml` in the current
/// directory or `--config FILE`; the command line wins over the environment, which wins over the
/// file. `init` records the schema and a hash of the mapping; later commands refuse different ones.
#[test]
fn settings_from_environment_and_file_and_init_pins_schema_and_mapping() {
    use crate::common::TestDb;
    let db = TestDb::legacy();
    let dir = scratch_dir("settings");
    let at = |cwd: &Path, args: &[&str], env: &[(&str, &str)]| -> Output {
        let mut cmd = bin();
        cmd.current_dir(cwd).args(args).stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("running ra-migrate")
    };
    // every global option names its environment variable in --help
    let help = String::from_utf8_lossy(&run(&["--help"]).stdout).to_string();
    for var in [
        "RA_MIGRATE_DATABASE_URL",
        "RA_MIGRATE_CONFIG",
        "RA_MIGRATE_JSON",
        "RA_MIGRATE_MAPPING",
        "RA_MIGRATE_SCHEMA",
        "RA_MIGRATE_LOCK_TIMEOUT_MS",
        "RA_MIGRATE_LOCK_RETRIES",
        "RA_MIGRATE_LOG",
    ] {
        assert!(help.contains(var), "{var} not in --help:\n{help}");
    }

    // the database from the environment alone; init records the settings
    let out = at(&dir, &["init"], &[("RA_MIGRATE_DATABASE_URL", &db.url)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("settings recorded: schema `public`"),
        "{}",
        text(&out)
    );
    let out = at(
        &dir,
        &["status"],
        &[
            ("RA_MIGRATE_DATABASE_URL", &db.url),
            ("RA_MIGRATE_JSON", "true"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("--json from RA_MIGRATE_JSON");

    // a bad value from the environment is a usage error naming the option
    let out = at(
        &dir,
        &["status"],
        &[
            ("RA_MIGRATE_DATABASE_URL", &db.url),
            ("RA_MIGRATE_LOCK_TIMEOUT_MS", "0"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--lock-timeout-ms"), "{}", text(&out));

    // another schema, from the environment: refused, saying which
    let out = at(
        &dir,
        &["status"],
        &[
            ("RA_MIGRATE_DATABASE_URL", &db.url),
            ("RA_MIGRATE_SCHEMA", "racing"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--schema is `racing` but this database was initialised with `public`"),
        "{}",
        text(&out)
    );
    // the writers too: the fetchers, the worker and the quarantine list
    for args in [
        &[
            "fetch",
            "racecards",
            "--source",
            "synthetic",
            "--date",
            "2031-01-01",
        ][..],
        &["worker", "--once", "--source", "synthetic"],
        &["quarantine"],
    ] {
        let out = at(
            &dir,
            args,
            &[
                ("RA_MIGRATE_DATABASE_URL", &db.url),
                ("RA_MIGRATE_SCHEMA", "racing"),
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out)
                .contains("--schema is `racing` but this database was initialised with `public`"),
            "{args:?}: {}",
            text(&out)
        );
    }

    // ra-migrate.toml in the current directory: database and a schema that init did not record
    std::fs::write(
        dir.join("ra-migrate.toml"),
        format!(
            "database_url = \"{}\"\nschema = \"racing\"\nlock_retries = 3\n",
            db.url
        ),
    )
    .unwrap();
    let out = at(&dir, &["apply", "1", "--dry-run"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the file's schema is used: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("--schema is `racing`"),
        "{}",
        text(&out)
    );
    // the environment wins over the file, the command line over both
    let out = at(&dir, &["status"], &[("RA_MIGRATE_SCHEMA", "public")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = at(
        &dir,
        &["status", "--schema", "public"],
        &[("RA_MIGRATE_SCHEMA", "racing")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // --config from elsewhere; a changed mapping is refused, naming the mapping
    let elsewhere = scratch_dir("settings-elsewhere");
    let mapping =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("phases/mapping.toml"))
            .unwrap()
            .replace(
                "patterns = [\"ra_odds_*\"]",
                "patterns = [\"ra_odds_*\", \"ra_extra_*\"]",
            );
    let changed = dir.join("changed-mapping.toml");
    std::fs::write(&changed, mapping).unwrap();
    let cfg = dir.join("week.toml");
    std::fs::write(
        &cfg,
        format!(
            "database_url = \"{}\"\nmapping = \"{}\"\n",
            db.url,
            changed.display()
        ),
    )
    .unwrap();
    let out = at(
        &elsewhere,
        &["--config", cfg.to_str().unwrap(), "status"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("the mapping (")
            && text(&out).contains("differs from the one this database was initialised with"),
        "{}",
        text(&out)
    );
    // init refuses too, unless told the change is intended
    let out = at(
        &elsewhere,
        &["--config", cfg.to_str().unwrap(), "init"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = at(
        &elsewhere,
        &["--config", cfg.to_str().unwrap(), "init", "--reconfigure"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = at(
        &elsewhere,
        &["--config", cfg.to_str().unwrap(), "status"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // an unknown key is an error that lists the known ones
    std::fs::write(&cfg, "lock_timeout = 5\n").unwrap();
    let out = at(
        &elsewhere,
        &["--config", cfg.to_str().unwrap(), "status"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("unknown key `lock_timeout`") && text(&out).contains("lock_timeout_ms"),
        "{}",
        text(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&elsewhere).ok();
}

/// A URL without a password takes it from PGPASSWORD or the password file, as psql does, on a
/// server that asks for one (its own cluster, scram-sha-256 over TCP).
#[test]
fn pgpassword_and_pgpass_supply_a_missing_password() {
    use ra_migrate::rehearsal::cluster::{Cluster, ClusterOptions};
    let cluster = Cluster::start(&ClusterOptions::default()).expect("starting a cluster");
    cluster.watch_parent();
    let secret = "Op-Secret:9";
    let mut admin = postgres::Client::connect(&cluster.url("postgres"), postgres::NoTls).unwrap();
    admin
        .batch_execute("CREATE ROLE op LOGIN SUPERUSER PASSWORD 'Op-Secret:9'")
        .unwrap();
    std::fs::write(
        cluster.data_dir().join("pg_hba.conf"),
        "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    let url = format!("postgres://op@127.0.0.1:{}/postgres", cluster.port());
    // the reload is asynchronous: wait until a password-less connection is refused
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while postgres::Client::connect(&url, postgres::NoTls).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "pg_hba.conf was not reloaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let home = scratch_dir("pgpass-home");
    let attempt = |env: &[(&str, &str)]| -> Output {
        let mut cmd = bin();
        cmd.args(["--database-url", &url, "init"])
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .env("HOME", &home)
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("running ra-migrate")
    };
    let out = attempt(&[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no password anywhere: {}",
        text(&out)
    );

    let out = attempt(&[("PGPASSWORD", secret)]);
    assert_eq!(out.status.code(), Some(0), "PGPASSWORD: {}", text(&out));
    assert!(!text(&out).contains(secret));

    use std::os::unix::fs::PermissionsExt;
    let pgpass = home.join(".pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "# comment\notherhost:*:*:op:wrong\n127.0.0.1:{}:postgres:op:Op-Secret\\:9\n",
            cluster.port()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = attempt(&[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a readable-by-others file is ignored: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("group or world access"),
        "{}",
        text(&out)
    );
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = attempt(&[]);
    assert_eq!(out.status.code(), Some(0), "~/.pgpass: {}", text(&out));
    let moved = home.join("elsewhere.pgpass");
    std::fs::rename(&pgpass, &moved).unwrap();
    let out = attempt(&[("PGPASSFILE", moved.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(0), "PGPASSFILE: {}", text(&out));
    drop(admin);
    cluster.stop();
    std::fs::remove_dir_all(&home).ok();
}

/// Installable like the ecosystem's tools: completion scripts for the usual shells (bash checks
/// its own), a man page, and a release profile that strips the binary.
#[test]
fn completions_man_page_and_a_stripped_release_build() {
    let out = run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let script = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        script.contains("_ra__migrate()") && script.contains("rollback"),
        "{script}"
    );
    let dir = scratch_dir("completions");
    let file = dir.join("ra-migrate.bash");
    std::fs::write(&file, &script).unwrap();
    // bash loads it and registers the completion; asking it to complete `ra-migrate ap` offers apply
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p ra-migrate && COMP_WORDS=(ra-migrate ap) COMP_CWORD=1 COMP_LINE='ra-migrate ap' COMP_POINT=13 && _ra__migrate ra-migrate ap ra-migrate && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        ))
        .output()
        .expect("running bash");
    let shown = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(
        check.status.success(),
        "{shown}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(shown.lines().any(|l| l == "apply"), "{shown}");
    for (shell, marker) in [
        ("zsh", "#compdef ra-migrate"),
        ("fish", "complete -c ra-migrate"),
    ] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(marker),
            "{shell}"
        );
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    let out = run(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        page.starts_with(".ie") || page.contains(".TH ra-migrate"),
        "{page}"
    );
    for word in ["rollback", "RA_MIGRATE_SCHEMA", "\\-\\-lock\\-timeout\\-ms"] {
        assert!(page.contains(word), "{word} missing from the man page");
    }

    let manifest: toml::Table =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
    assert_eq!(
        manifest["profile"]["release"]["strip"],
        toml::Value::Boolean(true),
        "the release build strips the binary"
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn status_json(db: &crate::common::TestDb, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "status"];
    args.extend(extra);
    let out = crate::common::ra(db, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
}

/// `status` says where things stand: estimated rows unless `--exact`, the running operation and
/// the operator lock's holder, phase 3's progress (rows, rate, ETA) from its checkpoints, an
/// interrupted run, the last validation, the quarantine, the readers left, and the next command;
/// `--watch` refreshes.
#[test]
fn status_tells_where_things_stand_and_what_to_run_next() {
    use crate::common::{ok, TestDb};
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mut c = db.client();
    c.batch_execute("ANALYZE ra_horses").unwrap();
    let s = status_json(&db, &[]);
    assert_eq!(s["rows"], "estimated");
    let horses = |s: &serde_json::Value| {
        s["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == "ra_horses")
            .unwrap()["old_rows"]
            .as_i64()
            .unwrap()
    };
    let reltuples: f32 = c
        .query_one(
            "SELECT reltuples FROM pg_class WHERE relname = 'ra_horses'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(horses(&s), reltuples as i64, "the planner's estimate");
    let exact: i64 = c
        .query_one("SELECT count(*) FROM ra_horses", &[])
        .unwrap()
        .get(0);
    // rows no statistics know of yet: only --exact sees them
    c.batch_execute("INSERT INTO ra_horses (id, name) SELECT 'hrs_status_' || g, 'S' FROM generate_series(1, 25) g")
        .unwrap();
    assert_eq!(horses(&status_json(&db, &["--exact"])), exact + 25);
    assert_eq!(horses(&status_json(&db, &[])), reltuples as i64);
    let st = &s["standing"];
    assert_eq!(st["operator_lock_holder"], serde_json::Value::Null);
    assert_eq!(st["quarantined"], 0);
    assert_eq!(st["last_validation"], serde_json::Value::Null);
    assert!(st["readers_left"].is_u64(), "{st}");
    assert!(st["next"].as_str().unwrap().contains("apply 1"), "{st}");

    ok(&db, &["apply", "1", "--yes"]);
    ok(&db, &["apply", "2", "--yes"]);
    assert!(status_json(&db, &[])["standing"]["next"]
        .as_str()
        .unwrap()
        .starts_with("ra-migrate apply 3"));
    // a slow backfill, running
    let mut child = bin()
        .args([
            "--database-url",
            &db.url,
            "apply",
            "3",
            "--yes",
            "--soak",
            "0s",
            "--batch-size",
            "20",
            "--batch-ms",
            "20",
            "--max-rows-per-sec",
            "100",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let running = loop {
        let s = status_json(&db, &[]);
        let st = s["standing"].clone();
        if st["backfill"]["rows_copied"].as_i64().unwrap_or(0) > 0 {
            break st;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no backfill progress: {st}"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the backfill ended too soon: {st}"
        );
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        running["operator_lock_holder"]
            .as_str()
            .unwrap()
            .contains("ra-migrate apply"),
        "{running}"
    );
    let op = &running["running"][0];
    assert_eq!(
        (
            op["action"].as_str(),
            op["phase"].as_i64(),
            op["alive"].as_bool()
        ),
        (Some("apply"), Some(3), Some(true)),
        "{running}"
    );
    let b = &running["backfill"];
    assert!(
        b["rows_estimated"].as_i64().unwrap() > b["rows_copied"].as_i64().unwrap(),
        "{b}"
    );
    assert!(b["rate_rows_per_sec"].as_f64().unwrap() > 0.0, "{b}");
    assert!(b["eta_seconds"].as_f64().unwrap() > 0.0, "{b}");
    assert!(
        running["next"]
            .as_str()
            .unwrap()
            .starts_with("wait: apply 3 is running"),
        "{running}"
    );
    let text_status = ok(&db, &["status"]);
    assert!(
        text_status.contains("interrupted log entry"),
        "the killed run: {text_status}"
    );
    assert!(
        text_status.contains("next: ra-migrate apply 3 --yes"),
        "{text_status}"
    );

    ok(&db, &["apply", "3", "--yes", "--soak", "0s"]);
    c.batch_execute(
        "INSERT INTO ra_migrate.quarantine (source, endpoint, payload, error) VALUES ('api', '/racecards', '{}', 'bad runner')",
    )
    .unwrap();
    let s = status_json(&db, &[]);
    assert_eq!(s["standing"]["quarantined"], 1);
    assert!(
        s["standing"]["next"]
            .as_str()
            .unwrap()
            .starts_with("ra-migrate validate"),
        "{s}"
    );
    let reports = scratch_dir("status-reports");
    ok(
        &db,
        &["validate", "--report-dir", reports.to_str().unwrap()],
    );
    let s = status_json(&db, &[]);
    assert_eq!(s["standing"]["last_validation"]["passed"], true, "{s}");
    assert!(
        s["standing"]["next"]
            .as_str()
            .unwrap()
            .starts_with("ra-migrate apply 4"),
        "{s}"
    );
    ok(&db, &["apply", "4", "--yes", "--functions"]);
    ok(&db, &["apply", "5", "--yes"]);
    let s = status_json(&db, &[]);
    assert!(s["standing"]["purge_possible_from"].is_string(), "{s}");
    assert_eq!(s["standing"]["readers_left"], serde_json::Value::Null);
    assert!(
        s["standing"]["next"]
            .as_str()
            .unwrap()
            .starts_with("ra-migrate purge"),
        "{s}"
    );

    // --watch: one JSON document per refresh until stopped
    let mut watch = bin()
        .args([
            "--database-url",
            &db.url,
            "--json",
            "status",
            "--watch",
            "--interval",
            "100ms",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(watch.stdout.take().unwrap()));
    for _ in 0..3 {
        let line = lines.next().expect("a refresh").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["phase"], 5);
    }
    watch.kill().unwrap();
    watch.wait().unwrap();
    std::fs::remove_dir_all(&reports).ok();
}
