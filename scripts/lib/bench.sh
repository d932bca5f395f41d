# shellcheck shell=bash
# Sourced by scripts/bench-intake, -drain, -rate and -memory: make sure PostgreSQL, RabbitMQ and
# the database role are there, build the release binaries the pipeline benchmarks run (cxrelay's
# own and the benchmarks', crate cxrelay-bench-pipeline), and run benchmark $1 with the rest of
# the arguments. The figures are only as good as the machine is quiet: the load average is
# printed before and after, and a busy machine is warned about.
#
#   CXRELAY_BENCH_DATABASE_URL  admin URL of a role that may CREATE DATABASE
#                               (default postgres://cxrelay:cxrelay@127.0.0.1:5432/postgres)
#   CXRELAY_BENCH_AMQP_URL      RabbitMQ URL (default amqp://guest:guest@127.0.0.1:5672/%2f)
#   CXRELAY_SKIP_SERVICES=1     do not check, install or start PostgreSQL, RabbitMQ or the role

# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh

cx_run_pipeline_bench() {
  local bench=$1
  shift
  ensure_toolchain
  if cx_skip_services; then
    cx_say "CXRELAY_SKIP_SERVICES=1: not checking PostgreSQL, RabbitMQ or the database role"
  else
    ensure_postgres
    ensure_rabbitmq
    ensure_db_role
  fi
  # Release builds: the figures are those of what would be deployed.
  cx_say "cargo build --release --locked (cxrelay-ingress, -worker, -sim and the benchmarks)"
  cargo build --release --locked -p cxrelay-ingress -p cxrelay-worker -p cxrelay-sim \
    -p cxrelay-bench-pipeline --bins
  local load cores
  load=$(cut -d' ' -f1 /proc/loadavg)
  cores=$(nproc)
  if awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c) }'; then
    cx_warn "load average $load on $cores cores: other work shares the machine, the figures will be lower than it can do"
  fi
  local target_dir=${CARGO_TARGET_DIR:-target}
  "$target_dir/release/$bench" "$@"
  cx_say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}
