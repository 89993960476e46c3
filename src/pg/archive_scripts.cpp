// The two shell scripts of WAL archiving over SSH (docs/archiving.md).
#include "pgrepl/pg/archive.hpp"

namespace pgrepl {

std::string render_wal_ssh_client() {
    return R"SH(#!/bin/sh
# Managed by pgrepl: edits are overwritten.
# WAL archiving over SSH (replication.archive method ssh). PostgreSQL runs it as postgres:
#   archive_command          wal-ssh push    HOST PORT KEY %p %f
#   restore_command          wal-ssh fetch   HOST PORT KEY %f %p
#   archive_cleanup_command  wal-ssh cleanup HOST PORT KEY %r
#   (pgrepl's own test:      wal-ssh ping    HOST PORT KEY)
# KEY is this node's private key and KEY.known_hosts pins the archive host's key. On the archive
# host the key runs nothing but wal-ssh-serve (a forced command): it stores a segment under a
# temporary name, checks its size, syncs it and links it into place, never over an existing file
# with other content. Every failure exits 1: PostgreSQL retries an archive_command and streams
# (or waits) after a restore_command; an exit status above 125 would look like a crash to it.
set -u
fail() {
    echo "wal-ssh: $*" >&2
    exit 1
}
[ $# -ge 4 ] || fail "usage: wal-ssh push|fetch|cleanup|ping HOST PORT KEY [ARGS]"
op=$1 host=$2 port=$3 key=$4
shift 4
remote() {
    ssh -i "$key" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
        -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$key.known_hosts" \
        -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o ServerAliveInterval=15 \
        -o ServerAliveCountMax=4 -o LogLevel=ERROR -p "$port" -l postgres -- "$host" "$@"
}
case $op in
push)
    [ $# -eq 2 ] || fail "usage: wal-ssh push HOST PORT KEY PATH NAME"
    [ -f "$1" ] && [ -r "$1" ] || fail "cannot read $1"
    size=$(wc -c <"$1" | tr -d ' ')
    remote put "$2" "$size" <"$1" || fail "$2 not archived on $host"
    ;;
fetch)
    [ $# -eq 2 ] || fail "usage: wal-ssh fetch HOST PORT KEY NAME PATH"
    tmp=$2.wal-ssh.$$
    if remote get "$1" >"$tmp"; then
        mv -f "$tmp" "$2" || {
            rm -f "$tmp"
            fail "cannot move $tmp to $2"
        }
    else
        rm -f "$tmp"
        exit 1
    fi
    ;;
cleanup)
    [ $# -eq 1 ] || fail "usage: wal-ssh cleanup HOST PORT KEY NAME"
    remote cleanup "$1" || fail "cleanup on $host failed"
    ;;
ping)
    [ $# -eq 0 ] || fail "usage: wal-ssh ping HOST PORT KEY"
    remote ping || fail "the archive on $host cannot be reached or written"
    ;;
*)
    fail "unknown operation: $op"
    ;;
esac
)SH";
}

std::string render_wal_ssh_server() {
    return R"SH(#!/bin/sh
# Managed by pgrepl: edits are overwritten.
# WAL archive server (replication.archive method ssh): the forced command of every node's key in
# the postgres user's authorized_keys, `restrict,command="wal-ssh-serve DIR NODE"`. The client
# asks, in SSH_ORIGINAL_COMMAND, for one of
#   put NAME SIZE  store standard input as DIR/NAME: written under a temporary name, its size
#                  checked, synced, then linked into place; NAME already there with the same
#                  content is success, with other content a failure (never overwritten)
#   get NAME       print DIR/NAME; exit 1 when it is missing
#   cleanup NAME   NODE (a standby) needs nothing before NAME: record that, then remove the WAL
#                  segments that every standby that reported is past (pg_archivecleanup's rule)
#   ping           DIR exists and can be written
# NAME must be a WAL file name: nothing outside DIR is ever read or written.
set -u
dir=$1 node=$2
fail() {
    echo "wal-ssh-serve on $(hostname): $*" >&2
    exit 1
}
set -f
# shellcheck disable=SC2086 # split the request into words, without globbing
set -- ${SSH_ORIGINAL_COMMAND:-}
set +f
[ $# -ge 1 ] || fail "no request"
op=$1
shift
is_wal() {
    printf '%s\n' "$1" |
        grep -Eqx '[0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history'
}
[ -d "$dir" ] || fail "the archive directory $dir is missing"
case $op in
ping)
    [ $# -eq 0 ] || fail "bad request"
    probe=$dir/.wal-ssh-ping.$$
    { : >"$probe"; } 2>/dev/null && rm -f "$probe" || fail "$dir is not writable by $(id -un)"
    echo ok
    ;;
put)
    [ $# -eq 2 ] && is_wal "$1" || fail "bad request: put $*"
    name=$1 size=$2
    case $size in '' | *[!0-9]*) fail "bad size: $size" ;; esac
    file=$dir/$name
    tmp=$dir/.$name.$$.tmp
    trap 'rm -f "$tmp"' EXIT
    trap 'rm -f "$tmp"; exit 1' HUP INT TERM PIPE
    cat >"$tmp" || fail "$name: cannot write $tmp"
    got=$(wc -c <"$tmp" | tr -d ' ')
    [ "$got" = "$size" ] || fail "$name: received $got of $size bytes"
    if [ -e "$file" ]; then
        cmp -s "$tmp" "$file" && exit 0
        fail "$name is already archived with different content: not overwritten"
    fi
    sync "$tmp" || fail "$name: cannot sync $tmp"
    if ! ln "$tmp" "$file" 2>/dev/null; then
        cmp -s "$tmp" "$file" && exit 0
        fail "$name: cannot link $tmp to $file"
    fi
    sync "$dir" || fail "cannot sync $dir"
    ;;
get)
    [ $# -eq 1 ] && is_wal "$1" || fail "bad request: get $*"
    [ -f "$dir/$1" ] || exit 1
    exec cat "$dir/$1"
    ;;
cleanup)
    [ $# -eq 1 ] && printf '%s\n' "$1" | grep -Eqx '[0-9A-F]{24}' || fail "bad request: cleanup $*"
    keep=$dir/.pgrepl-keep-$node
    { printf '%s\n' "$1" >"$keep.tmp" && mv -f "$keep.tmp" "$keep"; } || fail "cannot write $keep"
    # The oldest segment any standby still needs (the timeline is ignored, as pg_archivecleanup
    # does): remove every WAL segment before it; history and backup files stay.
    oldest=$(cat "$dir"/.pgrepl-keep-* | LC_ALL=C sort -k1.9 | head -n 1)
    [ -n "$oldest" ] || exit 0
    cleaner=$(ls /usr/lib/postgresql/*/bin/pg_archivecleanup 2>/dev/null | tail -n 1)
    if [ -n "$cleaner" ]; then
        exec "$cleaner" "$dir" "$oldest"
    fi
    ls -A "$dir" | grep -Ex '[0-9A-F]{24}(\.partial)?' |
        LC_ALL=C awk -v keep="$oldest" 'substr($0, 9, 16) "" < substr(keep, 9, 16) ""' |
        while read -r old; do rm -f "$dir/$old"; done
    ;;
*)
    fail "bad request: $op"
    ;;
esac
)SH";
}

}  // namespace pgrepl
