//! Daily partitions of `attempts` and `audit_log`: listing them, creating the coming days,
//! dropping the expired ones whole, and clearing the default partition of expired strays.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sqlx::{Connection, PgConnection};

/// How long a partition change waits for its table lock before giving up until the next pass.
/// Creating or dropping a partition holds an exclusive lock on the table for milliseconds, but
/// while it waits behind a long reader every insert of the workers would queue behind it: a
/// short wait keeps calls flowing, and the next pass tries again.
pub const LOCK_TIMEOUT: &str = "1s";

/// A table partitioned by day on a timestamp column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionedTable {
    /// The partitioned (parent) table.
    pub name: &'static str,
    /// Its partition key, a `timestamptz` column.
    pub key: &'static str,
}

/// `attempts`, by `started_at`.
pub const ATTEMPTS: PartitionedTable = PartitionedTable {
    name: "attempts",
    key: "started_at",
};

/// `audit_log`, by `at`.
pub const AUDIT_LOG: PartitionedTable = PartitionedTable {
    name: "audit_log",
    key: "at",
};

/// How a day's partition came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// Created empty.
    Empty,
    /// Created with this many rows moved out of the default partition, where they had landed
    /// while the day had no partition.
    WithRowsFromDefault(u64),
}

impl PartitionedTable {
    /// The partition of `day` (UTC): `attempts_p20261125`.
    pub fn partition_name(&self, day: NaiveDate) -> String {
        format!("{}_p{}", self.name, day.format("%Y%m%d"))
    }

    /// The default partition: `attempts_default`.
    pub fn default_partition(&self) -> String {
        format!("{}_default", self.name)
    }

    /// The days that have a partition. Partitions not named `<table>_pYYYYMMDD` (made by
    /// hand) are left out, and so are never dropped.
    pub async fn partition_days(
        &self,
        conn: &mut PgConnection,
    ) -> Result<Vec<NaiveDate>, sqlx::Error> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = $1::regclass ORDER BY 1",
        )
        .bind(self.name)
        .fetch_all(conn)
        .await?;
        let prefix = format!("{}_p", self.name);
        let mut days: Vec<NaiveDate> = names
            .iter()
            .filter_map(|name| name.strip_prefix(&prefix))
            .filter(|digits| digits.len() == 8)
            .filter_map(|digits| NaiveDate::parse_from_str(digits, "%Y%m%d").ok())
            .collect();
        days.sort_unstable();
        Ok(days)
    }

    /// Creates the partition of `day`. Rows of that day already in the default partition are
    /// moved into it in the same transaction (the partition could not be attached otherwise).
    pub async fn create_day(
        &self,
        conn: &mut PgConnection,
        day: NaiveDate,
    ) -> Result<Created, sqlx::Error> {
        let (from, to) = day_bounds(day);
        let partition = self.partition_name(day);
        let default = self.default_partition();
        let mut tx = conn.begin().await?;
        sqlx::query(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            .execute(&mut *tx)
            .await?;
        let strays: bool = sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM {default} WHERE {key} >= $1 AND {key} < $2)",
            key = self.key
        ))
        .bind(from)
        .bind(to)
        .fetch_one(&mut *tx)
        .await?;
        let bounds = format!(
            "FOR VALUES FROM ('{}') TO ('{}')",
            from.to_rfc3339(),
            to.to_rfc3339()
        );
        let created = if strays {
            sqlx::query(&format!(
                "CREATE TABLE {partition} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
                table = self.name
            ))
            .execute(&mut *tx)
            .await?;
            let moved = sqlx::query(&format!(
                "WITH moved AS (DELETE FROM {default} WHERE {key} >= $1 AND {key} < $2 RETURNING *)
                 INSERT INTO {partition} SELECT * FROM moved",
                key = self.key
            ))
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(&format!(
                "ALTER TABLE {table} ATTACH PARTITION {partition} {bounds}",
                table = self.name
            ))
            .execute(&mut *tx)
            .await?;
            Created::WithRowsFromDefault(moved)
        } else {
            sqlx::query(&format!(
                "CREATE TABLE {partition} PARTITION OF {table} {bounds}",
                table = self.name
            ))
            .execute(&mut *tx)
            .await?;
            Created::Empty
        };
        tx.commit().await?;
        Ok(created)
    }

    /// Drops the partition of `day` whole: its rows go without a DELETE, and its space goes back
    /// to the file system at once.
    pub async fn drop_day(
        &self,
        conn: &mut PgConnection,
        day: NaiveDate,
    ) -> Result<(), sqlx::Error> {
        let mut tx = conn.begin().await?;
        sqlx::query(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("DROP TABLE {}", self.partition_name(day)))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Deletes the rows of the default partition older than `cutoff`. The default partition
    /// holds only rows written while their day had no partition (a worker that did not run its
    /// retention for a week), so this is normally a no-op.
    pub async fn delete_expired_strays(
        &self,
        conn: &mut PgConnection,
        cutoff: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        let deleted = sqlx::query(&format!(
            "DELETE FROM {} WHERE {} < $1",
            self.default_partition(),
            self.key
        ))
        .bind(cutoff)
        .execute(conn)
        .await?;
        Ok(deleted.rows_affected())
    }
}

/// The UTC day `day` as a half-open range of instants.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    (start, next.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Whether every row a partition of `day` may hold is older than `cutoff`.
pub fn expired(day: NaiveDate, cutoff: DateTime<Utc>) -> bool {
    day_bounds(day).1 <= cutoff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn partitions_are_named_after_their_utc_day() {
        assert_eq!(
            ATTEMPTS.partition_name(date("2026-11-05")),
            "attempts_p20261105"
        );
        assert_eq!(AUDIT_LOG.default_partition(), "audit_log_default");
    }

    #[test]
    fn a_day_partition_expires_only_once_its_last_instant_is_past_the_cutoff() {
        let cutoff = "2026-11-25T10:00:00Z".parse().unwrap();
        assert!(expired(date("2026-11-24"), cutoff));
        assert!(!expired(date("2026-11-25"), cutoff));
        let midnight = "2026-11-25T00:00:00Z".parse().unwrap();
        assert!(expired(date("2026-11-24"), midnight));
    }
}
