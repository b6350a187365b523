#!/bin/sh
# How far a role model carries (README, "Knob roles"): on ../shared/data,
#  A. packrat-pytorch's CPU-only services (threads, batch), by model: role
#     models meta-trained without packrat (the zoo's 42 models and Falcon's
#     18, pooled by role; and the shipped zoo-roles.json), against gp-ucb and
#     a meta-model of packrat's own space trained on its other models;
#  B. Falcon's sources with the K80 held out of training (its rows and its
#     value), tuned over the whole space (K80 included): a role model trained
#     on the other models of the fold without K80, against gp-ucb and a
#     meta-model of Falcon's space trained on the other models with K80;
#     and, to see what holding K80 out costs, the role model trained with it
#     (B2), and what the zoo adds, the role model of the zoo and the fold's
#     other models pooled, still without K80 (B3).
# Every learnt model is one network (--ensemble 1), meta-seeds 1 2 3; the
# model-free runs take 3 search seeds instead. One job at a time, nice'd.
# Writes OUT/*.log (mph-eval's per-step logs) and OUT/summary.txt.
# usage: sh bench/roles/generalise.sh   (OUT, DATA, META_SEEDS override;
# PARTS: which of A B B2 B3 to run [all]; SUMMARY_ONLY=1 summarises OUT's logs
# again, running nothing)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$root/bin}
share=$root/share/mph
data=${DATA:-$root/../shared/data}
out=${OUT:-/tmp/mph-roles}
seeds=${META_SEEDS:-1 2 3}
P=$data/packrat-pytorch/packrat-pytorch.csv
F=$data/falcon-sources/falcon-sources.csv
Z=$share/zoo/trace.csv
PS=$share/spaces/packrat-pytorch.json FS=$share/spaces/falcon.json ZS=$share/spaces/morphling.json
PO=$root/bench/roles/throughput.json FO=$root/examples/paper/falcon-objective.json
run() { echo "+ $*" >&2; nice -n 10 "$@"; }
[ -f "$P" ] && [ -f "$F" ] || { echo "generalise.sh: no $data: nothing to measure" >&2; exit 0; }
mkdir -p "$out"

parts=${PARTS:-A B B2 B3}
has() { case " $parts " in *" $1 "*) return 0;; esac; return 1; }
[ -n "${SUMMARY_ONLY:-}" ] && parts=
if has A; then
# A. packrat-pytorch, by model
for s in $seeds; do
	run "$bin/mph-metatrain" -q --roles -s "$ZS" -s "$FS" -M rps,rps_per_budget_norm --ensemble 1 --seed "$s" \
		-o "$out/zoo-falcon-$s.json" "$Z" "$F"
	run "$bin/mph-eval" -q -a morphling-gp -m "$out/zoo-falcon-$s.json" -s "$PS" -O "$PO" \
		--log "$out/packrat-role-$s.log" "$P" > /dev/null
done
run "$bin/mph-eval" -q -a morphling-gp -m "$share/models/zoo-roles.json" -s "$PS" -O "$PO" -r 3 \
	--log "$out/packrat-shipped.log" "$P" > /dev/null
run "$bin/mph-eval" -q -a gp-ucb -s "$PS" -O "$PO" -r 3 --log "$out/packrat-gp-ucb.log" "$P" > /dev/null
run "$bin/mph-eval" -q -a morphling-gp -s "$PS" -O "$PO" --kfold 4 --group-sep _ \
	--meta-seeds "$(echo $seeds | tr ' ' ,)" --ensemble 1 --log "$out/packrat-same-space.log" "$P" > /dev/null

fi

