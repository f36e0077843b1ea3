# Shared settings of the local test cluster (sourced by start.sh, stop.sh, status.sh).
#
# Everything this cluster runs or writes lives under $TKIMETA_SLURM_STATE, except the two
# configuration files that Slurm only finds at its default path (the executor plugin
# removes SLURM_CONF from the job environment): /etc/slurm/slurm.conf and slurmdbd.conf.
# Those two carry MARKER on their first line; a file without it is never touched.

STATE=${TKIMETA_SLURM_STATE:-/tmp/tkimeta-slurm}
PIDS=$STATE/pids
LOGS=$STATE/log
ETC_SLURM=/etc/slurm
SLURM_CONF_FILE=$ETC_SLURM/slurm.conf
SLURMDBD_CONF_FILE=$ETC_SLURM/slurmdbd.conf
MARKER="# Written by tkimeta tools/slurm/start.sh for the local test cluster; removed by stop.sh."

CLUSTER=tkimeta
# Partition and account of the test cluster: the names profiles/slurm/profile.yaml sets.
PARTITION=short
ACCOUNT=tkimeta

SLURMCTLD_PORT=${TKIMETA_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${TKIMETA_SLURMD_PORT:-6818}
SLURMDBD_PORT=${TKIMETA_SLURMDBD_PORT:-6819}
DB_PORT=${TKIMETA_SLURM_DB_PORT:-6820}

PACKAGES="munge slurm-client slurmctld slurmd slurmdbd mariadb-server"

# Daemons in start order: name, pid file, expected /proc/PID/comm.
DAEMONS="munged mariadbd slurmdbd slurmctld slurmd"
pid_file() { echo "$PIDS/$1.pid"; }

# The pid in a daemon's pid file if that process is alive and is that daemon.
running_pid() {
  local name=$1 file pid comm
  file=$(pid_file "$name")
  [ -s "$file" ] || return 1
  pid=$(tr -dc '0-9' < "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  # comm is cut at 15 characters; slurm's binaries are slurmctld-wlm and slurmd-wlm on Debian
  case "$comm" in "$name"*) echo "$pid" ;; *) return 1 ;; esac
}

ours() { [ -f "$1" ] && [ "$(head -n 1 "$1")" = "$MARKER" ]; }

log() { echo "tools/slurm: $*" >&2; }
