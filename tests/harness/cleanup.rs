//! Removing what a test created for itself: its exchanges and queues, and its database.

use cxrelay_core::amqp::Topology;

use crate::{broker, database};

/// Deletes every queue and exchange of `topology` and drops database `db_name`, from a `Drop`:
/// the clean-up needs async I/O but `Drop` is sync (and may run inside a runtime), so it runs on
/// a runtime of its own, in a thread of its own, and is waited for.
pub fn remove_isolation(topology: &Topology, db_name: &str) {
    let topology = topology.clone();
    let db_name = db_name.to_owned();
    let cleanup = std::thread::spawn(move || {
        if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            runtime.block_on(async {
                broker::delete_topology(&topology).await;
                database::drop_database(&db_name).await;
            });
        }
    });
    let _ = cleanup.join();
}
