//! Connections to PostgreSQL: credentials, TLS, the server checks every command runs first, and
//! the locks (operator lock, phase lock and the fetchers' gate, `lock_timeout` with retry).

pub mod db;
pub mod server;
pub mod tls;

use anyhow::Result;

/// A connection every command may use: the server is new enough and the connection does not go
/// through a transaction pooler (session state would not hold between transactions).
pub fn connect(url: &str, purpose: &str) -> Result<postgres::Client> {
    let mut client = db::connect(url, purpose)?;
    server::check_server_version(&mut client)?;
    server::refuse_transaction_pooler(&mut client, url, purpose)?;
    Ok(client)
}
