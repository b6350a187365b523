# Reads hey's report and prints mph-probe --exec lines: rps= (2xx/3xx answers
# per second), p50_ms= p90_ms= p99_ms= error_rate=. Shared by the hey adapter
# and the Kubernetes probe, which reads the report back from a Job's log.
/Requests\/sec:/ { rate = $2 + 0 }
/^Latency distribution:/ { dist = 1; next }
dist && $1 == "50%" { p50 = $3 * 1000 }
dist && $1 == "90%" { p90 = $3 * 1000 }
dist && $1 == "99%" { p99 = $3 * 1000 }
/^Status code distribution:/ { dist = 0; codes = 1; next }
/^Error distribution:/ { codes = 0; errs = 1; next }
codes && /^ *\[[0-9]+\]/ {
	c = $1; gsub(/[^0-9]/, "", c); n = $2 + 0; all += n
	if (c + 0 < 200 || c + 0 >= 400) bad += n
}
errs && /^ *\[[0-9]+\]/ { n = $1; gsub(/[^0-9]/, "", n); all += n; bad += n }
END {
	er = all > 0 ? bad / all : 1
	printf "rps=%.6g\n", rate * (1 - er)
	if (p50 != "") printf "p50_ms=%.6g\np90_ms=%.6g\np99_ms=%.6g\n", p50, p90, p99
	printf "error_rate=%.6g\n", er
}
