#!/usr/bin/env bash
# The Debian package, tested with dpkg, lintian and man (ctest: package). Builds the .deb of
# the built BINARY (scripts/make-deb runs lintian: no error allowed), installs it into a fresh
# dpkg root, runs the installed pgrepl --version, reads the man page with man -l (one section
# per command of `pgrepl --help`), completes with the installed bash completion, then purges
# the package and expects nothing left.
set -euo pipefail
binary=$1
source_dir=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../..
work=$(mktemp -d /tmp/pgrepl-package-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "package test: $*" >&2; exit 1; }

deb=$("$source_dir/scripts/make-deb" "$binary" "$work" | tail -n 1)
[[ -f $deb ]] || fail "no package built"
dpkg-deb -f "$deb" Depends | grep -q 'libssh-4' || fail "Depends lacks libssh-4: $(dpkg-deb -f "$deb" Depends)"

# A fresh root: an empty dpkg database. The libraries pgrepl needs are this machine's.
root=$work/root
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --log=/dev/null --force-depends -i "$deb" >/dev/null 2>"$work/dpkg.err" ||
    fail "dpkg -i failed: $(cat "$work/dpkg.err")"
dpkg --root="$root" -s pgrepl | grep -q '^Status: install ok installed' || fail "not installed"

version=$("$root/usr/bin/pgrepl" --version)
[[ $version == "pgrepl $(dpkg-deb -f "$deb" Version) (commit "* ]] || fail "--version: $version"

page=$(MANWIDTH=100 man -l "$root/usr/share/man/man1/pgrepl.1.gz" 2>"$work/man.err")
[[ ! -s $work/man.err ]] || fail "man -l warned: $(cat "$work/man.err")"
commands=$("$root/usr/bin/pgrepl" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[[ -n $commands ]] || fail "no commands in pgrepl --help"
for command in $commands; do
    section=${command^^}
    [[ $command == inventory ]] && section="INVENTORY CHECK"
    grep -q "^$section\$" <<<"$page" || fail "the man page has no section $section"
done

completions=$(
    PATH=$root/usr/bin:$PATH bash -c '
        source "$1/usr/share/bash-completion/completions/pgrepl"
        try() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _pgrepl; echo "${COMPREPLY[*]}"; }
        try pgrepl sw
        try pgrepl promote -i "$1/usr/share/doc/pgrepl/examples/inventory.example.yaml" ""
        try pgrepl verify --format n
        try pgrepl setup --li' _ "$root"
)
expected=$'switchover\ndb1 db2 db3\nnagios\n--limit'
[[ $completions == "$expected" ]] || fail "completion gave: $completions"

# The systemd units of the metrics example, as systemd reads them (pointed at this binary).
units="systemd units not checked (no systemd-analyze)"
if command -v systemd-analyze >/dev/null; then
    mkdir "$work/units"
    cp "$root"/usr/share/doc/pgrepl/examples/systemd/* "$work/units/"
    sed -i "s|/usr/bin/pgrepl|$root/usr/bin/pgrepl|" "$work/units/pgrepl-metrics.service"
    systemd-analyze verify "$work/units/pgrepl-metrics.service" "$work/units/pgrepl-metrics.timer" ||
        fail "systemd-analyze verify rejected the example units"
    units="systemd units verified"
fi

dpkg --root="$root" --log=/dev/null -P pgrepl >/dev/null || fail "dpkg -P failed"
left=$(find "$root" -mindepth 1 -not -path "$root/var/lib/dpkg*" -not -type d)
[[ -z $left ]] || fail "left after purge: $left"
echo "package test: $(basename "$deb") built, lintian clean, installed, --version, man, completion, $units, purged"
