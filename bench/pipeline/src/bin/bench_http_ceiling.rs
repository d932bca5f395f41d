//! `bench-http-ceiling`: the intake benchmark's HTTP ceiling. An axum server with the ingress's
//! route that reads the body, parses it as JSON and answers 202 with an event id: no auth, no
//! validation, no broker, no database. What cxrelay-ingress cannot beat on this machine.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use serde_json::{json, Value};

/// Answers every POST /v1/cognigy/fallback whose body is JSON with 202.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Listen address.
    #[arg(long)]
    addr: SocketAddr,
}

async fn accept(body: Bytes) -> (StatusCode, Json<Value>) {
    match serde_json::from_slice::<Value>(&body) {
        Ok(_) => (
            StatusCode::ACCEPTED,
            Json(json!({"eventId": uuid::Uuid::now_v7()})),
        ),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"detail": error.to_string()})),
        ),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let app = Router::new()
        .route("/v1/cognigy/fallback", post(accept))
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
