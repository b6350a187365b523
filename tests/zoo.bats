#!/usr/bin/env bats
# The model zoo (share/mph/zoo): the catalogue, the split, and the physics of
# the committed trace that `make zoo` generates with mph-probe --sim.

load helper

ZOO="$SHARE/zoo"
TRACE="$ZOO/trace.csv"
PRICES='BEGIN { p["T4"] = 0.4; p["M60"] = 0.4; p["V100"] = 2.6 }'

@test "zoo: the trace regenerates byte for byte" {
	out="$BATS_TEST_TMPDIR/trace.csv"
	run make -s -C "$MPH_ROOT" ZOO_TRACE="$out" "$out"
	assert_success
	cmp "$TRACE" "$out"
}

@test "zoo: 42 models x the paper's 720 configurations, known statuses" {
	run awk -F, 'NR > 1 { n[$1]++; s[$9]++; if ($9 == "oom" && $6 != 0) bad++ }
		END { for (t in n) { k++; if (n[t] != 720) bad++ }
		      for (x in s) if (x != "ok" && x != "oom" && x != "slo") bad++
		      print k, bad + 0 }' "$TRACE"
	assert_output "42 0"
	run head -n 1 "$TRACE"
	assert_output "task,cpu,gpu_mem,batch,gpu_type,rps,p50_ms,p99_ms,status"
}

@test "zoo: RPS never falls when only the CPU cores grow" {
	run bash -c "tail -n +2 '$TRACE' | sort -t, -k1,1 -k3,3 -k4,4n -k5,5 -k2,2n |
		awk -F, '{ k = \$1 FS \$3 FS \$4 FS \$5 }
			k == prev && \$6 < last { print; bad++ } { prev = k; last = \$6 }
			END { print bad + 0 }'"
	assert_output "0"
}

@test "zoo: every model has an OOM threshold in memory share, never falling with batch" {
	# thr[model, gpu, batch] = the smallest share that fits; it must not fall
	# as the batch grows, every smaller share must be out of memory, and
	# every model must run out of memory somewhere.
	run awk -F, 'NR > 1 && $2 == 1 {
			k = $1 FS $5 FS $4
			if ($9 != "oom" && (!(k in thr) || $3 < thr[k])) thr[k] = $3
			if ($9 == "oom") { oom[$1] = 1; if ($3 > maxoom[k]) maxoom[k] = $3 }
			models[$1]; gpus[$5]
		}
		END {
			for (m in models) {
				if (!(m in oom)) { print "never oom:", m; bad++ }
				for (g in gpus) {
					last = 0
					for (b = 1; b <= 128; b *= 2) {
						k = m FS g FS b; t = (k in thr) ? thr[k] : 1
						if (t < last) { print "falls:", k; bad++ }
						if (k in maxoom && maxoom[k] > t) { print "gap:", k; bad++ }
						last = t
					}
				}
			}
			print bad + 0
		}' "$TRACE"
	assert_output "0"
}

@test "zoo: the OOM threshold grows with batch for image and transformer models" {
	# All but the three embedding-bag models (NNLM, USE), whose requests
	# hold a fraction of a MB on the device: see share/mph/zoo/README.md.
	run awk -F, 'NR > 1 && $2 == 1 && $9 != "oom" {
			k = $1 FS $5 FS $4; if (!(k in thr) || $3 < thr[k]) thr[k] = $3; models[$1]; gpus[$5]
		}
		END {
			for (m in models) {
				g1 = 0
				for (g in gpus) if ((m FS g FS 128) in thr == 0 || thr[m FS g FS 128] > thr[m FS g FS 1]) g1 = 1
				if (!g1) print m
			}
		}' "$TRACE"
	assert_success
	run sort <<< "$output"
	assert_output "$(printf 'nnlm_en_dim128\nnnlm_en_dim50\nuse_dan')"
}

