#!/bin/sh
# How good a surrogate the Falcon targets need: a search that measures the 8
# corners, then every other configuration in the order of its measured
# value times exp(SD N(0,1)) (a ranking whose errors are independent, of
# spread SD), samples to each task's optimum over REPS draws; median, p90,
# share within 30, share beyond 200.
# usage: floor.sh TRACE METRIC [SD...]   (REPS=20)
set -eu
trace=$1 metric=$2
shift 2
for sd in "${@:-0.01 0.03 0.05 0.1}"; do
	awk -F, -v sd="$sd" -v reps="${REPS:-20}" -v metric="$metric" '
		{ sub(/\r$/, "") } # the trace may end its lines with CR LF
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{
			t = $1; if (!(t in nt)) { tasks[++ntasks] = t; nt[t] = 0 }
			k = ++nt[t]; v[t, k] = $c[metric]
			corner[t, k] = ($c["batch"] == 4 || $c["batch"] == 128) && ($c["cpu"] == 1 || $c["cpu"] == 5) &&
			               ($c["gpu_mem_gb"] == 0.8 || $c["gpu_mem_gb"] == 2.4) && $c["gpu_power_pct"] == 100 &&
			               $c["gpu_type"] == "T4"
		}
		function normal() { return sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }
		function q(p,  k, f) { k = (nr - 1) * p; f = int(k); return s[f + 1] + (f + 1 < nr ? (s[f + 2] - s[f + 1]) * (k - f) : 0) }
		END {
			srand(1)
			for (r = 1; r <= reps; r++)
				for (j = 1; j <= ntasks; j++) {
					t = tasks[j]; o = 1
					for (k = 1; k <= nt[t]; k++) if (v[t, k] > v[t, o]) o = k
					if (corner[t, o]) { s[++nr] = 8; continue }
					z = v[t, o] * exp(sd * normal()); rank = 1
					for (k = 1; k <= nt[t]; k++)
						if (k != o && !corner[t, k] && v[t, k] * exp(sd * normal()) > z) rank++
					s[++nr] = 8 + rank
				}
			for (i = 2; i <= nr; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
			for (i = 1; i <= nr; i++) { w += s[i] <= 30; cap += s[i] > 200 }
			printf "sd %s: median %.1f, p90 %.1f, within 30 %.0f %%, beyond 200 %.0f %% (%d searches)\n",
			       sd, q(0.5), q(0.9), 100 * w / nr, 100 * cap / nr, nr
		}' "$trace"
done
