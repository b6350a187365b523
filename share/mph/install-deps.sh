#!/bin/sh
# Installs what mph needs to build and test, from Debian's packages.
# make runs this before building when a library or bats is missing: as root it
# installs them; otherwise it prints the one apt-get line needed and stops.
# clang with its runtime (libFuzzer, sanitizers) and valgrind are for
# `make fuzz`, `make asan=1 check` and `make valgrind` (.ci/run).
set -u
pkgs="gcc make pkg-config clang libclang-rt-dev valgrind libjansson-dev libopenblas-dev liblapacke-dev libcsv-dev libcurl4-openssl-dev libmicrohttpd-dev bats bats-support bats-assert gnuplot-nox wrk apache2-utils hey chromium"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "mph: missing packages:$missing" >&2
	echo "mph: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "mph: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || exit 1
apt-get install -y -qq $missing >&2 || exit 1
