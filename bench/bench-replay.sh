#!/bin/sh
# Replay speed: lookups per second in process (bench-replay on the zoo trace,
# and on the Falcon trace when ../shared/data is there), and end to end
# through mph-probe --replay on 100,000 configurations.
#
#   sh bench/bench-replay.sh build/bench/bench-replay
# Environment: N lookups in process [1000000], OUT [build/bench/replay].
set -eu
BENCH="$1"
N="${N:-1000000}"
OUT="${OUT:-build/bench/replay}"
ZOO=share/mph/zoo/trace.csv
FALCON=../shared/data/falcon-sources/falcon-sources.csv
mkdir -p "$OUT"

"$BENCH" "$ZOO" cpu,gpu_mem,batch,gpu_type share/mph/spaces/morphling.json "$N"
if [ -f "$FALCON" ]; then
	"$BENCH" "$FALCON" batch,cpu,gpu_mem_gb,gpu_power_pct,gpu_type - "$N"
else
	echo "bench-replay: $FALCON absent: skipped"
fi

# 139 copies of resnet50_v1's 720 configurations: 100,080 probes.
{ echo cpu,gpu_mem,batch,gpu_type
  i=0; while [ $i -lt 139 ]; do grep '^resnet50_v1,' "$ZOO" | cut -d, -f2-5; i=$((i + 1)); done
} > "$OUT/configs.csv"
times=""
for rep in 1 2 3 4 5; do
	t0=$(date +%s.%N)
	bin/mph-probe --replay "$ZOO" --task resnet50_v1 "$OUT/configs.csv" > "$OUT/trials.csv"
	t1=$(date +%s.%N)
	times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')"
done
med=$(echo $times | tr ' ' '\n' | sort -n | sed -n 3p)
rows=$(($(wc -l < "$OUT/configs.csv") - 1))
awk -v n="$rows" -v t="$med" 'BEGIN { printf "mph-probe --replay: %d configurations  %.3f s (median of 5, loading the trace included)  %.3g configurations/s\n", n, t, n / t }'
