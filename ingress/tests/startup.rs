//! The binary itself: a missing or malformed setting stops start-up with one line naming it.

use std::process::Command;

fn run_ingress(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cxrelay-ingress"));
    command.env_clear();
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run cxrelay-ingress");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_missing_database_url_stops_start_up_with_one_line_naming_it() {
    let (code, stderr) = run_ingress(&[]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

#[test]
fn a_malformed_address_stops_start_up_with_one_line_naming_it() {
    let (code, stderr) = run_ingress(&[("CXRELAY_INGRESS__ADDR", "localhost-8080")]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("CXRELAY_INGRESS__ADDR"), "{stderr}");
}

#[test]
fn missing_inbound_keys_are_named_once_the_connections_are_set() {
    let (code, stderr) = run_ingress(&[
        ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
        ("AMQP_URL", "amqp://127.0.0.1:1"),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("CXRELAY_INGRESS__SOURCES__API__KEYS"),
        "{stderr}"
    );
}

#[test]
fn a_secret_in_a_connection_url_never_reaches_the_error_line() {
    let (code, stderr) = run_ingress(&[
        (
            "DATABASE_URL",
            "postgres://user:hunter2-secret@127.0.0.1:1/none",
        ),
        ("AMQP_URL", "amqp://guest:guest@127.0.0.1:1"),
        ("CXRELAY_INGRESS__API_KEYS", "k"),
    ]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("Postgres"), "{stderr}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");
}
