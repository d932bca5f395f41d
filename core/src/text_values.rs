//! Values that are not strings, written as text: how a form body sends every value
//! (`intentScore=0.2`, `understood=false`), and how Genesys data actions often send numbers.
//! Each grammar is a regular expression that the OpenAPI document publishes as the field's
//! `pattern` and that the parsers apply, so the two cannot disagree. Spaces and tabs around a
//! value are allowed; a value of only spaces and tabs is [`BLANK`], which stands for "absent".
//!
//! The grammars are deliberately narrow (no exponents, no `+`, no leading zeros in numbers):
//! what they accept is exactly what the document says, and a regular expression can say the
//! numeric range too.

use std::sync::LazyLock;

use regex::Regex;

/// A value of only spaces and tabs: absent, in a field that is not a string.
pub const BLANK: &str = r"^[ \t]*$";

/// `true` or `false`, in any letter case.
pub const BOOLEAN_TEXT: &str = "[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]";

/// `false`, in any letter case.
pub const FALSE_TEXT: &str = "[Ff][Aa][Ll][Ss][Ee]";

/// A whole number from 0 to 10^18 - 1, in decimal digits (leading zeros allowed): the epoch
/// milliseconds and durations Genesys sends, well inside `i64`.
pub const WHOLE_NUMBER_TEXT: &str = "[0-9]{1,18}";

/// A decimal number from 0 to 1 (`0`, `0.25`, `1`, `1.0`).
pub const UNIT_INTERVAL_TEXT: &str = r"0(\.[0-9]+)?|1(\.0+)?";

/// A decimal number from -1 to 1 (`-0.5`, `0`, `1.0`).
pub const SIGNED_UNIT_INTERVAL_TEXT: &str = r"-?(0(\.[0-9]+)?|1(\.0+)?)";

/// A decimal number from 0 to under 0.5 (`0.49`): an intent score under the default
/// `ingress.intent_score_threshold`.
pub const UNDER_HALF_TEXT: &str = r"0(\.[0-4][0-9]*)?";

/// `grammar`, with spaces and tabs around it, as a whole-string pattern.
pub fn anchored(grammar: &str) -> String {
    format!(r"^[ \t]*({grammar})[ \t]*$")
}

/// `grammar` or blank, with spaces and tabs around it, as a whole-string pattern: how the
/// document describes the text form of an optional field.
pub fn anchored_or_blank(grammar: &str) -> String {
    format!(r"^[ \t]*({grammar})?[ \t]*$")
}

/// A numeric range a text value is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// 0 to 1: scores.
    Unit,
    /// -1 to 1: sentiment.
    SignedUnit,
}

impl Interval {
    /// The smallest and largest value.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Interval::Unit => (0.0, 1.0),
            Interval::SignedUnit => (-1.0, 1.0),
        }
    }

    /// The grammar of its numbers written as text.
    pub fn grammar(self) -> &'static str {
        match self {
            Interval::Unit => UNIT_INTERVAL_TEXT,
            Interval::SignedUnit => SIGNED_UNIT_INTERVAL_TEXT,
        }
    }

    /// Whether `text` is a number of this interval written as text.
    pub fn matches(self, text: &str) -> bool {
        static UNIT: LazyLock<Regex> = LazyLock::new(|| compiled(UNIT_INTERVAL_TEXT));
        static SIGNED_UNIT: LazyLock<Regex> = LazyLock::new(|| compiled(SIGNED_UNIT_INTERVAL_TEXT));
        match self {
            Interval::Unit => UNIT.is_match(text),
            Interval::SignedUnit => SIGNED_UNIT.is_match(text),
        }
    }
}

/// Whether `text` is blank: absent, in a field that is not a string.
pub fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b == b' ' || b == b'\t')
}

/// `true` or `false` written as text.
pub fn boolean(text: &str) -> Option<bool> {
    static GRAMMAR: LazyLock<Regex> = LazyLock::new(|| compiled(BOOLEAN_TEXT));
    GRAMMAR
        .is_match(text)
        .then(|| trimmed(text).eq_ignore_ascii_case("true"))
}

/// A whole number written as text ([`WHOLE_NUMBER_TEXT`]).
pub fn whole_number(text: &str) -> Option<i64> {
    static GRAMMAR: LazyLock<Regex> = LazyLock::new(|| compiled(WHOLE_NUMBER_TEXT));
    if !GRAMMAR.is_match(text) {
        return None;
    }
    trimmed(text).parse().ok()
}

/// A number of `interval` written as text.
pub fn decimal(text: &str, interval: Interval) -> Option<f64> {
    if !interval.matches(text) {
        return None;
    }
    trimmed(text).parse().ok()
}

/// `text` without the spaces and tabs around it.
fn trimmed(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// The anchored pattern of `grammar`, compiled. The grammars are constants of this file,
/// proven to compile by its tests.
fn compiled(grammar: &str) -> Regex {
    Regex::new(&anchored(grammar)).unwrap_or_else(|error| panic!("{grammar}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_compiles_anchored_and_with_blank() {
        for grammar in [
            BOOLEAN_TEXT,
            FALSE_TEXT,
            WHOLE_NUMBER_TEXT,
            UNIT_INTERVAL_TEXT,
            SIGNED_UNIT_INTERVAL_TEXT,
            UNDER_HALF_TEXT,
        ] {
            Regex::new(&anchored(grammar)).unwrap();
            Regex::new(&anchored_or_blank(grammar)).unwrap();
        }
        Regex::new(BLANK).unwrap();
    }

    #[test]
    fn numbers_in_text_are_read_exactly_in_their_grammar_and_range() {
        for (text, read) in [
            ("0", Some(0.0)),
            (" 0.25\t", Some(0.25)),
            ("1", Some(1.0)),
            ("1.000", Some(1.0)),
            ("1.0001", None),
            ("2", None),
            ("-0.1", None),
            ("+0.5", None),
            ("5e-1", None),
            (".5", None),
            ("0.", None),
            ("00.5", None),
            ("0.5 x", None),
            ("\u{a0}0.5", None),
        ] {
            assert_eq!(decimal(text, Interval::Unit), read, "{text:?}");
        }
        assert_eq!(decimal("-1", Interval::SignedUnit), Some(-1.0));
        assert_eq!(decimal("-0.75", Interval::SignedUnit), Some(-0.75));
        assert_eq!(decimal("-1.5", Interval::SignedUnit), None);
    }

    #[test]
    fn whole_numbers_booleans_and_blanks_in_text() {
        assert_eq!(whole_number(" 1767225600000 "), Some(1_767_225_600_000));
        assert_eq!(whole_number("007"), Some(7));
        assert_eq!(
            whole_number("999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        for refused in ["1234567890123456789", "+5", "-0", "1.0", "", "1e3"] {
            assert_eq!(whole_number(refused), None, "{refused:?}");
        }
        assert_eq!(boolean(" TRUE"), Some(true));
        assert_eq!(boolean("False\t"), Some(false));
        assert_eq!(boolean("yes"), None);
        assert_eq!(boolean("null"), None);
        assert!(is_blank("") && is_blank(" \t ") && !is_blank("\u{a0}") && !is_blank("\n"));
    }

    #[test]
    fn under_half_is_exactly_the_scores_under_the_default_threshold() {
        let under = Regex::new(&anchored(UNDER_HALF_TEXT)).unwrap();
        for text in ["0", "0.4", "0.49999", "0.0"] {
            assert!(under.is_match(text), "{text}");
        }
        for text in ["0.5", "0.50", "1", "0.9"] {
            assert!(!under.is_match(text), "{text}");
        }
    }
}
