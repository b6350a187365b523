#!/bin/sh
# make bench-meta: quality and speed of the meta-learnt performance model.
# Usage: sh bench/meta-bench.sh BUILD/meta-bench
# Quality: for each held-out service, K = 8, 16, 32 measured configurations
# drawn at random (REPS draws each), Spearman's rho between the adapted
# model's predictions and the truth over all configurations, and how often
# the true best configuration is in the predicted top 10; MAML vs pretraining
# + fine-tuning vs the same network from scratch (defaults of the tools).
# Speed: mph-metatrain on 10 services x 720 configurations with default
# settings (wall time and peak memory from /usr/bin/time -v, median of 3),
# adaptation on 30 trials and prediction of 720 configurations in process.
set -eu
BENCH=${1:-build/bench/meta-bench}
REPS=${META_BENCH_REPS:-10}
FALCON=../shared/data/falcon-sources/falcon-sources.csv
ZOO=share/mph/zoo
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

echo "== bench-meta: machine"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"

median3() { sort -g | sed -n 2p; }

# timed OUT CMD...: runs CMD three times, prints the median wall seconds and
# the median peak resident set size.
timed() {
	out=$1; shift
	for i in 1 2 3; do
		/usr/bin/time -v "$@" > "$out" 2> "$TMP/time.$i" || { cat "$TMP/time.$i" >&2; exit 1; }
	done
	w=$(for i in 1 2 3; do sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.$i" |
		awk -F: '{ print (NF == 3 ? $1 * 3600 + $2 * 60 + $3 : $1 * 60 + $2) }'; done | median3)
	m=$(for i in 1 2 3; do sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.$i"; done | median3)
	echo "$w s, peak memory $(awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }') MB, load $(cut -d' ' -f1 /proc/loadavg)"
}

# per_task_iter WALL NETWORKS THREADS: the wall time per task-iteration (one
# task's inner loop and meta-gradient), in ms of wall and of one thread.
per_task_iter() {
	awk -v w="$1" -v n="$2" -v t="$3" 'BEGIN { k = n * 1000 * 4
		printf "  %.3f ms a task-iteration (%d networks x 1000 iterations x 4 tasks in %s s; %.3f ms of a thread)\n", 1000 * w / k, n, w, 1000 * w * (t < n * 4 ? t : n * 4) / k }'
}

if [ -f "$FALCON" ]; then
	bin/mph-space --from-trace "$FALCON" -x rps_per_budget_norm -o "$TMP/falcon.json"
	echo
	echo "== bench-meta: falcon-sources, 18 models, 3 folds holding out 6 models each, $REPS draws per K"
	"$BENCH" -s "$TMP/falcon.json" -m rps_per_budget_norm --folds 3 --reps "$REPS" \
		--methods maml,pretrain,scratch "$FALCON" 2> "$TMP/falcon.log" || { cat "$TMP/falcon.log"; exit 1; }
	grep 'fold.*test on' "$TMP/falcon.log" | sed 's/^meta-bench: //'
else
	echo "bench-meta: $FALCON absent: falcon quality skipped"
fi

ZSPACE=share/mph/spaces/morphling.json
names() { grep -v '^#' "$1" | grep . | paste -sd, -; }
if [ -f "$ZOO/trace.csv" ] && [ -f "$ZOO/train.txt" ] && [ -f "$ZOO/test.txt" ]; then
	echo
	echo "== bench-meta: zoo, meta-train on train.txt (10 models), test on test.txt (32), $REPS draws per K"
	"$BENCH" -s "$ZSPACE" --test "$(names "$ZOO/test.txt")" --reps "$REPS" \
		--methods maml,pretrain,scratch "$ZOO/trace.csv" 2> "$TMP/zoo.log" || { cat "$TMP/zoo.log"; exit 1; }
	SPEED_TRACE="$ZOO/trace.csv" SPEED_SPACE="$ZSPACE" SPEED_METRIC=rps
	SPEED_ARGS="--tasks $(names "$ZOO/train.txt")"
else
	echo
	echo "bench-meta: $ZOO/{trace.csv,train.txt,test.txt} absent: zoo quality skipped"
	SPEED_TRACE= SPEED_ARGS=
fi

if [ -z "$SPEED_TRACE" ] && [ -f "$FALCON" ]; then
	# 10 Falcon models on two GPU types: 10 x 720 configurations, as the zoo.
	awk -F, 'NR == 1 { print; next }
		$6 == "T4" || $6 == "V100" { if (!($1 in t)) { if (n >= 10) next; t[$1] = ++n } print }' \
		"$FALCON" > "$TMP/speed.csv"
	bin/mph-space --from-trace "$TMP/speed.csv" -x rps_per_budget_norm -o "$TMP/speed.json"
	SPEED_TRACE="$TMP/speed.csv" SPEED_SPACE="$TMP/speed.json" SPEED_METRIC=rps_per_budget_norm
fi
if [ -n "$SPEED_TRACE" ]; then
	echo
	echo "== bench-meta: speed ($SPEED_TRACE)"
	printf 'meta-training set: '
	only=$(echo "$SPEED_ARGS" | sed -n 's/^--tasks //p')
	awk -F, -v only="$only" 'BEGIN { if (only != "") { split(only, a, ","); for (i in a) want[a[i]] = 1 } }
		NR > 1 && (only == "" || $1 in want) { n[$1]++ }
		END { for (t in n) { k++; c = n[t] } print k " tasks x " c " configurations" }' "$SPEED_TRACE"
	# defaults: 3 networks x 1000 iterations x 4 tasks, on the cores available
	printf 'mph-metatrain (maml, defaults, %s threads): ' "$(nproc)"
	timed "$TMP/m.json" bin/mph-metatrain -q -s "$SPEED_SPACE" -M "$SPEED_METRIC" $SPEED_ARGS "$SPEED_TRACE"
	per_task_iter "$w" 3 "$(nproc)"
	printf 'mph-metatrain --ensemble 1 --threads 1: '
	timed "$TMP/m1.json" bin/mph-metatrain -q --ensemble 1 --threads 1 -s "$SPEED_SPACE" -M "$SPEED_METRIC" $SPEED_ARGS "$SPEED_TRACE"
	per_task_iter "$w" 1 1
	if [ -f "$FALCON" ]; then
		# the setting of issue 15's PyTorch reference (11.7 s on one thread)
		printf 'falcon-sources, 18 models, --ensemble 1 --threads 1: '
		timed "$TMP/f1.json" bin/mph-metatrain -q --ensemble 1 --threads 1 -s "$TMP/falcon.json" -M rps_per_budget_norm "$FALCON"
		per_task_iter "$w" 1 1
	fi
	printf 'mph-metatrain --mode pretrain: '
	timed "$TMP/p.json" bin/mph-metatrain -q --mode pretrain -s "$SPEED_SPACE" -M "$SPEED_METRIC" $SPEED_ARGS "$SPEED_TRACE"
	"$BENCH" --speed --model "$TMP/m.json" -s "$SPEED_SPACE" -m "$SPEED_METRIC" --configs 720 "$SPEED_TRACE"
	awk -F, -v OFS=, 'NR == 1 || n++ < 720' "$SPEED_TRACE" | cut -d, -f2- > "$TMP/configs.csv"
	head -31 "$TMP/configs.csv" > "$TMP/trials.csv"
	printf 'mph-adapt --predict 720 configurations (whole process): '
	timed "$TMP/pred.csv" bin/mph-adapt --predict "$TMP/configs.csv" "$TMP/m.json" "$TMP/trials.csv"
else
	echo "bench-meta: no trace for the speed figures"
fi
