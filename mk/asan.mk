# `make asan=1 check`: the whole suite, live tests included, with
# AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer.
#
# Nothing is mixed with the normal build: the tree is mirrored into
# build/asan/root (folders made, files linked: cp -as) and `make check` runs
# there with the sanitizer flags, so the sanitized objects, bin/ and build/
# live under build/asan/root, and the tests, which find the tools as
# $MPH_ROOT/bin with MPH_ROOT the folder above tests/ (tests/helper.bash),
# run them unchanged. A file a rule rewrites (the zoo's trace, made again by
# the sanitized simulator: it must come out byte for byte the same) is
# replaced in the mirror only; ../shared (the real traces some tests use)
# is linked beside the mirror when it exists. A sanitizer report fails the
# test whose tool made it (exit status, stderr). The Makefile includes this
# file alone when asan=1 (and through mk/*.mk, to no effect, otherwise).
#
# No LeakSanitizer suppression is needed: OpenBLAS's thread pool and
# buffers, libcurl's and jansson's globals are still reachable at exit, which
# LSan does not report (checked: the whole suite, the live tests included).

ifeq ($(asan),1)
ASAN_ROOT   = build/asan/root
ASAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
export ASAN_OPTIONS  = detect_leaks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS = halt_on_error=1:print_stacktrace=1
export MPH_SANITIZED = ASan+UBSan+LSan

.PHONY: check asan-mirror
check: asan-mirror
	$(MAKE) -C $(ASAN_ROOT) asan= CFLAGS="$(ASAN_CFLAGS)" check

asan-mirror:
	@mkdir -p $(ASAN_ROOT)
	@cd $(ASAN_ROOT) && for e in *; do case $$e in bin|build|\*) ;; *) rm -rf "$$e" ;; esac; done
	@for e in *; do case $$e in bin|build) ;; *) cp -as "$(CURDIR)/$$e" $(ASAN_ROOT)/ ;; esac; done
	@if [ -d ../shared ]; then ln -sfn "$(abspath ../shared)" $(ASAN_ROOT)/../shared; fi
endif
