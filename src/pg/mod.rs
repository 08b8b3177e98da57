//! Connections to PostgreSQL: credentials, TLS, the server checks every command runs first, and
//! the locks (operator lock, phase lock and the fetchers' gate, `lock_timeout` with retry).

pub mod db;
pub mod tls;
