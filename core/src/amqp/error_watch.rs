//! Hearing that a connection failed: lapin 4 reports it as an event on a stream (its
//! `on_error` callback is gone), which someone has to read.

use futures::StreamExt;
use lapin::{Connection, Event};
use tokio::task::JoinHandle;

/// Reads a connection's events on a task of its own; dropping it stops the task, so a
/// connection given up leaves no reader behind.
pub(super) struct ErrorWatch(JoinHandle<()>);

impl ErrorWatch {
    /// Calls `on_error` with the first error `connection` reports: the connection failed, or one
    /// of its channels was closed by the broker. Only the first: one failure can be reported
    /// several times over (the connection, then each channel), and one call is what the caller
    /// needs to start over. Called before anything else is done on the connection, since
    /// lapin keeps no event for a listener that did not exist yet.
    pub(super) fn start(
        connection: &Connection,
        on_error: impl FnOnce(lapin::Error) + Send + 'static,
    ) -> Self {
        let mut events = Box::pin(connection.events_listener());
        Self(tokio::spawn(async move {
            while let Some(event) = events.next().await {
                if let Event::Error(error) = event {
                    on_error(error);
                    return;
                }
            }
        }))
    }
}

impl Drop for ErrorWatch {
    fn drop(&mut self) {
        self.0.abort();
    }
}
