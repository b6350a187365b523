#!/bin/sh
# Tunes mph-infer live with mph's whole method, in under 10 minutes:
#  1. meta-train (MAML) on the zoo's 10 training models (the paper's space);
#  2. measure the default configuration (1 thread, batch 1);
#  3. the initial design (corners of threads x batch), then each step
#     mph-suggest (the meta-model adapted to the trials so far) picks the next
#     configuration and mph-probe starts the server in it and finds its peak
#     rate with p99 within the SLO;
#  4. mph-pick chooses; the default and the choice are measured again, back
#     to back, for the improvement.
# The server's knobs map onto the paper's: cpu -> worker threads, batch ->
# maximum batch; it has no GPU, so gpu_type and gpu_mem are held at one value
# (T4, 0.6) and mean nothing to it. The batching wait is WAIT_MS.
# Environment: PORT [18080], SLO_MS [100], BUDGET (tuning probes) [8],
# WAIT_MS [2], MAX_THREADS [2], OUT [out].
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$root/bin
share=$root/share/mph
space=$share/spaces/morphling.json
objective=$share/objectives/rps.json
port=${PORT:-18080}
slo=${SLO_MS:-100}
budget=${BUDGET:-8}
wait_ms=${WAIT_MS:-2}
max_threads=${MAX_THREADS:-2}
out=${OUT:-$here/out}
export LC_ALL=C
mkdir -p "$out"
cd "$out"
t0=$(date +%s)
say() { printf '\n== %s (%ss)\n' "$*" "$(($(date +%s) - t0))"; }

# One probe: start mph-infer in each configuration (knob values reach it only
# through MPH_CPU and MPH_BATCH), find its peak rate within the SLO, stop it.
probe() {
	"$bin/mph-probe" --url "http://127.0.0.1:$port/infer" \
		--start "exec '$here/mph-infer' -p $port -t \"\$MPH_CPU\" -b \"\$MPH_BATCH\" -w $wait_ms" \
		--ready "http://127.0.0.1:$port/health" --ready-timeout 10 --grace 2 \
		--slo "$slo" --start-rate 200 --warmup 0.5 --measure 1.5 --request-timeout 1 \
		--max-probe-s 40 --log-dir logs "$@"
}
show() { column -s, -t | sed 's/^/   /'; }

say "1. meta-train on the zoo's training models (MAML)"
if [ ! -s meta.json ]; then
	"$bin/mph-metatrain" -q -s "$space" --tasks "$(grep -v '^#' "$share/zoo/train.txt" | paste -sd, -)" \
		-o meta.json "$share/zoo/trace.csv"
fi
echo "   meta.json"

# the candidates: threads 1..MAX_THREADS x batch 1..128 (this machine's cores)
"$bin/mph-space" "$space" |
	awk -F, -v m="$max_threads" 'NR == 1 || ($1 <= m && $2 == 0.6 && $4 == "T4")' > configs.csv
echo "   $(($(wc -l < configs.csv) - 1)) candidate configurations (cpu = threads, batch; wait $wait_ms ms)"

say "2. the default configuration: 1 thread, batch 1"
printf 'cpu,gpu_mem,batch,gpu_type\n1,0.6,1,T4\n' | probe > default.csv
cut -d, -f1,3,5,8,11,12 default.csv | show

say "3. tune: initial design, then suggest/probe steps (budget $budget probes)"
awk -F, -v m="$max_threads" 'NR == 1 || (($1 == 1 || $1 == m) && ($3 == 1 || $3 == 128))' configs.csv > initial.csv
probe initial.csv > trials.csv
n=$(($(wc -l < trials.csv) - 1))
while [ "$n" -lt "$budget" ]; do
	"$bin/mph-suggest" -m meta.json -O "$objective" --history trials.csv < configs.csv |
		cut -d, -f1-4 > next.csv
	probe next.csv | tail -n +2 >> trials.csv
	n=$((n + 1))
	echo "   step $n: $(tail -1 trials.csv | cut -d, -f1,3,5,8,11)"
done
cut -d, -f1,3,5,8,11,12 trials.csv | show

say "4. choose, then measure the default and the choice back to back"
"$bin/mph-pick" -O "$objective" trials.csv > best.csv
best=$(tail -1 best.csv | cut -d, -f1-4)
{ echo "cpu,gpu_mem,batch,gpu_type"; echo "1,0.6,1,T4"; echo "$best"; } | probe > confirm.csv
cut -d, -f1,3,5,8,11,12 confirm.csv | show
d=$(awk -F, 'NR == 2 { print $5 }' confirm.csv)
b=$(awk -F, 'NR == 3 { print $5 }' confirm.csv)
echo
echo "chosen configuration: threads=$(echo "$best" | cut -d, -f1) batch=$(echo "$best" | cut -d, -f3) wait_ms=$wait_ms"
awk -v d="$d" -v b="$b" -v s="$slo" 'BEGIN {
	printf "peak rate with p99 <= %s ms: default %s req/s, chosen %s req/s", s, d, b
	if (d > 0) printf ": %.2fx\n", b / d; else printf "\n" }'
echo "tuning probes: $n, total time $(($(date +%s) - t0)) s; trials in $out/trials.csv"
