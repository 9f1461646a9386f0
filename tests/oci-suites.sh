#!/usr/bin/env bash
# Run two public OCI conformance suites against `contlab runtime` and against runc, side by
# side: opencontainers/runtime-tools' validation tests and youki's contest. See usage.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: tests/oci-suites.sh [--require-runc-parity] [--suite runtime-tools|contest]...

Builds the pinned suites from ../shared/oci-suites/ (relative to the repository root) into
target/oci-suites/ (reused while the tarball is unchanged), runs runtime-tools' validation
tests and contest's groups (one by one) with contlab (through a wrapper that execs `contlab runtime`)
and with runc, and prints per suite the passes of each and the tests runc passes that
contlab fails. What the suites leave behind is removed by the ids and paths they used.

Exit status: 0 when the measurement ran (whatever contlab scored) or the suites are absent
("skipped: ..."); 1 with --require-runc-parity when contlab fails a test runc passes;
2 when this script's own machinery failed (a build, a missing tool).

Environment:
  CONTLAB_OCI_SUITES   directory of the suite tarballs (../shared/oci-suites)
  CONTLAB_BIN          the contlab binary to test (default: cargo build, target/debug/contlab)
  CONTLAB_OCI_TIMEOUT  seconds for one runtime-tools test (120)
  CONTLAB_OCI_GROUP_TIMEOUT  seconds for one contest group (60)
EOF
}

