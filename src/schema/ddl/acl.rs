//! The copy's owner and privileges: the old table's grants replayed onto the new table and its
//! own sequences, each by the grantor that made it where the tool may act as that role.

use super::Follow;
use crate::phase::Lock;
use crate::schema::catalog::{AclItem, Catalog, Sequence, Table};
use std::collections::{BTreeMap, BTreeSet};

/// Privilege name -> grantable, per grantee.
type Privs = BTreeMap<String, BTreeMap<String, bool>>;

fn by_grantee(items: impl Iterator<Item = AclItem>) -> Privs {
    let mut out = Privs::new();
    for a in items {
        let g = out
            .entry(a.grantee)
            .or_default()
            .entry(a.privilege)
            .or_default();
        *g |= a.grantable;
    }
    out
}

fn privs_text(p: &BTreeMap<String, bool>) -> String {
    p.iter()
        .map(|(name, grantable)| format!("{name}{}", if *grantable { "*" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table or sequence whose privileges are replayed.
struct Object<'a> {
    /// `TABLE` or `SEQUENCE`.
    kind: &'a str,
    name: &'a str,
    quoted: &'a str,
    /// Appended to the shape's keys (empty for the table itself).
    shape_suffix: &'a str,
}

/// Splits an old object's `acl` into the grants the owner makes and those another grantor makes
/// again ([`replayed_by_grantor`]); replays the owner's onto the copy ([`replay_acl`]) and returns
/// the others.
fn replay_owner_grants(
    cat: &Catalog,
    owner: &str,
    start: &[AclItem],
    acl: &[AclItem],
    object: &Object<'_>,
    shape: &mut BTreeMap<String, String>,
    follow: &mut Vec<Follow>,
) -> Vec<AclItem> {
    let (by_others, by_owner): (Vec<AclItem>, Vec<AclItem>) = acl
        .iter()
        .cloned()
        .partition(|a| replayed_by_grantor(cat, owner, a));
    replay_acl(cat, owner, start, &by_owner, object, shape, follow);
    by_others
}

/// Turns the privileges an object starts with (`start`, as the creator's default privileges give
/// them; the owner takes the creator's place) into `want`: what it lacks is revoked (or its grant
/// option), what it misses is granted.
fn replay_acl(
    cat: &Catalog,
    owner: &str,
    start: &[AclItem],
    want: &[AclItem],
    object: &Object<'_>,
    shape: &mut BTreeMap<String, String>,
    follow: &mut Vec<Follow>,
) {
    let creator = &cat.current_user;
    let start = by_grantee(start.iter().map(|a| {
        let mut a = a.clone();
        if &a.grantee == creator {
            a.grantee = owner.to_string();
        }
        a
    }));
    let want = by_grantee(want.iter().cloned());
    let (kind, name, quoted) = (object.kind, object.name, object.quoted);
    let empty = BTreeMap::new();
    let grantees: BTreeSet<&String> = start.keys().chain(want.keys()).collect();
    for g in grantees {
        let (have, w) = (
            start.get(g).unwrap_or(&empty),
            want.get(g).unwrap_or(&empty),
        );
        if !w.is_empty() {
            shape.insert(
                format!("privileges of {g}{}", object.shape_suffix),
                privs_text(w),
            );
        }
        let revoke: Vec<&str> = have
            .keys()
            .filter(|p| !w.contains_key(*p))
            .map(String::as_str)
            .collect();
        let revoke_option: Vec<&str> = have
            .iter()
            .filter(|(p, grantable)| **grantable && w.get(*p) == Some(&false))
            .map(|(p, _)| p.as_str())
            .collect();
        if !revoke.is_empty() {
            follow.push(Follow {
                title: format!("{g} has no {} on {name}", revoke.join(", ")),
                sql: format!("REVOKE {} ON {kind} {quoted} FROM {g}", revoke.join(", ")),
                lock: Lock::None,
            });
        }
        if !revoke_option.is_empty() {
            follow.push(Follow {
                title: format!("{g} may not pass on {} of {name}", revoke_option.join(", ")),
                sql: format!(
                    "REVOKE GRANT OPTION FOR {} ON {kind} {quoted} FROM {g}",
                    revoke_option.join(", ")
                ),
                lock: Lock::None,
            });
        }
        for with_option in [false, true] {
            // Missing, or held without the grant option it should have.
            let privs: Vec<&str> = w
                .iter()
                .filter(|(p, grantable)| {
                    **grantable == with_option
                        && match have.get(*p) {
                            None => true,
                            Some(h) => with_option && !h,
                        }
                })
                .map(|(p, _)| p.as_str())
                .collect();
            if privs.is_empty() {
                continue;
            }
            let option = if with_option {
                " WITH GRANT OPTION"
            } else {
                ""
            };
            follow.push(Follow {
                title: format!("privileges of {g} on {name}{option}"),
                sql: format!(
                    "GRANT {} ON {kind} {quoted} TO {g}{option}",
                    privs.join(", ")
                ),
                lock: Lock::None,
            });
        }
    }
}

/// Whether a grant must be replayed in its grantor's name: made by another role than the owner,
/// one the tool may act as. Grants by a role it cannot act as are made by the owner (the plan
/// says so) and compared as the owner's.
fn replayed_by_grantor(cat: &Catalog, owner: &str, a: &AclItem) -> bool {
    a.grantor != owner && cat.may_act_as(&a.grantor)
}

/// Grants made by other roles than the owner, replayed in each grantor's name (`SET ROLE`, the
/// grant, `SET ROLE NONE`), grantors whose grant option came from another such grantor after
/// that one. `columns`: items of column privileges, with their column.
fn replay_by_grantors(
    cat: &Catalog,
    items: &[(Option<&str>, &AclItem)],
    object: &Object<'_>,
    shape: &mut BTreeMap<String, String>,
    follow: &mut Vec<Follow>,
) {
    // grantor -> (grantee, column, grantable) -> privileges
    type Grants<'a> = BTreeMap<(String, Option<&'a str>, bool), Vec<String>>;
    let mut by_grantor: BTreeMap<String, Grants<'_>> = BTreeMap::new();
    for (col, a) in items {
        by_grantor
            .entry(a.grantor.clone())
            .or_default()
            .entry((a.grantee.clone(), *col, a.grantable))
            .or_default()
            .push(a.privilege.clone());
    }
    let mut order: Vec<String> = Vec::new();
    let mut left: BTreeSet<String> = by_grantor.keys().cloned().collect();
    while !left.is_empty() {
        // A grantor whose own grant options do not come from a grantor still to be replayed.
        let next = left
            .iter()
            .find(|r| {
                !items.iter().any(|(_, a)| {
                    &a.grantee == *r && a.grantable && left.contains(&a.grantor) && &a.grantor != *r
                })
            })
            .unwrap_or_else(|| left.iter().next().expect("not empty"))
            .clone();
        left.remove(&next);
        order.push(next);
    }
    let (kind, name, quoted) = (object.kind, object.name, object.quoted);
    for grantor in order {
        follow.push(Follow {
            title: format!("act as {grantor}, who granted privileges on the old table"),
            sql: format!("SET ROLE {grantor}"),
            lock: Lock::None,
        });
        for ((grantee, col, grantable), privs) in &by_grantor[&grantor] {
            let option = if *grantable { " WITH GRANT OPTION" } else { "" };
            let on_column = col.map(|c| format!(" on column {c}")).unwrap_or_default();
            shape.insert(
                format!(
                    "privileges of {grantee}{on_column}{}{option} granted by {grantor}",
                    object.shape_suffix
                ),
                privs.join(", "),
            );
            let list: Vec<String> = privs
                .iter()
                .map(|p| match col {
                    Some(c) => format!("{p} ({})", cat.quote(c)),
                    None => p.clone(),
                })
                .collect();
            follow.push(Follow {
                title: format!(
                    "{grantor} grants {grantee} {}{on_column} of {name}{option}",
                    privs.join(", ")
                ),
                sql: format!(
                    "GRANT {} ON {kind} {quoted} TO {grantee}{option}",
                    list.join(", ")
                ),
                lock: Lock::None,
            });
        }
        follow.push(Follow {
            title: format!("stop acting as {grantor}"),
            sql: "SET ROLE NONE".to_string(),
            lock: Lock::None,
        });
    }
}

/// The copy's owner and privileges, exactly the old table's: the table the tool creates starts
/// with the privileges the schema's default privileges give (on Supabase, `ALL` to `anon`,
/// `authenticated` and `service_role`), so whatever the old table does not have is revoked and
/// whatever it has is granted, with its grant option; column privileges are granted as they are;
/// the copy's own sequences get their old sequences' privileges the same way. A grant another role
/// made is made again by that role when the tool may act as it, and compared with its grantor;
/// otherwise the owner makes it.
pub(super) fn privileges(
    cat: &Catalog,
    table: &Table,
    new_name: &str,
    sequences: &[(String, &Sequence)],
    shape: &mut BTreeMap<String, String>,
    follow: &mut Vec<Follow>,
) {
    let new_q = cat.qualified(new_name);
    shape.insert("owner".into(), table.owner.clone());
    if table.owner != cat.current_user {
        follow.push(Follow {
            title: format!(
                "{new_name} is owned by {}, as {} is (its sequences follow)",
                table.owner, table.name
            ),
            sql: format!("ALTER TABLE {new_q} OWNER TO {}", table.owner),
            lock: Lock::AccessExclusive,
        });
    }
    let object = Object {
        kind: "TABLE",
        name: new_name,
        quoted: &new_q,
        shape_suffix: "",
    };
    let by_others = replay_owner_grants(
        cat,
        &table.owner,
        &cat.new_table_acl,
        &table.acl,
        &object,
        shape,
        follow,
    );
    let mut later: Vec<(Option<&str>, &AclItem)> = by_others.iter().map(|a| (None, a)).collect();
    for (new_seq, seq) in sequences {
        let seq_q = cat.qualified(new_seq);
        let suffix = format!(" on sequence {new_seq}");
        let object = Object {
            kind: "SEQUENCE",
            name: new_seq,
            quoted: &seq_q,
            shape_suffix: &suffix,
        };
        let seq_others = replay_owner_grants(
            cat,
            &table.owner,
            &cat.new_sequence_acl,
            &seq.acl,
            &object,
            shape,
            follow,
        );
        let items: Vec<(Option<&str>, &AclItem)> = seq_others.iter().map(|a| (None, a)).collect();
        replay_by_grantors(cat, &items, &object, shape, follow);
    }
    let mut columns: BTreeMap<(String, String, bool), Vec<String>> = BTreeMap::new();
    for (col, a) in &table.column_acl {
        if replayed_by_grantor(cat, &table.owner, a) {
            later.push((Some(col.as_str()), a));
            continue;
        }
        columns
            .entry((a.grantee.clone(), col.clone(), a.grantable))
            .or_default()
            .push(a.privilege.clone());
    }
    for ((g, col, grantable), privs) in columns {
        let option = if grantable { " WITH GRANT OPTION" } else { "" };
        shape.insert(
            format!("privileges of {g} on column {col}{option}"),
            privs.join(", "),
        );
        let list: Vec<String> = privs
            .iter()
            .map(|p| format!("{p} ({})", cat.quote(&col)))
            .collect();
        follow.push(Follow {
            title: format!("column privileges of {g} on {col}{option}"),
            sql: format!("GRANT {} ON TABLE {new_q} TO {g}{option}", list.join(", ")),
            lock: Lock::None,
        });
    }
    let object = Object {
        kind: "TABLE",
        name: new_name,
        quoted: &new_q,
        shape_suffix: "",
    };
    replay_by_grantors(cat, &later, &object, shape, follow);
}
