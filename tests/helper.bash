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
