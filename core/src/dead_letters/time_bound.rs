//! The ends of a time window as operators type them: an instant (`2026-11-25T02:00:00Z`) or an
//! age (`90m`, `2h`, `1d12h`: that long before now).

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};

use crate::storable::EARLIEST_STORABLE_YEAR;

/// An age as the admin API's document publishes it: one to ten amounts of at most six digits,
/// each with its unit (`90m`, `1d12h`). The parser reads the same: a longer amount, or more
/// of them, is refused rather than overflowing.
pub const AGE_PATTERN: &str = "^([0-9]{1,6}[smhdw]){1,10}$";

/// Most digits of one amount of an age.
const MAX_AMOUNT_DIGITS: usize = 6;

/// Most amounts in one age.
const MAX_AMOUNTS: usize = 10;

/// Units of an age, in seconds.
const UNITS: &[(char, i64)] = &[
    ('s', 1),
    ('m', 60),
    ('h', 3_600),
    ('d', 86_400),
    ('w', 604_800),
];

/// Parses `text` as an RFC 3339 instant or as an age before `now` ([`AGE_PATTERN`]), exactly
/// as written (no spaces around). The error says what is accepted.
pub fn parse_time_bound(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    parse_age(text)
        .map(|age| {
            // An age beyond what Postgres's times reach means "from the beginning".
            now.checked_sub_signed(age)
                .filter(|at| at.year() >= EARLIEST_STORABLE_YEAR)
                .unwrap_or_else(earliest_storable)
        })
        .ok_or_else(|| {
            format!(
                "'{text}' is neither an RFC 3339 time (2026-11-25T02:00:00Z) nor an age such as 30m, 2h or 1d12h"
            )
        })
}

/// The first instant Postgres's `timestamptz` holds, as the bound of the longest ages.
fn earliest_storable() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(EARLIEST_STORABLE_YEAR, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `1d12h` as a duration; `None` when it is not one.
fn parse_age(text: &str) -> Option<Duration> {
    if text.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut amounts = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            if digits.len() > MAX_AMOUNT_DIGITS {
                return None;
            }
            continue;
        }
        let (_, seconds) = UNITS.iter().find(|(unit, _)| *unit == c)?;
        let amount: i64 = digits.parse().ok()?;
        digits.clear();
        amounts += 1;
        if amounts > MAX_AMOUNTS {
            return None;
        }
        total = total.checked_add(amount.checked_mul(*seconds)?)?;
    }
    // A trailing number without a unit is ambiguous (minutes? seconds?): refused.
    if !digits.is_empty() {
        return None;
    }
    Duration::try_seconds(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn ages_count_back_from_now_and_instants_are_taken_as_they_are() {
        let at = |s: &str| parse_time_bound(s, now()).unwrap().to_rfc3339();
        assert_eq!(at("2h"), "2026-11-25T10:00:00+00:00");
        assert_eq!(at("1d12h"), "2026-11-24T00:00:00+00:00");
        assert_eq!(at("90m"), "2026-11-25T10:30:00+00:00");
        assert_eq!(at("2026-11-25T02:00:00+01:00"), "2026-11-25T01:00:00+00:00");
        // An age beyond what Postgres holds is "from the beginning" of what it holds.
        assert_eq!(at("999999w"), "-4712-01-01T00:00:00+00:00");
        assert_eq!(at("999999w999999w"), "-4712-01-01T00:00:00+00:00");
    }

    #[test]
    fn a_number_without_a_unit_or_an_unknown_unit_is_refused_with_the_accepted_forms() {
        for bad in [
            "15",
            "2y",
            "h",
            "",
            "yesterday",
            " 2h",
            "1234567s",
            "1s1s1s1s1s1s1s1s1s1s1s",
        ] {
            let err = parse_time_bound(bad, now()).unwrap_err();
            assert!(err.contains("RFC 3339"), "{bad}: {err}");
        }
    }
}
