//! The broker's nodes: `AMQP_URL` may list several, comma-separated (a RabbitMQ cluster). Each
//! process takes them in an order of its own (shuffled once), so replicas spread over the nodes;
//! every connection goes to the process's current node, and a connection that fails or is lost
//! moves the process on to the next one. Names of nodes in logs, metrics and `/readyz` are
//! `host:port`, never the URL (it may carry a password).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lapin::Connection;
use rand::seq::SliceRandom;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::connect::connect_one;
use crate::metrics::BROKER_RECONNECTS_TOTAL;

/// Longest wait for one node's handshake: a paused node takes the TCP connection (the kernel
/// does) but never answers, and the next node must be tried in its stead.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The nodes of one broker, in this process's order, and where it is in that order.
#[derive(Clone)]
pub struct BrokerNodes {
    inner: Arc<Inner>,
}

struct Inner {
    urls: Vec<SecretString>,
    names: Vec<String>,
    /// The node the next connection tries first.
    current: AtomicUsize,
}

/// A connection and the node it is to.
pub struct NodeConnection {
    /// The connection.
    pub connection: Connection,
    /// Its node's index in [`BrokerNodes`].
    pub node: usize,
}

impl BrokerNodes {
    /// The nodes `urls` lists (one URL, or several comma-separated), in a random order.
    pub fn new(urls: &SecretString) -> Self {
        let mut urls: Vec<SecretString> = urls
            .expose_secret()
            .split(',')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(|url| SecretString::from(url.to_owned()))
            .collect();
        urls.shuffle(&mut rand::thread_rng());
        let names = urls
            .iter()
            .map(|url| node_name(url.expose_secret()))
            .collect();
        Self {
            inner: Arc::new(Inner {
                urls,
                names,
                current: AtomicUsize::new(0),
            }),
        }
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.inner.urls.len()
    }

    /// True when `AMQP_URL` named none.
    pub fn is_empty(&self) -> bool {
        self.inner.urls.is_empty()
    }

    /// The name (`host:port`) of node `node`.
    pub fn name(&self, node: usize) -> &str {
        self.inner.names.get(node).map_or("?", String::as_str)
    }

    /// Every node's name, in this process's order.
    pub fn names(&self) -> &[String] {
        &self.inner.names
    }

    /// The URL of node `node`.
    pub fn url(&self, node: usize) -> Option<&SecretString> {
        self.inner.urls.get(node)
    }

    /// Connects, naming the connection `name`: to the current node, else to each next one in
    /// turn; a node that refuses moves the process on from it. The error is the last node's.
    /// `replacing` says the caller lost a connection it had: the connection made is counted in
    /// `cxrelay_broker_reconnects_total{node}`.
    pub async fn connect(
        &self,
        name: &str,
        replacing: bool,
    ) -> Result<NodeConnection, lapin::Error> {
        let count = self.len().max(1);
        let start = self.inner.current.load(Ordering::SeqCst);
        let mut last_error = None;
        for step in 0..count {
            let node = (start + step) % count;
            let Some(url) = self.url(node) else {
                break;
            };
            match tokio::time::timeout(CONNECT_TIMEOUT, connect_one(url, name)).await {
                Err(_) => {
                    tracing::debug!(
                        node = self.name(node),
                        "no handshake from this broker node in time"
                    );
                    last_error = Some(lapin::Error::from(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no AMQP handshake within {CONNECT_TIMEOUT:?}"),
                    )));
                }
                Ok(Ok(connection)) => {
                    self.inner.current.store(node, Ordering::SeqCst);
                    if replacing {
                        metrics::counter!(BROKER_RECONNECTS_TOTAL, "node" => self.name(node).to_owned())
                            .increment(1);
                    }
                    return Ok(NodeConnection { connection, node });
                }
                Ok(Err(error)) => {
                    tracing::debug!(node = self.name(node), %error, "cannot connect to this broker node");
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| {
            lapin::Error::from(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "AMQP_URL names no broker node",
            ))
        }))
    }

    /// Says the connection to `node` was lost: the process's next connection tries the next
    /// node first (unless another connection has moved it on already).
    pub fn lost(&self, node: usize) {
        let next = (node + 1) % self.len().max(1);
        let _ = self
            .inner
            .current
            .compare_exchange(node, next, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// `host:port` of an AMQP URL (5672, or 5671 for `amqps`, when it names none).
pub fn node_name(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => {
            let default = if parsed.scheme() == "amqps" {
                5671
            } else {
                5672
            };
            format!(
                "{}:{}",
                parsed.host_str().unwrap_or("?"),
                parsed.port().unwrap_or(default)
            )
        }
        Err(_) => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_split_named_without_credentials_and_kept_whole_whatever_the_order() {
        let nodes = BrokerNodes::new(&SecretString::from(
            "amqp://u:secret@a:5681/%2f, amqps://u:secret@b/v ,amqp://c".to_owned(),
        ));
        let mut names = nodes.names().to_vec();
        names.sort();
        assert_eq!(names, ["a:5681", "b:5671", "c:5672"]);
        assert!(nodes.names().iter().all(|name| !name.contains("secret")));
        assert_eq!(
            BrokerNodes::new(&SecretString::from("amqp://h".to_owned())).len(),
            1
        );
    }

    #[test]
    fn a_lost_node_moves_the_process_on_once() {
        let nodes = BrokerNodes::new(&SecretString::from("amqp://a,amqp://b,amqp://c".to_owned()));
        nodes.lost(0);
        assert_eq!(nodes.inner.current.load(Ordering::SeqCst), 1);
        // A second loss reported for the same node is old news: the process has moved on.
        nodes.lost(0);
        assert_eq!(nodes.inner.current.load(Ordering::SeqCst), 1);
        nodes.lost(1);
        nodes.lost(2);
        assert_eq!(nodes.inner.current.load(Ordering::SeqCst), 0);
    }
}
