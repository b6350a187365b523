#!/bin/sh
# What a meta-model knows after the initial design: for each task of a
# trace, the model adapted on the trace's rows at the 8 corners (batch,
# cpu, gpu_mem_gb at their ends; gpu_type T4, gpu_power_pct 100: the
# protocol of TUNING.md sections 9 and 10), the rank of the task's optimum
# among all its configurations by the adapted model's prediction, and the
# standard deviation of log(predicted / measured) over its 50 best.
# usage: rank.sh MODEL SPACE METRIC TRACE TASK...   (bin/ on PATH or BIN=)
set -eu
model=$1 space=$2 metric=$3 trace=$4
shift 4
BIN=${BIN:-bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for t in "$@"; do
	# the task's rows without the task column
	awk -F, -v t="$t" '{ sub(/\r$/, "") } NR == 1 || $1 == t' "$trace" | cut -d, -f2- > "$tmp/task.csv"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
		($c["batch"] == 4 || $c["batch"] == 128) && ($c["cpu"] == 1 || $c["cpu"] == 5) &&
		($c["gpu_mem_gb"] == 0.8 || $c["gpu_mem_gb"] == 2.4) && $c["gpu_power_pct"] == 100 &&
		$c["gpu_type"] == "T4"' "$tmp/task.csv" > "$tmp/corners.csv"
	"$BIN/mph-adapt" -q -s "$space" --predict "$tmp/task.csv" "$model" "$tmp/corners.csv" > "$tmp/pred.csv"
	awk -F, -v t="$t" -v metric="$metric" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n++; v[n] = $c[metric]; p[n] = $c["pred_metric"]; if (n == 1 || v[n] > v[o]) o = n }
		END {
			r = 1
			for (i = 1; i <= n; i++) if (i != o && p[i] > p[o]) r++
			# the 50 best by measurement
			for (i = 1; i <= n; i++) idx[i] = i
			for (i = 2; i <= n; i++) { x = idx[i]; for (j = i - 1; j >= 1 && v[idx[j]] < v[x]; j--) idx[j + 1] = idx[j]; idx[j + 1] = x }
			m = n < 50 ? n : 50; s = 0; s2 = 0
			for (i = 1; i <= m; i++) { e = log((p[idx[i]] > 1e-9 ? p[idx[i]] : 1e-9) / v[idx[i]]); s += e; s2 += e * e }
			sd = sqrt(s2 / m - (s / m) ^ 2)
			printf "%s,%d,%.3f\n", t, r, sd
		}' "$tmp/pred.csv"
done
