#!/bin/sh
# TUNING.md section 11: how well the plain average of the other services'
# log-surfaces (no model, no learning) ranks a held-out service's optimum:
# for each task of TEST (a file of names), the rank (1: first) of its
# measured optimum when every configuration is ordered by the mean, over
# the tasks of TRACE not in TEST, of log(METRIC). Compare rank.sh, the
# adapted model's ranking after the 8 corners.
# usage: average-rank.sh TRACE METRIC TEST
set -eu
[ $# -eq 3 ] || { echo "usage: average-rank.sh TRACE METRIC TEST" >&2; exit 2; }
LC_ALL=C awk -F, -v metric="$2" '
	{ sub(/\r$/, "") }
	FNR == NR { test[$1] = 1; next }
	FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		cfg = ""
		for (i = 2; i <= NF; i++) if (i != c[metric]) cfg = cfg "," $i
		v = $c[metric] + 0
		if ($1 in test) {
			val[$1, cfg] = v
			if (!($1 in best) || v > best[$1]) { best[$1] = v; opt[$1] = cfg }
		} else if (v > 0) { sum[cfg] += log(v); n[cfg]++ }
	}
	END {
		for (k in sum) avg[k] = sum[k] / n[k]
		for (t in test) {
			if (!(t in opt)) continue
			r = 1
			for (k in avg) if (k != opt[t] && avg[k] > avg[opt[t]]) r++
			printf "%s,%d\n", t, r
		}
	}' "$3" "$1" | sort
