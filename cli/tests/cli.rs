//! The `cxrelay` binary's command line, run as an operator runs it.

use std::process::{Command, Output};

fn cxrelay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxrelay"))
        .args(args)
        .output()
        .expect("run cxrelay")
}

#[test]
fn a_workflow_id_that_is_not_a_uuid_is_a_usage_error_naming_the_option() {
    let output = cxrelay(&["genesys", "install-trigger", "--workflow-id", "not-a-uuid"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--workflow-id"), "{stderr}");
}

#[test]
fn an_unknown_media_type_is_a_usage_error_listing_the_known_ones() {
    let output = cxrelay(&[
        "genesys",
        "install-trigger",
        "--workflow-id",
        "3e1d7a52-7c0b-4f4e-9d61-2a5b8c9e0f14",
        "--media-type",
        "sms",
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--media-type") && stderr.contains("MESSAGE"),
        "{stderr}"
    );
}
