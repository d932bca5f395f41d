//! The `ops` views: every outcome seeded at known times, each view's numbers checked exactly;
//! and the rows a real delivery writes, as the views show them.

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use cxrelay_tests::database::ScratchDatabase;
use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// A migrated database of its own, and the instant every seeded time is relative to.
struct ViewsDb {
    db: PgPool,
    now: DateTime<Utc>,
    /// Dropped last: the database goes at the end of the test.
    _scratch: ScratchDatabase,
}

impl ViewsDb {
    async fn new() -> Self {
        let scratch = ScratchDatabase::new().await;
        // Postgres keeps microseconds: seeded times then come back exactly as they were sent.
        let now = Utc::now()
            .duration_trunc(Duration::microseconds(1))
            .unwrap();
        Self {
            db: scratch.db.clone(),
            now,
            _scratch: scratch,
        }
    }

    fn ago(&self, secs: i64) -> DateTime<Utc> {
        self.now - Duration::seconds(secs)
    }
}

const MINUTE: i64 = 60;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::minutes(1)).unwrap()
}

fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap()
}

fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

/// An `events` row as the worker leaves it.
struct Event<'a> {
    kind: &'a str,
    target: &'a str,
    status: &'a str,
    reason: Option<&'a str>,
    last_http_status: Option<i32>,
    updated_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    next_attempt_at: Option<DateTime<Utc>>,
}

impl<'a> Event<'a> {
    fn new(kind: &'a str, status: &'a str, at: DateTime<Utc>) -> Self {
        let target = if kind == "genesys.bot_session" || kind == "cognigy.flow_run" {
            "cognigy"
        } else {
            "genesys"
        };
        let finished = matches!(status, "succeeded" | "dead" | "expired");
        Self {
            kind,
            target,
            status,
            reason: None,
            last_http_status: None,
            updated_at: at,
            finished_at: finished.then_some(at),
            next_attempt_at: None,
        }
    }

    fn dead(kind: &'a str, reason: &'a str, http: Option<i32>, at: DateTime<Utc>) -> Self {
        Self {
            reason: Some(reason),
            last_http_status: http,
            ..Self::new(kind, "dead", at)
        }
    }

    fn retrying(kind: &'a str, at: DateTime<Utc>, due: DateTime<Utc>) -> Self {
        Self {
            next_attempt_at: Some(due),
            ..Self::new(kind, "retrying", at)
        }
    }

    async fn insert(&self, db: &PgPool) -> Uuid {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO events (id, kind, target, status, payload, reason, last_http_status,
                                 received_at, updated_at, finished_at, next_attempt_at, attempts)
             VALUES ($1, $2, $3, $4, '{}', $5, $6, $7 - interval '1 second', $7, $8, $9, 1)",
        )
        .bind(id)
        .bind(self.kind)
        .bind(self.target)
        .bind(self.status)
        .bind(self.reason)
        .bind(self.last_http_status)
        .bind(self.updated_at)
        .bind(self.finished_at)
        .bind(self.next_attempt_at)
        .execute(db)
        .await
        .unwrap();
        id
    }
}

/// A finished (or, without an outcome, unfinished) downstream call at `at`.
async fn call(
    db: &PgPool,
    at: DateTime<Utc>,
    (target, operation): (&str, &str),
    outcome: Option<&str>,
    http_status: Option<i32>,
    latency_ms: Option<i32>,
) {
    let event = Event::new("cognigy.fallback", "succeeded", at)
        .insert(db)
        .await;
    sqlx::query(
        "INSERT INTO attempts (event_id, attempt, call_seq, target, operation, started_at,
                               finished_at, outcome, http_status, latency_ms)
         VALUES ($1, 1, 1, $2, $3, $4, $4 + make_interval(secs => coalesce($7, 0) / 1000.0),
                 $5, $6, $7)",
    )
    .bind(event)
    .bind(target)
    .bind(operation)
    .bind(at)
    .bind(outcome)
    .bind(http_status)
    .bind(latency_ms)
    .execute(db)
    .await
    .unwrap();
}

