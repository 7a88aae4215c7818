#!/usr/bin/env bash
# Prove profiles/slurm on a throwaway single-node SLURM cluster on this machine.
#
#   sudo bash profiles/slurm/local_cluster.sh        # root needed; Debian 12 (bookworm)
#
# What it does, in order:
#   1. apt-get installs slurm-wlm (slurmctld + slurmd + client tools), munge, slurmdbd and
#      mariadb-server (skipped when they are already there). The executor plugin asks `sacct` for job
#      states, and sacct needs the accounting daemon slurmdbd with a MariaDB behind it, so the
#      cluster runs with real accounting.
#   2. pip-installs snakemake-executor-plugin-slurm==$PLUGIN_VERSION into the Python that runs
#      `snakemake` (only when another version, or none, is installed).
#   3. Writes slurm.conf / slurmdbd.conf for a one-node cluster under $STATE (default
#      /tmp/pose3d-slurm, wiped on every run): this host at 127.0.0.1, all its CPUs and memory (as
#      `slurmd -C` reports them), one partition "debug", no GPU gres, daemons and jobs as root,
#      proctrack/linuxproc + task/none (no cgroups, no systemd). Commands find it through SLURM_CONF,
#      and a symlink /etc/slurm/slurm.conf -> it for the run (the jobstep plugin drops SLURM_CONF
#      before its inner srun); the script refuses to run where a real /etc/slurm/slurm.conf exists.
#   4. Starts munged (unless one runs already), a private mariadbd (port $DB_PORT, datadir under
#      $STATE), slurmdbd, slurmctld and slurmd as background processes; registers the cluster, an
#      account "pose3d" and root in it; waits until `sinfo` shows the node idle.
#   5. Starts an MLflow tracking server on 127.0.0.1:$MLFLOW_PORT (store under $STATE).
#   6. Runs the tiny demo workflow through the profile in the scratch folder $STATE/work:
#        POSE3D_MLFLOW_URI=http://127.0.0.1:$MLFLOW_PORT snakemake -s <repo>/Snakefile -d $STATE/work \
#          --workflow-profile none --profile <repo>/profiles/slurm --configfile $STATE/work/config.yaml \
#          --slurm-keep-successful-logs --slurm-init-seconds-before-status-checks 5 results/tables/mpjpe.csv
#      with config.yaml = the repository's config.yaml, demo size tiny, the quick training overrides
#      of tests/workflow_helpers.py (QUICK_TRAINING) and training.device cpu.
#   7. Checks that every job of the run went through sbatch (sacct lists them, COMPLETED, and
#      .snakemake/slurm_logs holds their logs), that results/tables/mpjpe.csv exists and that the
#      MLflow server received one run per model (no container runs) and their artifacts;
#      prints a summary and exits non-zero when a check fails.
#   8. Preemption (skipped with POSE3D_SLURM_PREEMPTION=0): trains linear-cpn for 1-2 minutes through the
#      profile with a 3-minute time limit and the early signal 90 s before it; checks that SIGUSR1 reached
#      the job, Snakemake submitted it again, the last one resumed mid-epoch (a state only the signal
#      writes) and COMPLETED, and the weights equal the same target trained without SLURM.
#   On exit (success, failure or Ctrl-C) it stops every daemon it started and removes the
#   /etc/slurm/slurm.conf link; $STATE stays for inspection. Takes about 7 minutes on 2 CPUs.
#
# Environment: POSE3D_SLURM_STATE (state folder), POSE3D_SLURM_DB_PORT (3306 + 10000),
# POSE3D_SLURM_MLFLOW_PORT (5000), POSE3D_SLURM_SKIP_INSTALL=1 (no apt-get / pip).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${POSE3D_SLURM_STATE:-/tmp/pose3d-slurm}
DB_PORT=${POSE3D_SLURM_DB_PORT:-13306}
MLFLOW_PORT=${POSE3D_SLURM_MLFLOW_PORT:-5000}
PLUGIN_VERSION=2.8.0
CLUSTER=pose3d
ACCOUNT=pose3d
PARTITION=debug
WORK=$STATE/work
ETC=$STATE/etc
LOG=$STATE/log
export SLURM_CONF=$ETC/slurm.conf

