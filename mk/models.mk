# The shipped meta-model: share/mph/models/zoo-roles.json, a role model
# (mph-metatrain --roles) meta-trained on the zoo's 10 training models over
# the paper's space, so that mph-suggest, `make demo` and a user's first run
# need no meta-training. `make models` rebuilds it byte for byte from what the
# project ships (tests/roles.bats checks that it does); it is not part of
# `make`, so a change to the training code shows as that test failing, not as
# a silently different model. MODELS_OUT puts the rebuilt file elsewhere.
# One network (--ensemble 1): about 10 s to train, 0.4 MB to ship.

MODELS_OUT      ?= share/mph/models
MODELS_TRAIN     = $(shell grep -v '^\#' share/mph/zoo/train.txt | paste -sd, -)
ZOO_ROLES_ARGS   = -q --roles -s share/mph/spaces/morphling.json --tasks $(MODELS_TRAIN) \
                   --ensemble 1 --seed 1 share/mph/zoo/trace.csv

.PHONY: models
models: $(MODELS_OUT)/zoo-roles.json

$(MODELS_OUT)/zoo-roles.json: share/mph/zoo/trace.csv share/mph/zoo/train.txt share/mph/spaces/morphling.json \
		bin/mph-metatrain mk/models.mk
	@mkdir -p $(@D)
	bin/mph-metatrain $(ZOO_ROLES_ARGS) -o $@
