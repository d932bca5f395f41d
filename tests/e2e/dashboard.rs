//! The Grafana dashboard (`dashboards/cxrelay.json`) reads what cxrelay really has: every SQL
//! panel runs against a migrated database, every PromQL panel names metrics the binaries
//! export, and every data source is one the provisioning file creates.

use std::path::PathBuf;

use cxrelay_core::metrics;
use cxrelay_tests::database;
use serde_json::Value;

fn dashboards_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dashboards")
}

fn dashboard() -> Value {
    let text = std::fs::read_to_string(dashboards_dir().join("cxrelay.json")).unwrap();
    serde_json::from_str(&text).expect("the dashboard is JSON")
}

/// Every query target of every panel, with its data source uid.
fn targets(dashboard: &Value) -> Vec<(String, String, Value)> {
    dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| {
            let title = panel["title"].as_str().unwrap_or_default().to_owned();
            panel["targets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |target| {
                    let uid = target["datasource"]["uid"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    (title.clone(), uid, target)
                })
        })
        .collect()
}

/// Grafana's `$__timeFilter(column)` macro, as the Postgres data source expands it.
fn expand_macros(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(start) = rest.find("$__timeFilter(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "$__timeFilter(".len()..];
        let end = after.find(')').expect("a closed macro");
        let column = &after[..end];
        out.push_str(&format!(
            "{column} BETWEEN now() - interval '3 hours' AND now()"
        ));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sql_panel_of_the_dashboard_runs_on_the_migrated_schema() {
    let name = format!(
        "cxrelay_test_dash_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let db = database::create(&name, true).await;
    let sql_targets: Vec<_> = targets(&dashboard())
        .into_iter()
        .filter(|(_, uid, _)| uid == "cxrelay-postgres")
        .collect();
    assert!(sql_targets.len() >= 9, "a panel per ops view");
    for (title, _, target) in &sql_targets {
        let sql = expand_macros(target["rawSql"].as_str().expect("rawSql"));
        if let Err(error) = sqlx::query(&sql).fetch_all(&db).await {
            panic!("panel {title:?}: {error}\n{sql}");
        }
    }
    db.close().await;
    database::drop_database(&name).await;
}

#[test]
fn every_promql_panel_names_metrics_the_binaries_export() {
    // Histograms are read through their series: `_bucket`, `_sum`, `_count`.
    let exported: Vec<String> = metrics::INGRESS
        .iter()
        .chain(metrics::WORKER)
        .flat_map(|family| match family.family_type {
            metrics::FamilyType::Histogram(_) => ["_bucket", "_sum", "_count"]
                .iter()
                .map(|suffix| format!("{}{suffix}", family.name))
                .collect::<Vec<_>>(),
            _ => vec![family.name.to_owned()],
        })
        .collect();
    let prom_targets: Vec<_> = targets(&dashboard())
        .into_iter()
        .filter(|(_, uid, _)| uid == "cxrelay-prometheus")
        .collect();
    assert!(!prom_targets.is_empty());
    for (title, _, target) in prom_targets {
        let expr = target["expr"].as_str().expect("expr");
        let named: Vec<&str> = expr
            .match_indices("cxrelay_")
            .map(|(at, _)| {
                let tail = &expr[at..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(tail.len());
                &tail[..end]
            })
            .collect();
        assert!(!named.is_empty(), "panel {title:?} names no cxrelay metric");
        // Quantiles come from buckets summed across replicas, never from a summary's
        // per-process quantile.
        assert!(
            !expr.contains("quantile=\""),
            "panel {title:?} reads a summary: {expr}"
        );
        for metric in named {
            assert!(
                exported.iter().any(|name| name == metric),
                "panel {title:?} reads {metric}, which cxrelay does not export"
            );
        }
    }
}

#[test]
fn every_panel_uses_a_provisioned_data_source() {
    let provisioning =
        std::fs::read_to_string(dashboards_dir().join("provisioning/datasources/cxrelay.yml"))
            .unwrap();
    for (title, uid, _) in targets(&dashboard()) {
        assert!(
            provisioning.contains(&format!("uid: {uid}")),
            "panel {title:?} uses data source {uid:?}, which is not provisioned"
        );
    }
}

#[test]
fn the_time_filter_macro_expands_to_a_window_on_its_column() {
    assert_eq!(
        expand_macros("SELECT 1 WHERE $__timeFilter(minute) ORDER BY 1"),
        "SELECT 1 WHERE minute BETWEEN now() - interval '3 hours' AND now() ORDER BY 1"
    );
}
