# shellcheck shell=bash
# Sourced by scripts/cluster (after scripts/lib/services.sh): a local three-node RabbitMQ cluster
# on 127.0.0.1, from the Debian package, beside (never joined to) the machine's own broker on 5672.
#
# Node N (1..3) is `cxrelay-N@localhost`, listens for AMQP on 127.0.0.1:<Nth port> and for Erlang
# distribution on 127.0.0.1:<that port + 20000>, and keeps everything (config, Mnesia, logs, pid
# file, feature flags, plugins) in $CX_CLUSTER_DIR/cxrelay-N, owned by the rabbitmq user (the
# server drops to it). The nodes use the rabbitmq user's Erlang cookie
# (/var/lib/rabbitmq/.erlang.cookie): Debian's wrappers run both the servers and rabbitmqctl as
# that user with HOME=/var/lib/rabbitmq, so the CLI can reach every node without a cookie option.
# A node's beam.smp process is recognised by RABBITMQ_NODENAME=cxrelay-N@localhost in its
# environment (its command line does not name the node); nothing else is ever signalled.

CX_CLUSTER_DIR=${CXRELAY_CLUSTER_DIR:-/var/tmp/cxrelay-cluster}
# shellcheck disable=SC2034 # read by scripts/cluster
CX_CLUSTER_TIMEOUT=${CXRELAY_CLUSTER_TIMEOUT:-60}
CX_CLUSTER_NODES=(1 2 3)
CX_CLUSTER_HOST=127.0.0.1
# The distribution port of a node is its AMQP port plus this (5681 -> 25681; the machine's own
# broker uses 25672, and rabbitmqctl's own ports are 35672-35682).
CX_CLUSTER_DIST_OFFSET=20000
# Written into the base folder when it is created: `down` removes only a folder holding it.
CX_CLUSTER_MARKER=.cxrelay-cluster

cx_node_name() { printf 'cxrelay-%s@localhost\n' "$1"; }
cx_node_dir() { printf '%s/cxrelay-%s\n' "$CX_CLUSTER_DIR" "$1"; }
cx_node_pid_file() { printf '%s/cxrelay-%s.pid\n' "$(cx_node_dir "$1")" "$1"; }
cx_node_log() { printf '%s/log/%s.log\n' "$(cx_node_dir "$1")" "$(cx_node_name "$1")"; }

# The three AMQP ports: the ones the cluster in $CX_CLUSTER_DIR was created with, else
# CXRELAY_CLUSTER_PORTS, else 5681 5682 5683. Sets CX_CLUSTER_PORTS; fails on bad values.
cx_cluster_load_ports() {
  local wanted=${CXRELAY_CLUSTER_PORTS:-5681 5682 5683} stored=
  [ -r "$CX_CLUSTER_DIR/ports" ] && stored=$(<"$CX_CLUSTER_DIR/ports")
  if [ -n "$stored" ]; then
    # shellcheck disable=SC2086 # compared word by word
    if [ -n "${CXRELAY_CLUSTER_PORTS:-}" ] && [ "$(printf '%s ' $wanted)" != "$(printf '%s ' $stored)" ]; then
      cx_err "the cluster in $CX_CLUSTER_DIR was created with ports $stored, not $wanted: run scripts/cluster down first"
      return 1
    fi
    wanted=$stored
  fi
  # shellcheck disable=SC2206 # split on spaces on purpose
  CX_CLUSTER_PORTS=($wanted)
  if [ ${#CX_CLUSTER_PORTS[@]} != 3 ]; then
    cx_err "CXRELAY_CLUSTER_PORTS must hold three ports, not '$wanted'"
    return 1
  fi
  local p seen=" "
  for p in "${CX_CLUSTER_PORTS[@]}"; do
    if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1024 || p + CX_CLUSTER_DIST_OFFSET > 65535)); then
      cx_err "CXRELAY_CLUSTER_PORTS: '$p' is not a port between 1024 and $((65535 - CX_CLUSTER_DIST_OFFSET))"
      return 1
    fi
    if ((p == 5672 || p == 25672 || p + CX_CLUSTER_DIST_OFFSET == 25672)); then
      cx_err "CXRELAY_CLUSTER_PORTS: $p collides with the machine's own broker (5672, distribution 25672)"
      return 1
    fi
    if [[ $seen == *" $p "* ]]; then
      cx_err "CXRELAY_CLUSTER_PORTS: $p appears twice"
      return 1
    fi
    seen+="$p "
  done
}

cx_node_port() { printf '%s\n' "${CX_CLUSTER_PORTS[$1 - 1]}"; }
cx_node_dist_port() { printf '%s\n' "$((CX_CLUSTER_PORTS[$1 - 1] + CX_CLUSTER_DIST_OFFSET))"; }

# The AMQP_URL of the whole cluster: one URL per node, comma-separated.
cx_cluster_urls() {
  local n urls=()
  for n in "${CX_CLUSTER_NODES[@]}"; do
    urls+=("amqp://guest:guest@$CX_CLUSTER_HOST:$(cx_node_port "$n")/%2f")
  done
  (
    IFS=,
    printf '%s\n' "${urls[*]}"
  )
}

