use cxrelay_tests::app::{settings_for, start_sim};
use cxrelay_tests::{broker, database};
use uuid::Uuid;

async fn build_errors(db_name: &str) -> (String, String) {
    let sim = start_sim().await;
    let settings = settings_for(
        &database::url_of(db_name),
        &broker::amqp_url(),
        "unused",
        &sim.base_url(),
    );
    let ingress = cxrelay_ingress::Application::build(&settings)
        .await
        .err()
        .expect("the ingress refuses");
    let worker = cxrelay_worker::Worker::build(&settings)
        .await
        .err()
        .expect("the worker refuses");
    (format!("{ingress:#}"), format!("{worker:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binaries_refuse_an_unmigrated_database_and_name_the_fix() {
    let name = format!(
        "cxrelay_test_{}",
        &Uuid::new_v4().simple().to_string()[..12]
    );
    let _pool = database::create(&name, false).await;
    let (ingress, worker) = build_errors(&name).await;
    database::drop_database(&name).await;
    assert!(ingress.contains("cxrelay migrate"), "{ingress}");
    assert!(worker.contains("cxrelay migrate"), "{worker}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binaries_refuse_a_database_migrated_by_a_newer_release() {
    let name = format!(
        "cxrelay_test_{}",
        &Uuid::new_v4().simple().to_string()[..12]
    );
    let pool = database::create(&name, true).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000000, 'from the future', true, '\\x00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (ingress, worker) = build_errors(&name).await;
    pool.close().await;
    database::drop_database(&name).await;
    assert!(ingress.contains("newer"), "{ingress}");
    assert!(worker.contains("newer"), "{worker}");
}
