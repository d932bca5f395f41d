//! The broker line of `cxrelay check`: does every node `AMQP_URL` lists answer (naming those
//! that do not), and are the deployment's queues there (under `amqp.prefix`)?

use std::time::Duration;

use cxrelay_core::amqp;
use cxrelay_core::config::Settings;
use cxrelay_core::kinds::Target;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use secrecy::{ExposeSecret, SecretString};

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
    // Every node AMQP_URL lists, in its order: a cluster works while most of them do.
    let nodes: Vec<SecretString> = url
        .expose_secret()
        .split(',')
        .map(str::trim)
        .filter(|node| !node.is_empty())
        .map(|node| SecretString::from(node.to_owned()))
        .collect();
    let mut reachable = None;
    let mut down = Vec::new();
    for node in &nodes {
        let target = target::describe(node.expose_secret(), 5672);
        match tokio::time::timeout(CONNECT_TIMEOUT, amqp::connect(node, "cxrelay-check")).await {
            Ok(Ok(connection)) => {
                if reachable.is_none() {
                    reachable = Some((connection, target));
                } else {
                    let _ = connection.close(200, "checked".into()).await;
                }
            }
            Ok(Err(error)) => down.push((target, Some(error))),
            Err(_) => down.push((target, None)),
        }
    }
    let Some((connection, target)) = reachable else {
        return match down.pop() {
            Some((target, Some(error))) if nodes.len() == 1 => connect_failure(&target, &error),
            Some((target, None)) if nodes.len() == 1 => Line::fail(
                CHECK,
                format!("no answer from {target} within {} s", CONNECT_TIMEOUT.as_secs()),
                "check that this host reaches the broker (address, port, firewall) and that RabbitMQ runs",
            ),
            _ => Line::fail(
                CHECK,
                format!("none of the {} nodes of AMQP_URL answers", nodes.len()),
                "start RabbitMQ, or correct the hosts and ports in AMQP_URL (a comma-separated list of the cluster's nodes)",
            ),
        };
    };
    let down_names: Vec<String> = down
        .iter()
        .map(|(target, error)| match error {
            Some(error) => format!("{target} ({error})"),
            None => format!(
                "{target} (no answer within {} s)",
                CONNECT_TIMEOUT.as_secs()
            ),
        })
        .collect();
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
    let connected = if nodes.len() > 1 {
        format!(
            "{} of {} nodes answer, queues read on {target}",
            nodes.len() - down.len(),
            nodes.len()
        )
    } else {
        format!("connected to {target}")
    };
    if !down_names.is_empty() {
        return Line::warn(
            CHECK,
            format!("{connected}; down: {}", down_names.join(", ")),
            "start the nodes that are down: the cluster works on a majority, and a replica that was on a node that is down has moved to another",
        );
    }
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
