#!/usr/bin/env bash
# Real SLURM test of profiles/slurm-gpu on one machine (root, Debian).
#
#   tests/slurm/run_slurm_test.sh [--selftest] [--workdir DIR] [--keep] [TARGET...] [-- SNAKEMAKE_ARGS...]
#
# 1. installs slurm-wlm and munge from Debian when missing (apt-get),
# 2. starts munged, slurmctld and slurmd for a single node on 127.0.0.1 named after the host,
#    with partitions `cpu` (default) and `gpu` (one fake GPU: gres.conf File=/dev/null),
#    from tests/slurm/{slurm,gres}.conf.in written to /etc/slurm/ (the jobstep plugin drops
#    SLURM_CONF, so the nested srun only finds the compiled-in path),
# 3. runs  snakemake --workflow-profile none --profile profiles/slurm-gpu
#                    --profile tests/slurm/site-profile TARGET...
#    (demo config, venv instead of conda; see site-profile/config.yaml),
# 4. checks: snakemake exit 0, every submitted SLURM job COMPLETED, squeue empty, a second
#    dry-run has nothing to do, file targets exist; prints job counts and wall time,
# 5. stops the three daemons by PID (trap on EXIT) and removes the files it wrote to /etc/slurm.
#
# Targets: default = one GPU job of every study module that has one, the one with the cheapest
# upstream chain (fewest jobs, then least requested runtime), plus train_demo_enformer unless one
# of them needs it upstream (the demo's synthetic_loci GPU jobs all do); chosen from the demo DAG
# by `python -m regbench.dagstats targets`. --selftest runs the
# throwaway workflow tests/slurm/selftest/Snakefile instead (proves the harness alone).
# Runs in a fresh working directory under the state dir (config/ symlinked there); --workdir DIR
# picks another one (--workdir . = the repository itself).
# Environment: REGBENCH_SLURM_TIMEOUT (s, default 1800), REGBENCH_SLURM_CORES (fake cores of the
# node, default 16), REGBENCH_SLURM_PORT (slurmctld port, default 16817; slurmd uses +1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/slurm
VENV_BIN=${REGBENCH_VENV_BIN:-$ROOT/.venv/bin}
SNAKEMAKE=$VENV_BIN/snakemake
PYTHON=$VENV_BIN/python
export PATH=$VENV_BIN:$PATH
export PYTHONHASHSEED=0 HF_HUB_OFFLINE=1 MPLBACKEND=Agg

say() { echo "[slurm-test] $*"; }
die() { echo "[slurm-test] FAIL: $*" >&2; exit 1; }

selftest=0 workdir="" keep=0 targets=() extra=()
while (($#)); do
  case $1 in
    --selftest) selftest=1 ;;
    --workdir) workdir=$2; shift ;;
    --keep) keep=1 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || die "needs root (installs Debian packages, writes /etc/slurm, runs slurmd)"
[ -x "$SNAKEMAKE" ] || die "$SNAKEMAKE missing: run 'make setup' first"

# ---- 1. packages -------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "slurm-wlm/munge missing and no apt-get"
  say "installing slurm-wlm munge (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
say "$(slurmctld -V)"

# ---- 2. refuse to touch a real installation ----------------------------------------------
MARK="regbench-slurm-test"
for f in /etc/slurm/slurm.conf /etc/slurm/gres.conf; do
  if [ -e "$f" ] && ! grep -q "$MARK" "$f"; then
    die "$f exists and was not written by this test: refusing to overwrite a real SLURM config"
  fi
done
if pids=$(pgrep -x slurmctld || pgrep -x slurmd); then
  die "slurmctld/slurmd already running (PIDs: $(echo $pids)); stop them first"
fi

STATE=$(mktemp -d /tmp/regbench-slurm.XXXXXX)
mkdir -p "$STATE"/{munge,ctld,d,log}
chmod 700 "$STATE/munge"
NODE=$(hostname -s)
CTLD_PORT=${REGBENCH_SLURM_PORT:-16817}
D_PORT=$((CTLD_PORT + 1))
CORES=${REGBENCH_SLURM_CORES:-16}
MEM_MB=${REGBENCH_SLURM_MEM_MB:-256000}
MUNGED_PID="" CTLD_PID="" SLURMD_PID="" SMK_PID="" WROTE_CONF=0 OK=0

