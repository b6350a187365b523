# share/mph/tune.mk: the tuning loop as make rules.
#
# Include it from a Makefile after setting what to tune:
#   SPACE      the space spec (mph-space(5))                         [required]
#   OBJECTIVE  what "best" means (mph-objective(5))                  [required]
#   PROBE      mph-probe's arguments: the mode and its options, e.g.
#              --replay trace.csv --task resnet50, or --exec 'CMD'   [required]
#   BUDGET     trials of the search, the initial design included     [20]
#   MODEL      meta-model for mph-suggest -m; empty: the shipped one  []
#              (share/mph/models/zoo-roles.json) when the space's knob
#              roles fit it, else gp-ucb: mph-suggest says which
#   ALGO       mph-suggest -a: the algorithm (with MODEL, or instead)  []
#   PROFILES   a trace of services measured before (typically the one
#              MODEL was trained on): mph-suggest --profiles, the
#              services that fit the trials best guide morphling-gp
#              beside the model (TUNING.md section 11)           []
#   STOP       mph-suggest's stopping rule; empty: the budget only   [--stop]
#   RACE       TOP,MOST[,Z]: before the choice, race the TOP
#              configurations whose first trial is best (mph-pick
#              --race): those still in the race are measured once more
#              until one leads the others by Z standard errors of the
#              noise the repeats show (Z: 2) or each has MOST trials;
#              the leader is the choice (TUNING.md section 8). Empty:
#              CONFIRM and REPEATS instead                         [8,8]
#   CONFIRM    with RACE empty: configurations re-measured            [3]
#   REPEATS    with RACE empty: trials each of them has               [3]
#   PARALLEL   configurations measured at once (make -j N sets it)   [1]
#   SEED       mph-suggest's seed                                     [1]
#   SLO        more latency constraints for the warning, e.g.
#              'p99_ms <= 100' (the objective's *_ms <= X count too)  []
#   SLO_MARGIN the warning's margin, percent                          [5]
#   CANDIDATES a CSV of the candidates; empty: the whole space        []
#   INITIAL    a CSV of the initial design; empty: mph-space -i       []
#   SUGGEST_FLAGS  more mph-suggest arguments                         []
#   TUNE_DIR   where the files go                                     [tune]
#   QUIET      non-empty: no progress lines                           []
# Targets: tune, best, status, report, clean-tune. The trials file,
# $(TUNE_DIR)/trials.csv, is the only state: everything else in
# $(TUNE_DIR) is derived from it and made again, and `make tune` after an
# interruption goes on where it stopped, measuring nothing twice.

MPH_SHARE := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
MPH_BIN ?= $(abspath $(MPH_SHARE)/../../bin)
MPH_SPACE ?= $(MPH_BIN)/mph-space
MPH_PROBE ?= $(MPH_BIN)/mph-probe
MPH_SUGGEST ?= $(MPH_BIN)/mph-suggest
MPH_PICK ?= $(MPH_BIN)/mph-pick
MPH_REPORT ?= $(MPH_BIN)/mph-report

TUNE_DIR ?= tune
TRIALS := $(TUNE_DIR)/trials.csv
BUDGET ?= 20
MODEL ?=
ALGO ?=
PROFILES ?=
STOP ?= --stop
CONFIRM ?= 3
REPEATS ?= 3
RACE ?= 8,8
PARALLEL ?= $(or $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS))),1)
SEED ?= 1
SLO ?=
SLO_MARGIN ?= 5
CANDIDATES ?=
INITIAL ?=
SUGGEST_FLAGS ?=
QUIET ?=

# ---- the pieces of the recipes --------------------------------------------
mph_candidates = $(if $(CANDIDATES),cat '$(CANDIDATES)',$(MPH_SPACE) '$(SPACE)')
mph_initial = $(if $(INITIAL),cat '$(INITIAL)',$(MPH_SPACE) -i '$(SPACE)')
mph_suggest = $(MPH_SUGGEST) $(if $(MODEL),-m '$(MODEL)') $(if $(ALGO),-a $(ALGO)) -s '$(SPACE)' -O '$(OBJECTIVE)' --seed $(SEED) \
	$(if $(PROFILES),--profiles '$(PROFILES)') $(STOP) $(SUGGEST_FLAGS)