# Path of a RabbitMQ command (/usr/sbin is not on every user's PATH); fails when it is missing.
cx_rabbit_bin() {
  if command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  elif [ -x "/usr/sbin/$1" ]; then
    printf '/usr/sbin/%s\n' "$1"
  else
    return 1
  fi
}

# rabbitmq-server installed (Debian's package when missing, as ensure_rabbitmq does).
cx_cluster_ensure_installed() {
  cx_rabbit_bin rabbitmq-server >/dev/null && return 0
  cx_say "RabbitMQ: not installed, installing it"
  cx_apt_install rabbitmq-server || return 1
  cx_rabbit_bin rabbitmq-server >/dev/null || {
    cx_err "RabbitMQ: the package is installed but rabbitmq-server is not found"
    return 1
  }
}

# cx_ctl N SECONDS ARGS...: `rabbitmqctl -n <node N> -q ARGS` as root (Debian's wrapper then runs
# it as the rabbitmq user), killed after SECONDS (a paused node never answers).
cx_ctl() {
  local n=$1 seconds=$2
  shift 2
  cx_as_root timeout -k 5 "$seconds" "$(cx_rabbit_bin rabbitmqctl)" -n "$(cx_node_name "$n")" -q "$@"
}

# True when PID is a live beam.smp whose environment names node N.
cx_is_node_pid() {
  local pid=$1 n=$2 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = beam.smp ] || return 1
  state=$(cx_proc_state "$pid")
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ] || return 1
  cx_as_root grep -qzxF "RABBITMQ_NODENAME=$(cx_node_name "$n")" "/proc/$pid/environ" 2>/dev/null
}

# The one-letter state of PID from /proc (R, S, D, T for stopped, Z, ...); empty when gone.
cx_proc_state() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # The name in parentheses may hold spaces: the state follows the last ')'.
  stat=${stat##*) }
  printf '%s\n' "${stat%% *}"
}

