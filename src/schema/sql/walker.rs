//! The walk over a parsed statement that finds, and optionally renames, every relation it
//! references.

use super::names::*;
use sqlparser::ast::{
    visit_relations, AlterIndexOperation, AlterTableOperation, AlterViewOperation, ColumnOption,
    CommentObject, CopySource, CreateFunctionBody, CreateTableLikeKind, Expr, FromTable,
    FunctionArg, FunctionArgExpr, FunctionArguments, GrantObjects, ObjectName, ObjectNamePart,
    ObjectType, Query, RenameTableNameKind, SequenceOptions, Statement, TableConstraint,
    TableFactor, TableObject, VisitMut, VisitorMut,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;

/// Functions whose first argument PostgreSQL resolves as a relation name (`regclass` or text
/// parsed the same way), so a string literal there is a relation reference.
const RELATION_ARG_FUNCTIONS: &[&str] = &[
    "nextval",
    "currval",
    "setval",
    "to_regclass",
    "pg_get_serial_sequence",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_table_size",
    "pg_indexes_size",
];

/// CTE names introduced by one `WITH`. A non-recursive CTE's body cannot see itself or later
/// CTEs, so a same-named reference there is the real table: `hidden` records, per relation
/// site (by address) inside such a body, the names that do not shadow it.
#[derive(Default)]
struct CteScope {
    names: HashSet<String>,
    hidden: HashMap<usize, HashSet<String>>,
}

/// Finds (and optionally renames) every relation reference in one statement.
///
/// sqlparser's `visit_relations` is the base; it misses several PostgreSQL forms (FK targets,
/// `RENAME TO`, `DROP`, sequences, triggers, `COMMENT`, `GRANT`, regclass literals) and treats
/// CTE names and table functions as relations, which the hooks below correct. Sites are
/// de-duplicated by address so a name is never renamed twice.
pub(super) struct Walker<'r> {
    renames: Option<&'r BTreeMap<String, String>>,
    pub(super) found: BTreeSet<String>,
    pub(super) opaque_bodies: Vec<String>,
    seen: HashSet<usize>,
    table_functions: HashSet<usize>,
    scopes: Vec<CteScope>,
}

impl<'r> Walker<'r> {
    pub(super) fn run(
        statement: &mut Statement,
        renames: Option<&'r BTreeMap<String, String>>,
    ) -> Self {
        let mut walker = Walker {
            renames,
            found: BTreeSet::new(),
            opaque_bodies: Vec::new(),
            seen: HashSet::new(),
            table_functions: HashSet::new(),
            scopes: Vec::new(),
        };
        let _ = VisitMut::visit(statement, &mut walker);
        walker
    }

    /// `cte_ok`: whether the site may name a CTE. DDL names and DML targets always name real
    /// relations, even when a CTE of the same name is in scope.
    fn object(&mut self, name: &mut ObjectName, cte_ok: bool) {
        let site = addr(name);
        if !self.seen.insert(site) || self.table_functions.contains(&site) {
            return;
        }
        self.relation(&mut name.0, cte_ok.then_some(site));
    }

    /// `table.column` forms (`OWNED BY`, `COMMENT ON COLUMN`): the relation is the prefix.
    fn column_owner(&mut self, name: &mut ObjectName) {
        let len = name.0.len();
        if len >= 2 {
            self.relation(&mut name.0[..len - 1], None);
        }
    }

    fn relation(&mut self, parts: &mut [ObjectNamePart], cte_site: Option<usize>) {
        let qualified = parts.len() > 1;
        let Some(last) = parts.last_mut() else {
            return;
        };
        let name = part_name(last);
        if let Some(site) = cte_site {
            if !qualified && self.is_cte(site, &name) {
                return;
            }
        }
        if let Some(new) = self.renames.and_then(|r| r.get(&name)) {
            *last = ObjectNamePart::Identifier(make_ident(new));
        }
        self.found.insert(name);
    }

    fn literal(&mut self, text: &mut String) {
        if !self.seen.insert(addr(text)) {
            return;
        }
        let Some(mut parts) = parse_ident_path(text) else {
            // PostgreSQL would reject it too; still report it so it cannot hide a reference.
            self.found.insert(text.trim().to_string());
            return;
        };
        let Some(name) = parts.last().cloned() else {
            return;
        };
        if let Some(new) = self.renames.and_then(|r| r.get(&name)) {
            *parts.last_mut().expect("non-empty") = new.clone();
            *text = parts
                .iter()
                .map(|p| render_ident(p))
                .collect::<Vec<_>>()
                .join(".");
        }
        self.found.insert(name);
    }

