#!/bin/sh
# The replayed searches behind the stopping rule's defaults and the noise
# results (README, "When to stop"; TUNING.md sections 7 and 8): models held
# out by model, meta-seeds 1, 2 and 3, morphling-gp.
#   zoo      meta-trained on train.txt, tested on test.txt (rps-per-dollar)
#   falcon   ../shared/data/falcon-sources, 3 folds by model (as --kfold 3
#            deals them), the 8 corners on a T4 at full power
#   packrat  ../shared/data/packrat-pytorch, 4 folds: one model each
#            (throughput, examples/paper/packrat-objective.json)
# usage: stop.sh models|stop|noise   in OUT [.]
#   models  one meta-model per fold and meta-seed (mph-metatrain defaults)
#   stop    per-step logs to the cap with the rule never firing:
#           OUT/log-DATASET-*.csv; then, for any setting,
#           mph-eval --from-log --stop [--stop-patience K --stop-ei X] OUT/log-DATASET-*.csv
#   noise   --noise SD [0.03], cap 50, choosing as CONFIRMS says ["none 3,2 race"]:
#           none (--race off), N,R (--confirm N,R), race (tune.mk's, the default),
#           OUT/noise-SD-DATASET-CONFIRM-*.csv; mph-eval --from-log over them
# DATASETS [zoo falcon packrat] and SEEDS [1 2 3] narrow it down; files
# that exist are kept, so a run can be resumed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=$root/bin
out=${OUT:-.}
F=$root/../shared/data/falcon-sources/falcon-sources.csv
P=$root/../shared/data/packrat-pytorch/packrat-pytorch.csv
Z=$root/share/mph/zoo
export OPENBLAS_NUM_THREADS=1 LC_ALL=C
mkdir -p "$out"
[ -f "$out/falcon-space.json" ] || "$bin/mph-space" --from-trace "$F" -x rps_per_budget_norm -o "$out/falcon-space.json"
[ -f "$out/packrat-space.json" ] || "$bin/mph-space" --from-trace "$P" \
	-x latency_avg_ms,latency_min_ms,latency_max_ms,throughput_samples_s -o "$out/packrat-space.json"
tail -n +2 "$F" | cut -d, -f1 | sort -u > "$out/falcon-tasks.txt"
for f in 0 1 2; do awk -v f=$f '(NR-1)%3==f' "$out/falcon-tasks.txt" > "$out/falcon-test-$f.txt"; done
tail -n +2 "$P" | cut -d, -f1 | sort -u > "$out/packrat-tasks.txt"
for m in bert gpt2 inception resnet; do grep "^${m}_" "$out/packrat-tasks.txt" > "$out/packrat-test-$m.txt"; done

# run WHAT DATASET SEED FOLD: the model, a log to the cap, or a noisy log
run() {
	what=$1 d=$2 s=$3 f=$4
	case $d in
	zoo) space=$root/share/mph/spaces/morphling.json trace=$Z/trace.csv obj=$root/share/mph/objectives/rps-per-dollar.json
	     test=$Z/test.txt metric=rps init= ;;
	falcon) space=$out/falcon-space.json trace=$F obj=$here/../falcon-objective.json test=$out/falcon-test-$f.txt
	     metric=rps_per_budget_norm init="--corners batch,cpu,gpu_mem_gb --fix gpu_type=T4,gpu_power_pct=100" ;;
	packrat) space=$out/packrat-space.json trace=$P obj=$here/../packrat-objective.json test=$out/packrat-test-$f.txt
	     metric=throughput_samples_s init= ;;
	esac
	model=$out/$d-meta-$f-$s.json
	case $what in
	models)
		# the zoo trains on train.txt, the others on every task the fold does not test
		if [ $d = zoo ]; then train=$(grep -v '^#' "$Z/train.txt" | paste -sd, -)
		else train=$(grep -vxFf "$test" "$out/$d-tasks.txt" | paste -sd, -); fi
		[ -f "$model" ] || "$bin/mph-metatrain" -q -s "$space" -M $metric --seed $s --tasks "$train" \
			-o "$model" "$trace" ;;
	stop)
		o=$out/log-$d-morphling-gp-$f-$s.csv
		# shellcheck disable=SC2086
		[ -f "$o" ] || "$bin/mph-eval" -q -O "$obj" -m "$model" -s "$space" --test-tasks "$test" $init \
			-a morphling-gp --cap 100 --stop --stop-patience 100000000 --keep-going --log "$o" "$trace" > /dev/null ;;
	noise)
		for c in ${CONFIRMS:-none 3,2 race}; do
			o=$out/noise-${SD:-0.03}-$d-$c-$f-$s.csv
			case $c in none) opt="--race off" ;; race) opt="" ;; *) opt="--confirm $c" ;; esac
			# shellcheck disable=SC2086
			[ -f "$o" ] || "$bin/mph-eval" -q -O "$obj" -m "$model" -s "$space" --test-tasks "$test" $init \
				-a morphling-gp --cap 50 --noise "${SD:-0.03}" $opt --keep-going --log "$o" "$trace" > /dev/null
		done ;;
	esac
}

for s in ${SEEDS:-1 2 3}; do
	for d in ${DATASETS:-zoo falcon packrat}; do
		case $d in
		zoo) folds=all ;;
		falcon) folds="0 1 2" ;;
		packrat) folds="bert gpt2 inception resnet" ;;
		esac
		for f in $folds; do run "$1" $d $s $f; done
	done
done
