#!/usr/bin/env bash
# Stop the local test cluster that start.sh started: the daemons named by its pid files
# (each checked to be that daemon before it is signalled) and the jobs still on it, and
# remove the two configuration files it wrote to /etc/slurm. Nothing else is touched: a
# system munged or MariaDB keeps running, and the Debian packages stay installed.
#
#   tools/slurm/stop.sh            # stop; state (logs, database) stays in $TKIMETA_SLURM_STATE
#   tools/slurm/stop.sh --purge    # stop and delete that state as well
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
export PATH=$PATH:/usr/sbin

purge=no
[ "${1:-}" = "--purge" ] && purge=yes

# Jobs still queued or running on our cluster end with it (their slurmstepd would
# otherwise outlive slurmd).
if running_pid slurmctld >/dev/null && ours "$SLURM_CONF_FILE"; then
  jobs=$(timeout 20 squeue -h -o %i 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086
    timeout 20 scancel $jobs 2>/dev/null || true
    for _ in $(seq 50); do
      [ -z "$(timeout 5 squeue -h -t R,CG -o %i 2>/dev/null || true)" ] && break
      sleep 0.2
    done
  fi
fi

stop_daemon() {
  local name=$1 pid
  pid=$(running_pid "$name") || { rm -f "$(pid_file "$name")"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do
    [ -d "/proc/$pid" ] || break
    sleep 0.2
  done
  if [ -d "/proc/$pid" ]; then
    log "$name (pid $pid) ignored SIGTERM for 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$(pid_file "$name")"
  log "$name stopped"
}

# Reverse start order: the node, the controller, accounting, its database, munge.
for d in slurmd slurmctld slurmdbd mariadbd munged; do stop_daemon "$d"; done

for f in "$SLURM_CONF_FILE" "$SLURMDBD_CONF_FILE"; do
  if ours "$f"; then rm -f "$f"; fi
done

if [ $purge = yes ] && [ -d "$STATE" ]; then
  rm -rf "$STATE"
  log "removed $STATE"
fi
