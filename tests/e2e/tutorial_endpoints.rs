//! Nothing in cxrelay's own code calls an endpoint that exists only in the tutorials
//! (contracts.md, "Tutorial endpoint → real call").

use std::path::{Path, PathBuf};

/// Paths of the tutorials that neither Genesys nor Cognigy serve.
const TUTORIAL_ONLY: &[&str] = &[
    "/api/v2/flows/trigger",
    "/api/v2/interactions",
    "/api/v2/conversations/message/evaluate",
    "/api/v2/integrations/webhooks",
    "/api/v2/session/start",
    "/api/v1/auth/login",
    "/api/v1/bots",
    "\"/api/v2/conversations\"",
    "messages?wait=true",
];

/// Real calls that must be found, so the scan provably reads the code that makes them.
const REAL_CALLS: &[&str] = &[
    "/api/v2/flows/executions",
    "/replace/queue",
    "/api/v2/conversations/messages/agentless",
    "/api/v2/analytics/conversations/",
    "new/v2.0/endpoint/notify",
    "oauth/token",
];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_production_code_calls_only_real_genesys_and_cognigy_endpoints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for crate_dir in ["core", "ingress", "worker", "cli"] {
        sources(&root.join(crate_dir).join("src"), &mut files);
    }
    let code: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    for real in REAL_CALLS {
        assert!(
            code.iter().any(|(_, text)| text.contains(real)),
            "no code makes the real call {real}"
        );
    }
    for (path, text) in &code {
        for fake in TUTORIAL_ONLY {
            assert!(
                !text.contains(fake),
                "{} calls the tutorial-only endpoint {fake}",
                path.display()
            );
        }
    }
}