parity=0
only=()
while [ $# -gt 0 ]; do
    case "$1" in
        --require-runc-parity) parity=1 ;;
        --suite) only+=("$2"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done

repo=$(cd "$(dirname "$0")/.." && pwd)
suites=${CONTLAB_OCI_SUITES:-$repo/../shared/oci-suites}
timeout_one=${CONTLAB_OCI_TIMEOUT:-120}
timeout_group=${CONTLAB_OCI_GROUP_TIMEOUT:-60}
scratch=$repo/target/oci-suites

die() { echo "oci-suites: $*" >&2; exit 2; }
skip() { echo "skipped: $*"; exit 0; }
wanted() { [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }

shopt -s nullglob
rt_tgz=("$suites"/runtime-tools-*.tgz)
contest_tgz=("$suites"/youki-contest-*.tgz)
shopt -u nullglob
[ -d "$suites" ] || skip "no OCI suites at $suites"
[ ${#rt_tgz[@]} -eq 1 ] || [ ${#contest_tgz[@]} -eq 1 ] || skip "no suite tarball in $suites"
[ "$(id -u)" = 0 ] || die "needs root (containers): run it as root, as CI does"
command -v runc >/dev/null || die "runc is not installed (apt-get install runc): it is the reference"

# Unpacks tarball $1 into $2 unless $2 already holds it (same sha256); prints "fresh" if so.
unpack() {
    local tgz=$1 dir=$2 sum
    sum=$(sha256sum "$tgz" | cut -d' ' -f1)
    if [ -f "$dir/.contlab-unpacked" ] && [ "$(cat "$dir/.contlab-unpacked")" = "$sum" ]; then
        return 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -xzf "$tgz" -C "$dir"
    echo "$sum" > "$dir/.contlab-unpacked"
}

# Seconds since $1 (date +%s).
since() { echo $(( $(date +%s) - $1 )); }

build_runtime_tools() {
    command -v go >/dev/null || die "go is not installed (apt-get install golang-go)"
    local dir=$scratch/runtime-tools t0
    unpack "${rt_tgz[0]}" "$dir"
    [ -f "$dir/.contlab-built" ] && return 0
    t0=$(date +%s)
    (cd "$dir" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE=$scratch/go-cache \
        make runtimetest validation-executables) > "$scratch/runtime-tools-build.log" 2>&1 \
        || die "runtime-tools did not build: see $scratch/runtime-tools-build.log"
    touch "$dir/.contlab-built"
    echo "built runtime-tools in $(since "$t0") s"
}

# contest's release profile (fat LTO, one codegen unit per crate) takes most of the
# time budget on 2 cores; the tests need neither, so they build without LTO at -O1.
contest_profile=(
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0
    CARGO_PROFILE_RELEASE_INCREMENTAL=false
)

build_contest() {
    local dir=$scratch/contest t0
    unpack "${contest_tgz[0]}" "$dir"
    [ -f "$dir/.contlab-built" ] && return 0
    t0=$(date +%s)
    (
        cd "$dir"
        env "${contest_profile[@]}" cargo build --locked --release -p contest --bin contest
        # runtimetest runs inside the containers' own root file system: static. Built
        # from the workspace, not with -p: it relies on nix features other members enable.
        env "${contest_profile[@]}" RUSTFLAGS=-Ctarget-feature=+crt-static \
            cargo build --locked --release --bin runtimetest \
            --target x86_64-unknown-linux-gnu
    ) > "$scratch/contest-build.log" 2>&1 \
        || die "contest did not build: see $scratch/contest-build.log"
    touch "$dir/.contlab-built"
    echo "built contest in $(since "$t0") s"
}

mkdir -p "$scratch"
contlab=${CONTLAB_BIN:-}
if [ -z "$contlab" ]; then
    (cd "$repo" && cargo build --bin contlab -q) || die "contlab did not build"
    contlab=$repo/target/debug/contlab
fi
[ -x "$contlab" ] || die "no contlab binary at $contlab"

# One run's private places: runtime state, contlab's records and cgroup parent, TMPDIR
# (every bundle and state root the suites make goes under it).
run_dir=$scratch/run
rm -rf "$run_dir"
mkdir -p "$run_dir/bin" "$run_dir/results"
cg_parent=contlab-oci-suites-$$

# The runtimes, each one executable as the suites want them. A suite's own --root is
# replaced by the run's: contest removes its temporary root even when a container in it
# is still there, and the containers are deleted by id from this root afterwards.
for rt in contlab runc; do
    mkdir -p "$run_dir/$rt/state/runtime" "$run_dir/$rt/tmp"
done
wrapper() {
    cat <<EOF
#!/bin/sh
r=; for a; do shift; if [ -n "\$r" ]; then r=; continue; fi; case \$a in --root) r=1 ;; --root=*) ;; *) set -- "\$@" "\$a" ;; esac; done
exec $1 --root $run_dir/$2/state/runtime "\$@"
EOF
}
wrapper "env CONTLAB_STATE_DIR=$run_dir/contlab/state CONTLAB_RUN_DIR=$run_dir/contlab/state/run CONTLAB_CGROUP_PARENT=$cg_parent $contlab runtime" contlab > "$run_dir/bin/contlab"
wrapper "$(command -v runc)" runc > "$run_dir/bin/runc"
chmod +x "$run_dir/bin/contlab" "$run_dir/bin/runc"

# The cgroup mount points (v1 hierarchies or the v2 one).
cgroup_mounts() {
    awk '{ t = ""; for (i = 7; i <= NF; i++) if ($i == "-") { t = $(i + 1); break }
           if (t == "cgroup" || t == "cgroup2") print $5 }' /proc/self/mountinfo
}

