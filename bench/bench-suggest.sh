#!/bin/sh
# Replayed searches on a profiled trace, tasks held out in folds: for each
# fold, meta-train (MAML) and pretrain on the other tasks, then replay every
# algorithm on the held-out tasks with bench-suggest. Prints the per-run
# lines to $OUT/runs.txt and, per algorithm over all folds, the median
# samples needed to reach 95, 99 and 100 % of each task's optimum.
#
#   sh bench/bench-suggest.sh TRACE
# Environment (defaults in brackets): ALGOS [random,gp-ucb,finetune,vizier,
# morphling,morphling-ens,morphling-gp], SEEDS [1], CAP [100], FOLDS [6],
# METRIC [rps_per_budget_norm], SETTINGS (KEY=VAL for bench-suggest) [],
# PRIOR (the model finetune and vizier start from: pretrain or meta)
# [pretrain], OUT [build/bench/suggest].
set -eu
TRACE="$1"
ALGOS="${ALGOS:-random,gp-ucb,finetune,vizier,morphling,morphling-ens,morphling-gp}"
SEEDS="${SEEDS:-1}"
CAP="${CAP:-100}"
FOLDS="${FOLDS:-6}"
METRIC="${METRIC:-rps_per_budget_norm}"
SETTINGS="${SETTINGS:-}"
OUT="${OUT:-build/bench/suggest}"
PRIOR="${PRIOR:-pretrain}"
BIN="$(pwd)/bin"
BENCH="$(pwd)/build/bench/bench-suggest"

mkdir -p "$OUT"
tr -d '\r' < "$TRACE" > "$OUT/trace.csv"
"$BIN/mph-space" --from-trace "$OUT/trace.csv" -x "$METRIC" > "$OUT/space.json"
printf '{"name": "%s", "metric": "%s", "direction": "max", "score": "metric"}\n' \
	"$METRIC" "$METRIC" > "$OUT/objective.json"
tasks=$(cut -d, -f1 "$OUT/trace.csv" | tail -n +2 | sort -u)
: > "$OUT/runs.txt"
echo "bench-suggest: $(echo $tasks | wc -w) tasks, $FOLDS folds, algorithms $ALGOS, seeds $SEEDS, cap $CAP"
fold=0
while [ "$fold" -lt "$FOLDS" ]; do
	# tasks dealt round-robin in name order
	test=$(echo "$tasks" | awk -v k="$FOLDS" -v f="$fold" '(NR - 1) % k == f' | paste -sd, -)
	"$BIN/mph-metatrain" -q -s "$OUT/space.json" -M "$METRIC" --exclude "$test" \
		-o "$OUT/meta-$fold.json" "$OUT/trace.csv"
	"$BIN/mph-metatrain" -q --mode pretrain -s "$OUT/space.json" -M "$METRIC" --exclude "$test" \
		-o "$OUT/pretrain-$fold.json" "$OUT/trace.csv"
	# shellcheck disable=SC2086
	"$BENCH" replay "$OUT/trace.csv" "$OUT/space.json" "$OUT/objective.json" \
		"$OUT/meta-$fold.json" "$OUT/$PRIOR-$fold.json" "$test" "$ALGOS" "$SEEDS" "$CAP" $SETTINGS |
		grep -v '^SUMMARY' >> "$OUT/runs.txt"
	fold=$((fold + 1))
done
# never reached counts as beyond every budget
awk -v cap="$CAP" '
function med(v, m,   i, j, t) {
	for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	if (m % 2) return v[(m + 1) / 2]
	return (v[m / 2] + v[m / 2 + 1]) / 2
}
function show(x) { return x > cap ? ">" cap : x }
{
	al = $1; sub(",", "", $6); sub(",", "", $8)
	cnt[al]++; k = cnt[al]
	v95[al, k] = $6 + 0 ? $6 + 0 : 1e9; v99[al, k] = $8 + 0 ? $8 + 0 : 1e9; v100[al, k] = $10 + 0 ? $10 + 0 : 1e9
	if (!($10 + 0)) never[al]++
	if (!(al in seen)) { seen[al] = 1; order[++na] = al }
}
END {
	printf "%-14s %5s %8s %8s %8s %6s\n", "algorithm", "runs", "95%", "99%", "100%", "never"
	for (i = 1; i <= na; i++) {
		al = order[i]
		for (k = 1; k <= cnt[al]; k++) { x[k] = v95[al, k]; y[k] = v99[al, k]; z[k] = v100[al, k] }
		printf "%-14s %5d %8s %8s %8s %6d\n", al, cnt[al], show(med(x, cnt[al])), show(med(y, cnt[al])),
			show(med(z, cnt[al])), never[al]
	}
}' "$OUT/runs.txt"
