//! Events whose values Postgres refused (see [`cxrelay_core::db::is_refused_value`]): recorded
//! dead with reason [`DATABASE_REFUSED`], once, instead of being delivered again for ever.
//!
//! The ingress refuses such values at intake, so this is the path of a message that reached the
//! queue some other way (a replay of an old message, a publisher other than the ingress) or of
//! a class of value nobody foresaw. Nothing accepted may be lost: the row keeps the payload as
//! Postgres can hold it (`payload`, each NUL replaced by U+FFFD) and exactly as it came
//! (`payload_raw`, bytes), so that an operator sees it and can replay it after a fix.

use chrono::{DateTime, Datelike, Utc};
use cxrelay_core::db::refusal_summary;
use cxrelay_core::storable::{storable_json, storable_option, EARLIEST_STORABLE_YEAR};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::{audit, stale, Begun, NewDelivery};

/// `events.reason` of an event whose values Postgres refused.
pub const DATABASE_REFUSED: &str = "database_refused";

/// Records `delivery` dead with reason [`DATABASE_REFUSED`], its values made storable and its
/// payload kept as bytes, after Postgres refused its row with `error`. A stale copy (the event
/// is final, or of another generation) changes nothing, as in [`super::begin_event`].
pub async fn begin_refused(
    db: &PgPool,
    delivery: &NewDelivery,
    error: &sqlx::Error,
) -> Result<Begun, sqlx::Error> {
    let detail = format!(
        "Postgres refused a value of this event ({}): it is not carried out; the payload is kept \
         byte for byte in events.payload_raw, and in events.payload with each character Postgres \
         cannot hold replaced by U+FFFD",
        refusal_summary(error)
    );
    let parsed: Value = serde_json::from_str(&delivery.payload).unwrap_or(Value::Null);
    let payload = storable_json(&parsed).into_owned();
    let mut tx = db.begin().await?;
    let recorded: Option<i32> = sqlx::query_scalar(
        "INSERT INTO events (id, kind, target, status, request_id, idempotency_key, payload,
                             payload_raw, received_at, attempts, retries, generation,
                             deadline_at, source, key_name, reason, last_error, finished_at)
         VALUES ($1, $2, $3, 'dead', $4, $5, $6, $7, $8, 1, $9, $10, $11, $12, $13, $14, $15,
                 now())
         ON CONFLICT (id) DO UPDATE
            SET status = 'dead', attempts = events.attempts + 1, retries = EXCLUDED.retries,
                payload = EXCLUDED.payload, payload_raw = EXCLUDED.payload_raw,
                reason = EXCLUDED.reason, last_error = EXCLUDED.last_error,
                next_attempt_at = NULL, finished_at = now(), updated_at = now()
          WHERE events.status NOT IN ('succeeded', 'dead', 'expired')
            AND events.generation = EXCLUDED.generation
            AND events.retries <= EXCLUDED.retries
         RETURNING attempts",
    )
    .bind(delivery.event_id)
    .bind(delivery.kind)
    .bind(delivery.target)
    .bind(storable_option(delivery.request_id.as_deref()))
    .bind(storable_option(delivery.idempotency_key.as_deref()))
    .bind(&payload)
    .bind(delivery.payload.as_bytes())
    .bind(storable_time(delivery.received_at))
    .bind(delivery.retries)
    .bind(delivery.generation)
    .bind(storable_time(delivery.deadline_at))
    .bind(storable_option(delivery.source.as_deref()))
    .bind(storable_option(delivery.key_name.as_deref()))
    .bind(DATABASE_REFUSED)
    .bind(&detail)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(number) = recorded else {
        return stale(tx, delivery.event_id).await;
    };
    audit(
        &mut tx,
        delivery.event_id,
        "event.dead",
        json!({"reason": DATABASE_REFUSED, "attempt": number, "calls": 0}),
    )
    .await?;
    tx.commit().await?;
    Ok(Begun::Refused { detail })
}

/// Records the end of delivery `delivery` of `event_id` as dead with reason
/// [`DATABASE_REFUSED`], without the values of the outcome that Postgres refused with `error`
/// (the result, the calls' errors): for a refusal that the worker's own replacement of NUL
/// characters did not prevent. Written only while the event shows this delivery under way.
pub async fn finish_refused(
    db: &PgPool,
    event_id: Uuid,
    delivery: i32,
    error: &sqlx::Error,
) -> Result<(), sqlx::Error> {
    let detail = format!(
        "Postgres refused a value of this event's outcome ({}): the outcome is recorded without it",
        refusal_summary(error)
    );
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE events
            SET status = 'dead', reason = $3, last_error = $4, result = NULL,
                next_attempt_at = NULL, finished_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'processing' AND attempts = $2",
    )
    .bind(event_id)
    .bind(delivery)
    .bind(DATABASE_REFUSED)
    .bind(&detail)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 1 {
        audit(
            &mut tx,
            event_id,
            "event.dead",
            json!({"reason": DATABASE_REFUSED, "attempt": delivery}),
        )
        .await?;
    }
    tx.commit().await
}

/// `at`, or now when Postgres's `timestamptz` cannot hold it (before 4713 BC; chrono's latest
/// year is within Postgres's range).
fn storable_time(at: DateTime<Utc>) -> DateTime<Utc> {
    if at.year() < EARLIEST_STORABLE_YEAR {
        Utc::now()
    } else {
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_time_before_what_postgres_holds_becomes_now_and_any_other_is_kept() {
        let ancient = Utc.with_ymd_and_hms(-5000, 1, 1, 0, 0, 0).unwrap();
        assert!(storable_time(ancient) > Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
        let far = Utc.with_ymd_and_hms(200_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(storable_time(far), far);
        let earliest = Utc.with_ymd_and_hms(-4712, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(storable_time(earliest), earliest);
    }
}