    fn is_cte(&self, site: usize, name: &str) -> bool {
        self.scopes.iter().rev().any(|scope| {
            scope.names.contains(name)
                && !scope
                    .hidden
                    .get(&site)
                    .is_some_and(|hidden| hidden.contains(name))
        })
    }

    fn target_factor(&mut self, factor: &mut TableFactor) {
        if let TableFactor::Table { name, .. } = factor {
            self.object(name, false);
        }
    }

    fn column_option(&mut self, option: &mut ColumnOption) {
        if let ColumnOption::ForeignKey(fk) = option {
            self.object(&mut fk.foreign_table, false);
        }
    }

    fn constraint(&mut self, constraint: &mut TableConstraint) {
        if let TableConstraint::ForeignKey(fk) = constraint {
            self.object(&mut fk.foreign_table, false);
        }
    }

    fn grant_objects(&mut self, objects: &mut Option<GrantObjects>) {
        if let Some(
            GrantObjects::Tables(names)
            | GrantObjects::Sequences(names)
            | GrantObjects::Views(names),
        ) = objects
        {
            for name in names {
                self.object(name, false);
            }
        }
    }

    fn alter_table_operation(&mut self, op: &mut AlterTableOperation) {
        match op {
            AlterTableOperation::AddConstraint { constraint, .. } => self.constraint(constraint),
            AlterTableOperation::AddColumn { column_def, .. } => {
                for option in &mut column_def.options {
                    self.column_option(&mut option.option);
                }
            }
            AlterTableOperation::ChangeColumn { options, .. }
            | AlterTableOperation::ModifyColumn { options, .. } => {
                for option in options {
                    self.column_option(option);
                }
            }
            AlterTableOperation::RenameTable {
                table_name: RenameTableNameKind::To(name) | RenameTableNameKind::As(name),
            }
            | AlterTableOperation::AttachPartitionOf {
                partition: name, ..
            }
            | AlterTableOperation::DetachPartitionOf {
                partition: name, ..
            }
            | AlterTableOperation::SwapWith { table_name: name }
            | AlterTableOperation::Inherit { parent: name }
            | AlterTableOperation::NoInherit { parent: name } => self.object(name, false),
            _ => {}
        }
    }