stop_pid() {  # stop one daemon we started, by PID
  local pid=$1 name=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  say "$name ($pid) did not stop on SIGTERM: SIGKILL"
  kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  if [ -n "$SMK_PID" ] && kill -0 "$SMK_PID" 2>/dev/null; then  # interrupted: stop snakemake first
    local smk
    smk=$(pgrep -P "$SMK_PID")
    say "stopping snakemake ($smk)"
    [ -n "$smk" ] && kill -INT $smk 2>/dev/null
    for _ in $(seq 60); do kill -0 "$SMK_PID" 2>/dev/null || break; sleep 0.5; done
    [ -n "$smk" ] && kill -9 $smk 2>/dev/null
  fi
  if [ -n "$CTLD_PID" ] && kill -0 "$CTLD_PID" 2>/dev/null; then
    local left
    left=$(squeue -h -o %i 2>/dev/null)
    [ -n "$left" ] && { say "cancelling leftover jobs: $(echo $left)"; scancel $left; sleep 2; }
  fi
  stop_pid "$SLURMD_PID" slurmd
  stop_pid "$CTLD_PID" slurmctld
  stop_pid "$MUNGED_PID" munged
  if [ "$WROTE_CONF" = 1 ]; then rm -f /etc/slurm/slurm.conf /etc/slurm/gres.conf; fi
  if [ "$OK" = 1 ] && [ "$keep" = 0 ]; then
    rm -rf "$STATE"
  else
    say "state, daemon logs and snakemake log kept in $STATE"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 3. config and daemons ---------------------------------------------------------------
mkdir -p /etc/slurm
subst() {
  sed -e "s|@NODE@|$NODE|g" -e "s|@STATE@|$STATE|g" -e "s|@CTLD_PORT@|$CTLD_PORT|g" \
      -e "s|@D_PORT@|$D_PORT|g" -e "s|@CORES@|$CORES|g" -e "s|@MEM_MB@|$MEM_MB|g" "$1"
}
WROTE_CONF=1
subst "$HERE/slurm.conf.in" > /etc/slurm/slurm.conf
subst "$HERE/gres.conf.in" > /etc/slurm/gres.conf

wait_pidfile() {  # daemons fork; their PID comes from their pid file
  for _ in $(seq 100); do [ -s "$1" ] && { cat "$1"; return 0; }; sleep 0.1; done
  return 1
}

mungekey -c -k "$STATE/munge/munge.key" 2>/dev/null || dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$STATE/munge/munge.key"
# --force: munged refuses sockets/keys under /tmp (world-writable parent) without it
munged --force --key-file="$STATE/munge/munge.key" --socket="$STATE/munge/munge.socket" \
  --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/munge/munged.log" \
  --seed-file="$STATE/munge/munge.seed"
MUNGED_PID=$(wait_pidfile "$STATE/munge/munged.pid") || die "munged did not start ($STATE/munge/munged.log)"
slurmctld -c -i
CTLD_PID=$(wait_pidfile "$STATE/slurmctld.pid") || die "slurmctld did not start: $(tail -5 "$STATE/log/slurmctld.log")"
slurmd -N "$NODE"
SLURMD_PID=$(wait_pidfile "$STATE/slurmd.pid") || die "slurmd did not start: $(tail -5 "$STATE/log/slurmd.log")"
say "node $NODE: munged $MUNGED_PID, slurmctld $CTLD_PID, slurmd $SLURMD_PID (state $STATE)"

state=""
for _ in $(seq 60); do
  state=$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && break
  case $state in *drain*|*inval*|down*) scontrol update nodename="$NODE" state=resume 2>/dev/null || true ;; esac
  sleep 0.5
done
[ "$state" = idle ] || die "node $NODE not idle (state '$state'): $(tail -5 "$STATE/log/slurmctld.log")"
if ! scontrol show node "$NODE" | grep -q "Gres=gpu:1"; then  # seen with unpacked debs
  scontrol update nodename="$NODE" gres=gpu:1
fi
scontrol show node "$NODE" | grep -q "Gres=gpu:1" || die "node has no gpu GRES: $(scontrol show node "$NODE")"
say "cluster up: $(sinfo -h -o '%P %a %D %T' | tr '\n' ';')"

