//! What the tool knows about the schema: the live catalog, the table mapping, the DDL generated
//! from both, and the SQL parser every generated statement goes through.

pub mod catalog;
pub mod ddl;
pub mod mapping;
pub mod quote;
pub mod sql;
