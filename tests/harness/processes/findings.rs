//! What a fault test reads back besides the reconciliation: repeats and deferrals, and the
//! simulator's calls held against the attempt rows (no downstream call without its row).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ProcessPipeline;
use crate::metric_sum;
use crate::reconcile::Reconciliation;

/// The operation of a fallback event's flow launch in `attempts.operation`.
pub const LAUNCH_FLOW: &str = "genesys.flows.executions.create";
/// The simulator's path of a flow launch.
pub const EXECUTIONS_PATH: &str = "/api/v2/flows/executions";
/// Prefix of every Genesys API path (the login host's `/oauth/token` is not under it).
pub const GENESYS_API_PREFIX: &str = "/api/v2/";

/// What one fault test sent and where it ended: the short report every fault test prints.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Events the test tried to send.
    pub sent: usize,
    /// Answered 202 (distinct ids: `reconciliation.sent`).
    pub accepted: usize,
    /// Where the accepted events ended.
    pub reconciliation: Reconciliation,
    /// Copies of events that arrived after the event had moved on (`sum(events.repeats)`).
    pub repeats: i64,
    /// `cxrelay_events_deferred_total` by reason, of the workers still running (a killed
    /// worker's counters died with it).
    pub deferred: BTreeMap<String, f64>,
    /// Genesys API calls the simulator saw (`/api/v2/...`).
    pub sim_api_calls: usize,
    /// Of those, flow launches.
    pub sim_flow_launches: usize,
    /// Attempt rows of flow launches.
    pub launch_attempt_rows: usize,
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "sent {}, accepted {}", self.sent, self.accepted)?;
        writeln!(
            f,
            "  {}",
            self.reconciliation.to_string().replace('\n', "\n  ")
        )?;
        // Counters: whole numbers, printed as such.
        let deferred: f64 = self.deferred.values().fold(0.0, |sum, n| sum + n);
        write!(f, "  repeats {}, deferred {deferred:.0}", self.repeats)?;
        if !self.deferred.is_empty() {
            let reasons: Vec<String> = self
                .deferred
                .iter()
                .map(|(reason, n)| format!("{reason} {n:.0}"))
                .collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        write!(
            f,
            "\n  simulator: {} Genesys API calls, {} flow launches; {} launch attempt rows",
            self.sim_api_calls, self.sim_flow_launches, self.launch_attempt_rows
        )
    }
}

/// The simulator's flow launches against the attempt rows, per Cognigy session (each fallback
/// event has its own).
#[derive(Debug, Clone, Default)]
pub struct CallCoverage {
    /// Flow launches the simulator saw.
    pub sim_launches: usize,
    /// Attempt rows of flow launches.
    pub attempt_rows: usize,
    /// Sessions the simulator saw more launches for than there are attempt rows: a call made
    /// without its row, which invariant 2 forbids.
    pub uncovered: Vec<String>,
}

impl ProcessPipeline {
    /// The report of a run: `sent` events tried, `accepted` the ids answered 202, `report` their
    /// reconciliation.
    pub async fn run_report(
        &self,
        sent: usize,
        accepted: &[Uuid],
        report: &Reconciliation,
    ) -> RunReport {
        let repeats: i64 =
            sqlx::query_scalar("SELECT coalesce(sum(repeats), 0)::bigint FROM events")
                .fetch_one(&self.db)
                .await
                .expect("sum the repeats");
        let mut deferred = BTreeMap::new();
        for reason in ["breaker_open", "target_paused", "in_progress"] {
            let n = self
                .workers_metric_sum("cxrelay_events_deferred_total", &[("reason", reason)])
                .await;
            if n > 0.0 {
                deferred.insert(reason.to_owned(), n);
            }
        }
        let calls = self.sim_calls();
        let coverage = self.call_coverage().await;
        RunReport {
            sent,
            accepted: accepted.len(),
            reconciliation: report.clone(),
            repeats,
            deferred,
            sim_api_calls: calls
                .iter()
                .filter(|c| c.path.starts_with(GENESYS_API_PREFIX))
                .count(),
            sim_flow_launches: coverage.sim_launches,
            launch_attempt_rows: coverage.attempt_rows,
        }
    }