# Removes what runtime $1's run left: its containers (by id, in every state root it used),
# the mounts and cgroups its bundles named, its TMPDIR.
clean_up() {
    local rt=$1 tmp=$run_dir/$1/tmp root=$run_dir/$1/state/runtime id m cg pids
    for id in $(ls "$root"); do
        [ -d "$root/$id" ] || continue
        "$run_dir/bin/$rt" delete --force "$id" >/dev/null 2>&1 ||
            echo "oci-suites: could not delete $rt container $id" >&2
    done
    # contlab's containers without a cgroupsPath live under this run's own cgroup parent:
    # anything still there is a container whose deletion failed.
    for m in $(cgroup_mounts); do
        pids=$(cat "$m/$cg_parent"/*/cgroup.procs 2>/dev/null | sort -u || true)
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    done
    for _ in $(seq 50); do
        [ -z "$(cat /sys/fs/cgroup/*/"$cg_parent"/*/cgroup.procs \
            /sys/fs/cgroup/"$cg_parent"/*/cgroup.procs 2>/dev/null)" ] && break
        sleep 0.1
    done
    # cgroups named by the bundles' cgroupsPath (a relative one is where runc puts it, below
    # the hierarchy's root), deepest first, parents only when empty.
    local paths=()
    while IFS= read -r cg; do paths+=("$cg"); done < <(
        find "$tmp" -name config.json -size -1M 2>/dev/null |
            xargs -r grep -ho '"cgroupsPath": *"[^"]*"' 2>/dev/null |
            sed 's/.*"\([^"]*\)"$/\1/; s/^\([^/]\)/\/\1/' | sort -u)
    paths+=("/$cg_parent")
    for cg in "${paths[@]}"; do
        case "$cg" in *..*) continue ;; esac
        for m in $(cgroup_mounts); do
            local p=$m$cg
            while [ "$p" != "$m" ] && [ -d "$p" ]; do
                find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null || true
                [ -d "$p" ] && break
                p=$(dirname "$p")
                [ "$p" = "$m" ] || rmdir "$p" 2>/dev/null || break
                [ -d "$p" ] && break
            done
            # A runtime that removed the leaf itself leaves the suite's own top
            # directory (/runtime-test): removed when it is empty.
            local top=${cg#/}
            top=${top%%/*}
            [ -z "$top" ] || [ "/$top" = "$cg" ] || rmdir "$m/$top" 2>/dev/null || true
        done
    done
    # Mounts under this run's TMPDIR (bundles of the propagation tests), deepest first.
    awk -v t="$tmp/" -v r="$run_dir/contlab/state/" \
        'index($5, t) == 1 || index($5, r) == 1 { print $5 }' /proc/self/mountinfo |
        awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2- |
        while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$tmp"
    mkdir -p "$tmp"
    # contlab's records of containers that no longer exist (their cgroups are gone).
    if [ "$rt" = contlab ] && [ -z "$(ls -d /sys/fs/cgroup/*/"$cg_parent"/*/ \
        /sys/fs/cgroup/"$cg_parent"/*/ 2>/dev/null)" ]; then
        rm -f "$run_dir"/contlab/state/run/containers/*.json
    fi
}

# Runs suite $1's tests (the rest of the arguments: a runtime-tools executable or a contest
# group each) with runtime $2, each through `one_$1 RUNTIME TEST`, its log in $logs/NAME.$3;
# a test passes when it exits 0 and its log has a line matching $4 and none matching $5.
run_suite() {
    local suite=$1 rt=$2 ext=$3 ok=$4 notok=$5 t name log rc t0
    local out=$run_dir/results/$suite-$rt logs=$run_dir/logs/$suite-$rt
    shift 5
    : > "$out"
    mkdir -p "$logs"
    for t in "$@"; do
        name=$(basename "$t" .t)
        log=$logs/$name.$ext
        t0=$(date +%s)
        "one_$suite" "$rt" "$t" > "$log" 2>&1 && rc=0 || rc=$?
        echo "$name rc=$rc $(since "$t0") s" >> "$logs/times"
        if [ "$rc" = 0 ] && grep -q "$ok" "$log" && ! grep -q "$notok" "$log"; then
            echo "$name pass" >> "$out"
        else
            echo "$name fail" >> "$out"
        fi
        clean_up "$rt"
    done
}

# runtime-tools: one TAP executable per test, run from the unpacked directory. A pass
# has at least one "ok" and no "not ok"; a plan of 1..0 with an error block is a failure.
# Cgroups at paths runtime-tools' sources fix (cgroups/cgroups.go: the relative
# "testdir/cgrouptest/container" and the absolute "/cgrouptest"): a runtime removes only
# the leaf, and the test removes its bundle, so the parents are found here by name and
# removed while empty.
runtime_tools_cgroup_tops=(/testdir /cgrouptest)
one_runtime-tools() {
    local rc=0 m top
    (cd "$scratch/runtime-tools" && TMPDIR=$run_dir/$1/tmp RUNTIME=$run_dir/bin/$1 \
        timeout -k 5 "$timeout_one" "$2") || rc=$?
    for m in $(cgroup_mounts); do
        for top in "${runtime_tools_cgroup_tops[@]}"; do
            [ ! -d "$m$top" ] || find "$m$top" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        done
    done
    return "$rc"
}
run_runtime_tools() {
    run_suite runtime-tools "$1" tap '^ok' '^not ok' "$scratch"/runtime-tools/validation/*/*.t
}

