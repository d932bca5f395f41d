//! What was accepted against where it ended: every accepted event must reach exactly one final
//! state (`accepted = succeeded + dead + expired`), with the records that say how.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use crate::wait;

/// The statuses an event ends in.
const FINAL_STATUSES: [&str; 3] = ["succeeded", "dead", "expired"];
/// Anomalies listed one per line in the report; the rest are counted.
const ANOMALIES_SHOWN: usize = 10;

/// Where the accepted events ended, and whatever does not add up.
#[derive(Debug, Clone, Default)]
pub struct Reconciliation {
    /// Distinct accepted ids.
    pub sent: usize,
    /// Events that succeeded.
    pub succeeded: usize,
    /// Dead events by `reason`.
    pub dead: BTreeMap<String, usize>,
    /// Events past their kind's deadline.
    pub expired: usize,
    /// Accepted ids with an `events` row still `processing` or `retrying` when the wait ended.
    pub in_flight: Vec<Uuid>,
    /// Accepted ids without any `events` row: lost, or never taken by a worker.
    pub missing: Vec<Uuid>,
    /// Rows in `events` whose id was not accepted: e.g. a message the broker kept although the
    /// caller was answered 503. Not a loss, so not an anomaly; shown when there are any.
    pub not_accepted: usize,
    /// Calls whose attempt row never got an outcome: the call was recorded, then the worker
    /// died before it could record the answer. Expected after a SIGKILL; shown when any.
    pub calls_without_outcome: usize,
    /// What breaks an invariant: repeated final states, a final state without its audit row,
    /// a changing call that succeeded twice, an id accepted twice.
    pub anomalies: Vec<Anomaly>,
}

/// One event whose records contradict the invariants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// The event.
    pub event_id: Uuid,
    /// What is wrong, in a few words.
    pub what: String,
}

/// Waits at most `patience` until every id in `accepted` has a final state in `events`, then
/// reports where each one ended. Never panics on what it finds: the caller asserts (see
/// [`Reconciliation::assert_reconciled`]).
pub async fn reconcile(db: &PgPool, accepted: &[Uuid], patience: Duration) -> Reconciliation {
    let ids: Vec<Uuid> = accepted
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let finals: Vec<String> = FINAL_STATUSES.map(str::to_owned).to_vec();
    let ids_ref = &ids;
    let finals_ref = &finals;
    wait::for_at_most(patience, || async move {
        let finished: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE id = ANY($1) AND status = ANY($2)",
        )
        .bind(ids_ref)
        .bind(finals_ref)
        .fetch_one(db)
        .await
        .ok()?;
        (usize::try_from(finished).ok()? == ids_ref.len()).then_some(())
    })
    .await;

    let mut report = Reconciliation {
        sent: ids.len(),
        ..Reconciliation::default()
    };
    for repeated in repeated_ids(accepted) {
        report.anomaly(repeated, "accepted (202) more than once");
    }
    let rows: Vec<(Uuid, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, reason FROM events WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(db)
            .await
            .expect("read the accepted events");
    let mut statuses = BTreeMap::new();
    for (id, status, reason) in rows {
        match status.as_str() {
            "succeeded" => report.succeeded += 1,
            "expired" => report.expired += 1,
            "dead" => {
                let reason = reason.unwrap_or_else(|| "(no reason)".to_owned());
                *report.dead.entry(reason).or_default() += 1;
            }
            _ => report.in_flight.push(id),
        }
        statuses.insert(id, status);
    }
    report.missing = ids
        .iter()
        .filter(|id| !statuses.contains_key(id))
        .copied()
        .collect();
    check_final_audit_rows(db, &ids, &statuses, &mut report).await;
    check_repeated_successes(db, &ids, &mut report).await;
    report.calls_without_outcome = count(
        db,
        "SELECT count(*) FROM attempts WHERE event_id = ANY($1) AND outcome IS NULL",
        &ids,
    )
    .await;
    report.not_accepted = count(db, "SELECT count(*) FROM events WHERE id <> ALL($1)", &ids).await;
    report
}

/// Each final event has exactly one final audit row, and it names the event's status.
async fn check_final_audit_rows(
    db: &PgPool,
    ids: &[Uuid],
    statuses: &BTreeMap<Uuid, String>,
    report: &mut Reconciliation,
) {
    let audited: Vec<(Uuid, Vec<String>)> = sqlx::query_as(
        "SELECT event_id, array_agg(action ORDER BY id) FROM audit_log
          WHERE event_id = ANY($1) AND action = ANY($2) GROUP BY event_id",
    )
    .bind(ids)
    .bind(FINAL_STATUSES.map(|s| format!("event.{s}")).to_vec())
    .fetch_all(db)
    .await
    .expect("read the final audit rows");
    let audited: BTreeMap<Uuid, Vec<String>> = audited.into_iter().collect();
    for (id, status) in statuses {
        let actions = audited.get(id).map(Vec::as_slice).unwrap_or_default();
        let is_final = FINAL_STATUSES.contains(&status.as_str());
        match actions {
            [] if is_final => report.anomaly(*id, &format!("{status} without a final audit row")),
            [] => {}
            [action] if *action == format!("event.{status}") => {}
            [action] => report.anomaly(*id, &format!("status {status} but audit row {action}")),
            several => report.anomaly(
                *id,
                &format!("{} final audit rows: {}", several.len(), several.join(", ")),
            ),
        }
    }
}

