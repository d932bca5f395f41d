//! Timestamps as both platforms write them: RFC 3339 in UTC with milliseconds,
//! `2026-05-01T09:30:00.123Z`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// `t` as `2026-05-01T09:30:00.123Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde `serialize_with` for a `DateTime<Utc>` field, in the [`iso`] form.
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&iso(*t))
}

/// Serde `serialize_with` for an `Option<DateTime<Utc>>` field (pair it with
/// `skip_serializing_if = "Option::is_none"`).
pub fn serialize_opt<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serializer.serialize_str(&iso(*t)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_timestamp_is_written_in_utc_with_milliseconds() {
        let t = Utc.with_ymd_and_hms(2026, 5, 1, 9, 30, 0).unwrap();
        assert_eq!(iso(t), "2026-05-01T09:30:00.000Z");
    }
}
