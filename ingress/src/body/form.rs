//! `application/x-www-form-urlencoded` bodies (the Cognigy HTTP Request node's default), made
//! into the JSON object a JSON body would have been, with nested keys read as qs and axios
//! write them: `data[orderId]=42` is `{"data":{"orderId":"42"}}`, `list[0]=a&list[1]=b` and
//! `list[]=a&list[]=b` are `{"list":["a","b"]}`, and a key sent twice (`k=a&k=b`) is an array.
//! Every value is a string; the kinds read numbers and booleans from strings.
//!
//! Pairs are split and percent-decoded as the WHATWG parser does (with `percent-encoding`, the
//! `url` crate's decoder), except that bytes which are not UTF-8 are refused rather than
//! replaced; the nesting is read here, so that depth, length and the NUL character are checked
//! with the same limits and paths as JSON bodies, before anything deep is built.

use std::borrow::Cow;
use std::collections::BTreeMap;

use cxrelay_core::storable::is_storable_text;
use percent_encoding::percent_decode;
use serde_json::{Map, Value};

use super::path::{self, Segment};
use super::BodyLimits;
use crate::problem::ApiError;

/// Decodes a form body into a JSON object within `limits`.
pub fn decode(bytes: &[u8], limits: &BodyLimits) -> Result<Value, ApiError> {
    let mut top = Branch::default();
    for (raw_key, raw_value) in raw_pairs(bytes) {
        let key = text_of(raw_key)
            .map_err(|lossy| ApiError::Invalid(path::not_utf8(&[Segment::Key(lossy)])))?;
        // `=value` names nothing that a kind could read: skipped, as qs skips it, once its
        // value is known to be text within the limits like any other.
        let steps = if key.is_empty() {
            vec![Step::Name(String::new())]
        } else {
            steps_of(&key, limits)?
        };
        let value =
            text_of(raw_value).map_err(|_| ApiError::Invalid(path::not_utf8(&segments(&steps))))?;
        if value.len() > limits.max_string_chars && value.chars().count() > limits.max_string_chars
        {
            return Err(ApiError::Invalid(path::too_long(
                &segments(&steps),
                limits.max_string_chars,
            )));
        }
        if !is_storable_text(&value) {
            return Err(ApiError::Invalid(path::nul_character(&segments(&steps))));
        }
        if key.is_empty() {
            continue;
        }
        top.insert(&steps, value)
            .map_err(|at| conflict(steps.get(..=at).unwrap_or(&steps)))?;
    }
    let mut path = Vec::new();
    top.into_value(1, limits, &mut path)
        .map_err(ApiError::Invalid)
}

/// The key and value of each `&`-separated pair, still percent-encoded; a pair without `=` has
/// an empty value, and empty pairs (`&&`) are skipped, as the WHATWG parser does.
fn raw_pairs(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    bytes
        .split(|byte| *byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|byte| *byte == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &pair[pair.len()..]),
        })
}

/// A key or value percent-decoded, `+` read as a space, as the WHATWG parser reads it; but
/// strictly: bytes that are not UTF-8 are refused (the error holds the lossy text, to name a
/// key by), where the WHATWG parser would silently replace each with U+FFFD and change the value.
fn text_of(raw: &[u8]) -> Result<String, String> {
    let spaced: Cow<'_, [u8]> = if raw.contains(&b'+') {
        Cow::Owned(
            raw.iter()
                .map(|&byte| if byte == b'+' { b' ' } else { byte })
                .collect(),
        )
    } else {
        Cow::Borrowed(raw)
    };
    let decoded: Cow<'_, [u8]> = percent_decode(&spaced).into();
    String::from_utf8(decoded.into_owned())
        .map_err(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// One bracket of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// `name` or `[name]`.
    Name(String),
    /// `[3]`.
    Index(usize),
    /// `[]`.
    Append,
}

/// The steps of a key: `a[b][0][]` is `a`, `b`, 0, append. A key whose brackets do not pair up
/// (`a[b`, `a[b]c`, `[a]`) is one plain name, as written.
fn steps_of(key: &str, limits: &BodyLimits) -> Result<Vec<Step>, ApiError> {
    let names = bracketed(key).unwrap_or_else(|| vec![key]);
    let steps: Vec<Step> = names
        .iter()
        .take(limits.max_depth)
        .enumerate()
        // The first is the member of the body's object, whatever it looks like.
        .map(|(at, name)| match at {
            0 => Step::Name((*name).to_owned()),
            _ => step_of(name),
        })
        .collect();
    // The key's steps are the containers it opens: the body's object, then one per bracket.
    if names.len() > limits.max_depth {
        return Err(ApiError::Invalid(path::too_deep(
            &segments(&steps),
            limits.max_depth,
        )));
    }
    for (at, step) in steps.iter().enumerate() {
        if let Step::Name(name) = step {
            if name.len() > limits.max_string_chars
                && name.chars().count() > limits.max_string_chars
            {
                return Err(ApiError::Invalid(path::too_long(
                    &segments(&steps[..=at]),
                    limits.max_string_chars,
                )));
            }
            if !is_storable_text(name) {
                return Err(ApiError::Invalid(path::nul_character(&segments(
                    &steps[..=at],
                ))));
            }
        }
    }
    Ok(steps)
}

