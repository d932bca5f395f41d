//! Opening a RabbitMQ connection that runs on the caller's tokio runtime.

use async_rs::Runtime;
use lapin::{Connection, ConnectionProperties};
use secrecy::{ExposeSecret, SecretString};

/// Connects to `url`, naming the connection `name` so the management UI shows who it is.
/// The error never contains the URL: it may carry a password.
///
/// lapin's own recovery stays off (its default): a lost connection is an error to the caller,
/// which reconnects with its own backoff and declares the topology again (the publisher's
/// supervisor, the worker's consumers), so a broker that went away is seen and counted.
pub async fn connect(url: &SecretString, name: &str) -> Result<Connection, lapin::Error> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    // lapin's tasks and socket reactor on the process's runtime, bound to it here, rather than
    // on whatever runtime lapin would look for later (it keeps only its I/O loop thread).
    Connection::connect_with_runtime(url.expose_secret(), properties, Runtime::tokio_current())
        .await
}