# ---- 4. the workflow run -----------------------------------------------------------------
# A fresh working directory by default (config/ and profiles/ symlinked), so that results of an earlier local
# demo run in the repository do not make the SLURM run a no-op; --workdir . uses the repository.
workdir=${workdir:-$STATE/work}
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
if [ "$selftest" = 1 ]; then
  sm_args=(--snakefile "$HERE/selftest/Snakefile" --configfile "$HERE/selftest/config.yaml"
           --slurm-partition-config "$ROOT/profiles/slurm-gpu/partitions.yaml" --default-resources mem_mb=500 runtime=10)
  [ ${#targets[@]} -gt 0 ] || targets=(all)
else
  sm_args=(--snakefile "$ROOT/Snakefile")
  # config/ and profiles/ (the partition file path in the profile is relative to the run dir) and
  # examples/ (the demo config's model cards name their code relative to the run dir)
  for d in config profiles examples; do
    [ "$workdir" = "$ROOT" ] || [ -e "$workdir/$d" ] || ln -s "$ROOT/$d" "$workdir/$d"
  done
  if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd "$ROOT" && "$PYTHON" -m regbench.dagstats targets --configfile config/config.yaml)
    [ ${#targets[@]} -gt 0 ] || die "no default targets found (no GPU rule in the demo DAG?); pass targets"
  fi
fi
sm_args+=(--directory "$workdir")
say "targets: ${targets[*]}"

cd "$ROOT"
cmd=("$SNAKEMAKE" --workflow-profile none --profile profiles/slurm-gpu --profile "$HERE/site-profile"
     "${sm_args[@]}" "${targets[@]}" "${extra[@]}")
say "${cmd[*]}"
# what the run should do: jobs, local jobs and GPU jobs from a dry-run of the same command
"${cmd[@]}" -n >"$STATE/dryrun.log" 2>&1 || { tail -40 "$STATE/dryrun.log"; die "dry-run failed"; }
declare -A expect
while IFS=$'\t' read -r k v; do expect[$k]=$v; done < <("$PYTHON" -m regbench.dagstats summary --from-log "$STATE/dryrun.log")
say "dry-run: ${expect[jobs]} jobs, ${expect[remote_jobs]} to SLURM (${expect[gpu_jobs]} GPU), ${expect[local_jobs]} local"
LOG=$STATE/snakemake.log
t0=$(date +%s%N)
# in the background + wait, so that INT/TERM reach the trap at once (it stops snakemake)
timeout -k 120 "${REGBENCH_SLURM_TIMEOUT:-1800}" "${cmd[@]}" >"$LOG" 2>&1 &
SMK_PID=$!
set +e
wait "$SMK_PID"
rc=$?
set -e
SMK_PID=""
wall=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN{printf "%.1f", (b-a)/1e9}')

mapfile -t jobids < <(grep -oE "has been submitted with SLURM jobid [0-9]+" "$LOG" | awk '{print $NF}')
n_local=$(grep -cE "^localrule " "$LOG" || true)
if [ "$rc" != 0 ]; then
  tail -60 "$LOG"
  for f in "$STATE"/log/*.log; do echo "== $f"; tail -15 "$f"; done
  die "snakemake exited $rc after ${wall}s (${#jobids[@]} SLURM jobs submitted); log $LOG"
fi

# ---- 5. checks ---------------------------------------------------------------------------
n_gpu=0
for id in "${jobids[@]}"; do
  info=$(scontrol show job -o "$id" 2>/dev/null) || die "job $id unknown to slurmctld (purged: MinJobAge in slurm.conf.in too low for this run?)"
  echo "$info" >>"$STATE/jobs.txt"
  st=$(grep -oE "JobState=[A-Z_]+" <<<"$info" | cut -d= -f2)
  [ "$st" = COMPLETED ] || die "SLURM job $id is $st: $(grep -oE 'JobName=[^ ]+|Reason=[^ ]+|ExitCode=[^ ]+' <<<"$info" | tr '\n' ' ')"
  if grep -q "Partition=gpu " <<<"$info" && grep -qE "gres[:/]gpu" <<<"$info"; then n_gpu=$((n_gpu + 1)); fi
done
left=$(squeue -h -o "%i %T" || true)
[ -z "$left" ] || die "squeue not empty after the run: $left"
if [ "$selftest" = 1 ]; then
  summary=$workdir/selftest/summary.tsv
  [ -s "$summary" ] || die "selftest output $summary missing"
  grep -qP "^gpu\t[0-9]+\tgpu\t0$" "$summary" || die "GPU job did not run on partition gpu with a GPU: $(cat "$summary")"
  grep -qP "^cpu\t[0-9]+\tcpu\t" "$summary" || die "CPU job did not run on partition cpu: $(cat "$summary")"
fi
for t in "${targets[@]}"; do
  case $t in */*|*.*) [ -e "$workdir/$t" ] || die "target $workdir/$t missing" ;; esac
done
grep -qE "([0-9]+) of \1 steps \(100%\) done|Nothing to be done" "$LOG" || die "snakemake did not report all steps done"
[ "${#jobids[@]}" = "${expect[remote_jobs]}" ] || die "${#jobids[@]} SLURM jobs submitted, dry-run said ${expect[remote_jobs]}"
[ "$n_gpu" = "${expect[gpu_jobs]}" ] || die "$n_gpu jobs ran on partition gpu with a GPU, dry-run said ${expect[gpu_jobs]} GPU jobs (does profiles/slurm-gpu/partitions.yaml route gpu jobs to partition gpu?)"
if ! "${cmd[@]}" -n -q 2>&1 | grep -q "Nothing to be done"; then
  "${cmd[@]}" -n 2>&1 | tail -30
  die "a dry-run after the run still has jobs to do"
fi
[ "${#jobids[@]}" -gt 0 ] || say "WARNING: no SLURM job was submitted (targets already up to date?)"
OK=1
printf '[slurm-test] PASS: %d SLURM jobs (%d on partition gpu with a GPU), %d local jobs, wall %s s\n' \
  "${#jobids[@]}" "$n_gpu" "$n_local" "$wall"
