#!/bin/sh
# The Falcon sweeps of TUNING.md section 5: replayed searches over
# ../shared/data/falcon-sources, 3 folds held out by model, the models
# trained in each fold for every seed of META_SEEDS [1,2,3], one search
# seed, at most 100 samples, the 8-corner initial design of `make paper`
# (batch, cpu, gpu_mem_gb on a T4 at full power).
# usage: falcon.sh NAME [mph-eval options...]   (-a ALGOS among them)
# Writes NAME.csv (mph-eval --summary) and NAME.log (per-step log) in OUT [.]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
falcon=$root/../shared/data/falcon-sources/falcon-sources.csv
out=${OUT:-.}
name=$1
shift
export OPENBLAS_NUM_THREADS=1 LC_ALL=C
"$root/bin/mph-space" --from-trace "$falcon" -x rps_per_budget_norm -o "$out/$name.space.json"
"${MPH_EVAL:-$root/bin/mph-eval}" -q -O "$here/../falcon-objective.json" -s "$out/$name.space.json" \
	--kfold 3 --corners batch,cpu,gpu_mem_gb --fix gpu_type=T4,gpu_power_pct=100 --cap 100 --keep-going -r 1 \
	--meta-seeds "${META_SEEDS:-1,2,3}" --log "$out/$name.log" "$@" --summary "$falcon" > "$out/$name.csv"
rm -f "$out/$name.space.json"
