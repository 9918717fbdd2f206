#!/usr/bin/env bash
# A private MariaDB for the end-to-end test and the demo: Debian's mariadb-server, started by
# hand with its own data directory, socket and loopback port. No system service is started or
# touched.
#
#   scripts/mariadb.sh install     install mariadb-server with apt-get when it is missing
#   scripts/mariadb.sh start DIR   install if needed, initialise DIR/data, start mariadbd on a
#                                  free 127.0.0.1 port, create the admin user the panel's
#                                  backend uses, and write its settings to DIR/env
#   scripts/mariadb.sh env DIR     print those settings as shell assignments (with the admin
#                                  password: for eval, not for logs)
#   scripts/mariadb.sh stop DIR    stop the server started in DIR (bounded; SIGKILL at the end)
#
# Exit status 3 means MariaDB is not installed and cannot be installed here (not root, no
# apt-get, or apt-get failed); callers may skip on it. Any other failure is 1.
#
# MARIADB_PORT picks the port (default: a free one); MARIADB_START_TIMEOUT bounds the wait for
# the server in seconds (default 60).
set -euo pipefail

admin_user=ptero_admin
start_timeout=${MARIADB_START_TIMEOUT:-60}
stop_timeout=30

say() { printf '%s\n' "$*" >&2; }
die() { say "mariadb.sh: $*"; exit 1; }
cannot() { say "mariadb.sh: $*"; exit 3; }

# find_bin prints the path of an installed program; Debian puts mariadbd in /usr/sbin, which
# is not on every PATH.
find_bin() {
  local dir
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return 0; fi
  for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
    if [ -x "$dir/$1" ]; then echo "$dir/$1"; return 0; fi
  done
  return 1
}

installed() {
  find_bin mariadbd >/dev/null && find_bin mariadb-install-db >/dev/null &&
    find_bin mariadb >/dev/null
}

# install puts Debian's mariadb-server and client on the machine. apt-get would start the
# system service from the package's postinst; a policy-rc.d that forbids it keeps the machine
# free of services (it is removed again unless one was there before).
install() {
  installed && return 0
  if [ "$(id -u)" -ne 0 ]; then
    cannot "MariaDB is not installed, and installing it needs root (apt-get install mariadb-server mariadb-client)"
  fi
  command -v apt-get >/dev/null 2>&1 || cannot "MariaDB is not installed, and this machine has no apt-get to install it with"
  # Tests of several packages may start at once: one installs, the others wait for it.
  local lock=/var/lock/pterodactyl-mariadb-install.lock status=0
  (
    flock -w 900 9 || { say "mariadb.sh: waited 15 minutes for another install"; exit 1; }
    installed && exit 0
    local policy=/usr/sbin/policy-rc.d ours=
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
    fi
    local began=$SECONDS rc=0 log=/tmp/pterodactyl-mariadb-apt.log
    say "Installing Debian's mariadb-server with apt-get (once per machine)"
    {
      apt_update &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
          -o DPkg::Lock::Timeout=600 mariadb-server mariadb-client
    } >"$log" 2>&1 || rc=$?
    [ -n "$ours" ] && rm -f "$policy"
    if [ "$rc" -ne 0 ]; then
      tail -n 20 "$log" >&2
      if grep -q "Could not get lock" "$log"; then
        say "mariadb.sh: apt is busy: another apt-get or dpkg held its lock for 10 minutes (exit $rc); full log in $log"
      else
        say "mariadb.sh: apt-get failed (exit $rc); full log in $log"
      fi
      exit 3
    fi
    installed || { say "mariadb.sh: apt-get succeeded but mariadbd is still missing"; exit 1; }
    say "Installed MariaDB $(version) in $((SECONDS - began))s"
  ) 9>"$lock" || status=$?
  return "$status"
}

# apt_update is apt-get update, waiting up to 10 minutes for another apt-get or dpkg (an
# unattended upgrade, another test's install) to let go of apt's lock, as the install below does
# with DPkg::Lock::Timeout.
apt_update() {
  local waited=0 out
  while :; do
    if out=$(apt-get update -q -o DPkg::Lock::Timeout=600 2>&1); then
      printf '%s\n' "$out"
      return 0
    fi
    printf '%s\n' "$out"
    if ! grep -q "Could not get lock" <<<"$out" || [ "$waited" -ge 600 ]; then
      return 1
    fi
    sleep 10
    waited=$((waited + 10))
  done
}

# version prints the server's version, such as 10.11.19.
version() {
  "$(find_bin mariadbd)" --version 2>/dev/null | sed -n 's/.* Ver \([0-9][0-9.]*\).*/\1/p'
}

# port_free succeeds when nothing accepts connections on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 12000)) # below Linux's ephemeral range
    if port_free "$port"; then echo "$port"; return 0; fi
  done
  die "found no free port on 127.0.0.1"
}

# running_pid prints the pid of the mariadbd started in $1, if it still runs. A stale pid file
# whose number now belongs to another program does not count: that program is not ours to stop.
running_pid() {
  local pid
  [ -s "$1/mariadbd.pid" ] || return 1
  pid=$(cat "$1/mariadbd.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null || echo mariadbd)" = mariadbd ] || return 1
  echo "$pid"
}

