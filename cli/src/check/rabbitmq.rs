//! The broker line of `cxrelay check`: can cxrelay connect with `AMQP_URL`, and are the
//! deployment's queues there (under `amqp.prefix`)?

use std::time::Duration;

use cxrelay_core::amqp;
use cxrelay_core::config::Settings;
use cxrelay_core::kinds::Target;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use secrecy::ExposeSecret;

use super::report::Line;
use super::target;

/// What the line is called.
pub const CHECK: &str = "rabbitmq";

/// Longest wait for the broker's handshake: one that does not finish within it is unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The line; `blocked` says why it cannot be tried (a problem with `AMQP_URL`).
pub async fn line(settings: &Settings, blocked: Option<&str>) -> Line {
    let url = match (&settings.amqp.url, blocked) {
        (Some(url), None) => url,
        (_, Some(why)) => return Line::skip(CHECK, why),
        (None, None) => return Line::skip(CHECK, "AMQP_URL is not set"),
    };
    let target = target::describe(url.expose_secret(), 5672);
    let connection =
        match tokio::time::timeout(CONNECT_TIMEOUT, amqp::connect(url, "cxrelay-check")).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(error)) => return connect_failure(&target, &error),
            Err(_) => {
                return Line::fail(
                    CHECK,
                    format!("no answer from {target} within {} s", CONNECT_TIMEOUT.as_secs()),
                    "check that this host reaches the broker (address, port, firewall) and that RabbitMQ runs",
                )
            }
        };
    let topology = settings.topology();
    let mut queues = Target::ALL
        .iter()
        .map(|t| topology.work_queue(*t))
        .collect::<Vec<_>>();
    queues.push(topology.session_queue());
    queues.push(topology.dead_letter_queue());
    let mut depths = Vec::new();
    let mut missing = Vec::new();
    for queue in queues {
        match depth(&connection, &queue).await {
            Some(ready) => depths.push(format!("{queue} {ready} ready")),
            None => missing.push(queue),
        }
    }
    let _ = connection.close(200, "checked".into()).await;
    let connected = format!("connected to {target}");
    if missing.is_empty() {
        Line::ok(CHECK, format!("{connected}; {}", depths.join(", ")))
    } else {
        Line::warn(
            CHECK,
            format!("{connected}; not declared yet: {}", missing.join(", ")),
            format!(
                "start the ingress or a worker (they declare the queues at start), and check that \
                 CXRELAY_AMQP__PREFIX ({}) is the deployment's",
                topology.prefix()
            ),
        )
    }
}

/// Messages ready in `queue`, or `None` when it does not exist. A passive declare only asks; its
/// refusal closes the channel, so each queue gets a channel of its own.
async fn depth(connection: &lapin::Connection, queue: &str) -> Option<u32> {
    let channel = connection.create_channel().await.ok()?;
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let declared = channel
        .queue_declare(queue.into(), passive, FieldTable::default())
        .await
        .ok()?;
    let _ = channel.close(200, "asked".into()).await;
    Some(declared.message_count())
}

/// The line for a connection that failed, by what failed.
fn connect_failure(target: &str, error: &lapin::Error) -> Line {
    let text = error.to_string();
    let fix = if text.contains("ACCESS_REFUSED") || text.contains("403") {
        "correct the user and password in AMQP_URL (RabbitMQ lets `guest` in from localhost only)"
    } else if text.contains("NOT_ALLOWED") || text.contains("vhost") {
        "correct the virtual host in AMQP_URL (the path: %2f is the default vhost `/`) or give the user access to it"
    } else if error.is_io_error() {
        "start RabbitMQ, or correct the host and port in AMQP_URL"
    } else {
        "correct AMQP_URL"
    };
    Line::fail(CHECK, format!("cannot connect to {target}: {text}"), fix)
}
