# shellcheck shell=bash
# Sourced by scripts/up and scripts/test: make sure PostgreSQL and RabbitMQ run on this machine
# and that the `cxrelay` database role exists (and, for scripts/test, that docker-compose is
# there to validate docker-compose.yml).
#
# Rules: a service that already runs is never stopped, restarted or reconfigured; a missing one is
# installed from the distribution's packages (Debian/Ubuntu), a stopped one is started. Every
# function prints one line saying what it found or did. CXRELAY_SKIP_SERVICES=1 turns every
# function here into a no-op (for users who bring their own DATABASE_URL / AMQP_URL), except the
# tools: ensure_toolchain and ensure_docker_compose.

CX_PG_HOST=127.0.0.1
CX_PG_PORT=5432
CX_AMQP_HOST=127.0.0.1
CX_AMQP_PORT=5672
# The role every demo and test URL uses: postgres://cxrelay:cxrelay@127.0.0.1:5432/...
CX_DB_ROLE=cxrelay
CX_DB_PASSWORD=cxrelay

cx_say() { printf '==> %s\n' "$*"; }
cx_warn() { printf 'warning: %s\n' "$*" >&2; }
cx_err() { printf 'error: %s\n' "$*" >&2; }

cx_skip_services() { [ "${CXRELAY_SKIP_SERVICES:-0}" = 1 ]; }

# Runs a command as root: directly when we are root, else through sudo.
cx_as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    cx_err "need root for: $* (run as root or install sudo)"
    return 1
  fi
}

# Runs a command as the postgres OS user (peer authentication on the local socket).
cx_as_postgres() {
  # cd /: the postgres user may not read the caller's working directory.
  if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u postgres -- "$@")
  elif command -v sudo >/dev/null 2>&1; then
    (cd / && sudo -u postgres "$@")
  else
    cx_err "need root or sudo to act as the postgres user"
    return 1
  fi
}

CX_APT_UPDATED=0
# Installs Debian packages (apt-get update once per run first).
cx_apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    cx_err "apt-get not found: install $* with your package manager, or set CXRELAY_SKIP_SERVICES=1 and DATABASE_URL/AMQP_URL"
    return 1
  fi
  if [ "$CX_APT_UPDATED" = 0 ]; then
    cx_say "apt-get update"
    # A failed update (one unreachable extra repository, say) need not stop the install: the
    # install below fails with its own message if the package lists really are unusable.
    cx_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
      cx_warn "apt-get update failed; trying the install with the package lists as they are"
    CX_APT_UPDATED=1
  fi
  cx_say "apt-get install -y $*"
  cx_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# True when something accepts TCP connections on HOST PORT (within 2 s).
cx_tcp_open() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

cx_pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$CX_PG_HOST" -p "$CX_PG_PORT" -t 2
  else
    cx_tcp_open "$CX_PG_HOST" "$CX_PG_PORT"
  fi
}

# Calls the predicate "$@" once a second for up to SECONDS seconds; true as soon as it is.
cx_wait_for() {
  local seconds=$1
  shift
  local i
  for ((i = 0; i < seconds; i++)); do
    "$@" && return 0
    sleep 1
  done
  "$@"
}

# cargo on PATH (also from ~/.cargo/bin when the shell has not loaded rustup's env yet) and a C
# compiler for the crates that build C code (ring); otherwise says how to get them and fails.
ensure_toolchain() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    PATH=$HOME/.cargo/bin:$PATH
    export PATH
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    cx_err "cargo (the Rust toolchain) is not installed. Install it with rustup (Debian's own cargo is too old):"
    # shellcheck disable=SC2016 # printed for the user's shell to expand
    printf '  %s\n' \
      "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y" \
      '. "$HOME/.cargo/env"' \
      "then run this script again." >&2
    return 1
  fi
  if ! command -v cc >/dev/null 2>&1; then
    cx_say "no C compiler (cc) found, installing gcc (some crates compile C code)"
    cx_apt_install gcc libc6-dev || return 1
  fi
}