    fn statement(&mut self, statement: &mut Statement) {
        match statement {
            Statement::Insert(insert) => {
                if let TableObject::TableName(name) = &mut insert.table {
                    self.object(name, false);
                }
            }
            Statement::Update(update) => self.target_factor(&mut update.table.relation),
            Statement::Delete(delete) => {
                for name in &mut delete.tables {
                    self.object(name, false);
                }
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &mut delete.from;
                for table in from {
                    self.target_factor(&mut table.relation);
                }
            }
            Statement::Merge(merge) => self.target_factor(&mut merge.table),
            Statement::CreateTable(create) => {
                self.object(&mut create.name, false);
                for name in create.inherits.iter_mut().flatten() {
                    self.object(name, false);
                }
                if let Some(name) = &mut create.clone {
                    self.object(name, false);
                }
                if let Some(
                    CreateTableLikeKind::Parenthesized(like) | CreateTableLikeKind::Plain(like),
                ) = &mut create.like
                {
                    self.object(&mut like.name, false);
                }
                for column in &mut create.columns {
                    for option in &mut column.options {
                        self.column_option(&mut option.option);
                    }
                }
                for constraint in &mut create.constraints {
                    self.constraint(constraint);
                }
            }
            Statement::CreateView(view) => self.object(&mut view.name, false),
            Statement::AlterView(view) => {
                self.object(&mut view.name, false);
                if let AlterViewOperation::RenameTo { new_name } = &mut view.operation {
                    self.object(new_name, false);
                }
            }
            Statement::AlterTable(alter) => {
                self.object(&mut alter.name, false);
                for op in &mut alter.operations {
                    self.alter_table_operation(op);
                }
            }
            Statement::AlterIndex {
                name,
                operation: AlterIndexOperation::RenameIndex { index_name },
            } => {
                self.object(name, false);
                self.object(index_name, false);
            }
            Statement::Drop {
                object_type:
                    ObjectType::Table
                    | ObjectType::View
                    | ObjectType::MaterializedView
                    | ObjectType::Index
                    | ObjectType::Sequence
                    | ObjectType::ForeignTable,
                names,
                table,
                ..
            } => {
                for name in names.iter_mut().chain(table.iter_mut()) {
                    self.object(name, false);
                }
            }
            Statement::CreateIndex(index) => {
                if let Some(name) = &mut index.name {
                    self.object(name, false);
                }
                self.object(&mut index.table_name, false);
            }
            Statement::CreateSequence {
                name,
                sequence_options,
                ..
            } => {
                self.object(name, false);
                for option in sequence_options {
                    if let SequenceOptions::OwnedBy(Some(owner)) = option {
                        self.column_owner(owner);
                    }
                }
            }
            Statement::CreateTrigger(trigger) => {
                self.object(&mut trigger.table_name, false);
                if let Some(name) = &mut trigger.referenced_table_name {
                    self.object(name, false);
                }
            }
            Statement::DropTrigger(trigger) => {
                if let Some(name) = &mut trigger.table_name {
                    self.object(name, false);
                }
            }
            Statement::Comment {
                object_type,
                object_name,
                ..
            } => match object_type {
                CommentObject::Table
                | CommentObject::View
                | CommentObject::MaterializedView
                | CommentObject::Index
                | CommentObject::Sequence
                | CommentObject::ForeignTable => self.object(object_name, false),
                CommentObject::Column => self.column_owner(object_name),
                _ => {}
            },
            Statement::Grant(grant) => self.grant_objects(&mut grant.objects),
            Statement::Revoke(revoke) => self.grant_objects(&mut revoke.objects),
            Statement::Copy {
                source: CopySource::Table { table_name, .. },
                ..
            } => self.object(table_name, false),
            Statement::RenameTable(renames) => {
                for rename in renames {
                    self.object(&mut rename.old_name, false);
                    self.object(&mut rename.new_name, false);
                }
            }
            Statement::Vacuum(vacuum) => {
                if let Some(name) = &mut vacuum.table_name {
                    self.object(name, false);
                }
            }
            Statement::CreateFunction(function) => {
                if let Some(
                    CreateFunctionBody::AsBeforeOptions { body, .. }
                    | CreateFunctionBody::AsAfterOptions(body),
                ) = &mut function.function_body
                {
                    if let Some(text) = string_literal_mut(body) {
                        self.opaque_bodies.push(text.clone());
                    }
                }
            }
            _ => {}
        }
    }

    fn expr(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } if is_regclass(data_type) => {
                if let Some(text) = string_literal_mut(inner) {
                    self.literal(text);
                }
            }
            Expr::TypedString(typed) if is_regclass(&typed.data_type) => {
                if let Some(text) = value_string_mut(&mut typed.value.value) {
                    self.literal(text);
                }
            }
            Expr::Function(function) => {
                let takes_relation = function
                    .name
                    .0
                    .last()
                    .is_some_and(|p| RELATION_ARG_FUNCTIONS.contains(&part_name(p).as_str()));
                if !takes_relation {
                    return;
                }
                if let FunctionArguments::List(list) = &mut function.args {
                    if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first))) =
                        list.args.first_mut()
                    {
                        if let Some(text) = string_literal_mut(first) {
                            self.literal(text);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

impl VisitorMut for Walker<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, statement: &mut Statement) -> ControlFlow<()> {
        self.statement(statement);
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let mut scope = CteScope::default();
        if let Some(with) = &query.with {
            let names: Vec<String> = with
                .cte_tables
                .iter()
                .map(|cte| ident_name(&cte.alias.name))
                .collect();
            if !with.recursive {
                for (i, cte) in with.cte_tables.iter().enumerate() {
                    let _ = visit_relations(&*cte.query, |relation| {
                        scope
                            .hidden
                            .entry(addr(relation))
                            .or_default()
                            .extend(names[i..].iter().cloned());
                        ControlFlow::<()>::Continue(())
                    });
                }
            }
            scope.names = names.into_iter().collect();
        }
        self.scopes.push(scope);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        // `FROM generate_series(1, 3)` is a function call, not a relation.
        if let TableFactor::Table {
            name,
            args: Some(_),
            ..
        } = factor
        {
            self.table_functions.insert(addr(name));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        self.object(relation, true);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.expr(expr);
        ControlFlow::Continue(())
    }
}
