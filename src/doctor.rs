//! The preflight: what the server, the connection, the role and the legacy schema mean for the
//! migration, each finding with what to do about it. Read-only.

use crate::pg::server::{
    check_server_version, endpoint, is_local, server_version, transaction_pooler,
};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::{Kind, Mapping};
use anyhow::Result;
use postgres::Client;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    Info,
    Warning,
    Problem,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Problem => "PROBLEM",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub check: String,
    pub level: Level,
    pub detail: String,
    /// What to do about it (empty when nothing needs doing).
    pub action: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn problems(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Problem)
            .count()
    }
}

fn finding(check: &str, level: Level, detail: String, action: &str) -> Finding {
    Finding {
        check: check.to_string(),
        level,
        detail,
        action: action.to_string(),
    }
}

/// Everything `ra-migrate doctor` checks.
pub fn run(client: &mut Client, url: &str, mapping: &Mapping, schema: &str) -> Result<Report> {
    let mut f = Vec::new();
    // Server version.
    let (_, version) = server_version(client)?;
    match check_server_version(client) {
        Ok(_) => f.push(finding(
            "server version",
            Level::Ok,
            format!("PostgreSQL {version} (supported: 13 and newer; tested on 15)"),
            "",
        )),
        Err(e) => f.push(finding(
            "server version",
            Level::Problem,
            format!("{e:#}"),
            "upgrade the server before migrating",
        )),
    }
    // Pooler.
    match transaction_pooler(client, url)? {
        Some(why) => {
            f.push(finding(
                "connection pooling",
                Level::Problem,
                format!("a transaction pooler is in the path: {why}"),
                "use the direct connection (db.<project-ref>.supabase.co:5432) or the session pooler on port 5432: every command but doctor refuses the transaction pooler",
            ));
            // The other checks use prepared statements, which a transaction pooler breaks.
            f.push(finding(
                "other checks",
                Level::Info,
                "not run through the transaction pooler".into(),
                "run `ra-migrate doctor` again over a session connection for the remaining checks",
            ));
            return Ok(Report { findings: f });
        }
        None => f.push(finding(
            "connection pooling",
            Level::Ok,
            "one client session is one server session (direct or session pooling)".into(),
            "",
        )),
    }
    // TLS.
    let (host, port) = endpoint(url)?;
    let ssl: bool = client
        .query_opt(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )?
        .map(|r| r.get(0))
        .unwrap_or(false);
    f.push(match (ssl, is_local(&host)) {
        (true, _) => finding(
            "tls",
            Level::Ok,
            format!("encrypted connection to {host}:{port}"),
            "",
        ),
        (false, true) => finding(
            "tls",
            Level::Info,
            format!("plain connection to the local host {host}:{port}"),
            "",
        ),
        (false, false) => finding(
            "tls",
            Level::Problem,
            format!("the connection to {host}:{port} is not encrypted"),
            "add sslmode=require (or verify-full with sslrootcert) to the connection string",
        ),
    });
    // Session timeouts of this role.
    let settings: Vec<(String, String)> = client
        .query(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings \
             WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout', 'lock_timeout', 'deadlock_timeout') ORDER BY name",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // pg_settings gives "0ms" when there is none.
    let statement_timeout = settings
        .iter()
        .any(|(n, v)| n == "statement_timeout" && v.trim_end_matches(char::is_alphabetic) != "0");
    f.push(finding(
        "session settings",
        if statement_timeout {
            Level::Warning
        } else {
            Level::Info
        },
        format!(
            "{}; the tool sets lock_timeout per DDL transaction (--lock-timeout-ms, default 200ms) and leaves statement_timeout as it is",
            settings
                .iter()
                .map(|(n, v)| format!("{n} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        if statement_timeout {
            "a statement_timeout can cancel phase 3's VALIDATE of the large fact tables: raise it for the operator's role (ALTER ROLE ... SET statement_timeout = 0) before phase 3"
        } else {
            ""
        },
    ));
    let cat = Catalog::read(client, schema)?;
    // Masters the tool refuses to migrate (phase 1 refuses them too, before any change).
    let refused = crate::phase::create::unsupported(&cat, mapping);
    f.push(if refused.is_empty() {
        finding(
            "migratable masters",
            Level::Ok,
            "every master present has what the copies need (a plain table with a usable primary key)".into(),
            "",
        )
    } else {
        finding(
            "migratable masters",
            Level::Problem,
            refused
                .iter()
                .map(|(t, why)| format!("{t}: {why}"))
                .collect::<Vec<_>>()
                .join("; "),
            "phase 1 refuses to start until these are changed",
        )
    });
    // Privileges.
    let can_create: bool = client
        .query_one(
            "SELECT has_schema_privilege(current_user, $1, 'CREATE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
            &[&schema],
        )?
        .get(0);
    let mut not_owned = Vec::new();
    for m in mapping.tables.iter() {
        if cat.table(&m.name).is_none() {
            continue;
        }
        let owns: bool = client
            .query_one(
                "SELECT pg_has_role(current_user, c.relowner, 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                &[&schema, &m.name],
            )?
            .get(0);
        if !owns {
            not_owned.push(m.name.clone());
        }
    }
    // Phase 1 gives each twin its old table's owner, which PostgreSQL allows a role that is not
    // a superuser only when that owner may create in the schema.
    let owner_blocked: Vec<String> = mapping
        .masters()
        .filter_map(|m| cat.table(&m.name))
        .filter(|t| !t.owner_may_create)
        .map(|t| format!("{} (owner {})", t.name, t.owner))
        .collect();
    if !owner_blocked.is_empty() {
        f.push(finding(
            "privileges",
            Level::Problem,
            format!(
                "phase 1 cannot give these masters' twins their owner, who may not create in schema {schema}: {}",
                owner_blocked.join(", ")
            ),
            &format!("GRANT CREATE ON SCHEMA {schema} TO each owner named, or run phase 1 as a superuser"),
        ));
    }
    f.push(if can_create && not_owned.is_empty() {
        finding(
            "privileges",
            Level::Ok,
            format!("may create tables in {schema} and owns (or is a member of the owner of) every mapped table"),
            "",
        )
    } else {
        finding(
            "privileges",
            Level::Problem,
            format!(
                "{}{}",
                if can_create { String::new() } else { format!("may not create in schema {schema}; ") },
                if not_owned.is_empty() {
                    String::new()
                } else {
                    format!("does not own: {} (triggers, renames and foreign keys need the owner)", not_owned.join(", "))
                }
            ),
            "run the tool as the tables' owner (on Supabase the postgres role)",
        )
    });
    // pg_stat_statements.
    let pss: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')",
            &[],
        )?
        .get(0);
    f.push(if pss {
        finding("pg_stat_statements", Level::Ok, "installed: `ra-migrate readers` sees the queries applications run".into(), "")
    } else {
        finding(
            "pg_stat_statements",
            Level::Warning,
            "not installed: `ra-migrate readers` can only see views, functions and SQL files, not the queries applications send".into(),
            "CREATE EXTENSION pg_stat_statements (on Supabase: enable it under Database > Extensions)",
        )
    });
    // Publications.
    let wal_level: String = client
        .query_one("SELECT current_setting('wal_level')", &[])?
        .get(0);
    let masters: Vec<String> = mapping
        .tables
        .iter()
        .filter(|t| t.kind != Kind::Fact)
        .map(|t| t.name.clone())
        .collect();
    let published: Vec<(String, String)> = client
        .query(
            "SELECT pubname::text, tablename::text FROM pg_publication_tables WHERE schemaname = $1 AND tablename = ANY($2) ORDER BY 1, 2",
            &[&schema, &masters],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    f.push(if published.is_empty() {
        finding(
            "publications",
            Level::Ok,
            format!("no publication lists a master table (wal_level = {wal_level})"),
            "",
        )
    } else {
        finding(
            "publications",
            Level::Warning,
            format!(
                "wal_level = {wal_level}; published master tables: {}",
                published
                    .iter()
                    .map(|(p, t)| format!("{t} in {p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "phase 1 adds each ra_mst_* table to its old table's publications and phase 5 takes the archived tables out, so subscribers (e.g. Supabase Realtime) keep receiving master changes; wal_level must be logical for anyone to subscribe",
        )
    });
    // Default privileges that new tables receive.
    let defaults: Vec<String> = client
        .query(
            "SELECT coalesce(pg_get_userbyid(d.defaclrole)::text, '?') || ': ' || array_to_string(d.defaclacl, ', ') \
             FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace \
             WHERE d.defaclobjtype = 'r' AND (n.nspname = $1 OR d.defaclnamespace = 0) ORDER BY 1",
            &[&schema],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    f.push(if defaults.is_empty() {
        finding("default privileges", Level::Ok, format!("none for tables in {schema}"), "")
    } else {
        finding(
            "default privileges",
            Level::Info,
            format!("new tables in {schema} receive: {}", defaults.join("; ")),
            "phase 1 gives each ra_mst_* table exactly its old table's privileges; `ra-migrate verify 1` compares them",
        )
    });
    // Space the twins will take.
    let bytes: i64 = client
        .query_one(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p')",
            &[&schema, &mapping.masters().map(|m| m.name.clone()).collect::<Vec<_>>()],
        )?
        .get(0);
    f.push(finding(
        "space",
        Level::Info,
        format!(
            "the master tables and their indexes take {:.1} MiB; their ra_mst_* copies need about as much again until `ra-migrate purge`",
            bytes as f64 / 1_048_576.0
        ),
        "",
    ));
    // Orphans of the relationships the plan will enforce (the same list `ra-migrate orphans` gives).
    let orphans: Vec<String> = crate::orphans::list(client, &cat, mapping, 0)?
        .into_iter()
        .filter(|o| o.rows > 0)
        .map(|o| format!("{}: {} row(s)", o.relationship.name, o.rows))
        .collect();
    f.push(if orphans.is_empty() {
        finding("orphans", Level::Ok, "every relationship the plan will enforce already holds".into(), "")
    } else {
        finding(
            "orphans",
            Level::Warning,
            format!("values with no master row, in relationships the legacy schema never enforced (or foreign keys left NOT VALID): {}", orphans.join("; ")),
            "`ra-migrate orphans` lists them; phase 5 enforces these relationships and keeps a constraint NOT VALID while orphans remain",
        )
    });
    // Tables the mapping does not know.
    let unknown: Vec<String> = cat
        .tables
        .keys()
        .filter(|t| t.starts_with("ra_") && !t.starts_with("ra_mst_") && !t.starts_with("ra_old_"))
        .filter(|t| mapping.get(t).is_none() && !mapping.is_protected(t))
        .cloned()
        .collect();
    f.push(if unknown.is_empty() {
        finding("unknown tables", Level::Ok, "every ra_* table is in the mapping or protected".into(), "")
    } else {
        finding(
            "unknown tables",
            Level::Warning,
            format!("not in the mapping, so left exactly as they are by every phase: {}", unknown.join(", ")),
            "the plan marks ra_ace_results, ra_racesrunners, ra_racestrainers and ra_races_regions as needing clarification: add a table to phases/mapping.toml (--mapping FILE) if it should move",
        )
    });
    // Sessions writing the legacy tables now.
    let legacy: Vec<String> = mapping.tables.iter().map(|t| t.name.clone()).collect();
    let writers: Vec<String> = client
        .query(
            "SELECT DISTINCT a.pid::text || ' ' || coalesce(nullif(a.application_name, ''), '(no application_name)') || ' as ' || coalesce(a.usename::text, '?') || ' on ' || c.relname \
             FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.mode = 'RowExclusiveLock' AND l.granted AND n.nspname = $1 AND c.relname = ANY($2) AND l.pid <> pg_backend_pid() ORDER BY 1",
            &[&schema, &legacy],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    f.push(finding(
        "writers now",
        Level::Info,
        if writers.is_empty() {
            "no session is writing a mapped table at this moment".into()
        } else {
            format!("sessions writing mapped tables now: {}", writers.join("; "))
        },
        if writers.is_empty() {
            ""
        } else {
            "they may keep writing: every phase takes its locks under lock_timeout and retries; keep them on the old names until phase 3 has backfilled"
        },
    ));
    Ok(Report { findings: f })
}
