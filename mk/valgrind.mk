# `make valgrind`: the README's pipeline (tests/readme.bats) with every tool
# under valgrind memcheck (--leak-check=full, --error-exitcode=99).
#
# As for `make asan=1 check` the tree is mirrored (build/valgrind/root,
# cp -as), and its bin/ holds one script per tool that runs the normal build's
# tool under valgrind, so the test runs unchanged. Each process writes its
# report to build/valgrind/log/PID.log: an exit status can be lost in a pipe
# (mph-space | mph-probe), a report cannot; any report fails the rule.
# mph-metatrain gets --iters 2 appended (the last --iters wins): the same
# code as the README's 1000 meta-iterations, each of which takes about
# 13 s of CPU under valgrind (3 networks, 4.5 s each), 4 hours for 1000.
# No suppression is needed (OpenBLAS's threads and buffers are reachable at
# exit: not reported as lost).

VALGRIND_ROOT = build/valgrind/root
VALGRIND_LOG  = build/valgrind/log
VALGRIND_OPTS = -q --error-exitcode=99 --leak-check=full \
                --log-file=$(CURDIR)/$(VALGRIND_LOG)/%p.log
# bin/mph-suggest is linked statically (Makefile), where valgrind cannot
# replace malloc: it checks the same code linked as the other tools are.
VALGRIND_SUGGEST = build/valgrind/mph-suggest

$(VALGRIND_SUGGEST): tools/mph-suggest.c tools/tool.h build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -o $@ $< build/libmph.a $(LDLIBS)

.PHONY: valgrind
valgrind: all $(VALGRIND_SUGGEST)
	@command -v valgrind > /dev/null || { echo "valgrind: not installed (make deps)" >&2; exit 1; }
	@rm -rf $(VALGRIND_ROOT) $(VALGRIND_LOG) && mkdir -p $(VALGRIND_ROOT)/bin $(VALGRIND_LOG)
	@for e in *; do case $$e in bin|build) ;; *) cp -as "$(CURDIR)/$$e" $(VALGRIND_ROOT)/ ;; esac; done
	@for t in $(TOOLS); do \
		n=$$(basename $$t); extra=; [ $$n = mph-metatrain ] && extra=' --iters 2'; \
		exe=$(CURDIR)/$$t; [ $$n = mph-suggest ] && exe=$(CURDIR)/$(VALGRIND_SUGGEST); \
		printf '#!/bin/sh\nexec valgrind %s "%s" "$$@"%s\n' "$(VALGRIND_OPTS)" "$$exe" "$$extra" \
			> $(VALGRIND_ROOT)/bin/$$n; \
		chmod +x $(VALGRIND_ROOT)/bin/$$n; \
	done
	cd $(VALGRIND_ROOT) && LC_ALL=C bats tests/readme.bats
	@n=$$(ls $(VALGRIND_LOG) | wc -l); bad=$$(find $(VALGRIND_LOG) -type f -size +0 | sort); \
	if [ -n "$$bad" ]; then cat $$bad; echo "valgrind: reports in $$bad" >&2; exit 1; fi; \
	echo "valgrind: $$n processes, no report"
