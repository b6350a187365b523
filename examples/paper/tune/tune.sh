#!/bin/sh
# Runs the tuning sweeps of TUNING.md: each line of a job file is
#   NAME OBJECTIVE ALGO [mph-eval options...]
# evaluated on the zoo's 32 test models, the models trained in process on
# the 10 training models for every seed of META_SEEDS [1,2,3], RUNS search
# seeds [1], CAP samples [100]; PARALLEL jobs at a time; results, one
# summary CSV per job, in OUTDIR (see summarise.sh).
# usage: tune.sh JOBS OUTDIR [PARALLEL]    (MPH_EVAL: the mph-eval to run)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
export OPENBLAS_NUM_THREADS=1 LC_ALL=C
if [ "$1" = --one ]; then
	out=$2 name=$3 obj=$4 algo=$5
	shift 5
	start=$(date +%s)
	"${MPH_EVAL:-$root/bin/mph-eval}" -q -O "$root/share/mph/objectives/$obj.json" \
		-s "$root/share/mph/spaces/morphling.json" --test-tasks "$root/share/mph/zoo/test.txt" \
		-a "$algo" -r "${RUNS:-1}" --cap "${CAP:-100}" --meta-seeds "${META_SEEDS:-1,2,3}" "$@" \
		--summary "$root/share/mph/zoo/trace.csv" > "$out/$name.csv.tmp" 2> "$out/$name.err" &&
		mv "$out/$name.csv.tmp" "$out/$name.csv"
	echo "$name: $(($(date +%s) - start)) s" >> "$out/times.txt"
	exit 0
fi
jobs=$1 out=$2 par=${3:-2}
mkdir -p "$out"
grep -v '^#' "$jobs" | grep . | sed "s|^|--one $out |" | xargs -P "$par" -L 1 sh "$here/tune.sh"
