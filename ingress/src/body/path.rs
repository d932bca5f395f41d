//! Where in a body a rule was broken, written as the `field` of the answer: `data.orderId`,
//! `list[0]`, `data["odd key"]`, `$[0][0]` (`$` is the body itself).

use std::fmt::Write as _;

use cxrelay_core::storable::NUL_RULE;
use cxrelay_core::validation::FieldError;

/// Longest `field` put in an answer: a path made of long keys, or nested deep, is cut here, so
/// that an error stays small whatever the body.
const MAX_PATH_CHARS: usize = 256;

/// One step into a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A member of an object.
    Key(String),
    /// An element of an array.
    Index(usize),
    /// An element appended to an array by a form key ending in `[]`.
    Append,
}

/// The path as the answer's `field` names it: `$` for the body itself.
pub fn render(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) if is_plain_name(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Key(key) => {
                let quoted = serde_json::to_string(key).unwrap_or_default();
                let _ = write!(out, "[{quoted}]");
            }
            Segment::Index(index) => {
                let _ = write!(out, "[{index}]");
            }
            Segment::Append => out.push_str("[]"),
        }
        if out.len() > MAX_PATH_CHARS {
            break;
        }
    }
    if out.is_empty() || out.starts_with('[') {
        out.insert(0, '$');
    }
    truncate(out)
}

/// A nesting deeper than `max_depth`: `path` leads to the first container too deep.
pub fn too_deep(path: &[Segment], max_depth: usize) -> FieldError {
    let field = render(path);
    FieldError::new(
        field.clone(),
        "max_depth",
        format!("the body nests objects and arrays more than {max_depth} levels deep (at {field})"),
    )
}

/// A string or key longer than `max_chars` characters at `path`.
pub fn too_long(path: &[Segment], max_chars: usize) -> FieldError {
    let field = render(path);
    FieldError::new(
        field.clone(),
        "max_length",
        format!("strings and keys must be at most {max_chars} characters ({field} is longer)"),
    )
}

/// A string or key at `path` holding the NUL character, which Postgres text cannot hold: were
/// it accepted, the event could never be recorded.
pub fn nul_character(path: &[Segment]) -> FieldError {
    let field = render(path);
    FieldError::new(
        field.clone(),
        NUL_RULE,
        format!("strings and keys must not contain the NUL character U+0000, which cxrelay cannot store ({field} does)"),
    )
}

/// A form key or value at `path` that is not UTF-8 once percent-decoded: it is not text, and
/// decoding it anyway would change it (each bad byte would become U+FFFD).
pub fn not_utf8(path: &[Segment]) -> FieldError {
    let field = render(path);
    FieldError::new(
        field.clone(),
        UTF8_RULE,
        format!("form keys and values must be UTF-8 text once percent-decoded ({field} is not)"),
    )
}

/// The `rule` of a 422 for a form key or value that is not UTF-8.
pub const UTF8_RULE: &str = "utf8";

/// A key that reads well after a dot: ASCII letters, digits and `_`, not starting with a digit.
fn is_plain_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn truncate(mut path: String) -> String {
    if path.chars().count() <= MAX_PATH_CHARS {
        return path;
    }
    let cut = path
        .char_indices()
        .nth(MAX_PATH_CHARS - 1)
        .map_or(path.len(), |(at, _)| at);
    path.truncate(cut);
    path.push('…');
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Segment {
        Segment::Key(name.to_owned())
    }

    #[test]
    fn paths_read_like_javascript() {
        assert_eq!(render(&[]), "$");
        assert_eq!(render(&[key("data"), key("orderId")]), "data.orderId");
        assert_eq!(render(&[key("list"), Segment::Index(0)]), "list[0]");
        assert_eq!(render(&[Segment::Index(0), Segment::Index(1)]), "$[0][1]");
        assert_eq!(render(&[key("a b"), key("c")]), "$[\"a b\"].c");
        assert_eq!(render(&[key("list"), Segment::Append]), "list[]");
        assert_eq!(render(&[key("1st")]), "$[\"1st\"]");
    }

    #[test]
    fn long_paths_are_cut() {
        let deep: Vec<Segment> = (0..1_000).map(Segment::Index).collect();
        let rendered = render(&deep);
        assert_eq!(rendered.chars().count(), MAX_PATH_CHARS);
        assert!(rendered.ends_with('…'));
        let long_key = render(&[key(&"é".repeat(10_000))]);
        assert_eq!(long_key.chars().count(), MAX_PATH_CHARS);
    }
}