# client runs the mariadb client as the OS user over the socket; mariadb-install-db gives that
# user (root, or the invoking user) unix_socket authentication.
client() {
  "$(find_bin mariadb)" --no-defaults --socket="$dir/mariadbd.sock" --user="$(id -un)" "$@"
}

start() {
  dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if running_pid "$dir" >/dev/null; then
    [ -s "$dir/env" ] || die "a server runs in $dir but its settings are missing"
    summary
    return 0
  fi
  install
  local mariadbd user_args=() began=$SECONDS
  mariadbd=$(find_bin mariadbd)
  # mariadbd refuses to run as root unless told to.
  [ "$(id -u)" -eq 0 ] && user_args=(--user=root)
  if [ ! -d "$dir/data/mysql" ]; then
    rm -rf "$dir/data"
    "$(find_bin mariadb-install-db)" --no-defaults "${user_args[@]}" --datadir="$dir/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$dir/install-db.log" 2>&1 ||
      { tail -n 20 "$dir/install-db.log" >&2; die "mariadb-install-db failed; log in $dir/install-db.log"; }
  fi

  local port pid attempt ready
  for attempt in 1 2 3; do
    port=${MARIADB_PORT:-$(pick_port)}
    : >"$dir/mariadbd.log"
    # Small buffers: the tests make a handful of tables on a 2-core machine.
    "$mariadbd" --no-defaults "${user_args[@]}" --datadir="$dir/data" --socket="$dir/mariadbd.sock" \
      --pid-file="$dir/mariadbd.pid" --log-error="$dir/mariadbd.log" --port="$port" --bind-address=127.0.0.1 \
      --skip-name-resolve --skip-log-bin --performance-schema=OFF --innodb-buffer-pool-size=32M \
      --innodb-log-file-size=16M --max-connections=200 </dev/null >>"$dir/mariadbd.log" 2>&1 &
    pid=$!
    ready=
    local deadline=$((SECONDS + start_timeout))
    while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
      if client --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; then ready=1; break; fi
      sleep 0.2
    done
    [ -n "$ready" ] && break
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      tail -n 20 "$dir/mariadbd.log" >&2
      die "mariadbd did not answer within ${start_timeout}s; log in $dir/mariadbd.log"
    fi
    # Another process may have taken the port between the check and the bind: try another.
    if [ -z "${MARIADB_PORT:-}" ] && grep -qi 'bind\|address already in use' "$dir/mariadbd.log"; then
      say "mariadb.sh: port $port was taken, trying another (attempt $attempt)"
      continue
    fi
    tail -n 20 "$dir/mariadbd.log" >&2
    die "mariadbd exited during startup; log in $dir/mariadbd.log"
  done
  [ -n "$ready" ] || die "mariadbd could not bind a port after 3 attempts"
  echo "$pid" >"$dir/mariadbd.pid"
  # From here on the server runs: a failure must not leave it behind.
  trap 'stop "$dir" >/dev/null 2>&1' EXIT

  # The admin user the panel's backend connects as, over TCP like a real panel's database host.
  local password
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
  client <<SQL || die "creating the admin user failed"
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE OR REPLACE USER '$admin_user'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$admin_user'@'127.0.0.1' WITH GRANT OPTION;
SQL
  (
    umask 077
    cat >"$dir/env" <<ENV
PTERODACTYL_TEST_MARIADB_DSN='$admin_user:$password@tcp(127.0.0.1:$port)/'
MARIADB_HOST=127.0.0.1
MARIADB_PORT=$port
MARIADB_SOCKET='$dir/mariadbd.sock'
MARIADB_ADMIN_USER=$admin_user
ENV
  )
  trap - EXIT
  say "MariaDB ready in $((SECONDS - began))s"
  summary
}

# summary prints the settings without the password.
summary() {
  local port
  port=$(sed -n 's/^MARIADB_PORT=//p' "$dir/env")
  printf '%s\n' \
    "MariaDB $(version) on 127.0.0.1:$port (pid $(running_pid "$dir"))" \
    "  socket      $dir/mariadbd.sock" \
    "  admin user  $admin_user@127.0.0.1 (password in $dir/env)" \
    "  settings    eval \"\$($0 env $dir)\"   # sets PTERODACTYL_TEST_MARIADB_DSN" \
    "  stop        $0 stop $dir"
}

env_cmd() {
  dir=$1
  [ -s "$dir/env" ] || die "no MariaDB was started in $dir"
  sed 's/^/export /' "$dir/env"
}

stop() {
  dir=$1
  local pid
  if ! pid=$(running_pid "$dir"); then
    say "mariadb.sh: no MariaDB runs in $dir"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((stop_timeout * 10))); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/mariadbd.pid" "$dir/env"; say "MariaDB stopped"; return 0; }
    sleep 0.1
  done
  say "mariadb.sh: mariadbd did not stop within ${stop_timeout}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/mariadbd.pid" "$dir/env"
}

usage() { die "usage: $0 install | start DIR | env DIR | stop DIR"; }

case ${1:-} in
  install) install ;;
  start) [ $# -eq 2 ] || usage; start "$2" ;;
  env) [ $# -eq 2 ] || usage; env_cmd "$2" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
