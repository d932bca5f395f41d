//! Opening a RabbitMQ connection that runs on the caller's tokio runtime.

use lapin::{Connection, ConnectionProperties};
use secrecy::{ExposeSecret, SecretString};

/// Connects to `url`, naming the connection `name` so the management UI shows who it is.
/// The error never contains the URL: it may carry a password.
pub async fn connect(url: &SecretString, name: &str) -> Result<Connection, lapin::Error> {
    let properties = ConnectionProperties::default()
        // lapin's own executor would start threads of its own; run on the process's runtime.
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio)
        .with_connection_name(name.into());
    Connection::connect(url.expose_secret(), properties).await
}