# The pid of node N's beam.smp (from its pid file, else found among all processes); empty when
# the node does not run.
cx_node_pid() {
  local n=$1 pid file
  file=$(cx_node_pid_file "$n")
  pid=$(cx_as_root cat "$file" 2>/dev/null || true)
  if cx_is_node_pid "$pid" "$n"; then
    printf '%s\n' "$pid"
    return 0
  fi
  local comm
  for comm in /proc/[0-9]*/comm; do
    [ "$(cat "$comm" 2>/dev/null)" = beam.smp ] || continue
    pid=${comm#/proc/}
    pid=${pid%/comm}
    if cx_is_node_pid "$pid" "$n"; then
      printf '%s\n' "$pid"
      return 0
    fi
  done
}

# stopped, paused (its beam.smp is SIGSTOPped) or running (the process; whether RabbitMQ inside
# it has booted is another question: cx_node_answers).
cx_node_state() {
  local pid
  pid=$(cx_node_pid "$1")
  if [ -z "$pid" ]; then
    echo stopped
  elif [ "$(cx_proc_state "$pid")" = T ]; then
    echo paused
  else
    echo running
  fi
}

# True when node N has finished booting and answers the CLI (within 10 s).
cx_node_answers() {
  cx_ctl "$1" 15 await_startup --timeout 10 >/dev/null 2>&1
}

# The node names of KEY ("disk_nodes", "running_nodes") in `cluster_status --formatter json`.
cx_json_nodes() {
  printf '%s' "$1" | tr -d '\n' | grep -o "\"$2\": *\[[^]]*\]" | grep -o '"[^"]*@[^"]*"' | tr -d '"' || true
}

# node N's view of the cluster as JSON (empty when it does not answer within 15 s).
cx_cluster_view() {
  cx_ctl "$1" 15 cluster_status --formatter json 2>/dev/null || true
}

# A node that runs (not paused) and answers, other than EXCEPT (0: none excepted); empty if none.
cx_reference_node() {
  local except=${1:-0} n
  for n in "${CX_CLUSTER_NODES[@]}"; do
    [ "$n" = "$except" ] && continue
    [ "$(cx_node_state "$n")" = running ] || continue
    cx_node_answers "$n" && {
      echo "$n"
      return 0
    }
  done
}

# True when, as a running node other than N sees it (N itself when no other runs), N is a cluster
# member whose RabbitMQ runs.
cx_node_running_member() {
  local n=$1 ref view
  ref=$(cx_reference_node "$n")
  [ -n "$ref" ] || ref=$n
  view=$(cx_cluster_view "$ref")
  [ -n "$view" ] || return 1
  cx_json_nodes "$view" running_nodes | grep -qxF "$(cx_node_name "$n")" || return 1
  # Alone in its own view, it has not rejoined anyone.
  [ "$ref" != "$n" ] || [ "$(cx_json_nodes "$view" disk_nodes | wc -l)" -gt 1 ]
}

# Node N's folder and config files (rewritten each time; the data in them is kept).
cx_node_write_files() {
  local n=$1 dir node port
  dir=$(cx_node_dir "$n")
  node=$(cx_node_name "$n")
  port=$(cx_node_port "$n")
  mkdir -p "$dir/log" "$dir/mnesia"
  cat >"$dir/rabbitmq.conf" <<EOF
# Written by scripts/cluster: node $node of the local test cluster. Replaces
# /etc/rabbitmq/rabbitmq.conf for this node (RABBITMQ_CONFIG_FILE).
listeners.tcp.local = $CX_CLUSTER_HOST:$port
cluster_name = cxrelay-local
# A node cut off from the majority pauses itself (the setting recommended for 3-node clusters).
cluster_partition_handling = pause_minority
EOF
  # Instead of /etc/rabbitmq/rabbitmq-env.conf, which names the machine's own node; keeps the
  # distribution on 127.0.0.1 like that file does.
  cat >"$dir/rabbitmq-env.conf" <<'EOF'
# Written by scripts/cluster (RABBITMQ_CONF_ENV_FILE of this node).
ERL_EPMD_ADDRESS=127.0.0.1
export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
  [ -f "$dir/enabled_plugins" ] || echo '[].' >"$dir/enabled_plugins"
}

# Creates the base folder (owned by the rabbitmq user) and every node's files.
cx_cluster_write_files() {
  if [ ! -d "$CX_CLUSTER_DIR" ]; then
    cx_as_root mkdir -p "$CX_CLUSTER_DIR"
  elif [ ! -e "$CX_CLUSTER_DIR/$CX_CLUSTER_MARKER" ] && [ -n "$(ls -A "$CX_CLUSTER_DIR")" ]; then
    cx_err "$CX_CLUSTER_DIR exists, is not empty and was not made by scripts/cluster: set CXRELAY_CLUSTER_DIR to another folder"
    return 1
  fi
  (
    set -e
    umask 022
    echo "Made by scripts/cluster; removed by scripts/cluster down." >"$CX_CLUSTER_DIR/$CX_CLUSTER_MARKER"
    echo "${CX_CLUSTER_PORTS[*]}" >"$CX_CLUSTER_DIR/ports"
    for n in "${CX_CLUSTER_NODES[@]}"; do
      cx_node_write_files "$n"
    done
  ) || {
    cx_err "could not write the cluster's files under $CX_CLUSTER_DIR"
    return 1
  }
  cx_as_root chown -R rabbitmq:rabbitmq "$CX_CLUSTER_DIR"
}

# Launches node N's server in the background (rabbitmq-server -detached); does not wait.
cx_node_launch() {
  local n=$1 dir node
  dir=$(cx_node_dir "$n")
  node=$(cx_node_name "$n")
  if [ ! -f "$dir/rabbitmq.conf" ]; then
    cx_err "$node has no folder ($dir): create the cluster with scripts/cluster up"
    return 1
  fi
  # Settings of the caller's own RABBITMQ_* / ERL_* variables must not reach the node.
  local -a unset=()
  local var
  for var in $(compgen -e); do
    case $var in RABBITMQ_* | ERL_*) unset+=(-u "$var") ;; esac
  done
  cx_as_root env "${unset[@]}" \
    RABBITMQ_NODENAME="$node" \
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_DIST_PORT="$(cx_node_dist_port "$n")" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$(cx_node_pid_file "$n")" \
    RABBITMQ_FEATURE_FLAGS_FILE="$dir/feature_flags" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    "$(cx_rabbit_bin rabbitmq-server)" -detached >/dev/null 2>&1 || {
    cx_err "$node: rabbitmq-server -detached failed (see $(cx_node_log "$n"))"
    return 1
  }
}

# Prints the end of node N's log to stderr (after a failure).
cx_node_log_tail() {
  local log
  log=$(cx_node_log "$1")
  if [ -s "$log" ]; then
    echo "    the end of $log:" >&2
    cx_as_root tail -n 15 "$log" | sed 's/^/    /' >&2
  fi
}

# Waits up to SECONDS for node N to finish booting (await_startup fails at once while the node
# has not registered with epmd yet, so it is asked again).
cx_node_await_startup() {
  local n=$1 seconds=$2 deadline
  deadline=$((SECONDS + seconds))
  until cx_ctl "$n" 30 await_startup --timeout 20 >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      cx_err "$(cx_node_name "$n") did not finish starting within $seconds s"
      cx_node_log_tail "$n"
      return 1
    fi
    if [ "$(cx_node_state "$n")" = stopped ] && ((SECONDS >= deadline - seconds + 10)); then
      cx_err "$(cx_node_name "$n") exited while starting"
      cx_node_log_tail "$n"
      return 1
    fi
    sleep 1
  done
}

# Waits up to SECONDS until PREDICATE ARGS is true (checked every half second).
cx_wait_until() {
  local seconds=$1 deadline
  shift
  deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

cx_node_gone() { [ -z "$(cx_node_pid "$1")" ]; }
cx_node_paused() { [ "$(cx_node_state "$1")" = paused ]; }