/// The root and the bracketed names of a key, or none when its brackets do not pair up; read
/// without allocating a string, so a key of 20,000 brackets costs little before it is refused.
fn bracketed(key: &str) -> Option<Vec<&str>> {
    let open = key.find('[')?;
    if open == 0 {
        return None;
    }
    let mut names = vec![&key[..open]];
    let mut rest = &key[open..];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        let name = &inner[..close];
        if name.contains('[') {
            return None;
        }
        names.push(name);
        rest = &inner[close + 1..];
    }
    Some(names)
}

fn step_of(name: &str) -> Step {
    if name.is_empty() {
        return Step::Append;
    }
    // Only a canonical number is an index: `01` stays a name, as does a number too large.
    let canonical =
        name == "0" || (!name.starts_with('0') && name.bytes().all(|b| b.is_ascii_digit()));
    match name.parse::<usize>() {
        Ok(index) if canonical => Step::Index(index),
        _ => Step::Name(name.to_owned()),
    }
}

fn segments(steps: &[Step]) -> Vec<Segment> {
    steps
        .iter()
        .map(|step| match step {
            Step::Name(name) => Segment::Key(name.clone()),
            Step::Index(index) => Segment::Index(*index),
            Step::Append => Segment::Append,
        })
        .collect()
}

/// The same place given a value and nested keys (`a=1&a[b]=2`): 400, naming the place.
fn conflict(steps: &[Step]) -> ApiError {
    let field = path::render(&segments(steps));
    ApiError::MalformedForm {
        message: format!("{field} is given both as a value and as an object"),
        field,
    }
}

/// A value as the form gave it, before it becomes JSON.
enum Node {
    Leaf(String),
    Branch(Branch),
}

/// An object or array being filled: an array while it has no names. An append (`[]`, or a
/// key sent again) takes the index after the last one, as qs does.
#[derive(Default)]
struct Branch {
    named: BTreeMap<String, Node>,
    indexed: BTreeMap<usize, Node>,
}

impl Branch {
    /// Puts `value` at `steps` below this branch; on a conflict, the index in `steps` of the
    /// place that conflicts.
    fn insert(&mut self, steps: &[Step], value: String) -> Result<(), usize> {
        self.insert_at(steps, 0, value)
    }

    fn insert_at(&mut self, steps: &[Step], at: usize, value: String) -> Result<(), usize> {
        // `steps` is never empty and `at` never passes its end; no step is nothing to insert.
        let Some(step) = steps.get(at) else {
            return Ok(());
        };
        match step {
            Step::Name(name) => place(self.named.entry(name.clone()), steps, at, value),
            Step::Index(index) => place(self.indexed.entry(*index), steps, at, value),
            Step::Append => place(self.indexed.entry(self.next_index()), steps, at, value),
        }
    }

    fn next_index(&self) -> usize {
        self.indexed
            .last_key_value()
            .map_or(0, |(last, _)| last.saturating_add(1))
    }

    fn append(&mut self, node: Node) {
        let index = self.next_index();
        self.indexed.insert(index, node);
    }
}

/// Fills the place of `steps[at]`: a new value, a second value (the place becomes an array),
/// or a step further down.
fn place<K: Ord>(
    slot: std::collections::btree_map::Entry<'_, K, Node>,
    steps: &[Step],
    at: usize,
    value: String,
) -> Result<(), usize> {
    use std::collections::btree_map::Entry;
    let is_last = at + 1 == steps.len();
    match slot {
        Entry::Vacant(vacant) => {
            if is_last {
                vacant.insert(Node::Leaf(value));
            } else {
                let mut branch = Branch::default();
                branch.insert_at(steps, at + 1, value)?;
                vacant.insert(Node::Branch(branch));
            }
            Ok(())
        }
        Entry::Occupied(mut occupied) => match occupied.get_mut() {
            Node::Leaf(first) if is_last => {
                let mut list = Branch::default();
                list.append(Node::Leaf(std::mem::take(first)));
                list.append(Node::Leaf(value));
                occupied.insert(Node::Branch(list));
                Ok(())
            }
            Node::Leaf(_) => Err(at),
            Node::Branch(branch) if is_last => {
                if branch.named.is_empty() {
                    branch.append(Node::Leaf(value));
                    Ok(())
                } else {
                    Err(at)
                }
            }
            Node::Branch(branch) => branch.insert_at(steps, at + 1, value),
        },
    }
}

