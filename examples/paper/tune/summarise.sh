#!/bin/sh
# One line per sweep result: median and p90 samples to the optimum, runs that
# reached it within the cap, share at the optimum by 30 samples, median to 99 %.
for f in "$@"; do
	awk -F, -v n="$(basename "$f" .csv)" '
		$2 == "samples" && $3 == 100 { m = $7; p = $8; r = $5 "/" $4 }
		$2 == "samples" && $3 == 99 { m99 = $7 }
		$2 == "best" && $3 == 30 { w = $4 ? $5 / $4 : 0 }
		END { printf "%-34s med %-6s p90 %-6s reached %-7s at30 %.2f med99 %s\n", n, m, p, r, w, m99 }' "$f"
done