mph_awk = awk -f '$(MPH_SHARE)/tune.awk' -v knobs="$$knobs"
# measure < CONFIGS [mph-probe options]: into the trials file (progress
# counts up to $$budget when set); a run whose
# every trial failed (exit 1 after rows were written) is a result, not an error
define mph_measure_fn
measure() { \
	before=$$(cat '$(TRIALS)' 2>/dev/null | wc -l); \
	$(MPH_PROBE) $(PROBE) -t '$(TRIALS)' -j $(PARALLEL) -O '$(OBJECTIVE)' $${budget:+--budget $$budget} \
		$(if $(QUIET),-q) "$$@" && return 0; \
	rc=$$?; after=$$(cat '$(TRIALS)' 2>/dev/null | wc -l); \
	[ $$rc = 1 ] && [ $$after -gt $$before ]; \
}
endef
# done_why: why the search is over, or "" while it goes on; next.csv then
# holds the next configurations
define mph_search_step
	awk_first() { $(mph_awk) -v mode=first '$(TRIALS)' > '$(TUNE_DIR)/search.csv.tmp' && \
		mv '$(TUNE_DIR)/search.csv.tmp' '$(TUNE_DIR)/search.csv'; }; \
	awk_first || exit 1; \
	n=$$(($$(wc -l < '$(TUNE_DIR)/search.csv') - 1)); why=; \
	if [ $$n -ge $(BUDGET) ]; then why="budget: $$n of $(BUDGET) trials spent"; break; fi; \
	want=$$(($(BUDGET) - n)); [ $$want -le $(PARALLEL) ] || want=$(PARALLEL); \
	rc=0; $(mph_candidates) | $(mph_suggest) -n $$want -t '$(TUNE_DIR)/search.csv' \
		> '$(TUNE_DIR)/next.csv' 2> '$(TUNE_DIR)/suggest.err' || rc=$$?; \
	case $$rc in \
	0) if [ $$(wc -l < '$(TUNE_DIR)/next.csv') -le 1 ]; then why="exhausted: every candidate is measured"; break; fi ;; \
	3) why="rule: $$(sed -n 's/^mph-suggest: stop: //p' '$(TUNE_DIR)/suggest.err' | head -1)"; break ;; \
	4) why="exhausted: $$(sed -n 's/^mph-suggest: exhausted: //p' '$(TUNE_DIR)/suggest.err' | head -1)"; break ;; \
	*) cat '$(TUNE_DIR)/suggest.err' >&2; exit 1 ;; \
	esac; \
	cat '$(TUNE_DIR)/suggest.err' >&2
endef
# the latency constraints `COLUMN <= X` of the objective and SLO, one a line
mph_slos = { grep -o '"[A-Za-z0-9_]*_ms *<=* *[0-9.eE+-]*"' '$(OBJECTIVE)' | tr -d '"'; \
	printf '%s\n' '$(SLO)' | tr ',' '\n'; } | { grep . || true; }

.PHONY: tune best status report clean-tune tune-check
tune-check:
	@$(if $(SPACE),,echo "tune.mk: set SPACE (the space spec)" >&2; exit 2)
	@$(if $(OBJECTIVE),,echo "tune.mk: set OBJECTIVE (the objective)" >&2; exit 2)
	@$(if $(PROBE),,echo "tune.mk: set PROBE (mph-probe's mode and options)" >&2; exit 2)

