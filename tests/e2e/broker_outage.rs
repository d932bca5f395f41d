use cxrelay_core::kinds::Target;
use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::{broker, spawn_app, wait, AppOptions};
use serde_json::{json, Value};

async fn accepted_id(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["eventId"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_gives_503_with_retry_after_and_202_returns_without_a_restart() {
    let app = spawn_app(AppOptions {
        workers: 0,
        broker_proxy: true,
        ..AppOptions::default()
    })
    .await;
    let proxy = app.proxy.as_ref().unwrap();
    let event = json!({"sessionId": "s", "userId": "u", "text": "help"});
    let mut accepted = Vec::new();

    let before = app.post_fallback(&event).await;
    assert_eq!(before.status(), 202);
    accepted.push(accepted_id(before).await);

    proxy.cut();
    let mut refused = 0;
    for _ in 0..5 {
        let during = app.post_fallback(&event).await;
        assert_eq!(
            during.status(),
            503,
            "accepted while the broker was unreachable"
        );
        let retry_after: u32 = during.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry_after > 0);
        let problem: Value = during.json().await.unwrap();
        assert_eq!(problem["status"], 503);
        refused += 1;
    }
    let ready = app
        .admin_get(&format!("{}/readyz", app.admin_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503, "readiness must report the broker down");

    proxy.restore();
    let after = wait::until(
        "the ingress to accept again after the broker returned",
        PATIENCE,
        || async {
            let response = app.post_fallback(&event).await;
            (response.status() == 202).then_some(response)
        },
    )
    .await;
    accepted.push(accepted_id(after).await);

    // Sent: 1 accepted before the outage, 5 refused during it, 1 accepted after.
    // Arrived: every accepted event is in the work queue.
    let arrived = broker::drain_event_ids(&app.topology.work_queue(Target::Genesys)).await;
    for id in &accepted {
        assert!(
            arrived.contains(id),
            "accepted event {id} is not in the queue; arrived: {arrived:?}"
        );
    }
    assert_eq!(refused, 5);
}