async fn target_event(
    db: &PgPool,
    at: DateTime<Utc>,
    target: &str,
    event: &str,
    reason: &str,
    lasts_secs: i64,
) {
    sqlx::query(
        "INSERT INTO target_events (at, target, event, reason, until) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(at)
    .bind(target)
    .bind(event)
    .bind(reason)
    .bind(at + Duration::seconds(lasts_secs))
    .execute(db)
    .await
    .unwrap();
}

/// A session row: (kind, bot or Endpoint, status, path, turns, started, last turn, ended).
#[allow(clippy::type_complexity)]
async fn session(
    db: &PgPool,
    (kind, bot, status, path): (&str, &str, &str, Option<&str>),
    turns: i32,
    (started, last_turn, ended): (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>),
) {
    let (bot_id, endpoint) = if kind == "virtual_agent" {
        (Some(bot), None)
    } else {
        (None, Some(bot))
    };
    sqlx::query(
        "INSERT INTO sessions (kind, session_key, endpoint, bot_id, status, path, turns,
                               started_at, last_turn_at, ended_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(kind)
    .bind(Uuid::new_v4().to_string())
    .bind(endpoint)
    .bind(bot_id)
    .bind(status)
    .bind(path)
    .bind(turns)
    .bind(started)
    .bind(last_turn)
    .bind(ended)
    .execute(db)
    .await
    .unwrap();
}

async fn conversation(
    db: &PgPool,
    end: DateTime<Utc>,
    media_type: &str,
    disconnect_type: Option<&str>,
    duration_ms: i64,
    escalated: bool,
    segments: i32,
) {
    sqlx::query(
        "INSERT INTO conversation_metrics (conversation_id, event_id, conversation_start,
                conversation_end, duration_ms, disconnect_type, media_type, segment_count, escalated)
         VALUES ($1, $2, $3 - make_interval(secs => $4 / 1000.0), $3, $4, $5, $6, $7, $8)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(Uuid::new_v4())
    .bind(end)
    .bind(duration_ms)
    .bind(disconnect_type)
    .bind(media_type)
    .bind(segments)
    .bind(escalated)
    .execute(db)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_counts_final_events_per_minute_kind_and_outcome_over_the_last_hour() {
    let t = ViewsDb::new().await;
    let ten_ago = t.ago(10 * MINUTE);
    let half_hour_ago = t.ago(30 * MINUTE);
    for _ in 0..3 {
        Event::new("cognigy.fallback", "succeeded", ten_ago)
            .insert(&t.db)
            .await;
    }
    Event::dead("cognigy.fallback", "unavailable", Some(503), ten_ago)
        .insert(&t.db)
        .await;
    for _ in 0..2 {
        Event::new("genesys.conversation_end", "expired", half_hour_ago)
            .insert(&t.db)
            .await;
    }
    // Out of the window, and not final.
    Event::new("cognigy.fallback", "succeeded", t.ago(2 * HOUR))
        .insert(&t.db)
        .await;
    Event::new("cognigy.fallback", "processing", ten_ago)
        .insert(&t.db)
        .await;
    Event::retrying("cognigy.fallback", ten_ago, t.ago(-MINUTE))
        .insert(&t.db)
        .await;

    let rows: Vec<(DateTime<Utc>, String, String, i64)> = sqlx::query_as(
        "SELECT minute, kind, outcome, events FROM ops.throughput_per_minute
          ORDER BY minute, kind, outcome",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                minute_of(half_hour_ago),
                "genesys.conversation_end".to_owned(),
                "expired".to_owned(),
                2
            ),
            (
                minute_of(ten_ago),
                "cognigy.fallback".to_owned(),
                "dead".to_owned(),
                1
            ),
            (
                minute_of(ten_ago),
                "cognigy.fallback".to_owned(),
                "succeeded".to_owned(),
                3
            ),
        ]
    );
}

/// The calls of [`error_rate_counts_each_targets_failed_calls_by_http_status_over_the_last_hour`]
/// and [`latency_percentiles_are_nearest_rank_per_operation_over_the_last_hour`].
async fn seed_calls(t: &ViewsDb) {
    const LAUNCH: (&str, &str) = ("genesys", "genesys.flows.executions.create");
    const GET: (&str, &str) = ("genesys", "genesys.conversations.get");
    const TURN: (&str, &str) = ("cognigy", "cognigy.endpoint.turn");
    let at = t.ago(20 * MINUTE);
    for latency in [100, 200, 300, 400] {
        call(&t.db, at, LAUNCH, Some("success"), Some(200), Some(latency)).await;
    }
    call(&t.db, at, LAUNCH, Some("retryable"), Some(503), Some(50)).await;
    call(&t.db, at, LAUNCH, Some("retryable"), None, Some(5_000)).await;
    call(&t.db, at, LAUNCH, Some("auth"), Some(401), Some(30)).await;
    call(&t.db, at, GET, Some("permanent"), Some(404), Some(80)).await;
    call(&t.db, at, TURN, Some("success"), Some(200), Some(700)).await;
    call(&t.db, at, TURN, Some("success"), Some(200), Some(900)).await;
    call(&t.db, at, TURN, Some("retryable"), Some(429), Some(10)).await;
    // A call under way, and one from before the window: neither counts.
    call(&t.db, t.ago(MINUTE), LAUNCH, None, None, None).await;
    call(
        &t.db,
        t.ago(2 * HOUR),
        LAUNCH,
        Some("permanent"),
        Some(400),
        Some(1),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_rate_counts_each_targets_failed_calls_by_http_status_over_the_last_hour() {
    let t = ViewsDb::new().await;
    seed_calls(&t).await;

    let rows: Vec<(String, Option<i32>, i64, i64, String)> = sqlx::query_as(
        "SELECT target, http_status, calls, errors, error_share::text FROM ops.error_rate_last_hour
          ORDER BY target, http_status NULLS LAST",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    let row = |target: &str, status: Option<i32>, calls, errors, share: &str| {
        (target.to_owned(), status, calls, errors, share.to_owned())
    };
    assert_eq!(
        rows,
        [
            row("cognigy", Some(200), 2, 0, "0.0000"),
            row("cognigy", Some(429), 1, 1, "0.3333"),
            row("genesys", Some(200), 4, 0, "0.0000"),
            row("genesys", Some(401), 1, 1, "0.1250"),
            row("genesys", Some(404), 1, 1, "0.1250"),
            row("genesys", Some(503), 1, 1, "0.1250"),
            row("genesys", None, 1, 1, "0.1250"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_percentiles_are_nearest_rank_per_operation_over_the_last_hour() {
    let t = ViewsDb::new().await;
    seed_calls(&t).await;

    let rows: Vec<(String, String, i64, i32, i32, i32, i32)> = sqlx::query_as(
        "SELECT target, operation, calls, p50_ms, p95_ms, p99_ms, max_ms
           FROM ops.call_latency_last_hour ORDER BY operation",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    let row = |target: &str, operation: &str, calls, p50, p95, p99, max| {
        let names = (target.to_owned(), operation.to_owned());
        (names.0, names.1, calls, p50, p95, p99, max)
    };
    assert_eq!(
        rows,
        [
            row("cognigy", "cognigy.endpoint.turn", 3, 700, 900, 900, 900),
            row("genesys", "genesys.conversations.get", 1, 80, 80, 80, 80),
            // 30, 50, 100, 200, 300, 400, 5000: the 4th of 7 is the median.
            row(
                "genesys",
                "genesys.flows.executions.create",
                7,
                200,
                5_000,
                5_000,
                5_000
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backlog_shows_events_in_flight_and_waiting_for_a_retry_per_kind() {
    let t = ViewsDb::new().await;
    let oldest = t.ago(5 * MINUTE);
    Event::new("cognigy.fallback", "processing", oldest)
        .insert(&t.db)
        .await;
    Event::new("cognigy.fallback", "processing", t.ago(MINUTE))
        .insert(&t.db)
        .await;
    let overdue = t.ago(MINUTE);
    for due in [overdue, t.ago(-MINUTE), t.ago(-10 * MINUTE)] {
        Event::retrying("cognigy.fallback", t.ago(2 * MINUTE), due)
            .insert(&t.db)
            .await;
    }
    let due = t.ago(-30);
    Event::retrying("genesys.conversation_end", t.ago(MINUTE), due)
        .insert(&t.db)
        .await;
    // Final events are not backlog.
    Event::new("cognigy.fallback", "succeeded", t.ago(MINUTE))
        .insert(&t.db)
        .await;
    Event::dead("cognigy.fallback", "rejected", Some(400), t.ago(MINUTE))
        .insert(&t.db)
        .await;

    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        String,
        String,
        i64,
        i64,
        i64,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    )> = sqlx::query_as(
        "SELECT kind, target, in_flight, retrying, retries_overdue, oldest_in_flight_since,
                next_retry_at FROM ops.backlog ORDER BY kind",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "cognigy.fallback".to_owned(),
                "genesys".to_owned(),
                2,
                3,
                1,
                Some(oldest),
                Some(overdue)
            ),
            (
                "genesys.conversation_end".to_owned(),
                "genesys".to_owned(),
                0,
                1,
                0,
                None,
                Some(due)
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_group_the_last_weeks_dead_events_by_kind_and_reason_with_the_latest_status() {
    let t = ViewsDb::new().await;
    let (two_days_ago, hour_ago) = (t.ago(2 * DAY), t.ago(HOUR));
    Event::dead("cognigy.fallback", "rejected", Some(403), two_days_ago)
        .insert(&t.db)
        .await;
    Event::dead("cognigy.fallback", "rejected", Some(404), hour_ago)
        .insert(&t.db)
        .await;
    let ten_ago = t.ago(10 * MINUTE);
    Event::dead("cognigy.fallback", "unavailable", Some(503), ten_ago)
        .insert(&t.db)
        .await;
    let three_hours_ago = t.ago(3 * HOUR);
    Event::dead(
        "genesys.virtual_agent",
        "concurrency_limit",
        None,
        three_hours_ago,
    )
    .insert(&t.db)
    .await;
    // Expired and succeeded events are not dead letters; one dead 8 days ago is out of the window.
    Event::dead("cognigy.fallback", "rejected", Some(400), t.ago(8 * DAY))
        .insert(&t.db)
        .await;
    Event::new("cognigy.fallback", "expired", hour_ago)
        .insert(&t.db)
        .await;
    Event::new("cognigy.fallback", "succeeded", hour_ago)
        .insert(&t.db)
        .await;

    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        String,
        String,
        String,
        i64,
        i64,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<i32>,
    )> = sqlx::query_as(
        "SELECT kind, target, reason, events, last_24h, first_at, last_at, last_http_status
           FROM ops.dead_letters_last_7d ORDER BY kind, reason",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    let row = |kind: &str, reason: &str, events, last_24h, first, last, status| {
        let target = "genesys".to_owned();
        (
            kind.to_owned(),
            target,
            reason.to_owned(),
            events,
            last_24h,
            first,
            last,
            status,
        )
    };
    assert_eq!(
        rows,
        [
            row(
                "cognigy.fallback",
                "rejected",
                2,
                1,
                two_days_ago,
                hour_ago,
                Some(404)
            ),
            row(
                "cognigy.fallback",
                "unavailable",
                1,
                1,
                ten_ago,
                ten_ago,
                Some(503)
            ),
            row(
                "genesys.virtual_agent",
                "concurrency_limit",
                1,
                1,
                three_hours_ago,
                three_hours_ago,
                None
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_incidents_count_pauses_and_breaker_openings_per_hour_of_the_last_day() {
    let t = ViewsDb::new().await;
    let recent = t.ago(10 * MINUTE);
    target_event(&t.db, recent, "genesys", "paused", "rate_limited", 3).await;
    target_event(&t.db, recent, "genesys", "paused", "rate_limited", 30).await;
    let five_hours_ago = t.ago(5 * HOUR);
    target_event(&t.db, five_hours_ago, "genesys", "paused", "quota", 3_600).await;
    let two_hours_ago = t.ago(2 * HOUR);
    target_event(
        &t.db,
        two_hours_ago,
        "cognigy",
        "breaker_opened",
        "failures",
        30,
    )
    .await;
    // A closing is no incident; a pause of yesterday is out of the window.
    target_event(
        &t.db,
        two_hours_ago,
        "genesys",
        "breaker_closed",
        "probe",
        0,
    )
    .await;
    target_event(
        &t.db,
        t.ago(30 * HOUR),
        "genesys",
        "paused",
        "rate_limited",
        3,
    )
    .await;

    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        DateTime<Utc>,
        String,
        String,
        String,
        i64,
        String,
        DateTime<Utc>,
    )> = sqlx::query_as(
        "SELECT hour, target, incident, reason, occurrences, longest_secs::text, last_at
               FROM ops.target_incidents_per_hour ORDER BY hour, target",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    let row = |at: DateTime<Utc>, target: &str, incident: &str, reason: &str, n, longest: &str| {
        let names = (target.to_owned(), incident.to_owned(), reason.to_owned());
        (
            hour_of(at),
            names.0,
            names.1,
            names.2,
            n,
            longest.to_owned(),
            at,
        )
    };
    assert_eq!(
        rows,
        [
            row(five_hours_ago, "genesys", "paused", "quota", 1, "3600.000"),
            row(
                two_hours_ago,
                "cognigy",
                "breaker_opened",
                "failures",
                1,
                "30.000"
            ),
            row(recent, "genesys", "paused", "rate_limited", 2, "30.000"),
        ]
    );
}

/// The sessions of [`bot_sessions_count_sessions_of_the_last_day_and_every_active_one`] and
/// [`escalations_count_virtual_agent_paths_per_bot_over_the_last_day`].
async fn seed_sessions(t: &ViewsDb) {
    let support = |status| ("cognigy", "support", status, None);
    session(
        &t.db,
        support("ended"),
        3,
        (t.ago(2 * HOUR), t.ago(HOUR), Some(t.ago(HOUR))),
    )
    .await;
    let ended = Some(t.ago(150 * MINUTE));
    session(
        &t.db,
        support("ended"),
        5,
        (t.ago(3 * HOUR), t.ago(150 * MINUTE), ended),
    )
    .await;
    // Found expired an hour ago; its last turn was an hour after it started.
    let last_turn = t.ago(4 * HOUR);
    session(
        &t.db,
        support("expired"),
        2,
        (t.ago(5 * HOUR), last_turn, Some(t.ago(HOUR))),
    )
    .await;
    // Active for 40 hours: counted although it started before the window.
    session(
        &t.db,
        support("active"),
        9,
        (t.ago(40 * HOUR), t.ago(MINUTE), None),
    )
    .await;
    // Ended before the window.
    session(
        &t.db,
        support("ended"),
        1,
        (t.ago(30 * HOUR), t.ago(29 * HOUR), Some(t.ago(29 * HOUR))),
    )
    .await;

    let order_bot = |status, path| ("virtual_agent", "order-bot", status, path);
    session(
        &t.db,
        order_bot("active", Some("agentless")),
        1,
        (t.ago(10 * MINUTE), t.ago(10 * MINUTE), None),
    )
    .await;
    session(
        &t.db,
        order_bot("ended", Some("escalated")),
        1,
        (t.ago(HOUR), t.ago(HOUR), Some(t.ago(30 * MINUTE))),
    )
    .await;
    // A reservation under way counts as active; one freed without a conversation does not.
    session(
        &t.db,
        order_bot("active", None),
        0,
        (t.ago(MINUTE), t.ago(MINUTE), None),
    )
    .await;
    session(
        &t.db,
        order_bot("ended", None),
        0,
        (
            t.ago(20 * MINUTE),
            t.ago(20 * MINUTE),
            Some(t.ago(20 * MINUTE)),
        ),
    )
    .await;
    session(
        &t.db,
        order_bot("ended", Some("escalated")),
        1,
        (t.ago(30 * HOUR), t.ago(30 * HOUR), Some(t.ago(29 * HOUR))),
    )
    .await;

    let faq_bot = ("virtual_agent", "faq-bot", "ended", Some("agentless"));
    for _ in 0..3 {
        session(
            &t.db,
            faq_bot,
            1,
            (t.ago(3 * HOUR), t.ago(3 * HOUR), Some(t.ago(2 * HOUR))),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_sessions_count_sessions_of_the_last_day_and_every_active_one() {
    let t = ViewsDb::new().await;
    seed_sessions(&t).await;

    #[allow(clippy::type_complexity)]
    let rows: Vec<(String, String, String, i64, String, String, String, i32)> = sqlx::query_as(
        "SELECT kind, bot, status, sessions, avg_duration_secs::text, max_duration_secs::text,
                avg_turns::text, max_turns
           FROM ops.bot_sessions_last_24h ORDER BY kind, bot, status",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    let (active, rest): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.2 == "active");
    let row =
        |kind: &str, bot: &str, status: &str, n, avg: &str, longest: &str, turns: &str, max| {
            let names = (kind.to_owned(), bot.to_owned(), status.to_owned());
            let figures = (avg.to_owned(), longest.to_owned(), turns.to_owned());
            (
                names.0, names.1, names.2, n, figures.0, figures.1, figures.2, max,
            )
        };
    assert_eq!(
        rest,
        [
            row("cognigy", "support", "ended", 2, "2700.0", "3600.0", "4.00", 5),
            row("cognigy", "support", "expired", 1, "3600.0", "3600.0", "2.00", 2),
            row(
                "virtual_agent",
                "faq-bot",
                "ended",
                3,
                "3600.0",
                "3600.0",
                "1.00",
                1
            ),
            row(
                "virtual_agent",
                "order-bot",
                "ended",
                1,
                "1800.0",
                "1800.0",
                "1.00",
                1
            ),
        ]
    );
    // Active sessions last until now, which moves: their counts and turns are exact.
    let active: Vec<_> = active
        .into_iter()
        .map(|(kind, bot, _, n, avg, _, turns, max)| {
            let avg: f64 = avg.parse().unwrap();
            (kind, bot, n, turns, max, avg)
        })
        .collect();
    assert_eq!(active.len(), 2, "{active:?}");
    let (cognigy, order_bot) = (&active[0], &active[1]);
    assert_eq!(
        (
            cognigy.0.as_str(),
            cognigy.1.as_str(),
            cognigy.2,
            cognigy.3.as_str(),
            cognigy.4
        ),
        ("cognigy", "support", 1, "9.00", 9)
    );
    assert!(
        (40.0 * 3_600.0..41.0 * 3_600.0).contains(&cognigy.5),
        "{cognigy:?}"
    );
    assert_eq!(
        (
            order_bot.0.as_str(),
            order_bot.1.as_str(),
            order_bot.2,
            order_bot.3.as_str(),
            order_bot.4
        ),
        ("virtual_agent", "order-bot", 2, "0.50", 1)
    );
    // (10 min + 1 min) / 2, and a little more by now.
    assert!((330.0..400.0).contains(&order_bot.5), "{order_bot:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalations_count_virtual_agent_paths_per_bot_over_the_last_day() {
    let t = ViewsDb::new().await;
    seed_sessions(&t).await;

    let rows: Vec<(String, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT bot, conversations, agentless, escalated, escalated_share::text
           FROM ops.escalations_last_24h ORDER BY bot",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("faq-bot".to_owned(), 3, 3, 0, "0.0000".to_owned()),
            ("order-bot".to_owned(), 2, 1, 1, "0.5000".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversation_resolution_summarises_ended_conversations_per_day_media_and_disconnect() {
    let t = ViewsDb::new().await;
    let (hour_ago, three_days_ago) = (t.ago(HOUR), t.ago(3 * DAY));
    conversation(
        &t.db,
        hour_ago,
        "message",
        Some("client"),
        270_000,
        false,
        2,
    )
    .await;
    conversation(&t.db, hour_ago, "message", Some("client"), 90_000, true, 4).await;
    conversation(&t.db, hour_ago, "voice", None, 60_000, false, 1).await;
    conversation(
        &t.db,
        three_days_ago,
        "message",
        Some("client"),
        100_000,
        true,
        3,
    )
    .await;
    // Before the 7 days.
    conversation(
        &t.db,
        t.ago(10 * DAY),
        "message",
        Some("client"),
        1_000,
        false,
        1,
    )
    .await;

    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        NaiveDate,
        String,
        Option<String>,
        i64,
        String,
        i64,
        String,
        String,
    )> = sqlx::query_as(
        "SELECT day, media_type, disconnect_type, conversations, avg_duration_secs::text,
                    escalated, escalated_share::text, avg_segments::text
               FROM ops.conversation_resolution_per_day ORDER BY day, media_type",
    )
    .fetch_all(&t.db)
    .await
    .unwrap();
    let row = |at,
               media: &str,
               disconnect: Option<&str>,
               n,
               avg: &str,
               escalated,
               share: &str,
               segments: &str| {
        (
            day_of(at),
            media.to_owned(),
            disconnect.map(str::to_owned),
            n,
            avg.to_owned(),
            escalated,
            share.to_owned(),
            segments.to_owned(),
        )
    };
    assert_eq!(
        rows,
        [
            row(
                three_days_ago,
                "message",
                Some("client"),
                1,
                "100.0",
                1,
                "1.0000",
                "3.00"
            ),
            row(
                hour_ago,
                "message",
                Some("client"),
                2,
                "180.0",
                1,
                "0.5000",
                "3.00"
            ),
            row(hour_ago, "voice", None, 1, "60.0", 0, "0.0000", "1.00"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rows_a_real_delivery_writes_show_in_the_throughput_error_and_latency_views() {
    let app = spawn_app(AppOptions::default()).await;
    let body = json!({"sessionId": "ops-ok", "userId": "u", "text": "help"});
    let ok = app.post_and_finish("/v1/cognigy/fallback", &body).await;
    assert_eq!(ok["status"], "succeeded", "{ok}");
    app.inject_fault(
        &json!({"method": "POST", "path": "/api/v2/flows/executions", "status": 404, "times": 1}),
    )
    .await;
    let body = json!({"sessionId": "ops-404", "userId": "u", "text": "help"});
    let dead = app.post_and_finish("/v1/cognigy/fallback", &body).await;
    assert_eq!(dead["status"], "dead", "{dead}");

    let throughput: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, outcome, sum(events)::bigint FROM ops.throughput_per_minute
          GROUP BY 1, 2 ORDER BY 2",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        throughput,
        [
            ("cognigy.fallback".to_owned(), "dead".to_owned(), 1),
            ("cognigy.fallback".to_owned(), "succeeded".to_owned(), 1),
        ]
    );
    let errors: Vec<(String, Option<i32>, i64, i64, String)> = sqlx::query_as(
        "SELECT target, http_status, calls, errors, error_share::text
           FROM ops.error_rate_last_hour ORDER BY http_status",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        errors,
        [
            ("genesys".to_owned(), Some(200), 1, 0, "0.0000".to_owned()),
            ("genesys".to_owned(), Some(404), 1, 1, "0.5000".to_owned()),
        ]
    );
    let (operation, calls, p50, max): (String, i64, i32, i32) =
        sqlx::query_as("SELECT operation, calls, p50_ms, max_ms FROM ops.call_latency_last_hour")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (operation.as_str(), calls),
        ("genesys.flows.executions.create", 2)
    );
    assert!(p50 <= max, "p50 {p50} ms, max {max} ms");
}