# PostgreSQL accepting connections on 127.0.0.1:5432: installed and started when needed.
ensure_postgres() {
  cx_skip_services && return 0
  if cx_pg_ready; then
    cx_say "PostgreSQL: running on $CX_PG_HOST:$CX_PG_PORT (left as it is)"
    return 0
  fi
  if cx_tcp_open "$CX_PG_HOST" "$CX_PG_PORT"; then
    # Something listens but does not accept connections yet (starting up, recovering): wait.
    if cx_wait_for 60 cx_pg_ready; then
      cx_say "PostgreSQL: running on $CX_PG_HOST:$CX_PG_PORT (waited for it; left as it is)"
      return 0
    fi
    cx_err "PostgreSQL: $CX_PG_HOST:$CX_PG_PORT is open but does not accept connections (pg_isready -h $CX_PG_HOST says why)"
    return 1
  fi
  if ! compgen -G '/etc/postgresql/*/main' >/dev/null; then
    cx_say "PostgreSQL: not installed, installing it"
    cx_apt_install postgresql || return 1
    # On machines with systemd the package starts its cluster itself.
    if cx_wait_for 10 cx_pg_ready; then
      cx_say "PostgreSQL: installed and running on $CX_PG_HOST:$CX_PG_PORT"
      return 0
    fi
  fi
  local version
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  if [ -z "$version" ] || [ ! -d "/etc/postgresql/$version/main" ]; then
    cx_err "PostgreSQL: no cluster 'main' under /etc/postgresql (create one: pg_createcluster <version> main)"
    return 1
  fi
  cx_say "PostgreSQL: not running, starting cluster $version/main"
  cx_as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || {
    cx_err "PostgreSQL: pg_ctlcluster $version main start failed (see /var/log/postgresql/)"
    return 1
  }
  if cx_wait_for 30 cx_pg_ready; then
    cx_say "PostgreSQL: started on $CX_PG_HOST:$CX_PG_PORT"
  else
    cx_err "PostgreSQL: started, but nothing answers on $CX_PG_HOST:$CX_PG_PORT (is its port 5432? see /etc/postgresql/$version/main/postgresql.conf)"
    return 1
  fi
}

cx_amqp_ready() { cx_tcp_open "$CX_AMQP_HOST" "$CX_AMQP_PORT"; }

# RabbitMQ accepting connections on 127.0.0.1:5672: installed and started when needed.
ensure_rabbitmq() {
  cx_skip_services && return 0
  if cx_amqp_ready; then
    cx_say "RabbitMQ: running on $CX_AMQP_HOST:$CX_AMQP_PORT (left as it is)"
    return 0
  fi
  if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
    cx_say "RabbitMQ: not installed, installing it"
    cx_apt_install rabbitmq-server || return 1
    # On machines with systemd the package starts the broker itself; give it time to boot
    # rather than start a second node beside it.
    if cx_wait_for 20 cx_amqp_ready; then
      cx_say "RabbitMQ: installed and running on $CX_AMQP_HOST:$CX_AMQP_PORT"
      return 0
    fi
  fi
  local -a server=(rabbitmq-server) ctl=(rabbitmqctl)
  command -v rabbitmq-server >/dev/null 2>&1 || server=(/usr/sbin/rabbitmq-server)
  command -v rabbitmqctl >/dev/null 2>&1 || ctl=(/usr/sbin/rabbitmqctl)
  cx_say "RabbitMQ: not running, starting it (rabbitmq-server -detached)"
  # Debian's wrappers switch to the rabbitmq user themselves when run as root.
  cx_as_root "${server[@]}" -detached || {
    cx_err "RabbitMQ: rabbitmq-server -detached failed (see /var/log/rabbitmq/)"
    return 1
  }
  # await_startup fails at once while the new node has not registered yet: ask again until it
  # answers that the node finished booting.
  local deadline=$((SECONDS + 120))
  until cx_as_root timeout 60 "${ctl[@]}" -q await_startup >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      cx_err "RabbitMQ: did not finish starting within 120 s (see /var/log/rabbitmq/; rabbitmqctl status says why)"
      return 1
    fi
    sleep 2
  done
  if cx_wait_for 30 cx_amqp_ready; then
    cx_say "RabbitMQ: started on $CX_AMQP_HOST:$CX_AMQP_PORT"
  else
    cx_err "RabbitMQ: started, but nothing answers on $CX_AMQP_HOST:$CX_AMQP_PORT (see /var/log/rabbitmq/)"
    return 1
  fi
}

# docker-compose on PATH, for the test that validates docker-compose.yml with
# `docker-compose config` (Debian's package parses the file without a Docker engine). Installed
# from the distribution's packages when missing; one already installed is left as it is. A tool
# like the C compiler, not a service: CXRELAY_SKIP_SERVICES does not skip it.
ensure_docker_compose() {
  if command -v docker-compose >/dev/null 2>&1; then
    cx_say "docker-compose: $(docker-compose version --short 2>/dev/null || echo installed) (left as it is)"
    return 0
  fi
  cx_say "docker-compose: not installed, installing it (to validate docker-compose.yml)"
  cx_apt_install docker-compose || return 1
  cx_say "docker-compose: installed ($(docker-compose version --short 2>/dev/null || echo ok))"
}

