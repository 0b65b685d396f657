#!/usr/bin/env bash
# A real Slurm test of cordon's sharding (docs/scaling.md, "The real test").
#
# As root on a Debian machine without systemd: installs Debian's Slurm and
# MUNGE if missing, starts a one-node cluster on localhost (munged,
# slurmctld, slurmd, each started here and stopped here by PID, also on
# failure), builds cordon in release, runs the default scenario as a job
# array of 4 shards with the real examples/slurm/cordon-array.sbatch, merges
# them with the real examples/slurm/merge.sbatch (submitted with
# --dependency=afterok on the array), and checks with cmp that every CSV file
# equals, byte for byte, a single-machine run of the same scenario and trials.
#
# Usage: bash tests/slurm/run.sh     (from anywhere; needs root)
# Env:   SLURM_TEST_DIR  work folder, emptied first and removed at the end
#                        [${TMPDIR:-/tmp}/cordon-slurm-test]
#        KEEP=1          keep the work folder (daemons are stopped anyway)
#        CARGO_TARGET_DIR is respected; by default the repo's target/.
set -euo pipefail

readonly SHARD_COUNT=4 TRIALS=200 SCENARIO=csto-southern-frontier
readonly JOB_TIMEOUT=180 START_TIMEOUT=60

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=${SLURM_TEST_DIR:-${TMPDIR:-/tmp}/cordon-slurm-test}
started=$SECONDS
say() { printf '== slurm test [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
    echo "FAILED: $*" >&2
    exit 1
}

if ((EUID != 0)); then
    fail "must run as root (it installs packages and starts munged, slurmctld and slurmd)"
fi
# The work folder is removed at the end: never one this script did not make.
if [[ $tmp != /?* ]] || { [[ -e $tmp ]] && [[ ! -e $tmp/.cordon-slurm-test ]]; }; then
    fail "SLURM_TEST_DIR=$tmp: give an absolute path that does not exist yet"
fi

# --- Daemons: started here, stopped here, by PID -------------------------

pids=()        # every daemon this run started
cluster_up=0   # slurmctld answers: cancel jobs before stopping it
ok=0