    /// `metric_sum` of `name` over the workers still running.
    pub async fn workers_metric_sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut sum = 0.0;
        for index in 0..self.worker_count() {
            if self.worker(index).exit_status().is_none() {
                sum += metric_sum(&self.worker_metrics(index).await, name, labels);
            }
        }
        sum
    }

    /// Events (of any test traffic) now in `status`, e.g. `succeeded`.
    pub async fn events_in(&self, status: &str) -> usize {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE status = $1")
            .bind(status)
            .fetch_one(&self.db)
            .await
            .expect("count the events by status");
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// Waits (at most `patience`) until at least `at_least` events have succeeded; returns how
    /// many had: the moment a fault test strikes, with the pipeline busy.
    pub async fn until_succeeded(&self, at_least: usize, patience: std::time::Duration) -> usize {
        crate::wait::until(
            &format!("{at_least} events to succeed"),
            patience,
            || async {
                let succeeded = self.events_in("succeeded").await;
                (succeeded >= at_least).then_some(succeeded)
            },
        )
        .await
    }

    /// Holds every flow launch the simulator saw against the attempt rows of the event of the
    /// same Cognigy session.
    pub async fn call_coverage(&self) -> CallCoverage {
        let mut sim: BTreeMap<String, usize> = BTreeMap::new();
        for call in self.sim_calls_to("POST", EXECUTIONS_PATH) {
            let session = call.body["inputData"]["Flow.cognigySessionId"]
                .as_str()
                .unwrap_or("(no session)")
                .to_owned();
            *sim.entry(session).or_default() += 1;
        }
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT e.payload->>'sessionId', count(*) FROM attempts a
               JOIN events e ON e.id = a.event_id
              WHERE a.operation = $1 GROUP BY 1",
        )
        .bind(LAUNCH_FLOW)
        .fetch_all(&self.db)
        .await
        .expect("count the launch attempt rows");
        let recorded: BTreeMap<String, usize> = rows
            .into_iter()
            .map(|(session, n)| {
                let session = session.unwrap_or_else(|| "(no session)".to_owned());
                (session, usize::try_from(n).unwrap_or(usize::MAX))
            })
            .collect();
        CallCoverage {
            sim_launches: sim.values().sum(),
            attempt_rows: recorded.values().sum(),
            uncovered: sim
                .iter()
                .filter(|(session, n)| recorded.get(*session).copied().unwrap_or(0) < **n)
                .map(|(session, _)| session.clone())
                .collect(),
        }
    }

    /// Arrival times of the Genesys API calls the simulator saw, in order.
    pub fn genesys_api_timeline(&self) -> Vec<DateTime<Utc>> {
        let mut times: Vec<DateTime<Utc>> = self
            .sim_calls()
            .iter()
            .filter(|c| c.path.starts_with(GENESYS_API_PREFIX))
            .map(|c| c.at)
            .collect();
        times.sort_unstable();
        times
    }

    /// Flow launches that succeeded per event, by the attempt rows: exactly one each is the
    /// "carried out once" of the issue.
    pub async fn successful_launches(&self, accepted: &[Uuid]) -> BTreeMap<Uuid, i64> {
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT e.id, count(a.id) FILTER (WHERE a.outcome = 'success')
               FROM events e LEFT JOIN attempts a ON a.event_id = e.id AND a.operation = $2
              WHERE e.id = ANY($1) GROUP BY e.id",
        )
        .bind(accepted)
        .bind(LAUNCH_FLOW)
        .fetch_all(&self.db)
        .await
        .expect("count the successful launches");
        rows.into_iter().collect()
    }

    /// Panics unless every accepted event has exactly one successful flow launch.
    pub async fn assert_each_launched_once(&self, accepted: &[Uuid]) {
        let launches = self.successful_launches(accepted).await;
        let wrong: Vec<(&Uuid, &i64)> = launches.iter().filter(|(_, n)| **n != 1).collect();
        assert!(
            wrong.is_empty() && launches.len() == accepted.len(),
            "events without exactly one successful flow launch ({} of {} events have rows): {:?}",
            launches.len(),
            accepted.len(),
            wrong.iter().take(10).collect::<Vec<_>>()
        );
    }
}

/// The largest number of `times` (sorted) within any half-open window `[t, t + window)`.
pub fn max_in_window(times: &[DateTime<Utc>], window: chrono::Duration) -> usize {
    let mut start = 0;
    let mut best = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= window {
            start += 1;
        }
        best = best.max(end + 1 - start);
    }
    best
}

/// The longest gap between two consecutive `times` (sorted) whose earlier one lies within
/// `[from, until]`, with where it starts: how long the calls stopped once something happened.
pub fn longest_gap_starting_between(
    times: &[DateTime<Utc>],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Option<(DateTime<Utc>, chrono::Duration)> {
    times
        .windows(2)
        .filter(|pair| pair[0] >= from && pair[0] <= until)
        .map(|pair| (pair[0], pair[1] - pair[0]))
        .max_by_key(|(_, gap)| *gap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).expect("a time")
    }

    #[test]
    fn the_window_count_is_half_open() {
        let second = chrono::Duration::seconds(1);
        let times: Vec<_> = [0, 100, 999, 1_000, 1_500].map(at).to_vec();
        // [0, 1000) holds 0, 100, 999; [100, 1100) holds 100, 999, 1000.
        assert_eq!(max_in_window(&times, second), 3);
        assert_eq!(max_in_window(&[], second), 0);
        assert_eq!(max_in_window(&[at(5)], second), 1);
    }

    #[test]
    fn the_longest_gap_counts_only_gaps_that_start_in_the_span_given() {
        let times: Vec<_> = [0, 5_000, 5_100, 7_100, 7_200, 20_000].map(at).to_vec();
        let (start, gap) =
            longest_gap_starting_between(&times, at(5_000), at(7_100)).expect("a gap");
        // 7,100 → 7,200 is in the span; 7,200 → 20,000 starts after it.
        assert_eq!((start, gap.num_milliseconds()), (at(5_100), 2_000));
        assert!(longest_gap_starting_between(&times, at(20_000), at(30_000)).is_none());
    }
}
