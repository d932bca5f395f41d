//! Traffic into the ingress process: single requests, and batches of fallback events whose
//! accepted ids a test reconciles afterwards.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use super::ProcessPipeline;
use crate::app::API_KEY;

/// Fallback requests in flight at once: enough to keep both workers' prefetch busy, few enough
/// not to starve the processes of the two cores.
pub const IN_FLIGHT: usize = 16;
/// How long one event may keep being refused with 503 before [`ProcessPipeline::send_fallbacks`]
/// gives up: longer than any broker cut a test makes.
pub const ACCEPT_PATIENCE: Duration = Duration::from_secs(120);
/// The public route of fallback events.
pub const FALLBACK_PATH: &str = "/v1/cognigy/fallback";
/// Wait after a 503 that names no `Retry-After` (the ingress always names one).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

impl ProcessPipeline {
    /// POSTs `body` to `path` on the public listener with the test key. Panics when the
    /// ingress does not answer at all.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.post_with_headers(path, body, &[]).await
    }

    /// [`Self::post`] with extra headers, e.g. `("Idempotency-Key", "k-1")`.
    pub async fn post_with_headers(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Response {
        let url = format!("{}{path}", self.public_url());
        let mut request = self.http.post(&url).header("X-API-Key", API_KEY).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: the ingress did not answer: {e}"))
    }

    /// Posts `n` distinct valid fallback events, [`IN_FLIGHT`] at a time, sending each one again
    /// after its `Retry-After` while the ingress answers 503, and returns the accepted event
    /// ids in sending order. Any other answer than 202 or 503 fails the test.
    pub async fn send_fallbacks(&self, n: usize) -> Vec<Uuid> {
        let first = self.sent.fetch_add(n, Ordering::SeqCst);
        futures::stream::iter(first..first + n)
            .map(|i| self.post_until_accepted(FALLBACK_PATH, fallback_event(i)))
            .buffered(IN_FLIGHT)
            .collect()
            .await
    }

    /// POSTs `body` until it is accepted (202), honouring each 503's `Retry-After`, for at most
    /// [`ACCEPT_PATIENCE`]; returns the event id.
    pub async fn post_until_accepted(&self, path: &str, body: Value) -> Uuid {
        let deadline = Instant::now() + ACCEPT_PATIENCE;
        loop {
            let response = self.post(path, &body).await;
            let status = response.status().as_u16();
            if status == 202 {
                let accepted: Value = response.json().await.expect("a 202 body");
                let id = accepted["eventId"]
                    .as_str()
                    .expect("eventId in the 202 body");
                return id.parse().expect("the eventId is a UUID");
            }
            assert_eq!(
                status,
                503,
                "POST {path} answered {status}: {}",
                response.text().await.unwrap_or_default()
            );
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs);
            assert!(
                Instant::now() + retry_after < deadline,
                "POST {path} still refused with 503 after {ACCEPT_PATIENCE:?}"
            );
            // The ingress said when to come back: this is the protocol, not a guessed delay.
            tokio::time::sleep(retry_after).await;
        }
    }
}

/// What [`ProcessPipeline::send_fallbacks_until_refused`] got.
#[derive(Debug, Clone, Default)]
pub struct Intake {
    /// Ids answered 202, in the order the answers came.
    pub accepted: Vec<Uuid>,
    /// Answered 503: refused, so never accepted (the ingress is draining or cut off).
    pub refused: usize,
    /// No answer at all (the ingress was gone): not accepted either, as far as the caller knows.
    pub unanswered: usize,
    /// Never sent, because an earlier request was refused or unanswered.
    pub not_sent: usize,
}

enum Answer {
    Accepted(Uuid),
    Refused,
    Unanswered,
    NotSent,
}

impl ProcessPipeline {
    /// Posts up to `n` distinct fallback events, [`IN_FLIGHT`] at a time, until the ingress
    /// refuses one (503) or stops answering: from then on nothing more is sent, the way a
    /// caller stops when the service goes away. An answer other than 202 or 503 fails the test.
    pub async fn send_fallbacks_until_refused(&self, n: usize) -> Intake {
        let first = self.sent.fetch_add(n, Ordering::SeqCst);
        let stop = AtomicBool::new(false);
        let stop = &stop;
        let answers: Vec<Answer> = futures::stream::iter(first..first + n)
            .map(|i| async move {
                if stop.load(Ordering::SeqCst) {
                    return Answer::NotSent;
                }
                let answer = self.try_post_fallback(i).await;
                if !matches!(answer, Answer::Accepted(_)) {
                    stop.store(true, Ordering::SeqCst);
                }
                answer
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let mut intake = Intake::default();
        for answer in answers {
            match answer {
                Answer::Accepted(id) => intake.accepted.push(id),
                Answer::Refused => intake.refused += 1,
                Answer::Unanswered => intake.unanswered += 1,
                Answer::NotSent => intake.not_sent += 1,
            }
        }
        intake
    }

    async fn try_post_fallback(&self, i: usize) -> Answer {
        let url = format!("{}{FALLBACK_PATH}", self.public_url());
        let sent = self
            .http
            .post(&url)
            .header("X-API-Key", API_KEY)
            .json(&fallback_event(i))
            .send()
            .await;
        let Ok(response) = sent else {
            return Answer::Unanswered;
        };
        match response.status().as_u16() {
            202 => {
                let Ok(accepted) = response.json::<Value>().await else {
                    // The 202 came but its body did not: accepted all the same, id unknown.
                    return Answer::Unanswered;
                };
                let id = accepted["eventId"]
                    .as_str()
                    .expect("eventId in the 202 body");
                Answer::Accepted(id.parse().expect("the eventId is a UUID"))
            }
            503 => Answer::Refused,
            status => panic!(
                "POST {FALLBACK_PATH} answered {status}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
}

/// Fallback event number `i`: its own session and user, nothing understood.
pub fn fallback_event(i: usize) -> Value {
    json!({
        "sessionId": format!("fault-session-{i}"),
        "userId": format!("fault-user-{i}"),
        "text": "I want to talk to a person",
        "intent": null,
        "intentScore": 0.2,
        "language": "en-US",
        "channel": "webchat3",
    })
}