# Runs psql with SQL on the `postgres` database as the superuser: over TCP as `postgres` when
# the server trusts it, else as the postgres OS user over the socket (peer authentication).
CX_SUPERUSER_VIA=
cx_psql_superuser() {
  local -a opts=(-X -q -A -t -v ON_ERROR_STOP=1 -d postgres -c "$1")
  if [ -z "$CX_SUPERUSER_VIA" ]; then
    if PGCONNECT_TIMEOUT=5 psql -X -w -h "$CX_PG_HOST" -p "$CX_PG_PORT" -U postgres -d postgres \
      -c 'SELECT 1' >/dev/null 2>&1; then
      CX_SUPERUSER_VIA=tcp
    else
      CX_SUPERUSER_VIA=socket
    fi
  fi
  if [ "$CX_SUPERUSER_VIA" = tcp ]; then
    PGCONNECT_TIMEOUT=5 psql -w -h "$CX_PG_HOST" -p "$CX_PG_PORT" -U postgres "${opts[@]}"
  else
    cx_as_postgres psql -p "$CX_PG_PORT" "${opts[@]}"
  fi
}

# The role `cxrelay` (password `cxrelay`, LOGIN, CREATEDB) usable over 127.0.0.1.
ensure_db_role() {
  cx_skip_services && return 0
  if ! command -v psql >/dev/null 2>&1; then
    cx_say "psql not found, installing postgresql-client"
    cx_apt_install postgresql-client || return 1
  fi
  local can_create
  can_create=$(PGPASSWORD=$CX_DB_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -w -A -t \
    -h "$CX_PG_HOST" -p "$CX_PG_PORT" -U "$CX_DB_ROLE" -d postgres \
    -c "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user" 2>/dev/null || true)
  if [ "$can_create" = t ]; then
    cx_say "Postgres role $CX_DB_ROLE: can log in and create databases (left as it is)"
    return 0
  fi
  local exists
  exists=$(cx_psql_superuser "SELECT 1 FROM pg_roles WHERE rolname = '$CX_DB_ROLE'") || {
    cx_err "Postgres role $CX_DB_ROLE: cannot connect as the postgres superuser to create it"
    return 1
  }
  if [ "$exists" = 1 ]; then
    cx_psql_superuser "ALTER ROLE $CX_DB_ROLE WITH LOGIN CREATEDB PASSWORD '$CX_DB_PASSWORD'" || return 1
    cx_say "Postgres role $CX_DB_ROLE: existed; set LOGIN, CREATEDB and the demo password"
  else
    cx_psql_superuser "CREATE ROLE $CX_DB_ROLE WITH LOGIN CREATEDB PASSWORD '$CX_DB_PASSWORD'" || return 1
    cx_say "Postgres role $CX_DB_ROLE: created (LOGIN, CREATEDB, password $CX_DB_PASSWORD)"
  fi
  if ! PGPASSWORD=$CX_DB_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -w -q -h "$CX_PG_HOST" -p "$CX_PG_PORT" \
    -U "$CX_DB_ROLE" -d postgres -c 'SELECT 1' >/dev/null; then
    cx_err "Postgres role $CX_DB_ROLE: still cannot log in over $CX_PG_HOST (check pg_hba.conf allows password logins on 127.0.0.1)"
    return 1
  fi
}

# One HTTP GET: true on a 2xx answer. Uses curl, or bash's /dev/tcp where curl is missing.
# With CX_HTTP_BEARER set, sends it as `Authorization: Bearer` (the ingress admin listener).
cx_http_ok() {
  local url=$1 bearer=${CX_HTTP_BEARER:-}
  if command -v curl >/dev/null 2>&1; then
    if [ -n "$bearer" ]; then
      curl -fsS -o /dev/null --max-time 2 -H "Authorization: Bearer $bearer" "$url" 2>/dev/null
    else
      curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null
    fi
    return
  fi
  local rest=${url#http://}
  local hostport=${rest%%/*} path=/${rest#*/}
  [ "$rest" = "$hostport" ] && path=/
  local host=${hostport%:*} port=${hostport##*:}
  [ "$host" = "$hostport" ] && port=80
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    auth=""
    [ -n "$3" ] && auth="Authorization: Bearer $3\r\n"
    printf "GET %s HTTP/1.0\r\nHost: %s\r\n${auth}\r\n" "$2" "$0" >&3
    IFS=" " read -r _ status _ <&3
    case $status in 2??) exit 0 ;; *) exit 1 ;; esac
  ' "$host" "$port" "$path" "$bearer" 2>/dev/null
}

# wait_http URL TIMEOUT [PID]: waits up to TIMEOUT seconds for URL to answer 2xx. With PID, gives
# up at once when that process has exited (its log says why).
wait_http() {
  local url=$1 timeout_s=$2 pid=${3:-}
  local deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    if cx_http_ok "$url"; then
      cx_say "$url: ok"
      return 0
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      cx_err "$url: the process (pid $pid) exited before it answered"
      return 1
    fi
    sleep 0.5
  done
  cx_err "$url: no 2xx answer within ${timeout_s} s"
  return 1
}
