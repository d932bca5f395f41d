//! Seeding: `bench/sql/seed.sql`, one timed step at a time, on one connection that carries the
//! seed's parameters as settings.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// The seed, in steps introduced by `-- step: <name>` lines.
const SEED_SQL: &str = include_str!("../sql/seed.sql");

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedSize {
    /// Attempt rows.
    pub attempts: u64,
    /// Days they are spread over, ending at `now`.
    pub days: u64,
    /// The seed's "now": the last event is just before it.
    pub now: DateTime<Utc>,
}

impl SeedSize {
    /// Events: four for every five attempt rows (see the seed's header).
    pub fn events(&self) -> u64 {
        self.attempts * 4 / 5
    }
}

/// One step done.
pub struct Step {
    /// Its name in the seed file.
    pub name: String,
    /// Rows it wrote.
    pub rows: u64,
    /// How long it took.
    pub took: Duration,
}

/// Runs every step of the seed and reports each one to `done` as it finishes.
pub async fn run(
    conn: &mut PgConnection,
    size: SeedSize,
    mut done: impl FnMut(&Step),
) -> anyhow::Result<Vec<Step>> {
    let now = size.now.timestamp();
    let span = i64::try_from(size.days * 86_400).context("--days is too large")?;
    let step = span as f64 / size.events().max(1) as f64;
    sqlx::raw_sql(&format!(
        "SET cxrelay_bench.attempts = '{}'; SET cxrelay_bench.events = '{}';
         SET cxrelay_bench.days = '{}'; SET cxrelay_bench.now = '{now}';
         SET cxrelay_bench.start = '{}'; SET cxrelay_bench.step = '{step}';",
        size.attempts,
        size.events(),
        size.days,
        now - span,
    ))
    .execute(&mut *conn)
    .await?;
    let mut steps = Vec::new();
    for (name, sql) in steps_of(SEED_SQL) {
        let started = Instant::now();
        let result = sqlx::raw_sql(sql)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("seed step {name} failed"))?;
        let step = Step {
            name: name.to_owned(),
            rows: result.rows_affected(),
            took: started.elapsed(),
        };
        done(&step);
        steps.push(step);
    }
    Ok(steps)
}

/// The `(name, sql)` of each `-- step: <name>` section; what comes before the first is the
/// file's header.
fn steps_of(sql: &str) -> Vec<(&str, &str)> {
    const MARK: &str = "-- step: ";
    let mut steps = Vec::new();
    let mut rest = sql;
    while let Some(start) = rest.find(MARK) {
        let after = &rest[start + MARK.len()..];
        let name_end = after.find('\n').unwrap_or(after.len());
        let body = &after[name_end..];
        let body_end = body.find(MARK).unwrap_or(body.len());
        steps.push((after[..name_end].trim(), body[..body_end].trim()));
        rest = &body[body_end..];
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_splits_into_named_steps_without_its_header() {
        let steps = steps_of("-- header\n-- step: one\nSELECT 1;\n-- step: two\nSELECT 2;\n");
        assert_eq!(steps, [("one", "SELECT 1;"), ("two", "SELECT 2;")]);
        let names: Vec<_> = steps_of(SEED_SQL)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            [
                "helpers",
                "events",
                "attempts",
                "audit_log",
                "sessions",
                "conversation_metrics",
                "target_events"
            ]
        );
    }
}
