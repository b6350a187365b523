#!/bin/sh
# Replayed searches on the model zoo as the paper splits it: meta-train
# (MAML) and pretrain on the 10 training models, replay every algorithm on the
# 32 test models under the paper's objective 1 (RPS per dollar). Prints the
# per-algorithm medians (bench-suggest replay's SUMMARY lines).
#   sh bench/bench-suggest-zoo.sh
# Environment: ALGOS [random,gp-ucb,finetune,vizier,morphling,morphling-ens,
# morphling-gp], SEEDS [1], CAP [100], OBJECTIVE [rps-per-dollar],
# SETTINGS [], OUT [build/bench/suggest-zoo].
set -eu
ALGOS="${ALGOS:-random,gp-ucb,finetune,vizier,morphling,morphling-ens,morphling-gp}"
SEEDS="${SEEDS:-1}"
CAP="${CAP:-100}"
OBJECTIVE="${OBJECTIVE:-rps-per-dollar}"
SETTINGS="${SETTINGS:-}"
OUT="${OUT:-build/bench/suggest-zoo}"
ZOO=share/mph/zoo
SPACE=share/mph/spaces/morphling.json
mkdir -p "$OUT"
train=$(grep -v '^#' $ZOO/train.txt | grep . | paste -sd, -)
test=$(grep -v '^#' $ZOO/test.txt | grep . | paste -sd, -)
bin/mph-metatrain -q -s $SPACE -M rps --tasks "$train" -o "$OUT/meta.json" $ZOO/trace.csv
bin/mph-metatrain -q --mode pretrain -s $SPACE -M rps --tasks "$train" -o "$OUT/pretrain.json" $ZOO/trace.csv
echo "bench-suggest: zoo, $(echo "$test" | tr , '\n' | wc -l) test models, objective $OBJECTIVE, seeds $SEEDS, cap $CAP"
# shellcheck disable=SC2086
build/bench/bench-suggest replay $ZOO/trace.csv $SPACE share/mph/objectives/$OBJECTIVE.json \
	"$OUT/meta.json" "$OUT/pretrain.json" "$test" "$ALGOS" "$SEEDS" "$CAP" $SETTINGS > "$OUT/runs.txt"
grep '^SUMMARY' "$OUT/runs.txt"
