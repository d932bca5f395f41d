//! Where the binaries under test are: beside the test executable's own directory.

use std::path::PathBuf;

/// The ingress binary.
pub const INGRESS: &str = "cxrelay-ingress";
/// The worker binary.
pub const WORKER: &str = "cxrelay-worker";

/// The path of binary `name` of the profile the tests were built with.
///
/// A test executable lives in `target/<profile>/deps/`, the workspace's binaries in
/// `target/<profile>/`. Only a package's own integration tests get `CARGO_BIN_EXE_*`, and
/// `cargo test` builds other packages' binaries only for their own tests, so a missing binary
/// panics with how to build it.
pub fn binary_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test executable is in target/<profile>/deps");
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run the tests with `scripts/test`, which builds the binaries first, \
         or run `cargo build --workspace --bins` (same profile and target directory) before \
         `cargo test`",
        path.display()
    );
    path
}
