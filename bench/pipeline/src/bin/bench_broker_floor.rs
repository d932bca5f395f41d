//! `bench-broker-floor`: the intake benchmark's broker floor. An axum server with the
//! ingress's route that parses the body as JSON, publishes it persistent and mandatory to the
//! events exchange of its own prefix (cxrelay's topology: quorum queues) on ONE channel in
//! confirm mode, and answers 202 once the broker confirmed it. The least any durable intake
//! does per request; cxrelay adds auth, validation, the repeat lookup, the envelope and logging.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use cxrelay_core::amqp::Topology;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Confirmation};
use secrecy::SecretString;
use serde_json::{json, Value};

/// AMQP delivery mode 2: written to disk before the broker confirms it, as cxrelay publishes.
const PERSISTENT: u8 = 2;
/// The routing key of the events published: the queue cxrelay routes fallbacks to.
const ROUTING_KEY: &str = "cognigy.fallback";

/// Publishes every POST /v1/cognigy/fallback with a broker confirm, then answers 202.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Listen address.
    #[arg(long)]
    addr: SocketAddr,
    /// Broker URL.
    #[arg(long, env = "AMQP_URL")]
    amqp_url: String,
    /// Prefix of the exchange and queues declared and published to.
    #[arg(long)]
    prefix: String,
}

struct Floor {
    channel: Channel,
    exchange: String,
}

async fn accept(State(floor): State<Arc<Floor>>, body: Bytes) -> (StatusCode, Json<Value>) {
    if let Err(error) = serde_json::from_slice::<Value>(&body) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"detail": error.to_string()})),
        );
    }
    let event_id = uuid::Uuid::now_v7();
    let properties = BasicProperties::default()
        .with_delivery_mode(PERSISTENT)
        .with_content_type("application/json".into())
        .with_message_id(event_id.to_string().into());
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let confirmed = async {
        floor
            .channel
            .basic_publish(
                floor.exchange.as_str().into(),
                ROUTING_KEY.into(),
                options,
                &body,
                properties,
            )
            .await?
            .await
    }
    .await;
    match confirmed {
        Ok(Confirmation::Ack(None)) => (StatusCode::ACCEPTED, Json(json!({"eventId": event_id}))),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"detail": "not confirmed"})),
        ),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let connection =
        cxrelay_core::amqp::connect(&SecretString::from(args.amqp_url), "cxrelay-bench-floor")
            .await?;
    let channel = connection.create_channel().await?;
    let topology = Topology::new(&args.prefix);
    topology.declare(&channel).await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let floor = Arc::new(Floor {
        channel,
        exchange: topology.events_exchange(),
    });
    let app = Router::new()
        .route("/v1/cognigy/fallback", post(accept))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
