//! The programs a benchmark runs as processes of their own (the ingress, the worker, the
//! simulator, the ceiling servers): started from the release build beside the benchmark's own
//! binary, logging to a file, their peak memory read from /proc, killed when dropped.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// How often readiness is asked for while a process starts.
const READY_POLL: Duration = Duration::from_millis(100);

/// The path of binary `name` built with the benchmark (same profile, same target directory).
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("the benchmark's own path")?;
    let dir = exe
        .parent()
        .context("the benchmark binary has a directory")?;
    let path = dir.join(name);
    if !path.is_file() {
        bail!(
            "{} is missing: build it first (the scripts/bench-* scripts run \
             `cargo build --release` of every binary they need)",
            path.display()
        );
    }
    Ok(path)
}

/// Where the processes' logs go: `bench-logs/` beside the binaries.
pub fn log_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("the benchmark's own path")?;
    let dir = exe
        .parent()
        .context("the benchmark binary has a directory")?
        .join("bench-logs");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// An address on 127.0.0.1 that was free a moment ago, to tell a process where to listen.
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind 127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// A started program; killed (and reaped) when dropped, so no run leaves one behind.
pub struct Process {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `binary` with exactly `env` and `args` (nothing inherited, so a developer's
    /// `DATABASE_URL` cannot leak in), stdout and stderr to `<log dir>/<name>.log`.
    pub fn start(
        binary: &Path,
        name: &str,
        env: &[(String, String)],
        args: &[String],
    ) -> anyhow::Result<Self> {
        let log = log_dir()?.join(format!("{name}.log"));
        let stdout =
            File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let stderr = stdout.try_clone()?;
        let child = Command::new(binary)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(Self {
            name: name.to_owned(),
            child,
            log,
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its log file.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Waits until `GET url` answers 2xx (with `bearer` as `Authorization: Bearer` if given),
    /// at most `within`; fails with the end of its log if it exits first or is late.
    pub async fn wait_ready(
        &mut self,
        http: &reqwest::Client,
        url: &str,
        bearer: Option<&str>,
        within: Duration,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited ({status}) before it was ready; the end of its log:\n{}",
                    self.name,
                    self.log_tail(20)
                );
            }
            let mut request = http.get(url);
            if let Some(token) = bearer {
                request = request.bearer_auth(token);
            }
            if let Ok(response) = request.send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} was not ready within {within:?} ({url}); the end of its log:\n{}",
                    self.name,
                    self.log_tail(20)
                );
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    /// Fails with the end of its log if it has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); the end of its log:\n{}",
                self.name,
                self.log_tail(20)
            );
        }
        Ok(())
    }

    /// Its peak resident memory so far (`VmHWM` of /proc/<pid>/status), in bytes.
    pub fn peak_rss(&self) -> anyhow::Result<u64> {
        peak_rss_of(self.pid())
    }

    /// The last `lines` lines of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The peak resident memory of process `pid` (`VmHWM`), in bytes.
pub fn peak_rss_of(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .context("no VmHWM line in /proc/<pid>/status")?;
    Ok(kib * 1024)
}