log() { printf '\n==> %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root: the daemons, and the jobs, run as root"
command -v python3 >/dev/null || die "python3 not found"
PYTHON=$(command -v python3)

# ---------------------------------------------------------------- daemons we start, stopped on exit
STARTED=()          # "name pid [kill-target]" entries, stopped in reverse order
stop_daemons() {
    local i name pid
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
        read -r name pid target <<<"${STARTED[i]}"
        target=${target:-$pid}      # "-PGID" for a daemon started in its own process group
        if kill -0 "$target" 2>/dev/null; then
            kill -TERM "$target" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$target" 2>/dev/null || break; sleep 0.2; done
            kill -0 "$target" 2>/dev/null && kill -KILL "$target" 2>/dev/null || true
            echo "stopped $name (pid $pid)"
        fi
    done
    STARTED=()
}
on_exit() {
    local rc=$?
    log "stopping the daemons this script started"
    stop_daemons
    if [[ ${LINKED_ETC:-0} == 1 && -L /etc/slurm/slurm.conf ]]; then
        rm -f /etc/slurm/slurm.conf && echo "removed the link /etc/slurm/slurm.conf"
    fi
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

started() { STARTED+=("$*"); echo "started $1 (pid $2)"; }

wait_for() {        # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    for _ in $(seq $((seconds * 2))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    die "timed out after ${seconds}s waiting for $what (logs under $LOG)"
}

# A previous run killed hard (kill -9 of this script) can leave its daemons behind: stop those,
# found by the pid files under $STATE, never by name.
stop_leftovers() {
    local f pid
    for f in "$STATE"/run/*.pid; do
        [[ -e $f ]] || continue
        pid=$(cat "$f" 2>/dev/null || true)
        if [[ -n $pid ]] && kill -0 -- "$pid" 2>/dev/null; then
            echo "stopping leftover $(basename "$f" .pid) (pid $pid) of an earlier run"
            kill -- "$pid" 2>/dev/null || true
            sleep 2
            kill -9 -- "$pid" 2>/dev/null || true
        fi
    done
}

T0=$(date +%s)

# ---------------------------------------------------------------- 1. packages
if [[ ${POSE3D_SLURM_SKIP_INSTALL:-0} != 1 ]]; then
    log "installing Debian packages (slurm-wlm munge slurmdbd mariadb-server)"
    missing=()
    for pkg in slurm-wlm munge slurmdbd mariadb-server; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    echo "installed: $(dpkg-query -W -f='${Package} ${Version}\n' slurm-wlm munge slurmdbd mariadb-server | paste -sd, -)"

    # ------------------------------------------------------------ 2. executor plugin
    have=$("$PYTHON" -c "import importlib.metadata as m; print(m.version('snakemake-executor-plugin-slurm'))" 2>/dev/null || true)
    if [[ $have != "$PLUGIN_VERSION" ]]; then
        log "pip install snakemake-executor-plugin-slurm==$PLUGIN_VERSION (found: ${have:-none})"
        "$PYTHON" -m pip install -q "snakemake-executor-plugin-slurm==$PLUGIN_VERSION"
    fi
fi
for tool in slurmctld slurmd slurmdbd munged mariadbd mariadb-install-db sbatch sacct sacctmgr sinfo; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || die "$tool not found (install step skipped?)"
done
export PATH=$PATH:/usr/sbin
command -v snakemake >/dev/null || die "snakemake not on PATH"
command -v pose3d >/dev/null || die "pose3d not on PATH (pip install -e $REPO)"
PLUGIN_HAVE=$("$PYTHON" -c "import importlib.metadata as m; print(m.version('snakemake-executor-plugin-slurm'))")
echo "snakemake $(snakemake --version), snakemake-executor-plugin-slurm $PLUGIN_HAVE, $(slurmctld -V)"

# ---------------------------------------------------------------- 3. configuration
stop_leftovers
rm -rf "$STATE"
mkdir -p "$ETC" "$LOG" "$STATE"/run "$STATE"/spool/slurmctld "$STATE"/spool/slurmd "$WORK"

read -r NODE CPUS MEM < <(slurmd -C | awk '
    /^NodeName=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { print v["NodeName"], v["CPUs"], v["RealMemory"] }')
[[ -n $NODE && -n $CPUS && -n $MEM ]] || die "could not read the node's CPUs and memory from slurmd -C"
log "writing $SLURM_CONF: node $NODE, $CPUS CPUs, $MEM MB, partition $PARTITION"

cat >"$ETC/slurm.conf" <<EOF
# One-node test cluster written by profiles/slurm/local_cluster.sh
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MinJobAge=600
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
StateSaveLocation=$STATE/spool/slurmctld
SlurmdSpoolDir=$STATE/spool/slurmd
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

DB_PASS=pose3d-local-$RANDOM$RANDOM
cat >"$ETC/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
PidFile=$STATE/run/slurmdbd.pid
LogFile=$LOG/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=slurm_acct_db
EOF
chmod 600 "$ETC/slurmdbd.conf"

# Commands find the config through SLURM_CONF, except one: inside each job the jobstep plugin
# (snakemake-executor-plugin-slurm-jobstep 0.6.1) drops every SLURM_* variable but the job's
# identity before it calls `srun`, so that srun reads the default /etc/slurm/slurm.conf. Link it
# there for the run (removed on exit); a real slurm.conf already there stops the script.
if [[ -e /etc/slurm/slurm.conf && ! -L /etc/slurm/slurm.conf ]]; then
    die "/etc/slurm/slurm.conf exists: this machine has a SLURM setup already, not touching it"
fi
mkdir -p /etc/slurm
ln -sfn "$ETC/slurm.conf" /etc/slurm/slurm.conf
LINKED_ETC=1

# ---------------------------------------------------------------- 4. daemons
log "starting munged"
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    echo "a munged is already running: using it"
else
    [[ -s /etc/munge/munge.key ]] || { mungekey --create --keyfile /etc/munge/munge.key; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    runuser -u munge -- munged --force --pid-file=/run/munge/munged.pid >"$LOG/munged.log" 2>&1
    wait_for 20 munged bash -c 'munge -n | unmunge'
    started munged "$(cat /run/munge/munged.pid)"
    cp /run/munge/munged.pid "$STATE/run/munged.pid"
fi

log "starting mariadbd (port $DB_PORT, datadir $STATE/mysql)"
mariadb-install-db --user=root --datadir="$STATE/mysql" --auth-root-authentication-method=socket \
    --skip-test-db >"$LOG/mariadb-install-db.log" 2>&1
mariadbd --no-defaults --user=root --datadir="$STATE/mysql" --socket="$STATE/run/mysqld.sock" \
    --port="$DB_PORT" --bind-address=127.0.0.1 --pid-file="$STATE/run/mariadbd.pid" \
    --log-error="$LOG/mariadbd.log" --innodb-buffer-pool-size=128M &
started mariadbd $!
wait_for 60 mariadbd mariadb-admin --socket="$STATE/run/mysqld.sock" ping
mariadb --socket="$STATE/run/mysqld.sock" -u root <<EOF
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
FLUSH PRIVILEGES;
EOF

log "starting slurmdbd"
slurmdbd -D >"$LOG/slurmdbd.stdout" 2>&1 &
started slurmdbd $!
wait_for 60 slurmdbd sacctmgr -n list cluster
sacctmgr -i add cluster "$CLUSTER" >/dev/null
sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" description=pose3d organization=pose3d >/dev/null
sacctmgr -i add user root account="$ACCOUNT" defaultaccount="$ACCOUNT" cluster="$CLUSTER" >/dev/null

log "starting slurmctld and slurmd"
slurmctld -D -i >"$LOG/slurmctld.stdout" 2>&1 &
started slurmctld $!
wait_for 30 slurmctld scontrol ping
slurmd -D >"$LOG/slurmd.stdout" 2>&1 &
started slurmd $!
wait_for 60 "node $NODE idle in sinfo" bash -c "sinfo -h -N -n '$NODE' -o '%t' | grep -qx idle"
sinfo
sacctmgr -n -P show assoc format=cluster,account,user | sed 's/^/assoc: /'

# ---------------------------------------------------------------- 5. MLflow tracking server
log "starting mlflow server on 127.0.0.1:$MLFLOW_PORT"
mkdir -p "$STATE/mlflow"
setsid mlflow server --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$STATE/mlflow/mlflow.db" --artifacts-destination "$STATE/mlflow/artifacts" \
    >"$LOG/mlflow.log" 2>&1 &
started mlflow $! -$!        # its own process group: the server forks workers
echo "-$!" >"$STATE/run/mlflow.pid"
wait_for 120 "mlflow server" "$PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MLFLOW_PORT/health')"

# ---------------------------------------------------------------- 6. the workflow through the profile
log "writing $WORK/config.yaml (tiny demo, quick training, device cpu)"
"$PYTHON" - "$REPO" "$WORK/config.yaml" <<'EOF'
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(sys.argv[1]) / "tests"))
from workflow_helpers import small_config  # noqa: E402  (config.yaml + tiny demo + QUICK_TRAINING)

config = small_config()
config["training"]["device"] = "cpu"
Path(sys.argv[2]).write_text(yaml.safe_dump(config, sort_keys=False))
EOF

SNAKEMAKE=(snakemake -s "$REPO/Snakefile" -d "$WORK" --workflow-profile none --profile "$REPO/profiles/slurm"
           --configfile "$WORK/config.yaml" --slurm-keep-successful-logs
           --slurm-init-seconds-before-status-checks 5 results/tables/mpjpe.csv)
log "running: POSE3D_MLFLOW_URI=http://127.0.0.1:$MLFLOW_PORT ${SNAKEMAKE[*]}"
T_RUN=$(date +%s)
set +e
(cd "$WORK" && POSE3D_MLFLOW_URI="http://127.0.0.1:$MLFLOW_PORT" "${SNAKEMAKE[@]}") 2>&1 | tee "$LOG/snakemake.log"
SNAKEMAKE_RC=${PIPESTATUS[0]}
set -e
T_DONE=$(date +%s)

# ---------------------------------------------------------------- 7. checks and summary
log "checking"
set +e +o pipefail
FAILED=()
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; FAILED+=("$1"); fi; }

SACCT=$(sacct -X -a -n -P -S "$(date -d "@$T_RUN" +%Y-%m-%dT%H:%M:%S)" -o JobID,JobName%40,Partition,Account,AllocCPUS,ReqMem,State,ExitCode,Elapsed,Comment%60)
N_SUBMITTED=$(grep -c "Job .* has been submitted with SLURM jobid" "$LOG/snakemake.log" || true)
N_SACCT=$(grep -c . <<<"$SACCT" || true)
N_COMPLETED=$(awk -F'|' '$7 == "COMPLETED"' <<<"$SACCT" | wc -l)
N_LOGS=$(find "$WORK/.snakemake/slurm_logs" -name '*.log' 2>/dev/null | wc -l)
EXPERIMENT=$("$PYTHON" -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['mlflow']['experiment'])" "$WORK/config.yaml")
read -r N_MLFLOW N_MODELS < <("$PYTHON" - "http://127.0.0.1:$MLFLOW_PORT" "$EXPERIMENT" <<'EOF' 2>>"$LOG/checks.log" || echo 0 0
import sys
from mlflow.tracking import MlflowClient

client = MlflowClient(sys.argv[1])
experiment = client.get_experiment_by_name(sys.argv[2])
runs = client.search_runs([experiment.experiment_id]) if experiment else []
print(len(runs), sum("model" in run.data.tags for run in runs))
EOF
)
N_ARTIFACTS=$(find "$STATE/mlflow/artifacts" -type f 2>/dev/null | wc -l)

check "snakemake exited 0 (rc=$SNAKEMAKE_RC)" '[[ $SNAKEMAKE_RC -eq 0 ]]'
check "results/tables/mpjpe.csv exists" '[[ -s $WORK/results/tables/mpjpe.csv ]]'
check "snakemake submitted jobs with sbatch ($N_SUBMITTED)" '[[ $N_SUBMITTED -gt 0 ]]'
check "sacct lists every submitted job ($N_SACCT)" '[[ $N_SACCT -eq $N_SUBMITTED ]]'
check "all of them COMPLETED ($N_COMPLETED)" '[[ $N_COMPLETED -eq $N_SUBMITTED ]]'
check "one slurm log per job under .snakemake/slurm_logs ($N_LOGS)" '[[ $N_LOGS -eq $N_SUBMITTED ]]'
check "MLflow server holds one run per model ($N_MLFLOW in experiment $EXPERIMENT, $N_MODELS of them model runs)" '[[ $N_MLFLOW -gt 0 && $N_MODELS -eq $N_MLFLOW ]]'
check "artifacts uploaded through the server ($N_ARTIFACTS files)" '[[ $N_ARTIFACTS -gt 0 ]]'

# ---------------------------------------------------------------- 8. preemption and resubmission
# One train job whose SLURM time limit (3 minutes) ends before its training does, with the profile's
# early signal moved to 90 s before the limit (SLURM sends it up to 60 s earlier still): SIGUSR1 reaches
# the job step, `pose3d train` writes its state mid-epoch (state_every stays at 5 minutes, so a mid-epoch
# state can only come from the signal) and stops; the job fails, Snakemake submits it again (retries,
# raised to 10 here since each attempt trains only 15-75 s) and the same command resumes. The weights must
# equal those of the same target trained without SLURM (the run in $PRE/local).
if [[ ${POSE3D_SLURM_PREEMPTION:-1} == 1 ]]; then
    PRE=$STATE/preempt
    TARGET=results/models/linear-cpn/model.pt
    mkdir -p "$PRE/slurm" "$PRE/local"
    "$PYTHON" - "$REPO" "$PRE" <<'EOF'
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(sys.argv[1]) / "tests"))
from workflow_helpers import small_config  # noqa: E402

config = small_config(models=["linear"])
config["training"]["device"] = "cpu"
config["training"]["overrides"] = {"linear": {"epochs": 4, "samples_per_epoch": 40000}}  # 1-2 min, 25 s epochs
for folder in ("slurm", "local"):
    Path(sys.argv[2], folder, "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
EOF
    log "preemption: $TARGET with a 3-minute limit and SIGUSR1 90 s before it"
    T_PRE=$(date +%s)
    (cd "$PRE/slurm" && snakemake -s "$REPO/Snakefile" -d "$PRE/slurm" --workflow-profile none \
        --profile "$REPO/profiles/slurm" --configfile "$PRE/slurm/config.yaml" --slurm-keep-successful-logs \
        --slurm-init-seconds-before-status-checks 5 --retries 10 \
        --set-resources train:runtime=3 "train:slurm_extra='--signal=USR1@90'" -- "$TARGET") 2>&1 | tee "$LOG/preempt.log"
    PRE_RC=${PIPESTATUS[0]}
    (cd "$PRE/local" && snakemake -s "$REPO/Snakefile" -d "$PRE/local" --workflow-profile none --cores 2 \
        --configfile "$PRE/local/config.yaml" -- "$TARGET") >"$LOG/preempt-local.log" 2>&1
    LOCAL_RC=$?
    PRE_SACCT=$(sacct -X -a -n -P -S "$(date -d "@$T_PRE" +%Y-%m-%dT%H:%M:%S)" \
        -o JobID,State,ExitCode,Elapsed,Timelimit,Comment%60 | grep rule_train)
    N_TRAIN=$(grep -c . <<<"$PRE_SACCT" || true)
    N_STOPPED=$(awk -F'|' '$2 == "FAILED"' <<<"$PRE_SACCT" | wc -l)
    LAST_STATE=$(tail -n 1 <<<"$PRE_SACCT" | cut -d'|' -f2)
    N_SIGNALLED=$(grep -rl "task 0: User defined signal 1" "$PRE/slurm/.snakemake/slurm_logs" 2>/dev/null | wc -l)
    RESUMED=$(grep -oE "resuming after epoch [0-9]+( and [0-9]+ batches of the next)?" \
        "$PRE/slurm/results/logs/train/linear-cpn.log" 2>/dev/null || true)
    SAME=$("$PYTHON" - "$PRE/slurm/$TARGET" "$PRE/local/$TARGET" <<'EOF' 2>>"$LOG/checks.log" || echo error
import sys

import torch

a, b = (torch.load(path, weights_only=True)["state_dict"] for path in sys.argv[1:])
print("equal" if a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a) else "different")
EOF
)
    check "preemption: snakemake exited 0 (rc=$PRE_RC)" '[[ $PRE_RC -eq 0 ]]'
    check "preemption: the train job stopped early and was submitted again ($N_TRAIN train jobs, $N_STOPPED FAILED)" \
        '[[ $N_STOPPED -ge 1 && $N_TRAIN -gt $N_STOPPED ]]'
    check "preemption: SIGUSR1 reached the job step ($N_SIGNALLED SLURM logs say so)" '[[ $N_SIGNALLED -ge 1 ]]'
    check "preemption: the last train job COMPLETED ($LAST_STATE)" '[[ $LAST_STATE == COMPLETED ]]'
    check "preemption: the last job resumed mid-epoch, from a state written on the signal (${RESUMED:-no resume})" \
        '[[ $RESUMED == *batches* ]]'
    check "preemption: weights equal the same training without SLURM (local rc=$LOCAL_RC: $SAME)" '[[ $SAME == equal ]]'
fi

cat <<EOF

================================ summary ================================
cluster        $CLUSTER: node $NODE ($CPUS CPUs, $MEM MB), partition $PARTITION, accounting via slurmdbd
plugin         snakemake-executor-plugin-slurm $PLUGIN_HAVE, snakemake $(snakemake --version)
workflow       $WORK (config.yaml: tiny demo, quick training, device cpu)
MLflow         http://127.0.0.1:$MLFLOW_PORT: $N_MLFLOW runs in experiment $EXPERIMENT, $N_ARTIFACTS artifact files
jobs           $N_SUBMITTED submitted, $N_SACCT in sacct, $N_COMPLETED COMPLETED
durations      setup $((T_RUN - T0)) s, workflow $((T_DONE - T_RUN)) s
sacct -X (JobID|JobName|Partition|Account|AllocCPUS|ReqMem|State|ExitCode|Elapsed|Comment):
$(sed 's/^/  /' <<<"$SACCT")
mpjpe.csv:
$(head -5 "$WORK/results/tables/mpjpe.csv" 2>/dev/null | cut -c1-150 | sed 's/^/  /')
logs           $LOG (daemons, snakemake.log, preempt.log), $WORK/.snakemake/slurm_logs
preemption     ${N_TRAIN:-0} train jobs (JobID|State|ExitCode|Elapsed|Timelimit|Comment):
$(sed 's/^/  /' <<<"${PRE_SACCT:-}")
EOF
if ((${#FAILED[@]})); then
    echo "RESULT: FAILED (${#FAILED[@]} checks): ${FAILED[*]}"
    exit 1
fi
echo "RESULT: OK - the workflow ran on SLURM through profiles/slurm"
