//! The readiness report both admin listeners serve at `/readyz`.

use serde_json::{json, Value};
use sqlx::PgPool;

/// Whether the process can do its work: `broker` as the caller knows it, the database by a
/// round trip. Returns the verdict and a body naming each dependency `ok` or `unavailable`.
pub async fn readiness(broker: bool, db: &PgPool) -> (bool, Value) {
    let database = sqlx::query("SELECT 1").execute(db).await.is_ok();
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        broker && database,
        json!({"broker": word(broker), "database": word(database)}),
    )
}
