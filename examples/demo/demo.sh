#!/bin/sh
# make demo: the whole method, end to end, on the model zoo, through the
# pipeline tools themselves. Meta-train on the zoo's 10 training models; then
# tune one test model the way a user would tune a live service, with the
# replay probe standing in for the stress test: the initial design, then
# each step adapt, suggest and probe; finally the configuration chosen beside
# the true optimum (which only the trace knows) and the samples it took.
# The default model is a median case: over the 32 test models, `make paper`'s
# morphling-gp (same meta-model, seed 1) needs 21-22 samples at the median,
# and this search is the very one mph-eval replays for it there.
# (That is with METATRAIN="--norm zscore"; with the shipped role model, the
# default, this search measures the optimum at sample 17.)
#
# Knobs (environment): TASK (a test model of share/mph/zoo/test.txt),
# OBJECTIVE (a file of share/mph/objectives), ALGO (mph-suggest --algo),
# METATRAIN (mph-metatrain options, e.g. those of examples/paper/TUNING.md,
# "--norm zscore": meta-train here; unset: the shipped share/mph/models/zoo-roles.json),
# BUDGET (samples at most), SEED, OUT (working folder).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/bin
share=$root/share/mph
space=$share/spaces/morphling.json
trace=$share/zoo/trace.csv
task=${TASK:-resnet101_v1}
objective=${OBJECTIVE:-$share/objectives/rps-per-dollar.json}
budget=${BUDGET:-30}
algo=${ALGO:-morphling-gp}
metatrain=${METATRAIN:-}
seed=${SEED:-1}
out=${OUT:-$root/examples/demo/out}
export LC_ALL=C
mkdir -p "$out"
cd "$out"

say() { printf '\n== %s\n' "$*"; }
# the knob columns of a CSV, aligned
# show COLUMN,...: the knobs and those columns, found by name, as a table
show() {
	awk -F, -v want="cpu,gpu_mem,batch,gpu_type,$1" '
	NR == 1 { n = split(want, w, ","); for (i = 1; i <= NF; i++) at[$i] = i }
	{ line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? "," : "") (w[j] in at ? $at[w[j]] : ""); print line }' |
		column -s, -t | sed 's/^/   /'
}

grep -qx "$task" "$share/zoo/test.txt" || { echo "demo: $task is not a test model of the zoo" >&2; exit 2; }
start=$(date +%s)

if [ -z "$metatrain" ]; then
	say "1. the shipped meta-model, no meta-training: share/mph/models/zoo-roles.json (make models),"
	echo "   MAML on the zoo's 10 training models by knob role: $(grep -v '^#' "$share/zoo/train.txt" | paste -sd' ' -)"
	cp "$share/models/zoo-roles.json" meta.json
else
say "1. meta-train (MAML) on the zoo's 10 training models: $(grep -v '^#' "$share/zoo/train.txt" | paste -sd' ' -)"
echo "   mph-metatrain -s morphling.json --tasks ... $metatrain -o meta.json trace.csv"
# shellcheck disable=SC2086
"$bin/mph-metatrain" -v -s "$space" --tasks "$(grep -v '^#' "$share/zoo/train.txt" | paste -sd, -)" \
	$metatrain -o meta.json "$trace" 2>&1 | tail -1 | sed 's/^/   /'
fi

say "2. tune $task (never seen in training) for $(basename "$objective" .json)"
echo "   initial design: mph-space -i morphling.json | mph-probe --replay trace.csv --task $task"
rm -f trials.csv
"$bin/mph-space" -i "$space" | "$bin/mph-probe" -q --replay "$trace" --task "$task" --append trials.csv
show rps,status < trials.csv

"$bin/mph-space" "$space" > configs.csv
# the best trial so far under the objective, as "config objective"
best() { "$bin/mph-pick" -O "$objective" trials.csv | tail -1 | awk -F, '{ printf "%s,%s,%s,%s  %.4g", $1, $2, $3, $4, $NF }'; }
echo
echo "   each step: mph-adapt meta.json trials.csv --predict configs.csv | mph-pick   (what the model believes)"
echo "              mph-space | mph-suggest -a $algo -m meta.json --history trials.csv | mph-probe --replay   (one stress test)"
printf '\n   %-4s  %-18s  %-36s  %-14s  %s\n' step "model's best" "suggested (objective: pred, unc.)" "measured rps" "best so far, objective"
n=$(($(wc -l < trials.csv) - 1))
while [ "$n" -lt "$budget" ]; do
	# adapt: the meta-model fitted to this service's trials, and the
	# configuration it now believes best
	believed=$("$bin/mph-adapt" -q --predict configs.csv meta.json trials.csv |
		sed '1s/pred_metric/rps/' | "$bin/mph-pick" -O "$objective" | tail -1 | cut -d, -f1-4)
	# suggest: the configuration worth measuring next
	"$bin/mph-suggest" -a "$algo" -m meta.json -O "$objective" --history trials.csv --seed "$seed" < configs.csv > next.csv
	sug=$(tail -1 next.csv | awk -F, '{ printf "%s,%s,%s,%s (%.4g, %.2g)", $1, $2, $3, $4, $(NF-2), $(NF-1) }')
	# probe: stress-test it (here: look it up in the profiled trace)
	# (exit 1 when its one trial failed, an OOM say: recorded all the same)
	rows=$(wc -l < trials.csv)
	"$bin/mph-probe" -q --replay "$trace" --task "$task" --append trials.csv < next.csv ||
		[ "$(wc -l < trials.csv)" -gt "$rows" ]
	n=$((n + 1))
	got=$(tail -1 trials.csv | awk -F, '{ printf "%s %s", $5, $8 }')
	printf '   %-4s  %-18s  %-36s  %-14s  %s\n' "$n" "$believed" "$sug" "$got" "$(best)"
	# the trace knows the optimum; a live search would stop on its budget
	opt_cfg=$(grep "^$task," "$trace" | sed "s/^$task,//" | (echo "cpu,gpu_mem,batch,gpu_type,rps,p50_ms,p99_ms,status"; cat) |
		"$bin/mph-pick" -O "$objective" | tail -1 | cut -d, -f1-4)
	[ "$(tail -1 trials.csv | cut -d, -f1-4)" = "$opt_cfg" ] && break
done

say "3. result after $n samples (of 720 configurations)"
{
	echo "which,cpu,gpu_mem,batch,gpu_type,rps,objective"
	"$bin/mph-pick" -O "$objective" trials.csv | tail -1 | awk -F, '{ print "chosen," $1 "," $2 "," $3 "," $4 "," $5 "," $NF }'
	grep "^$task," "$trace" | sed "s/^$task,//" | (echo "cpu,gpu_mem,batch,gpu_type,rps,p50_ms,p99_ms,status"; cat) |
		"$bin/mph-pick" -O "$objective" | tail -1 | awk -F, '{ print "true optimum," $1 "," $2 "," $3 "," $4 "," $5 "," $NF }'
} | column -s, -t | sed 's/^/   /'
found=$("$bin/mph-pick" -O "$objective" trials.csv | tail -1 | cut -d, -f1-4)
if [ "$found" = "$opt_cfg" ]; then
	echo "   the optimum was measured at sample $n"
else
	echo "   the optimum was not measured within $budget samples"
fi
echo "   ($(($(date +%s) - start)) s; files in $out)"
