//! What the benchmark prints: progress lines, then the tables of figures.

use std::time::Duration;

use crate::retention_cost::RetentionCost;
use crate::seed::Step;
use crate::views::Timing;

/// The daily volume retention must keep up with: 10 million attempt rows a day (issue 5).
const DAILY_ATTEMPTS: f64 = 10_000_000.0;

// The progress line and the digit grouping are the pipeline benchmarks' own.
pub use cxrelay_bench_pipeline::report::{count, say};

/// One line of the seeding: what, how many rows, how long.
pub fn line(what: &str, rows: Option<u64>, took: Duration) {
    let rows = rows.map_or_else(String::new, |n| format!("{} rows", count(n)));
    println!("    {what:<34} {rows:>16} {:>9.1} s", took.as_secs_f64());
}

/// A finished seed step.
pub fn step(step: &Step) {
    let rows = (step.rows > 0).then_some(step.rows);
    line(&step.name, rows, step.took);
}

/// Table sizes with their indexes.
pub fn sizes(sizes: &[(&str, (String, i64))]) {
    let parts: Vec<String> = sizes
        .iter()
        .map(|(table, (size, partitions))| match partitions {
            0 => format!("{table} {size}"),
            n => format!("{table} {size} ({n} partitions)"),
        })
        .collect();
    say(&format!("sizes with indexes: {}", parts.join(", ")));
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1_000.0)
}

/// The views table: ours and the baseline side by side, and their ratio.
pub fn views(ours: &[Timing], baseline: &[Timing]) {
    println!();
    println!(
        "{:<36} {:>5} {:>10} {:>8} {:>16} {:>13} {:>14}",
        "view", "rows", "median ms", "max ms", "baseline med ms", "baseline max", "baseline/view"
    );
    for (view, base) in ours.iter().zip(baseline) {
        let ratio = base.median().as_secs_f64() / view.median().as_secs_f64().max(1e-9);
        println!(
            "{:<36} {:>5} {:>10} {:>8} {:>16} {:>13} {:>13.1}x",
            view.view,
            view.rows,
            ms(view.median()),
            ms(view.max()),
            ms(base.median()),
            ms(base.max()),
            ratio
        );
    }
    let slowest = ours.iter().map(Timing::max).max().unwrap_or_default();
    println!();
    say(&format!(
        "slowest run of any view: {} ms (budget 100 ms)",
        ms(slowest)
    ));
}

/// Retention's figures, against what 10 million attempt rows a day need.
pub fn retention(cost: &RetentionCost, attempts: u64, days: u64) {
    let per_sec = |n: u64, took: Duration| n as f64 / took.as_secs_f64().max(1e-9);
    let needed_attempts = DAILY_ATTEMPTS / 86_400.0;
    // Four events to five attempt rows, as seeded.
    let needed_events = needed_attempts * 4.0 / 5.0;
    let (partition, rows, took) = &cost.deleted_day;
    let delete_rate = per_sec(*rows, *took);
    println!(
        "    one day of attempts removed by a batched DELETE ({partition}, {} rows, {} a \
         statement): {} ms, {} rows/s",
        count(*rows),
        count(crate::retention_cost::DELETE_BATCH.unsigned_abs()),
        ms(*took),
        count(delete_rate as u64)
    );
    let (report, took) = &cost.drop_pass;
    println!(
        "    one day of attempts and audit rows removed by a retention pass dropping partitions \
         ({}): {} ms",
        report.dropped.join(", "),
        ms(*took)
    );
    let (report, took) = &cost.events_pass;
    let events = report.events.events;
    let events_rate = per_sec(events, *took);
    println!(
        "    final events past retention deleted by a pass, {} a statement: {} events in {} ms, \
         {} events/s",
        count(cxrelay_core::retention::EVENT_BATCH.unsigned_abs()),
        count(events),
        ms(*took),
        count(events_rate as u64)
    );
    println!(
        "    10,000,000 attempt rows a day ({} a day seeded here) need {needed_attempts:.0} \
         attempt rows/s and {needed_events:.0} events/s removed: the events delete runs at \
         {:.1}x that; a DELETE of attempts would run at {:.1}x, leaving every row a dead tuple \
         for vacuum, where a dropped partition leaves nothing",
        count(attempts / days.max(1)),
        events_rate / needed_events,
        delete_rate / needed_attempts,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::count(10_000_000), "10,000,000");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1_000), "1,000");
    }
}
