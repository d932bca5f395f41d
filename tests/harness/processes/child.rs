//! One binary under test running as a child process: its log file, its signals, its exit.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::wait;

/// Lines of a log shown when something went wrong: enough for the last error and what led
/// up to it, short enough for a CI page.
pub const LOG_TAIL_LINES: usize = 40;

/// A started binary. Every method takes `&self`, so a test can signal one process while it
/// sends traffic through another; the process is killed (SIGKILL) when this is dropped, so no
/// test leaves one behind.
pub struct ChildProcess {
    name: String,
    admin_url: String,
    log: PathBuf,
    pid: Pid,
    state: Mutex<ChildState>,
}

struct ChildState {
    child: Child,
    /// Set once the process was reaped; its pid may belong to another process after that, so
    /// no signal is sent any more.
    exit: Option<ExitStatus>,
}

impl ChildProcess {
    /// Starts `binary` with exactly `env` (nothing inherited from the test's environment, so a
    /// developer's `DATABASE_URL` cannot leak in), stdout and stderr appended to
    /// `<log_dir>/<name>.log`. `admin_url` is the base URL of its admin listener.
    pub fn spawn(
        binary: &Path,
        name: &str,
        env: &[(String, String)],
        log_dir: &Path,
        admin_url: String,
    ) -> Self {
        let log = log_dir.join(format!("{name}.log"));
        let stdout =
            File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let stderr = stdout.try_clone().expect("a second handle on the log file");
        let child = Command::new(binary)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid fits in i32"));
        Self {
            name: name.to_owned(),
            admin_url,
            log,
            pid,
            state: Mutex::new(ChildState { child, exit: None }),
        }
    }

    /// What the harness calls it: `ingress`, `worker-0`, ...
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Base URL of its admin listener (`/healthz`, `/readyz`, `/metrics`).
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// Its log file (stdout and stderr).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// How it exited, once it has (reaping it); `None` while it runs.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        let mut state = self.state();
        if state.exit.is_none() {
            state.exit = state.child.try_wait().ok().flatten();
        }
        state.exit
    }

    /// Sends SIGTERM, what a process manager sends to stop a service; nothing once it exited.
    pub fn terminate(&self) {
        self.signal(Signal::SIGTERM);
    }

    /// Sends SIGKILL: the process dies at once, mid-work; nothing once it exited.
    pub fn kill(&self) {
        self.signal(Signal::SIGKILL);
    }

    fn signal(&self, signal: Signal) {
        let mut state = self.state();
        if state.exit.is_none() {
            state.exit = state.child.try_wait().ok().flatten();
        }
        // Not reaped yet, so the pid is still this process's (a zombie keeps it).
        if state.exit.is_none() {
            kill(self.pid, signal)
                .unwrap_or_else(|e| panic!("cannot send {signal} to {}: {e}", self.name));
        }
    }

    /// Waits until it has exited, at most `within`; panics with the end of its log after that.
    pub async fn wait_exit(&self, within: Duration) -> ExitStatus {
        let status = wait::for_at_most(within, || std::future::ready(self.exit_status())).await;
        status.unwrap_or_else(|| {
            panic!(
                "{} did not exit within {within:?}; the end of its log:\n{}",
                self.name,
                self.log_tail(LOG_TAIL_LINES)
            )
        })
    }

    /// Waits until `GET {admin}/readyz` answers 200, at most `within`. Panics with the end of
    /// its log if it exits first or is not ready in time.
    pub async fn wait_ready(&self, http: &reqwest::Client, within: Duration) {
        let url = format!("{}/readyz", self.admin_url);
        let url = &url;
        let outcome = wait::for_at_most(within, || {
            let exited = self.exit_status();
            async move {
                if let Some(status) = exited {
                    return Some(Err(status));
                }
                let response = http
                    .get(url)
                    .bearer_auth(crate::app::ADMIN_TOKEN)
                    .send()
                    .await
                    .ok()?;
                response.status().is_success().then_some(Ok(()))
            }
        })
        .await;
        let problem = match outcome {
            Some(Ok(())) => return,
            Some(Err(status)) => format!("exited ({status}) before it was ready"),
            None => format!("was not ready within {within:?}"),
        };
        panic!(
            "{} {problem}; the end of its log:\n{}",
            self.name,
            self.log_tail(LOG_TAIL_LINES)
        );
    }

    /// SIGKILLs it unless it exited, and reaps it; never panics, for clean-up in `Drop`.
    pub fn kill_and_reap(&self) {
        let mut state = self.state();
        if state.exit.is_none() {
            let _ = state.child.kill();
            // After SIGKILL the wait is immediate; it reaps the process so no zombie is left.
            state.exit = state.child.wait().ok();
        }
    }

    /// The last `lines` lines of its log, indented, for a failure message.
    pub fn log_tail(&self, lines: usize) -> String {
        let Ok(bytes) = std::fs::read(&self.log) else {
            return format!("    (cannot read {})", self.log.display());
        };
        let text = String::from_utf8_lossy(&bytes);
        let all: Vec<&str> = text.lines().collect();
        let tail = &all[all.len().saturating_sub(lines)..];
        if tail.is_empty() {
            return "    (empty)".to_owned();
        }
        tail.iter()
            .map(|line| format!("    {line}\n"))
            .collect::<String>()
    }

    fn state(&self) -> MutexGuard<'_, ChildState> {
        // A test that panicked while holding the lock must not keep its process alive.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}