# stop PID...: SIGTERM, up to 10 s for all to end, then SIGKILL.
stop() {
    local pid i alive
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 100; i++)); do
        alive=()
        for pid in "$@"; do
            if kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi
        done
        ((${#alive[@]})) || return 0
        sleep 0.1
    done
    echo "still running after SIGTERM, SIGKILL: ${alive[*]}" >&2
    kill -KILL "${alive[@]}" 2>/dev/null || true
}

# The PIDs of slurmstepd processes (and the job processes under them) that
# our slurmd started: they carry our SLURM_CONF in their environment.
ours() {
    local p
    for p in /proc/[0-9]*; do
        if grep -qzxF "SLURM_CONF=$tmp/etc/slurm.conf" "$p/environ" 2>/dev/null; then
            echo "${p#/proc/}"
        fi
    done
    return 0
}

# Stops what ours() finds, again until nothing is left (a job process may
# outlive its slurmstepd), for at most about 30 s.
stop_ours() {
    local left round
    for ((round = 0; round < 3; round++)); do
        left=$(ours)
        [[ -n $left ]] || return 0
        echo "stopping job processes: $(echo "$left" | tr '\n' ' ')" >&2
        # shellcheck disable=SC2086 # one PID a word
        stop $left
    done
}

show_logs() {
    local f
    for f in "$tmp"/log/*.log "$tmp"/work/*.out; do
        [[ -f $f ]] || continue
        echo "----- $f (last 60 lines)"
        tail -n 60 "$f"
    done
    if ((cluster_up)); then
        echo "----- squeue"
        squeue -a 2>&1 || true
        echo "----- sinfo"
        sinfo -N -l 2>&1 || true
    fi
}

cleanup() {
    local rc=$?
    set +e
    if ((rc != 0 || !ok)); then
        echo "== slurm test failed (exit $rc): logs follow" >&2
        show_logs >&2
    fi
    if ((cluster_up)); then
        scancel --full --quiet --user=root 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
            sleep 0.2
        done
    fi
    # Stop in the reverse order of starting: slurmd, slurmctld, munged.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}"; done
    # A slurmstepd may outlive slurmd a moment. Our own helpers must not
    # carry SLURM_CONF while we look for it.
    export -n SLURM_CONF
    for ((i = 0; i < 20; i++)); do
        [[ -z $(ours) ]] && break
        sleep 0.1
    done
    stop_ours
    if [[ ${KEEP:-} == 1 ]]; then
        echo "kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A run killed before its cleanup may have left daemons: stop those, by the
# PIDs it wrote, if they are still the programs it started, then its jobs.
for name in slurmd slurmctld munged; do
    f=$tmp/run/$name.pid
    [[ -f $f ]] || continue
    pid=$(<"$f")
    if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]; then
        say "stopping $name (pid $pid) left by an earlier run"
        stop "$pid"
    fi
done
stop_ours
rm -rf "$tmp"
mkdir -p "$tmp"/{etc,log,run,state,spool,work}
touch "$tmp/.cordon-slurm-test"

# --- Install ---------------------------------------------------------------

t=$SECONDS
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v sbatch >/dev/null && command -v munged >/dev/null && command -v jq >/dev/null; then
    say "Slurm and MUNGE already installed"
else
    say "installing Debian's Slurm and MUNGE"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge jq >"$tmp/log/apt.log" ||
        {
            cat "$tmp/log/apt.log"
            fail "apt-get install"
        }
fi
install_s=$((SECONDS - t))
say "$(slurmctld -V), $(munged --version 2>&1 | head -n1)"

# --- Build -----------------------------------------------------------------

t=$SECONDS
say "cargo build --release --locked"
(cd "$repo" && cargo build --release --locked --quiet)
target=${CARGO_TARGET_DIR:-target}
[[ $target == /* ]] || target=$repo/$target
cordon=$target/release/cordon
[[ -x $cordon ]] || fail "no binary at $cordon"
build_s=$((SECONDS - t))

# --- Cluster ---------------------------------------------------------------

t=$SECONDS
say "starting munged, slurmctld and slurmd"

# munged refuses to run as root: it runs as munge, with its key owned by
# munge and readable by it alone.
key=/etc/munge/munge.key
if [[ ! -s $key ]]; then
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile="$key"
    elif command -v create-munge-key >/dev/null; then
        create-munge-key -f
    else
        dd if=/dev/urandom of="$key" bs=1 count=1024 status=none
    fi
fi
chown munge:munge "$key"
chmod 0400 "$key"
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
setpriv --reuid=munge --regid=munge --init-groups \
    munged --foreground --log-file="$tmp/log/munged.log" >>"$tmp/log/munged.log" 2>&1 &
pids+=($!)
echo "$!" >"$tmp/run/munged.pid"
for ((i = 0; ; i++)); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "munged exited"
    ((i < START_TIMEOUT * 10)) || fail "munged did not answer in ${START_TIMEOUT}s"
    sleep 0.1
done

# The node as slurmd sees it (CPUs, sockets, cores, memory), named localhost.
slurmd -C >"$tmp/etc/node" 2>&1 || fail "slurmd -C: $(<"$tmp/etc/node")"
node=$(sed -nE '/^NodeName=/{s/^NodeName=[^ ]+/NodeName=localhost/; s/ +UpTime=.*//; p; q}' "$tmp/etc/node")
[[ -n $node ]] || fail "slurmd -C printed no NodeName line"

export SLURM_CONF=$tmp/etc/slurm.conf
cat >"$SLURM_CONF" <<EOF
# A one-node cluster on localhost for tests/slurm/run.sh (no cgroups, no
# accounting: the cgroup plugins hang on machines without systemd).
ClusterName=cordontest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pidfile
SlurmdPidFile=$tmp/run/slurmd.pidfile
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0,kill_invalid_depend
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# sbatch --wait polls every 2 s while that is under MinJobAge/2, else
# every 8, then 32 s: 4 keeps it at 2 s (and records live 4 s at least).
MinJobAge=4
$node State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -f "$SLURM_CONF" >>"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
echo "$!" >"$tmp/run/slurmctld.pid"
for ((i = 0; ; i++)); do
    scontrol ping 2>/dev/null | grep -q 'is UP' && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "slurmctld exited"
    ((i < START_TIMEOUT * 10)) || fail "slurmctld did not answer in ${START_TIMEOUT}s"
    sleep 0.1
done
cluster_up=1

slurmd -D -N localhost -f "$SLURM_CONF" >>"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
echo "$!" >"$tmp/run/slurmd.pid"
for ((i = 0; ; i++)); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "slurmd exited"
    ((i < START_TIMEOUT * 10)) || fail "node localhost is '${state:-unknown}', not idle, after ${START_TIMEOUT}s"
    sleep 0.1
done
cluster_s=$((SECONDS - t))
say "cluster up: $node"

# --- The job array, the merge, the single run ------------------------------

cd "$tmp/work"
export CORDON=$cordon SCENARIO SHARDS=$tmp/work/shards OUT=$tmp/work/merged \
    CORDON_ARGS="--trials $TRIALS"

t=$SECONDS
say "sbatch --wait --array=0-$((SHARD_COUNT - 1)) examples/slurm/cordon-array.sbatch"
# 1 CPU a task (the script asks for 4), so that two tasks run at once here.
jobid=$(timeout "$JOB_TIMEOUT" sbatch --parsable --wait --cpus-per-task=1 \
    --array="0-$((SHARD_COUNT - 1))" "$repo/examples/slurm/cordon-array.sbatch") ||
    fail "the job array failed or timed out (${JOB_TIMEOUT}s)"
jobid=${jobid%%;*}
array_s=$((SECONDS - t))

t=$SECONDS
say "sbatch --wait --dependency=afterok:$jobid examples/slurm/merge.sbatch"
timeout "$JOB_TIMEOUT" sbatch --parsable --wait --dependency="afterok:$jobid" \
    "$repo/examples/slurm/merge.sbatch" >/dev/null ||
    fail "the merge job failed or timed out (${JOB_TIMEOUT}s)"
merge_s=$((SECONDS - t))

say "single-machine run: cordon run $SCENARIO --trials $TRIALS"
"$cordon" run "$SCENARIO" --trials "$TRIALS" --out single --quiet

# --- Checks ------------------------------------------------------------------

for ((k = 0; k < SHARD_COUNT; k++)); do
    log=cordon-${jobid}_$k.out
    [[ -f $log ]] || fail "no output $log of array task $k"
    grep -q "shard $k/$SHARD_COUNT " "$log" || fail "$log does not show shard $k/$SHARD_COUNT"
    grep -q "\"index\": *$k" "shards/$k/manifest.json" || fail "shards/$k is not shard $k"
done

mapfile -t tables < <(cd single && find . -name '*.csv' | sort)
mapfile -t merged < <(cd merged && find . -name '*.csv' | sort)
((${#tables[@]} >= 6)) || fail "the single run wrote ${#tables[@]} CSV files"
[[ ${tables[*]} == "${merged[*]}" ]] ||
    fail "CSV files differ: single has ${tables[*]}, merged has ${merged[*]}"
for f in "${tables[@]}"; do
    cmp "single/$f" "merged/$f" || fail "$f differs"
    say "identical: ${f#./} ($(wc -l <"single/$f") lines)"
done
if command -v jq >/dev/null; then
    strip='del(.threads, .command_line, .started_utc, .wall_seconds)'
    cmp <(jq -S "$strip" single/manifest.json) <(jq -S "$strip" merged/manifest.json) ||
        fail "manifest.json differs beyond its timing fields"
    say "identical: manifest.json (timing fields aside)"
else
    fail "jq is missing: manifest.json cannot be compared"
fi

ok=1
say "passed: install ${install_s}s, build ${build_s}s, cluster start ${cluster_s}s," \
    "job array ${array_s}s, merge job ${merge_s}s, total $((SECONDS - started))s"
echo "1 passed, 0 failed"
