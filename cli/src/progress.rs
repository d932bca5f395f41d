//! The progress bar of a large replay, and Ctrl-C as a clean stop.
//!
//! indicatif draws on stderr, so `--format json` on stdout stays one clean document, and it
//! draws nothing when stderr is not a terminal (a pipe, a CI log).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cxrelay_core::replay::ReplayProgress;
use indicatif::{ProgressBar, ProgressStyle};

/// Selections up to this size finish in seconds at the default rate: no bar for them.
pub const BAR_THRESHOLD: u64 = 25;

/// A bar for selections over [`BAR_THRESHOLD`], and a flag Ctrl-C raises.
pub struct TerminalProgress {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
}

impl TerminalProgress {
    /// Progress that also listens for Ctrl-C: the event in hand is finished, the run is
    /// recorded, and the summary says what was not attempted.
    pub fn with_ctrl_c() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::SeqCst);
            }
        });
        Self {
            bar: ProgressBar::hidden(),
            stop,
        }
    }
}

impl ReplayProgress for TerminalProgress {
    fn start(&self, total: u64) {
        if total <= BAR_THRESHOLD {
            return;
        }
        self.bar.set_length(total);
        self.bar
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        // The template is a constant: it parses, or the default style is as good.
        let style = ProgressStyle::with_template(
            "{spinner} replaying [{bar:40}] {pos}/{len} events, {per_sec}, about {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        self.bar.set_style(style);
    }

    fn advance(&self) {
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}
