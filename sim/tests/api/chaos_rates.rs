//! Seeded chaos over HTTP: the split of outcomes is reproducible and close to the rates, and
//! the call log and the counts agree on it.

use serde_json::{json, Value};

use crate::helpers::{spawn_sim, TestSim};

const REQUESTS: usize = 1000;
const PROFILE_ERROR_STATUSES: [u16; 3] = [500, 502, 503];

/// One request's outcome as the call log shows it: the status and what injected it.
type Outcome = (Option<u16>, Option<String>);

/// Sets the seeded profile (which restarts its sequence), sends [`REQUESTS`] requests one
/// after the other (so the n-th decision goes to the n-th request) and reads their outcomes.
async fn seeded_run(app: &TestSim, token: &str) -> Vec<Outcome> {
    app.control_delete("/_sim/calls", 204).await;
    app.set_chaos(json!({
        "scope": "genesys", "errorRate": 0.2, "errorStatuses": PROFILE_ERROR_STATUSES,
        "timeoutRate": 0.05, "timeoutMs": 1, "seed": 42,
    }))
    .await;
    for _ in 0..REQUESTS {
        // An unknown execution: a pass answers the platform's own 404.
        app.api_get(Some(token), "/api/v2/flows/executions/unknown")
            .await;
    }
    app.sim
        .calls()
        .into_iter()
        .map(|call| {
            let injected = serde_json::to_value(call.injected)
                .unwrap()
                .as_str()
                .map(str::to_owned);
            (call.status, injected)
        })
        .collect()
}

fn count(outcomes: &[Outcome], injected: Option<&str>) -> usize {
    outcomes
        .iter()
        .filter(|(_, i)| i.as_deref() == injected)
        .count()
}

/// The seed fixes the numbers, so this test cannot flake; the tolerance only keeps it true
/// for any seed and any rand version. It is 4 standard deviations of a binomial count over
/// 1000 requests: sqrt(1000 * 0.2 * 0.8) = 12.6 → ±50 errors around 200, and
/// sqrt(1000 * 0.05 * 0.95) = 6.9 → ±28 timeouts around 50. A decision that ignored or
/// swapped the rates lands far outside.
#[tokio::test]
async fn a_seeded_profile_gives_the_same_split_twice_close_to_its_rates() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let first = seeded_run(&app, &token).await;
    let second = seeded_run(&app, &token).await;

    assert_eq!(first.len(), REQUESTS);
    assert_eq!(first, second, "one seed, one sequence");
    let errors = count(&first, Some("chaosError"));
    let timeouts = count(&first, Some("chaosTimeout"));
    assert!((150..=250).contains(&errors), "{errors} errors");
    assert!((22..=78).contains(&timeouts), "{timeouts} timeouts");
    for (status, injected) in &first {
        let status = status.unwrap();
        match injected.as_deref() {
            Some("chaosError") => assert!(PROFILE_ERROR_STATUSES.contains(&status)),
            // A timeout held the platform's own answer; a pass is that answer.
            Some("chaosTimeout") | None => assert_eq!(status, 404),
            other => panic!("unexpected {other:?}"),
        }
    }
    let counts: Value = app.control_get("/_sim/chaos", 200).await["genesys"]["counts"].clone();
    assert_eq!(
        counts,
        json!({"errors": errors, "timeouts": timeouts, "passed": REQUESTS - errors - timeouts})
    );
}
