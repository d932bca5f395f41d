//! The committed document is the generated one, and it documents every route of the routers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::*;

/// Set to `1` to rewrite `ingress/openapi.json` from the code instead of comparing.
const UPDATE_VARIABLE: &str = "CXRELAY_UPDATE_OPENAPI";
/// The command that rewrites it.
const UPDATE_COMMAND: &str = "CXRELAY_UPDATE_OPENAPI=1 cargo test -p cxrelay-ingress openapi";
/// Methods a route may be declared with (`get(handler)`, ...).
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let generated = document_text();
    if std::env::var(UPDATE_VARIABLE).as_deref() == Ok("1") {
        std::fs::write(committed_path(), &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "ingress/openapi.json is not the document the code generates (first difference at \
             line {}: committed {:?}, generated {:?}).\nRewrite it with `{UPDATE_COMMAND}` and \
             commit it.",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end of file>"),
            generated.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn every_route_of_the_routers_is_in_the_openapi_document_and_no_other() {
    let routes = declared_routes();
    // Guards the scan itself: the six webhooks, the event status and the five admin routes.
    assert!(routes.len() >= 12, "found only {routes:?}");
    let document = document();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(|method| (method.to_string(), path.clone()))
        })
        .collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes without a #[utoipa::path] in the document (add one and list it in \
         `IngressApi`'s paths): {undocumented:?}"
    );
    let phantom: Vec<_> = documented.difference(&routes).collect();
    assert!(phantom.is_empty(), "documented but not routed: {phantom:?}");
}

#[test]
fn the_documented_messenger_types_are_the_parsers() {
    let document = document();
    let documented = &document["components"]["schemas"]["MessengerType"]["enum"];
    assert_eq!(
        documented,
        &serde_json::json!(cxrelay_core::kinds::MESSENGER_TYPES)
    );
}

#[test]
fn the_example_of_an_event_status_has_every_field_of_the_answer() {
    let document = document();
    let schema = &document["components"]["schemas"]["EventStatus"]["properties"];
    let example = event_status_example();
    let fields: BTreeSet<&String> = schema.as_object().unwrap().keys().collect();
    let given: BTreeSet<&String> = example.as_object().unwrap().keys().collect();
    assert_eq!(fields, given);
}

/// Every `(method, path)` the routers declare: each `.route("<path>", <method>(...)...)` in the
/// ingress's source, method chains (`get(a).post(b)`) included. A route whose path is not a
/// string literal fails the scan, so no route escapes it.
fn declared_routes() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let this_file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(file!().trim_start_matches("ingress/"));
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        // This file names `.route(` without declaring a route.
        if file == this_file {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        for (offset, _) in source.match_indices(".route(") {
            let rest = source[offset + ".route(".len()..].trim_start();
            let path = rest
                .strip_prefix('"')
                .and_then(|r| r.split_once('"'))
                .map(|(path, _)| path)
                .unwrap_or_else(|| {
                    panic!("{}: a route whose path is not a literal", file.display())
                });
            let mut chain = rest[path.len() + 2..]
                .trim_start()
                .trim_start_matches(',')
                .trim_start();
            loop {
                let name: String = chain
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    METHODS.contains(&name.as_str()),
                    "{}: route {path} with a method router the scan does not know ({name})",
                    file.display()
                );
                routes.insert((name.clone(), path.to_owned()));
                chain = skip_call(&chain[name.len()..]);
                match chain.trim_start().strip_prefix('.') {
                    Some(next) => chain = next.trim_start(),
                    None => break,
                }
            }
        }
    }
    routes
}

/// `rest` after the parenthesised arguments it starts with.
fn skip_call(rest: &str) -> &str {
    let mut depth = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &rest[i + 1..];
                }
            }
            _ => {}
        }
    }
    ""
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