# contest: one run per group (a panic in one group ends its whole run); a group passes
# when its run exits 0 with an "ok" and no "not ok".
contest_dir=$scratch/contest
# Paths contest's sources fix, whatever TMPDIR says: its seccomp agent's socket, and
# the top of the cgroupsPath of its cgroup tests, which runc leaves once the bundle
# that named it is gone.
contest_socket=/tmp/youki_seccomp_agent.unix
contest_cgroup_top=/runtime-test
one_contest() {
    local rc=0
    (cd "$contest_dir/tests/contest/contest" && TMPDIR=$run_dir/$1/tmp RUNTIME_KIND=runc \
        timeout -k 10 "$timeout_group" "$contest_dir/target/release/contest" run \
        --runtime "$run_dir/bin/$1" \
        --runtimetest "$contest_dir/target/x86_64-unknown-linux-gnu/release/runtimetest" \
        -t "$2") || rc=$?
    [ ! -S "$contest_socket" ] || rm -f "$contest_socket"
    local m
    for m in $(cgroup_mounts); do
        [ ! -d "$m$contest_cgroup_top" ] ||
            find "$m$contest_cgroup_top" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    return "$rc"
}
run_contest() {
    local groups
    groups=$(cd "$contest_dir/tests/contest/contest" && "$contest_dir/target/release/contest" list)
    # shellcheck disable=SC2086 # one word per group
    run_suite contest "$1" log ' : ok$' ' : not ok$' $groups
}

# Prints one suite's row and the tests runc passes that contlab fails; returns 1 if any.
report() {
    local suite=$1 r=$run_dir/results
    local c=$r/$suite-contlab n=$r/$suite-runc total cp np gap
    total=$(sort -u -k1,1 "$c" "$n" | wc -l)
    cp=$(grep -c ' pass$' "$c" || true)
    np=$(grep -c ' pass$' "$n" || true)
    gap=$(join <(sort "$c") <(sort "$n") | awk '$2 == "fail" && $3 == "pass" { print $1 }')
    printf '%-14s %8s %8s %6s\n' "$suite" "$cp" "$np" "$total"
    if [ -n "$gap" ]; then
        echo "$gap" | sed 's/^/    runc passes, contlab fails: /'
        return 1
    fi
}

t_all=$(date +%s)
suites_run=()
if wanted runtime-tools && [ ${#rt_tgz[@]} -eq 1 ]; then
    build_runtime_tools
    for rt in contlab runc; do
        t0=$(date +%s)
        run_runtime_tools "$rt"
        echo "runtime-tools with $rt: $(since "$t0") s"
    done
    suites_run+=(runtime-tools)
fi
if wanted contest && [ ${#contest_tgz[@]} -eq 1 ]; then
    build_contest
    for rt in contlab runc; do
        t0=$(date +%s)
        run_contest "$rt"
        echo "contest with $rt: $(since "$t0") s"
    done
    suites_run+=(contest)
fi

echo
printf '%-14s %8s %8s %6s\n' suite contlab runc tests
behind=0
for s in "${suites_run[@]}"; do
    report "$s" || behind=1
done
echo "(logs: $run_dir/logs; $(since "$t_all") s in all)"
# A container still in a state root, a contlab record or cgroup is a leftover: say so.
left=$(find "$run_dir/contlab/state/runtime" "$run_dir/runc/state/runtime" \
    "$run_dir/contlab/state/run/containers" -mindepth 1 -maxdepth 1 2>/dev/null;
    for m in $(cgroup_mounts); do [ ! -d "$m/$cg_parent" ] || echo "$m/$cg_parent"; done)
[ -z "$left" ] || echo "oci-suites: left behind: $left" >&2
if [ "$parity" = 1 ] && [ "$behind" = 1 ]; then
    exit 1
fi
exit 0
