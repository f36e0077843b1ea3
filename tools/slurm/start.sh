#!/usr/bin/env bash
# Install, configure and start a one-node SLURM cluster on this machine, for the tests
# (tests/test_slurm.py) and for trying the profile profiles/slurm/ by hand.
#
#   tools/slurm/start.sh      # idempotent: starts only what is not running yet
#   tools/slurm/status.sh     # exit 0 when every daemon of it is running
#   tools/slurm/stop.sh       # stops what start.sh started (by pid file), nothing else
#
# Debian's slurm-wlm 22.05 with job accounting, as on a real cluster: munged (own key,
# socket and directories), MariaDB (own data directory, on 127.0.0.1 only), slurmdbd,
# slurmctld and slurmd, all as root, all state under $TKIMETA_SLURM_STATE
# (/tmp/tkimeta-slurm). No systemd needed. The partition and account are the ones
# profiles/slurm/profile.yaml names, so the profile runs here unchanged.
#
# Exit status: 0 running; 2 this machine cannot have the cluster (not root, no apt-get,
# or a slurm.conf that is not ours), so tests skip; anything else is a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

cannot() { log "cannot run the local test cluster here: $*"; exit 2; }
fail() { log "error: $*"; exit 1; }

# --------------------------------------------------------------------------- checks
[ "$(id -u)" = 0 ] || cannot "needs root (installs Debian packages, writes /etc/slurm, runs the daemons)"
for f in "$SLURM_CONF_FILE" "$SLURMDBD_CONF_FILE"; do
  if [ -e "$f" ] && ! ours "$f"; then
    cannot "$f exists and was not written by this script (a real cluster's?); leaving it alone"
  fi
done

all_running=yes
for d in $DAEMONS; do running_pid "$d" >/dev/null || all_running=no; done
if [ $all_running = yes ] && ours "$SLURM_CONF_FILE"; then
  log "already running (state in $STATE)"
  exit 0
fi

# --------------------------------------------------------------------------- packages
mkdir -p "$STATE" "$PIDS" "$LOGS"
missing=()
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || cannot "packages missing (${missing[*]}) and no apt-get to install them"
  log "installing ${missing[*]} (Debian packages; about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >"$LOGS/apt.log" 2>&1; }
  if ! apt_install; then
    # a machine whose package lists are missing or stale
    apt-get update -q -o DPkg::Lock::Timeout=300 >"$LOGS/apt-update.log" 2>&1 || fail "apt-get update failed, see $LOGS/apt-update.log"
    apt_install || fail "apt-get install ${missing[*]} failed, see $LOGS/apt.log"
  fi
fi
for b in munged mungekey mariadbd mariadb-install-db mariadb slurmdbd slurmctld slurmd sacctmgr sinfo; do
  command -v "$b" >/dev/null || PATH=$PATH:/usr/sbin command -v "$b" >/dev/null || fail "$b not found after installing $PACKAGES"
done
export PATH=$PATH:/usr/sbin

# --------------------------------------------------------------------------- ports
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
check_port() { # port, daemon that would own it
  if ! running_pid "$2" >/dev/null && port_busy "$1"; then
    fail "port $1 (for $2) is taken by another program; set TKIMETA_${3}_PORT to a free one"
  fi
}
check_port "$SLURMCTLD_PORT" slurmctld SLURMCTLD
check_port "$SLURMD_PORT" slurmd SLURMD
check_port "$SLURMDBD_PORT" slurmdbd SLURMDBD
check_port "$DB_PORT" mariadbd SLURM_DB

# --------------------------------------------------------------------------- layout
umask 022
mkdir -p "$STATE" "$PIDS" "$LOGS" "$STATE/munge" "$STATE/mysql" "$STATE/slurmctld" "$STATE/slurmd"
chmod 755 "$STATE"
chmod 700 "$STATE/munge"
MUNGE_SOCKET=$STATE/munge/munge.socket
HOST=$(hostname -s)

# --------------------------------------------------------------------------- munged
if ! running_pid munged >/dev/null; then
  [ -s "$STATE/munge/munge.key" ] || mungekey --create --keyfile="$STATE/munge/munge.key" >/dev/null
  chmod 600 "$STATE/munge/munge.key"
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
  munged --force --key-file="$STATE/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$(pid_file munged)" --log-file="$LOGS/munged.log" --seed-file="$STATE/munge/munged.seed" \
    || fail "munged did not start, see $LOGS/munged.log"
  log "munged started"
fi
for _ in $(seq 50); do [ -S "$MUNGE_SOCKET" ] && break; sleep 0.1; done
munge -n -S "$MUNGE_SOCKET" | unmunge -S "$MUNGE_SOCKET" >/dev/null || fail "munge does not work, see $LOGS/munged.log"

# --------------------------------------------------------------------------- MariaDB
DB_SOCKET=$STATE/mysql/mysqld.sock
DB_PASS_FILE=$STATE/mysql/slurm.pass
if [ ! -d "$STATE/mysql/data/mysql" ]; then
  rm -rf "$STATE/mysql/data"
  mariadb-install-db --no-defaults --datadir="$STATE/mysql/data" --user=root \
    --auth-root-authentication-method=socket --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 \
    || fail "mariadb-install-db failed, see $LOGS/mariadb-install.log"