tune: tune-check $(CANDIDATES) $(INITIAL)
	@mkdir -p '$(TUNE_DIR)'
	@# 1. the initial design: what the file holds is not measured again
	@$(mph_measure_fn); knobs=$$($(mph_candidates) | head -1); budget=$(BUDGET); \
	$(mph_initial) > '$(TUNE_DIR)/design.csv.tmp' && measure < '$(TUNE_DIR)/design.csv.tmp' || exit 1; \
	while :; do $(mph_search_step); measure < '$(TUNE_DIR)/next.csv' || exit 1; done; \
	printf '%s\n' "$$why" > '$(TUNE_DIR)/stop.txt.tmp' && mv '$(TUNE_DIR)/stop.txt.tmp' '$(TUNE_DIR)/stop.txt'; \
	echo "tune: the search stopped: $$why" >&2; budget=; \
	$(if $(RACE),echo "tune: before the choice the best configurations race (RACE=$(RACE) and mph-pick --race): those within reach of the leader are measured again" >&2; \
	race_from=$$(wc -l < '$(TRIALS)');) \
	while :; do \
		$(if $(RACE),$(MPH_PICK) --race '$(RACE)' -s '$(SPACE)' -O '$(OBJECTIVE)' '$(TRIALS)' > '$(TUNE_DIR)/race.csv' || exit 1; \
		$(mph_awk) -v mode=again '$(TUNE_DIR)/race.csv' > '$(TUNE_DIR)/again.csv' || exit 1; , \
		$(MPH_PICK) --median -s '$(SPACE)' -n $(CONFIRM) -O '$(OBJECTIVE)' '$(TRIALS)' > '$(TUNE_DIR)/top.csv' || exit 1; \
		$(mph_awk) -v mode=lacking -v repeats=$(REPEATS) -v max=$(PARALLEL) \
			'$(TUNE_DIR)/top.csv' '$(TRIALS)' > '$(TUNE_DIR)/again.csv' || exit 1;) \
		[ $$(wc -l < '$(TUNE_DIR)/again.csv') -gt 1 ] || break; \
		measure --again < '$(TUNE_DIR)/again.csv' || exit 1; \
	done; \
	$(if $(RACE),echo "tune: the race is over: $$(($$(wc -l < '$(TRIALS)') - race_from)) more trials in this run" >&2;) \
	$(MPH_PICK) $(if $(RACE),--race '$(RACE)' -n 1,--median) -s '$(SPACE)' -O '$(OBJECTIVE)' '$(TRIALS)' > '$(TUNE_DIR)/chosen.csv.tmp' || exit 1; \
	mv '$(TUNE_DIR)/chosen.csv.tmp' '$(TUNE_DIR)/chosen.csv'; \
	$(mph_slos) | while read col op lim; do \
		awk -F, -v col="$$col" -v lim="$$lim" -v m=$(SLO_MARGIN) 'NR == 1 { for (i = 1; i <= NF; i++) if ($$i == col) c = i } \
			NR == 2 && c && $$c != "" && $$c + 0 >= lim * (1 - m / 100) { \
				printf "tune: warning: the chosen configuration'"'"'s %s %s lies within %s %% of its limit %s\n", col, $$c, m, lim > "/dev/stderr" }' \
			'$(TUNE_DIR)/chosen.csv'; \
	done; \
	cat '$(TUNE_DIR)/chosen.csv'

best:
	@if [ -s '$(TUNE_DIR)/chosen.csv' ]; then cat '$(TUNE_DIR)/chosen.csv'; \
	else echo "tune.mk: no choice yet: make tune" >&2; exit 1; fi

status: tune-check
	@knobs=$$($(mph_candidates) | head -1); \
	if [ ! -s '$(TRIALS)' ]; then echo "no trials yet: make tune"; exit 0; fi; \
	all=$$(($$(wc -l < '$(TRIALS)') - 1)); \
	n=$$(($$($(mph_awk) -v mode=first '$(TRIALS)' | wc -l) - 1)); \
	echo "trials: $$n of the budget $(BUDGET), $$((all - n)) repeats"; \
	echo "best so far:"; $(MPH_PICK) --median -s '$(SPACE)' -O '$(OBJECTIVE)' '$(TRIALS)' || true; \
	if [ -s '$(TUNE_DIR)/stop.txt' ]; then echo "stopped: $$(head -1 '$(TUNE_DIR)/stop.txt')"; \
	else echo "not stopped: make tune goes on"; fi; \
	if [ -s '$(TUNE_DIR)/chosen.csv' ]; then echo "chosen (make best):"; cat '$(TUNE_DIR)/chosen.csv'; fi

report: tune-check
	$(MPH_REPORT) -s '$(SPACE)' -O '$(OBJECTIVE)' $(if $(MODEL),-m '$(MODEL)') \
		$(if $(wildcard $(TUNE_DIR)/stop.txt),--stop '$(TUNE_DIR)/stop.txt') $(if $(RACE),--race '$(RACE)') \
		-o '$(TUNE_DIR)/report.html' '$(TRIALS)'

clean-tune:
	rm -rf '$(TUNE_DIR)'