@test "zoo: a larger model serves less on the same configuration" {
	# Chains of one family, largest last; every configuration.
	for chain in "resnet18_v1 resnet34_v1 resnet50_v1 resnet101_v1 resnet152_v1" \
		"efficientnet_b0 efficientnet_b1 efficientnet_b2 efficientnet_b3 efficientnet_b4 efficientnet_b5 efficientnet_b6 efficientnet_b7" \
		"vgg16 vgg19" "densenet121 densenet169 densenet201" "distilbert bert_base bert_large" \
		"mobilenet_v3_small mobilenet_v3_large"; do
		run awk -F, -v chain="$chain" 'BEGIN { n = split(chain, c, " "); for (i = 1; i <= n; i++) pos[c[i]] = i }
			NR > 1 && ($1 in pos) { k = $2 FS $3 FS $4 FS $5; r[pos[$1], k] = $6; keys[k] }
			END { for (k in keys) for (i = 2; i <= n; i++) {
				if (r[i, k] > r[i - 1, k]) { print c[i], ">", c[i - 1], "at", k; bad++ }
				if (r[i, k] < r[i - 1, k]) less++ }
			      print bad + 0, (less > 0) }' "$TRACE"
		assert_output "0 1"
	done
}

@test "zoo: RPS per dollar has at least 8 distinct optima, on at least two GPU types" {
	run awk -F, "$PRICES"' NR > 1 {
			s = $6 / (0.2 + 0.02 * $2 + p[$5] * $3)
			if (!($1 in best) || s > best[$1]) { best[$1] = s; cfg[$1] = $2 FS $3 FS $4 FS $5; gpu[$1] = $5 }
		}
		END { for (m in cfg) { d[cfg[m]]; t[gpu[m]] }
		      for (x in d) nd++; for (x in t) nt++; print nd, nt }' "$TRACE"
	assert_success
	read -r distinct types <<< "$output"
	[ "$distinct" -ge 8 ]
	[ "$types" -ge 2 ]
}

@test "zoo: small models are cheapest on a T4, large ones on a V100" {
	run awk -F, "$PRICES"' NR > 1 {
			s = $6 / (0.2 + 0.02 * $2 + p[$5] * $3)
			if (!($1 in best) || s > best[$1]) { best[$1] = s; gpu[$1] = $5 }
		}
		END { print gpu["mobilenet_v3_small"], gpu["mobilenet_v2"], gpu["resnet152_v1"], gpu["bert_large"] }' "$TRACE"
	assert_output "T4 T4 V100 V100"
}

@test "zoo: the split is 10 training and 32 test models, disjoint, all in the trace" {
	names() { grep -v '^#' "$1" | sed '/^$/d'; }
	[ "$(names "$ZOO/train.txt" | wc -l)" -eq 10 ]
	[ "$(names "$ZOO/test.txt" | wc -l)" -eq 32 ]
	run bash -c "{ grep -v '^#' '$ZOO/train.txt'; grep -v '^#' '$ZOO/test.txt'; } | sort | uniq -d"
	assert_output ""
	run bash -c "diff <({ grep -v '^#' '$ZOO/train.txt'; grep -v '^#' '$ZOO/test.txt'; } | sort) \
		<(tail -n +2 '$TRACE' | cut -d, -f1 | sort -u)"
	assert_success
}

@test "zoo: every model's figures are positive and name their sources" {
	run awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ for (f in c) if (f != "figures" && f != "activations" && f != "name" && f != "kind" && f != "input" && !($c[f] > 0)) { print $1, f; bad++ }
		  if ($c["figures"] == "" || $c["activations"] == "") { print $1, "no source"; bad++ } n++ }
		END { print n, bad + 0 }' "$ZOO/models.csv"
	assert_output "42 0"
	# Every reference key the catalogue cites is listed in the zoo README.
	for key in $(tail -n +2 "$ZOO/models.csv" | cut -d, -f11 | tr ';' '\n' | sed 's/^ *//; s/^est: //; s/ .*//' | sort -u); do
		grep -q "^- \*\*$key\*\*" "$ZOO/README.md" || { echo "unlisted source: $key"; return 1; }
	done
}

@test "zoo: the simulator reads the catalogue and names bad entries" {
	cp "$ZOO/gpus.csv" "$BATS_TEST_TMPDIR/"
	sed 's/^vgg16,image,3x224x224,15.5,/vgg16,image,3x224x224,0,/' "$ZOO/models.csv" > "$BATS_TEST_TMPDIR/models.csv"
	run -1 --separate-stderr mph-probe --sim vgg16 --zoo "$BATS_TEST_TMPDIR" <<< $'cpu,gpu_mem,batch,gpu_type\n1,0.1,1,T4'
	assert_equal "$stderr" "mph-probe: $BATS_TEST_TMPDIR/models.csv:10: column 'gmacs': not positive: '0'"
}
