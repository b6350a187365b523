#!/bin/sh
# One mph-suggest step as a whole process (start, load the model file, read
# the trials and candidates, adapt, score, write, exit) beside the same step
# in process (bench-suggest step: the files loaded once), with the default
# three-network model meta-trained on the zoo (the README's command) and the
# zoo's densenet169 as the service: 8 trials (the corners) and 150.
# Usage: sh bench/bench-suggest-process.sh BUILD/bench-suggest [REPS]
set -eu
BENCH=${1:-build/bench/bench-suggest}
REPS=${2:-21}
S=share/mph/spaces/morphling.json
O=share/mph/objectives/rps-per-dollar.json
Z=share/mph/zoo/trace.csv
T=densenet169
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

if [ ! -f "$Z" ]; then
	echo "bench-suggest: $Z absent: whole-process step skipped"
	exit 0
fi
bin/mph-metatrain -q -s $S --tasks "$(grep -v '^#' share/mph/zoo/train.txt | paste -sd, -)" -o "$TMP/meta.json" $Z
bin/mph-space $S > "$TMP/cands.csv"
bin/mph-space -i $S | bin/mph-probe --replay $Z --task $T > "$TMP/t8.csv"
bin/mph-space -n 150 --seed 1 $S | bin/mph-probe --replay $Z --task $T > "$TMP/t150.csv"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for n in 8 150; do
	in=$("$BENCH" step "$TMP/meta.json" $O "$TMP/t$n.csv" "$TMP/cands.csv" "$REPS")
	whole=$("$BENCH" process "$REPS" bin/mph-suggest -m "$TMP/meta.json" -O $O --history "$TMP/t$n.csv" "$TMP/cands.csv")
	echo "mph-suggest step, 3-network model ($(wc -c < "$TMP/meta.json") bytes), 720 candidates, $n trials: in process $in ms, whole process $whole ms ($(awk -v a="$whole" -v b="$in" 'BEGIN { printf "%.2f", a / b }')x; target <= 2x), medians of $REPS"
done