impl Branch {
    /// The JSON of this branch, `depth` containers below the top (the top is 1): an array when
    /// it has only indices (in their order, gaps closed), else an object whose indices are keys.
    fn into_value(
        self,
        depth: usize,
        limits: &BodyLimits,
        path: &mut Vec<Segment>,
    ) -> Result<Value, cxrelay_core::validation::FieldError> {
        if depth > limits.max_depth {
            return Err(path::too_deep(path, limits.max_depth));
        }
        let is_array = self.named.is_empty() && depth > 1;
        let mut elements = Vec::new();
        let mut object = Map::new();
        for (name, node) in self.named {
            path.push(Segment::Key(name.clone()));
            object.insert(name, node.into_value(depth, limits, path)?);
            path.pop();
        }
        for (index, node) in self.indexed {
            if is_array {
                path.push(Segment::Index(elements.len()));
                elements.push(node.into_value(depth, limits, path)?);
            } else {
                path.push(Segment::Key(index.to_string()));
                object.insert(index.to_string(), node.into_value(depth, limits, path)?);
            }
            path.pop();
        }
        Ok(if is_array {
            Value::Array(elements)
        } else {
            Value::Object(object)
        })
    }
}

impl Node {
    fn into_value(
        self,
        parent_depth: usize,
        limits: &BodyLimits,
        path: &mut Vec<Segment>,
    ) -> Result<Value, cxrelay_core::validation::FieldError> {
        match self {
            Node::Leaf(value) => Ok(Value::String(value)),
            Node::Branch(branch) => branch.into_value(parent_depth + 1, limits, path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LIMITS: BodyLimits = BodyLimits {
        max_bytes: 1 << 20,
        max_depth: 4,
        max_string_chars: 8,
    };

    fn form(body: &str) -> Value {
        let wide = BodyLimits {
            max_string_chars: 64,
            ..LIMITS
        };
        decode(body.as_bytes(), &wide).unwrap()
    }

    fn refused(body: &str) -> (u16, String, String) {
        let error = decode(body.as_bytes(), &LIMITS).unwrap_err();
        let (field, rule) = error.field_and_rule().unwrap();
        (error.status().as_u16(), field.to_owned(), rule.to_owned())
    }

    #[test]
    fn flat_pairs_are_string_members() {
        assert_eq!(
            form("sessionId=s-1&text=I+want%20a+human&intentScore=0.2&understood=false"),
            json!({"sessionId": "s-1", "text": "I want a human", "intentScore": "0.2", "understood": "false"})
        );
        assert_eq!(form(""), json!({}));
        assert_eq!(form("&&=x&a"), json!({"a": ""}));
    }

    #[test]
    fn brackets_nest_as_qs_writes_them() {
        assert_eq!(
            form("data%5BorderId%5D=42&data[tier]=gold&data[items][0]=a&data[items][1]=b"),
            json!({"data": {"orderId": "42", "tier": "gold", "items": ["a", "b"]}})
        );
        assert_eq!(form("l[]=a&l[]=b"), json!({"l": ["a", "b"]}));
        assert_eq!(form("l=a&l=b"), json!({"l": ["a", "b"]}));
        assert_eq!(form("l[1]=b&l[0]=a&l[]=c"), json!({"l": ["a", "b", "c"]}));
        assert_eq!(form("l[]=a&l[1][]=b"), json!({"l": ["a", ["b"]]}));
        assert_eq!(form("l[1][]=b&l[]=a"), json!({"l": [["b"], "a"]}));
        assert_eq!(form("m[k]=b&m[]=c"), json!({"m": {"k": "b", "0": "c"}}));
        assert_eq!(form("l[7]=x"), json!({"l": ["x"]}));
        assert_eq!(
            form("l[0][n]=a&l[1][n]=b"),
            json!({"l": [{"n": "a"}, {"n": "b"}]})
        );
        assert_eq!(form("m[0]=a&m[k]=b"), json!({"m": {"0": "a", "k": "b"}}));
        assert_eq!(form("m[01]=a"), json!({"m": {"01": "a"}}));
        assert_eq!(form("0=a"), json!({"0": "a"}));
    }

    #[test]
    fn irregular_brackets_are_plain_names() {
        assert_eq!(
            form("a[b=1&a[b]c=2&[a]=3&a]=4&a[[b]]=5"),
            json!({"a[b": "1", "a[b]c": "2", "[a]": "3", "a]": "4", "a[[b]]": "5"})
        );
    }

    #[test]
    fn a_value_and_an_object_in_one_place_is_a_400() {
        assert_eq!(refused("a=1&a[b]=2"), (400, "a".into(), "form".into()));
        assert_eq!(refused("a[b]=2&a=1"), (400, "a".into(), "form".into()));
        assert_eq!(
            refused("a[b][c]=1&a[b]=2"),
            (400, "a.b".into(), "form".into())
        );
    }

    #[test]
    fn depth_and_length_are_limited_with_paths() {
        assert_eq!(form("a[b][c]=1"), json!({"a": {"b": {"c": "1"}}}));
        assert_eq!(form("a[b][c][d]=1"), json!({"a": {"b": {"c": {"d": "1"}}}}));
        assert_eq!(
            refused("a[b][c][d][e]=1"),
            (422, "a.b.c.d".into(), "max_depth".into())
        );
        // A repeated key becomes an array: one level more than its brackets.
        assert_eq!(
            refused("a[b][c][d]=1&a[b][c][d]=2"),
            (422, "a.b.c.d".into(), "max_depth".into())
        );
        let deep = format!("a{}=1", "[x]".repeat(20_000));
        assert_eq!(refused(&deep), (422, "a.x.x.x".into(), "max_depth".into()));
        assert_eq!(
            refused("a=123456789"),
            (422, "a".into(), "max_length".into())
        );
        assert_eq!(
            refused("a[b23456789]=1"),
            (422, "a.b23456789".into(), "max_length".into())
        );
        assert_eq!(
            refused("123456789=1"),
            (422, "$[\"123456789\"]".into(), "max_length".into())
        );
        // Characters are counted, not bytes: eight of two bytes each are within the limit.
        let eight = decode(
            b"a=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
            &LIMITS,
        );
        assert_eq!(eight.unwrap(), json!({"a": "éééééééé"}));
    }

    #[test]
    fn a_key_whose_brackets_do_not_pair_up_is_held_to_the_limits_too() {
        assert_eq!(
            refused("[[[[[[[[[=x"),
            (422, "$[\"[[[[[[[[[\"]".into(), "max_length".into())
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_naming_the_field_not_replaced() {
        assert_eq!(refused("a=%FF"), (422, "a".into(), "utf8".into()));
        assert_eq!(
            refused("ok=1&data[k]=caf%E9"),
            (422, "data.k".into(), "utf8".into())
        );
        assert_eq!(
            refused("k%FF=1"),
            (422, "$[\"k\u{FFFD}\"]".into(), "utf8".into())
        );
        // A replacement character sent as such is text like any other.
        assert_eq!(form("a=%EF%BF%BD"), json!({"a": "\u{FFFD}"}));
    }

    #[test]
    fn a_pair_without_a_name_is_skipped_once_its_value_is_text_within_the_limits() {
        assert_eq!(form("=x&a=1"), json!({"a": "1"}));
        assert_eq!(
            refused("=%00"),
            (422, "$[\"\"]".into(), "nul_character".into())
        );
        assert_eq!(
            refused("=123456789"),
            (422, "$[\"\"]".into(), "max_length".into())
        );
    }

    #[test]
    fn a_nul_character_in_a_key_or_value_is_refused_naming_the_field() {
        assert_eq!(
            refused("text=a%00b"),
            (422, "text".into(), "nul_character".into())
        );
        assert_eq!(
            refused("data[k%00]=1"),
            (422, "data[\"k\\u0000\"]".into(), "nul_character".into())
        );
        assert_eq!(
            refused("a%00=1"),
            (422, "$[\"a\\u0000\"]".into(), "nul_character".into())
        );
    }

    #[test]
    fn pairs_are_split_and_decoded_as_the_whatwg_parser_splits_and_decodes_them() {
        for body in [
            "a=1&b=x+y%2B&&c&=d&e==f&g=%zz&h=%4",
            "",
            "&",
            "%41%42=%C3%A9",
        ] {
            let ours: Vec<(String, String)> = raw_pairs(body.as_bytes())
                .map(|(k, v)| (text_of(k).unwrap(), text_of(v).unwrap()))
                .collect();
            let whatwg: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, whatwg, "{body}");
        }
    }
}
