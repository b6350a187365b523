# Shared set-up for mph's bats tests: assertions, the tools on PATH, C locale.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

export LC_ALL=C
MPH_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
PATH="$MPH_ROOT/bin:$PATH"
FIXTURES="$MPH_ROOT/tests/fixtures"
SHARE="$MPH_ROOT/share/mph"
# Real traces measured by others; tests that need them skip when absent.
SHARED_DATA="$MPH_ROOT/../shared/data"

need_shared_data() {
	[ -d "$SHARED_DATA" ] || skip "../shared/data is absent"
}
# `make asan=1 check` sets MPH_SANITIZED (mk/asan.mk): a test that limits
# virtual memory (ASan maps terabytes of shadow memory) or runs a tool under
# valgrind (which cannot run an ASan binary) is for the plain build, which
# `make check` runs; under the sanitizers LeakSanitizer does the leak checks.
need_plain_build() {
	[ -z "${MPH_SANITIZED:-}" ] || skip "$1: not under $MPH_SANITIZED"
}
