//! `docker-compose.yml` cannot run here (no Docker engine), so it is checked as far as it can
//! be: Compose itself must accept it, and what it says must agree with the README (images,
//! published ports), with the listeners of the design (8080, 8081, 8082, 9090, the defaults of
//! the settings), with the settings the binaries know (every `CXRELAY_*` it sets), and with
//! the Prometheus configuration it mounts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use cxrelay_core::config::{is_setting, key_of_env, Settings};
use cxrelay_tests::processes::binary_path;
use serde_yaml_ng::Value;

fn repo_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(repo_file(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// A YAML file with its merge keys (`<<: *anchor`) resolved, as Compose reads it.
fn yaml(name: &str) -> Value {
    let mut value: Value =
        serde_yaml_ng::from_str(&read(name)).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"));
    value.apply_merge().expect("merge keys resolve");
    value
}

/// The services of docker-compose.yml by name.
fn services() -> BTreeMap<String, Value> {
    let compose = yaml("docker-compose.yml");
    compose["services"]
        .as_mapping()
        .expect("services")
        .iter()
        .map(|(name, service)| (name.as_str().unwrap().to_owned(), service.clone()))
        .collect()
}

/// A service's environment, as a map (Compose also takes a list of `NAME=value`).
fn environment(service: &Value) -> BTreeMap<String, String> {
    match &service["environment"] {
        Value::Mapping(map) => map
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    Value::String(s) => s.clone(),
                    other => serde_yaml_ng::to_string(other).unwrap().trim().to_owned(),
                };
                (k.as_str().unwrap().to_owned(), value)
            })
            .collect(),
        Value::Sequence(list) => list
            .iter()
            .filter_map(|entry| entry.as_str()?.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// `(bind address, host port, container port)` of each published port.
fn published(service: &Value) -> Vec<(String, u16, u16)> {
    service["ports"]
        .as_sequence()
        .map(|ports| {
            ports
                .iter()
                .map(|port| {
                    let text = port.as_str().expect("ports are written as strings");
                    let parts: Vec<&str> = text.split(':').collect();
                    assert_eq!(
                        parts.len(),
                        3,
                        "publish as 127.0.0.1:HOST:CONTAINER: {text}"
                    );
                    (
                        parts[0].to_owned(),
                        parts[1].parse().unwrap(),
                        parts[2].parse().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The rows of the README's service table in "Docker Compose": service → (image, host ports).
fn readme_services() -> BTreeMap<String, (String, BTreeSet<u16>)> {
    let readme = read("README.md");
    let section = readme
        .split("\n## Docker Compose\n")
        .nth(1)
        .expect("the README has a Docker Compose section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let unquote = |cell: &str| cell.trim_matches('`').to_owned();
            let ports = cells[3]
                .split("127.0.0.1:")
                .skip(1)
                .map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse::<u16>().unwrap()
                })
                .collect();
            (unquote(cells[1]), (unquote(cells[2]), ports))
        })
        .collect()
}

#[test]
fn docker_compose_accepts_the_file() {
    let output = Command::new("docker-compose")
        .arg("-f")
        .arg(repo_file("docker-compose.yml"))
        .arg("config")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run docker-compose ({e}): scripts/test installs it (Debian's \
                 `docker-compose` package, which parses the file without a Docker engine)"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "docker-compose config refused docker-compose.yml:\n{stderr}"
    );
    assert!(
        !stderr.contains("WARNING") && !stderr.contains("ERROR"),
        "docker-compose config warned:\n{stderr}"
    );
    let resolved = String::from_utf8_lossy(&output.stdout);
    for condition in ["service_completed_successfully", "service_healthy"] {
        assert!(resolved.contains(condition), "{condition} in:\n{resolved}");
    }
}

#[test]
fn the_readme_table_lists_every_service_with_its_image_and_ports() {
    let services = services();
    let readme = readme_services();
    assert_eq!(
        services.keys().collect::<Vec<_>>(),
        readme.keys().collect::<Vec<_>>(),
        "the README's Docker Compose table and docker-compose.yml list other services"
    );
    for (name, service) in &services {
        let (image, ports) = &readme[name];
        assert_eq!(
            service["image"].as_str(),
            Some(image.as_str()),
            "image of {name}"
        );
        let host_ports: BTreeSet<u16> = published(service).iter().map(|p| p.1).collect();
        assert_eq!(&host_ports, ports, "published ports of {name}");
        for (bind, _, _) in published(service) {
            assert_eq!(bind, "127.0.0.1", "{name} publishes beyond this host");
        }
    }
    // The image the Dockerfile builds is the one the cxrelay services name.
    let built: BTreeSet<&str> = services
        .values()
        .filter(|s| !s["build"].is_null())
        .map(|s| s["image"].as_str().unwrap())
        .collect();
    assert_eq!(built, BTreeSet::from(["cxrelay:local"]));
}

#[test]
fn the_cxrelay_listeners_are_the_designs_published_as_they_are_and_health_checked() {
    let services = services();
    let defaults = Settings::default();
    // service, the variable of its listener, the design's port, the health-checked listener.
    let listeners = [
        (
            "ingress",
            "CXRELAY_INGRESS__ADDR",
            defaults.ingress.addr.port(),
            false,
        ),
        (
            "ingress",
            "CXRELAY_INGRESS__ADMIN_ADDR",
            defaults.ingress.admin_addr.port(),
            true,
        ),
        (
            "worker",
            "CXRELAY_WORKER__ADMIN_ADDR",
            defaults.worker.admin_addr.port(),
            true,
        ),
        ("sim", "CXRELAY_SIM__ADDR", defaults.sim.addr.port(), true),
    ];
    assert_eq!(
        listeners.map(|l| l.2),
        [8080, 8081, 8082, 9090],
        "the design's listeners"
    );
    for (name, variable, port, health) in listeners {
        let service = &services[name];
        let env = environment(service);
        assert_eq!(
            env.get(variable).map(String::as_str),
            Some(format!("0.0.0.0:{port}").as_str()),
            "{name}: {variable} must listen on all interfaces, port {port}"
        );
        assert!(
            published(service).contains(&("127.0.0.1".to_owned(), port, port)),
            "{name} publishes {port} as {port}"
        );
        if health {
            let test: Vec<&str> = service["healthcheck"]["test"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(
                test,
                [
                    "CMD",
                    "cxrelay",
                    "probe",
                    &format!("http://127.0.0.1:{port}/healthz")
                ],
                "{name}'s health check"
            );
        }
    }
}

#[test]
fn every_cxrelay_variable_compose_sets_is_a_setting() {
    for (name, service) in services() {
        for variable in environment(&service).keys() {
            let Some(key) = key_of_env(variable) else {
                continue;
            };
            assert!(
                is_setting(&key),
                "{name} sets {variable}, which is no cxrelay setting"
            );
        }
    }
}

#[test]
fn the_settings_of_the_check_service_load_without_a_problem() {
    // `check` carries the ingress's and the worker's settings together; the real loader of
    // the binaries reads them, values and all.
    let services = services();
    let env = environment(&services["check"]);
    for service in ["ingress", "worker"] {
        for (variable, value) in environment(&services[service]) {
            if variable.ends_with("_ADDR") {
                continue;
            }
            assert_eq!(
                env.get(&variable),
                Some(&value),
                "check runs with {service}'s {variable}"
            );
        }
    }
    let output = Command::new(binary_path("cxrelay"))
        .env_clear()
        .envs(&env)
        .args(["check", "--config-only"])
        .output()
        .expect("run cxrelay");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("ok    config:") && !stdout.lines().any(|l| l.starts_with("warn")),
        "{stdout}"
    );
}

#[test]
fn prometheus_scrapes_the_admin_listeners_with_a_configured_admin_token() {
    let prometheus = yaml("dashboards/prometheus.yml");
    let jobs = prometheus["scrape_configs"].as_sequence().unwrap();
    let job = |name: &str| {
        jobs.iter()
            .find(|job| job["job_name"] == name)
            .unwrap_or_else(|| panic!("job {name}"))
    };
    let target = |job: &Value| {
        job["static_configs"][0]["targets"][0]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(target(job("cxrelay-ingress")), "ingress:8081");
    assert_eq!(target(job("cxrelay-worker")), "worker:8082");
    let token = job("cxrelay-ingress")["authorization"]["credentials"]
        .as_str()
        .expect("the ingress's /metrics wants an admin token")
        .to_owned();
    let services = services();
    let tokens = &environment(&services["ingress"])["CXRELAY_INGRESS__ADMIN_TOKENS"];
    assert!(
        tokens
            .split(',')
            .any(|entry| entry.split_once(':').is_some_and(|(_, t)| t == token)),
        "Prometheus's token is not one of the ingress's admin tokens"
    );
}
