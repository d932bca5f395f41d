//! The machine and the code a run measured: cores, CPU model, memory, load, commit.

use std::fmt;
use std::process::Command;

/// What the figures of a run depend on besides the code.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Logical CPUs the benchmark may use.
    pub cores: usize,
    /// `model name` of /proc/cpuinfo.
    pub model: String,
    /// Total memory, in GiB.
    pub ram_gib: f64,
    /// /proc/loadavg's 1, 5 and 15 minute load averages when the run started.
    pub load: String,
    /// The commit measured (`+dirty` when the working tree had changes).
    pub commit: String,
}

impl Machine {
    /// Reads the machine's description from /proc and the commit from git.
    pub fn describe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let ram_kib: f64 = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        Self {
            cores,
            model,
            ram_gib: ram_kib / 1024.0 / 1024.0,
            load: load_average(),
            commit: commit(),
        }
    }
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown (not a git checkout)".to_owned();
    };
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|status| !status.is_empty());
    if dirty {
        format!("{head}+dirty")
    } else {
        head
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cores ({}), {:.1} GiB RAM, load average {} at start; commit {}",
            self.cores, self.model, self.ram_gib, self.load, self.commit
        )
    }
}
