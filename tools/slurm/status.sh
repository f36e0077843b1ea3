#!/usr/bin/env bash
# Exit 0 when every daemon of the local test cluster (started by start.sh) is running;
# otherwise list what is not and exit 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

status=0
for d in $DAEMONS; do
  if pid=$(running_pid "$d"); then
    echo "$d: running (pid $pid)"
  else
    echo "$d: not running"
    status=1
  fi
done
ours "$SLURM_CONF_FILE" || { echo "$SLURM_CONF_FILE: not written by start.sh"; status=1; }
exit $status
