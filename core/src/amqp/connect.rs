//! Opening a RabbitMQ connection that runs on the caller's tokio runtime.

use async_rs::Runtime;
use lapin::{Connection, ConnectionProperties};
use secrecy::{ExposeSecret, SecretString};

use super::BrokerNodes;

/// Connects to the broker `urls` names (one node, or a cluster's nodes comma-separated: see
/// [`BrokerNodes`]), naming the connection `name`; for a connection made once, such as a
/// command's. A connection that must live (the publisher, a consumer) keeps its [`BrokerNodes`]
/// to move on when its node goes away.
pub async fn connect(urls: &SecretString, name: &str) -> Result<Connection, lapin::Error> {
    BrokerNodes::new(urls)
        .connect(name, false)
        .await
        .map(|link| link.connection)
}

/// Connects to the one node `url`, naming the connection `name` so the management UI shows who
/// it is. The error never contains the URL: it may carry a password.
///
/// lapin's own recovery stays off (its default): a lost connection is an error to the caller,
/// which reconnects with its own backoff and declares the topology again (the publisher's
/// supervisor, the worker's consumers), so a broker that went away is seen and counted.
pub(super) async fn connect_one(
    url: &SecretString,
    name: &str,
) -> Result<Connection, lapin::Error> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    // lapin's tasks and socket reactor on the process's runtime, bound to it here, rather than
    // on whatever runtime lapin would look for later (it keeps only its I/O loop thread).
    let uri = with_heartbeat(url.expose_secret());
    Connection::connect_with_runtime(&uri, properties, Runtime::tokio_current()).await
}

/// The heartbeat cxrelay asks of the broker, in seconds, unless the URL sets its own
/// (`?heartbeat=`): a node that stops answering without closing its sockets (paused, or cut off)
/// is noticed after two missed beats, 20 s, rather than RabbitMQ's default 60 s's two minutes.
const HEARTBEAT_SECS: u16 = 10;

/// `url` with `heartbeat=` [`HEARTBEAT_SECS`] added to its query when it has none.
fn with_heartbeat(url: &str) -> String {
    if url.contains("heartbeat=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}heartbeat={HEARTBEAT_SECS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_is_asked_unless_the_url_sets_one() {
        assert_eq!(with_heartbeat("amqp://h/%2f"), "amqp://h/%2f?heartbeat=10");
        assert_eq!(
            with_heartbeat("amqp://h/%2f?frame_max=8192"),
            "amqp://h/%2f?frame_max=8192&heartbeat=10"
        );
        assert_eq!(
            with_heartbeat("amqp://h?heartbeat=30"),
            "amqp://h?heartbeat=30"
        );
    }
}