/// A call that changes something (every operation but a `.get` read, which a retry repeats by
/// design) succeeded at most once per event: a second success is a duplicate side effect.
async fn check_repeated_successes(db: &PgPool, ids: &[Uuid], report: &mut Reconciliation) {
    let repeated: Vec<(Uuid, String, i64)> = sqlx::query_as(
        "SELECT event_id, operation, count(*) FROM attempts
          WHERE event_id = ANY($1) AND outcome = 'success' AND operation NOT LIKE '%.get'
          GROUP BY event_id, operation HAVING count(*) > 1",
    )
    .bind(ids)
    .fetch_all(db)
    .await
    .expect("read the successful attempts");
    for (id, operation, times) in repeated {
        report.anomaly(id, &format!("{operation} succeeded {times} times"));
    }
}

async fn count(db: &PgPool, sql: &str, ids: &[Uuid]) -> usize {
    let n: i64 = sqlx::query_scalar(sql)
        .bind(ids)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn repeated_ids(accepted: &[Uuid]) -> Vec<Uuid> {
    let mut seen = BTreeSet::new();
    let mut repeated = BTreeSet::new();
    for id in accepted {
        if !seen.insert(*id) {
            repeated.insert(*id);
        }
    }
    repeated.into_iter().collect()
}

impl Reconciliation {
    /// Dead events, whatever the reason.
    pub fn dead_total(&self) -> usize {
        self.dead.values().sum()
    }

    /// Events in a final state.
    pub fn finished(&self) -> usize {
        self.succeeded + self.dead_total() + self.expired
    }

    /// Panics with the report unless `sent = succeeded + dead + expired`, nothing is missing or
    /// still in flight, and no anomaly was found.
    pub fn assert_reconciled(&self) {
        assert!(
            self.finished() == self.sent
                && self.missing.is_empty()
                && self.in_flight.is_empty()
                && self.anomalies.is_empty(),
            "the accepted events do not reconcile:\n{self}"
        );
    }

    fn anomaly(&mut self, event_id: Uuid, what: &str) {
        self.anomalies.push(Anomaly {
            event_id,
            what: what.to_owned(),
        });
    }
}

impl fmt::Display for Reconciliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {}: succeeded {}, dead {}",
            self.sent,
            self.succeeded,
            self.dead_total()
        )?;
        if !self.dead.is_empty() {
            let reasons: Vec<String> = self
                .dead
                .iter()
                .map(|(reason, n)| format!("{reason} {n}"))
                .collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        write!(
            f,
            ", expired {}, missing {}",
            self.expired,
            self.missing.len()
        )?;
        if !self.in_flight.is_empty() {
            write!(f, ", still in flight {}", self.in_flight.len())?;
        }
        if self.not_accepted > 0 {
            write!(f, "\n  events never accepted: {}", self.not_accepted)?;
        }
        if self.calls_without_outcome > 0 {
            write!(
                f,
                "\n  calls without a recorded outcome: {}",
                self.calls_without_outcome
            )?;
        }
        for id in self.missing.iter().take(ANOMALIES_SHOWN) {
            write!(f, "\n  missing: {id}")?;
        }
        for anomaly in self.anomalies.iter().take(ANOMALIES_SHOWN) {
            write!(f, "\n  anomaly: {} {}", anomaly.event_id, anomaly.what)?;
        }
        if self.anomalies.len() > ANOMALIES_SHOWN {
            write!(
                f,
                "\n  ... and {} more anomalies",
                self.anomalies.len() - ANOMALIES_SHOWN
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn the_report_is_one_line_when_everything_adds_up() {
        let report = Reconciliation {
            sent: 5,
            succeeded: 3,
            dead: BTreeMap::from([("rejected".to_owned(), 1), ("unavailable".to_owned(), 1)]),
            ..Reconciliation::default()
        };
        assert_eq!(
            report.to_string(),
            "sent 5: succeeded 3, dead 2 (rejected 1, unavailable 1), expired 0, missing 0"
        );
        report.assert_reconciled();
    }

    #[test]
    fn a_missing_event_or_an_anomaly_fails_the_assertion_and_is_named() {
        let mut report = Reconciliation {
            sent: 2,
            succeeded: 1,
            missing: vec![id(7)],
            ..Reconciliation::default()
        };
        assert!(report.to_string().contains(&format!("missing: {}", id(7))));
        assert!(std::panic::catch_unwind(|| report.assert_reconciled()).is_err());

        report.missing.clear();
        report.succeeded = 2;
        report.anomaly(id(8), "genesys.flows.executions.create succeeded 2 times");
        let text = report.to_string();
        assert!(text.contains("anomaly: "), "{text}");
        assert!(std::panic::catch_unwind(|| report.assert_reconciled()).is_err());
    }

    #[test]
    fn an_id_accepted_twice_is_found() {
        assert_eq!(repeated_ids(&[id(1), id(2), id(1), id(1)]), vec![id(1)]);
        assert!(repeated_ids(&[id(1), id(2)]).is_empty());
    }
}