fi
if ! running_pid mariadbd >/dev/null; then
  # --no-defaults: none of the machine's /etc/mysql settings; TCP on loopback only
  nohup mariadbd --no-defaults --datadir="$STATE/mysql/data" --socket="$DB_SOCKET" \
    --pid-file="$(pid_file mariadbd)" --log-error="$LOGS/mariadb.log" --user=root \
    --bind-address=127.0.0.1 --port="$DB_PORT" --skip-name-resolve \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --innodb-lock-wait-timeout=900 \
    --max-connections=50 >/dev/null 2>&1 </dev/null &
  for _ in $(seq 300); do
    mariadb --no-defaults --socket="$DB_SOCKET" -u root -e 'select 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  running_pid mariadbd >/dev/null || fail "MariaDB did not start, see $LOGS/mariadb.log"
  log "MariaDB started (127.0.0.1:$DB_PORT)"
fi
[ -s "$DB_PASS_FILE" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DB_PASS_FILE")
DB_PASS=$(cat "$DB_PASS_FILE")
mariadb --no-defaults --socket="$DB_SOCKET" -u root <<SQL || fail "could not create the accounting database"
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
SQL

# --------------------------------------------------------------------------- configuration
# Written afresh unless daemons reading it are running (then it stays as they read it).
write_conf() { # file, mode, content on stdin
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat > "$tmp"
  chmod "$2" "$tmp"
  mv -f "$tmp" "$1"
}
if ! running_pid slurmctld >/dev/null && ! running_pid slurmd >/dev/null && ! running_pid slurmdbd >/dev/null; then
  mkdir -p "$ETC_SLURM"
  read -r cpus sockets cores threads < <(slurmd -C | head -n 1 | tr ' ' '\n' | awk -F= '
    $1=="CPUs"{c=$2} $1=="SocketsPerBoard"{s=$2} $1=="CoresPerSocket"{k=$2} $1=="ThreadsPerCore"{t=$2}
    END{print c, s, k, t}')
  mem_total=$(awk '/^MemTotal:/{print int($2/1024)}' /proc/meminfo)
  # half the machine at most: it is shared, and no test needs more
  real_mem=$(( mem_total / 2 ))
  def_mem=$(( real_mem / cpus < 1024 ? real_mem / cpus : 1024 ))
  write_conf "$SLURM_CONF_FILE" 644 <<CONF
$MARKER
# State, logs and pid files: $STATE
ClusterName=$CLUSTER
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$(pid_file slurmctld)
SlurmdPidFile=$(pid_file slurmd)
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups and no systemd here (what works in a container on Debian 12).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
MpiDefault=none
SwitchType=switch/none
# Cores and memory are consumable, and a job that asks for no memory gets DefMemPerCPU
# per core rather than the whole node, so that jobs run side by side.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$def_mem
SchedulerType=sched/backfill
# Accounting through slurmdbd (MariaDB), as on a production cluster: sacct works.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$SLURMDBD_PORT
# slurmdbd's clients (slurmctld, sacct, sacctmgr) take the munge socket from here
AccountingStoragePass=$MUNGE_SOCKET
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue for 10 minutes as well.
MinJobAge=600
KillWait=5
InactiveLimit=0
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus Sockets=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$real_mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
  write_conf "$SLURMDBD_CONF_FILE" 600 <<CONF
$MARKER
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=$HOST
DbdAddr=127.0.0.1
DbdPort=$SLURMDBD_PORT
SlurmUser=root
PidFile=$(pid_file slurmdbd)
LogFile=$LOGS/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=slurm_acct_db
CONF
fi

# --------------------------------------------------------------------------- slurmdbd
if ! running_pid slurmdbd >/dev/null; then
  slurmdbd || fail "slurmdbd did not start, see $LOGS/slurmdbd.log"
  ok=no
  deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    timeout 10 sacctmgr -n -P show cluster >/dev/null 2>&1 && { ok=yes; break; }
    sleep 0.5
  done
  [ $ok = yes ] || fail "slurmdbd does not answer, see $LOGS/slurmdbd.log"
  log "slurmdbd started"
fi
if [ -z "$(sacctmgr -n -P show cluster "$CLUSTER" format=cluster 2>/dev/null)" ]; then
  sacctmgr -i add cluster "$CLUSTER" >/dev/null || fail "sacctmgr add cluster failed"
fi

# --------------------------------------------------------------------------- slurmctld, slurmd
if ! running_pid slurmctld >/dev/null; then
  slurmctld || fail "slurmctld did not start, see $LOGS/slurmctld.log"
  log "slurmctld started"
fi
if ! running_pid slurmd >/dev/null; then
  slurmd || fail "slurmd did not start, see $LOGS/slurmd.log"
  log "slurmd started"
fi

# The account the profile names, with the submitting user (root) in it.
if [ -z "$(sacctmgr -n -P show account "$ACCOUNT" format=account 2>/dev/null)" ]; then
  sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description="tkimeta tests" Organization=tkimeta >/dev/null \
    || fail "sacctmgr add account failed"
fi
if ! sacctmgr -n -P show assoc where user=root account="$ACCOUNT" format=account 2>/dev/null | grep -qx "$ACCOUNT"; then
  sacctmgr -i add user root Account="$ACCOUNT" Cluster="$CLUSTER" >/dev/null || fail "sacctmgr add user failed"
fi

# --------------------------------------------------------------------------- ready?
state=
for _ in $(seq 300); do
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n 1 || true)
  case "$state" in idle|mixed|allocated) break ;; esac
  sleep 0.2
done
case "$state" in
  idle|mixed|allocated) ;;
  *) fail "node $HOST is '${state:-not known}' instead of idle, see $LOGS/slurmctld.log and $LOGS/slurmd.log" ;;
esac
log "cluster '$CLUSTER' is up: node $HOST ($state), partition $PARTITION, account $ACCOUNT; state in $STATE"