# B. Falcon, K80 held out; folds by model: every third task name, sorted
fold_tasks() { cut -d, -f1 "$F" | tail -n +2 | sort -u | awk -v f="$1" 'NR % 3 == f' | paste -sd, -; }
# role models on fold $1's other tasks of trace $4 over space $3 (with $5:
# after the zoo), one a meta-seed, each tuning the fold's tasks over
# Falcon's whole space; $2 names them
role_fold() {
	for s in $seeds; do
		if [ -n "${5:-}" ]; then
			run "$bin/mph-metatrain" -q --roles -s "$ZS" -s "$3" -M rps,rps_per_budget_norm --exclude "$test" \
				--ensemble 1 --seed "$s" -o "$out/$2-$1-$s.json" "$Z" "$4"
		else
			run "$bin/mph-metatrain" -q --roles -s "$3" -M rps_per_budget_norm --exclude "$test" \
				--ensemble 1 --seed "$s" -o "$out/$2-$1-$s.json" "$4"
		fi
		run "$bin/mph-eval" -q -a morphling-gp -m "$out/$2-$1-$s.json" -s "$FS" -O "$FO" \
			--test-tasks "$test" --log "$out/$2-role-$1-$s.log" "$F" > /dev/null
	done
}
if has B || has B3; then
	awk -F, '$6 != "K80"' "$F" > "$out/falcon-noK80.csv"
	sed -e 's/"values": \["K80", /"values": [/' -e '/"K80":/d' "$FS" > "$out/falcon-noK80.json"
fi
if has B; then
for fold in 0 1 2; do
	test=$(fold_tasks $fold)
	role_fold $fold falcon "$out/falcon-noK80.json" "$out/falcon-noK80.csv"
	run "$bin/mph-eval" -q -a morphling-gp -s "$FS" -O "$FO" --test-tasks "$test" \
		--meta-seeds "$(echo $seeds | tr ' ' ,)" --ensemble 1 --log "$out/falcon-same-space-$fold.log" "$F" > /dev/null
done
run "$bin/mph-eval" -q -a gp-ucb -s "$FS" -O "$FO" -r 3 --log "$out/falcon-gp-ucb.log" "$F" > /dev/null
fi
if has B2; then
for fold in 0 1 2; do
	test=$(fold_tasks $fold)
	role_fold $fold falcon-seen "$FS" "$F"
done
fi
if has B3; then
for fold in 0 1 2; do
	test=$(fold_tasks $fold)
	role_fold $fold falcon-zoo "$out/falcon-noK80.json" "$out/falcon-noK80.csv" zoo
done
fi

# samples to 99 % and to the optimum: median and p90 over the runs whose
# task starts with $2 (all: ""), or, with $3, is one of those (comma list)
summary() {
	cat "$out/$1"*.log | awk -v p="$2" -v l=",${3:-}," 'NR == 1 || (!/^task,/ &&
		(l == ",," ? substr($0, 1, length(p)) == p : index(l, "," substr($0, 1, index($0, ",")))))' > "$out/sub.log"
	"$bin/mph-eval" --from-log --levels 99,100 "$out/sub.log" | awk -F, -v x="$1" -v p="${2:-all}" \
		'$2 == "samples" { printf "%s %s %s%%: runs %s reached %s median %s p90 %s\n", x, p, $3, $4, $5, $7, $8 }'
	rm -f "$out/sub.log"
}
{
	for x in packrat-role packrat-shipped packrat-gp-ucb packrat-same-space; do
		for m in "" bert_ gpt2_ inception_ resnet_; do summary "$x" "$m"; done
	done
	# the tasks whose optimum is on the held-out K80
	k80=$(awk -F, 'NR > 1 && (!($1 in b) || $7 > b[$1]) { b[$1] = $7; g[$1] = $6 }
		END { for (t in g) if (g[t] == "K80") print t }' "$F" | sort | paste -sd, -)
	for x in falcon-role- falcon-gp-ucb falcon-same-space falcon-seen-role falcon-zoo-role; do
		summary "$x" ""
		summary "$x" "optimum-on-K80" "$k80"
	done
} > "$out/summary.txt"
cat "$out/summary.txt"
