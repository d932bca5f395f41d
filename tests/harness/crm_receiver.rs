//! A stand-in CRM webhook: records each request's headers and raw body.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body exactly as sent.
    pub body: Vec<u8>,
}

/// A running receiver at `url`.
pub struct CrmReceiver {
    /// Where to POST.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl CrmReceiver {
    /// Listens on a free port, answering 200 to `POST /webhook`.
    pub async fn start() -> Self {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let app = Router::new()
            .route("/webhook", post(record))
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the CRM receiver");
        let url = format!("http://{}/webhook", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, received }
    }

    /// What arrived so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("receiver lock").clone()
    }
}

async fn record(
    State(received): State<Arc<Mutex<Vec<Received>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    received.lock().expect("receiver lock").push(Received {
        headers,
        body: body.to_vec(),
    });
    "ok"
}
