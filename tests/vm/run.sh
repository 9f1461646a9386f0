#!/usr/bin/env bash
# Run contlab's test executables as root inside a QEMU guest whose only cgroup
# hierarchy is cgroup v2, the way students' machines are set up. See tests/vm/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: tests/vm/run.sh [--test NAME]... [--shell] [-- ARG...]

Builds the test executables and the contlab binary, packs them with busybox into an
initramfs, boots a Debian cloud kernel in QEMU with cgroup2 at /sys/fs/cgroup, runs
every test executable there and reports. ARGs after -- go to every test executable
(test name filters, --nocapture, --exact...). --test NAME builds and runs only that
integration test target, as with cargo. --shell boots the same guest and gives you a
shell on the console instead of running the tests (Ctrl-A X quits QEMU).

Exit status: 0 all passed, 1 a test executable failed, 2 the guest did not finish.

Environment:
  CONTLAB_VM_CACHE            kernel cache directory (/var/cache/contlab-vm)
  CONTLAB_VM_KERNEL_PKG       kernel package (default: what linux-image-cloud-amd64 depends on)
  CONTLAB_VM_MODULES          kernel modules to load, with their dependencies
                              (overlay veth bridge dummy virtio_pci virtio_blk)
  CONTLAB_VM_TIMEOUT          seconds before the guest is killed (2400)
  CONTLAB_VM_MEMORY           guest memory in MiB (2048)
  CONTLAB_VM_ACCEL            QEMU accelerator (kvm when usable, else tcg)
  CONTLAB_VM_TEST_CGROUP      cgroup the tests run in (/user.slice/user-1000.slice/session-1.scope)
  CONTLAB_VM_TEST_THREADS     --test-threads for every executable (2)
  CONTLAB_VM_KEEP_DEBUG=1     keep debug info in the packed executables (bigger, slower)
  CONTLAB_VM_LOG              serial log file (target/vm/serial.log)
  CONTLAB_VM_SELFTEST_FAIL=1  add a step that fails, to prove the failure path
  CONTLAB_VM_ALL=1            also run the Raft, RBAC and API server executables, which
                              run on the host only by default (nothing in them depends on
                              the cgroup version)
EOF
}

die() {
    echo "tests/vm/run.sh: $*" >&2
    exit 2
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found; install Debian's $2"
}

only_tests=()
shell=0
test_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage && exit 0 ;;
        --test)
            [ $# -ge 2 ] || die "--test needs a test target name"
            only_tests+=("$2")
            shift 2
            ;;
        --shell) shell=1 && shift ;;
        --) shift && test_args=("$@") && break ;;
        *) die "unknown argument '$1'; see --help" ;;
    esac
done

need qemu-system-x86_64 qemu-system-x86
need cpio cpio
need gzip gzip
need objcopy binutils
need ldd libc-bin
need python3 python3
need dpkg-deb dpkg
need apt-get apt
need cargo "cargo (or use rustup)"
need timeout coreutils
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found; install Debian's busybox-static"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked; install Debian's busybox-static"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest_dir=$(cd "$here/../.." && pwd)
cache=${CONTLAB_VM_CACHE:-/var/cache/contlab-vm}
timeout_s=${CONTLAB_VM_TIMEOUT:-2400}
memory=${CONTLAB_VM_MEMORY:-2048}
read -r -a modules <<<"${CONTLAB_VM_MODULES-overlay veth bridge dummy virtio_pci virtio_blk}"
test_cgroup=${CONTLAB_VM_TEST_CGROUP:-/user.slice/user-1000.slice/session-1.scope}
threads=${CONTLAB_VM_TEST_THREADS:-2}
log=${CONTLAB_VM_LOG:-$manifest_dir/target/vm/serial.log}

work=$(mktemp -d "${TMPDIR:-/tmp}/contlab-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS
step() { printf 'vm: [%3ds] %s\n' "$((SECONDS - started))" "$*"; }

# --- 1. The kernel: a Debian cloud image, extracted once per package version. ---------

kernel_pkg() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' | sort -V | tail -n 1
}
candidate() {
    apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
}

pkg=${CONTLAB_VM_KERNEL_PKG:-$(kernel_pkg)}
version=
[ -z "$pkg" ] || version=$(candidate "$pkg")
if [ -z "$version" ]; then
    step "apt knows no cloud kernel yet: apt-get update"
    apt-get update -qq || die "apt-get update failed; the kernel package cannot be found"
    pkg=${CONTLAB_VM_KERNEL_PKG:-$(kernel_pkg)}
    [ -n "$pkg" ] || die "apt knows no linux-image-cloud-amd64; add a Debian amd64 source"
    version=$(candidate "$pkg")
    [ -n "$version" ] || die "apt has no candidate version of $pkg"
fi
kdir="$cache/${pkg}_${version}"
mkdir -p "$cache"
(
    # Other checkouts on this machine may run at the same time.
    exec 9>"$cache/.lock"
    flock 9
    if [ ! -e "$kdir/.complete" ]; then
        step "fetching $pkg $version into $cache"
        dl=$(mktemp -d "$cache/.fetch.XXXXXX")
        (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$version") ||
            die "apt-get download $pkg=$version failed"
        dpkg-deb -x "$dl"/*.deb "$dl/x"
        rm -rf "$kdir"
        mv "$dl/x" "$kdir"
        rm -rf "$dl"
        : >"$kdir/.complete"
        # Older versions are dead weight (about 100 MiB each).
        find "$cache" -mindepth 1 -maxdepth 1 -name 'linux-image-*' ! -path "$kdir" \
            -exec rm -rf {} +
    fi
)
vmlinuz=$(find "$kdir/boot" -name 'vmlinuz-*' | head -n 1)
moddir=$(find "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)
if [ -z "$vmlinuz" ] || [ -z "$moddir" ]; then
    die "$kdir holds no kernel; remove it and run again"
fi
step "kernel $pkg $version"

# --- 2. The executables, built on the host. --------------------------------------------

step "cargo test --no-run"
cargo_args=(--no-run --message-format=json-render-diagnostics)
for t in "${only_tests[@]}"; do cargo_args+=(--test "$t"); done
(cd "$manifest_dir" && cargo test "${cargo_args[@]}") >"$work/cargo.json" ||
    die "cargo test --no-run failed; fix the build first"
(cd "$manifest_dir" && cargo build --bins --message-format=json-render-diagnostics) \
    >>"$work/cargo.json" || die "cargo build failed; fix the build first"

# "<label> <path>" for each test executable, then "bin <path>" for each binary.
python3 - "$work/cargo.json" >"$work/artifacts" <<'EOF'
import json, sys
tests, bins = {}, {}
for line in open(sys.argv[1]):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
        continue
    target = msg["target"]
    if msg["profile"]["test"]:
        kind = target["kind"][0]
        tests[msg["executable"]] = f"{'test' if kind == 'test' else kind}:{target['name']}"
    elif "bin" in target["kind"]:
        bins[msg["executable"]] = "bin"
for path, label in sorted(tests.items(), key=lambda kv: (kv[1], kv[0])):
    print(label, path)
for path in sorted(bins):
    print("bin", path)
EOF
grep -v '^bin ' "$work/artifacts" >"$work/tests" || die "cargo built no test executable"
# The Raft, RBAC and API server tracks' executables: an in-memory simulation, an
# authorizer, etcd and the API server as host processes, their lessons and their TUI.
# Nothing in them depends on the cgroup version (the plain container start the RBAC
# lessons make is what every runtime test here makes), so they run on the host only
# and the guest's time, under TCG, goes to what cgroup v2 changes (their lessons still
# run here, with the whole curriculum in tests/lessons.rs). CONTLAB_VM_ALL=1
# runs them here too, as does naming one with --test.
host_only="test:raft_sim test:raft_etcd test:raft_lessons test:tui_raft test:rbac test:rbac_cli
    test:rbac_fuzz test:rbac_lessons test:tui_rbac test:apiserver test:apiserver_lessons
    test:tui_api_builder"
if [ "${CONTLAB_VM_ALL:-0}" != 1 ] && [ "${#only_tests[@]}" -eq 0 ]; then
    skipped=()
    while read -r label exe; do
        case " $(echo $host_only) " in
        *" $label "*) skipped+=("$label") ;;
        *) echo "$label $exe" ;;
        esac
    done <"$work/tests" >"$work/tests.guest"
    mv "$work/tests.guest" "$work/tests"
    [ "${#skipped[@]}" -eq 0 ] || step "host only (CONTLAB_VM_ALL=1 runs them): ${skipped[*]}"
fi
step "$(wc -l <"$work/tests") test executables: $(cut -d' ' -f1 "$work/tests" | tr '\n' ' ')"

# --- 3. The initramfs. -------------------------------------------------------------------

root="$work/root"
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,etc/contlab-vm} \
    "$root"/{dev,proc,sys,tmp,run,root,home,mnt,opt,srv} "$root"/var/{lib,cache,log,tmp}
ln -s ../run "$root/var/run"
ln -s /proc/self/mounts "$root/etc/mtab"
# The host's merged-/usr links, so every path a binary or ldd names resolves the same.
for d in bin sbin lib lib64; do
    if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$root/$d"; else mkdir -p "$root/$d"; fi
done
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

# A few of the host's own tools (with their libraries, below), so that tests which need
# a dynamically linked host binary or util-linux options busybox lacks behave as on a
# student's machine; etcd, kubectl, curl and openssl for the API server track. They go first: busybox applets only fill the gaps.
: >"$work/elves"
for tool in sh ls cat id ps unshare nsenter chroot ipcs ipcmk mount umount hostname sleep dd findmnt grep stat uname touch ip setpriv jq \
    etcd etcdctl kubectl curl openssl; do
    path=$(command -v "$tool" 2>/dev/null) || continue
    real=$(readlink -f "$path")
    [ "$(head -c 4 "$real" | tail -c 3)" = ELF ] || continue
    mkdir -p "$root$(dirname "$real")"
    [ -e "$root$real" ] || cp "$real" "$root$real"
    [ "$path" = "$real" ] || [ -e "$root$path" ] || ln -s "$real" "$root$path"
    echo "$real" >>"$work/elves"
done

# openssl's configuration, so `openssl req` in the API server track works as on the host.
for f in /usr/lib/ssl/openssl.cnf /etc/ssl/openssl.cnf; do
    [ -e "$f" ] || continue
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
done

cp "$busybox" "$root/bin/busybox"
[ -e "$root/usr/bin/busybox" ] || cp "$busybox" "$root/usr/bin/busybox"
while IFS= read -r applet; do
    [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)
cp "$here/init" "$root/init"
chmod 755 "$root/init"

# Each executable at its host path: tests have CARGO_BIN_EXE_contlab and
# CARGO_MANIFEST_DIR baked in as absolute paths.
while read -r _ exe; do
    mkdir -p "$root$(dirname "$exe")"
    if [ "${CONTLAB_VM_KEEP_DEBUG:-0}" = 1 ]; then
        cp "$exe" "$root$exe"
    else
        objcopy --strip-debug "$exe" "$root$exe"
    fi
    echo "$exe" >>"$work/elves"
done <"$work/artifacts"
# Their shared libraries and loader, as ldd resolves them on the host (ldd fails for a
# static executable such as etcd or kubectl, and goes on with the rest).
{ xargs -d '\n' ldd <"$work/elves" 2>/dev/null || true; } |
    sed -n 's/.*=> \(\/[^ ]*\) (0x.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' |
    sort -u >"$work/libs"
while IFS= read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done <"$work/libs"

# What tests read relative to CARGO_MANIFEST_DIR: the checkout's files, not target/.
mkdir -p "$root$manifest_dir"
if git -C "$manifest_dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$manifest_dir" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            if [ -e "$f" ]; then printf '%s\0' "$f"; fi # deleted but still tracked
        done | cpio --null -pdm --quiet "$root$manifest_dir")
else
    for d in Cargo.toml tests rootfs-fixtures lessons assets; do
        [ -e "$manifest_dir/$d" ] && cp -a "$manifest_dir/$d" "$root$manifest_dir/"
    done
fi

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
printf '127.0.0.1\tlocalhost contlab-vm\n::1\tlocalhost ip6-localhost\n' >"$root/etc/hosts"
echo contlab-vm >"$root/etc/hostname"
[ -e /etc/os-release ] && cp -L /etc/os-release "$root/etc/os-release"

cfg="$root/etc/contlab-vm"
cp "$work/tests" "$cfg/tests"
echo "$manifest_dir" >"$cfg/manifest"
echo "$test_cgroup" >"$cfg/cgroup"
{
    echo "--test-threads=$threads"
    for a in "${test_args[@]}"; do printf '%s\n' "$a"; done
} >"$cfg/args"
if [ "${CONTLAB_VM_SELFTEST_FAIL:-0}" = 1 ]; then : >"$cfg/selftest-fail"; fi
if [ "$shell" = 1 ]; then : >"$cfg/shell"; fi

python3 "$here/kmods.py" "$moddir" "$root/lib/modules/contlab-vm" "${modules[@]}" \
    >"$cfg/modules" 2>"$work/kmods.err" || die "$(cat "$work/kmods.err")"
while read -r _ _ _ name _; do
    echo "vm: warning: $pkg has no module $name; the tests get it only if it is built in" >&2
done <"$work/kmods.err"

(cd "$root" && find . -print0 | cpio --null -o -H newc --owner=0:0 --quiet) |
    gzip -1 >"$work/initramfs.gz"
step "initramfs $(($(stat -c %s "$work/initramfs.gz") / 1024 / 1024)) MiB"

# --- 4. The guest. -----------------------------------------------------------------------

accel=${CONTLAB_VM_ACCEL:-}
if [ -z "$accel" ]; then
    # /dev/kvm can exist without nested virtualisation behind it.
    if [ -w /dev/kvm ] && grep -qE '^flags.*\b(vmx|svm)\b' /proc/cpuinfo; then
        accel=kvm
    else
        accel=tcg
    fi
fi
cpu=max
[ "$accel" = kvm ] && cpu=host
# loglevel=1 keeps kernel messages (an OOM kill, say) from splitting the markers; the
# guest prints dmesg after a failure instead.
# A small empty disk (/dev/vda in the guest), so block I/O limits have a real device.
truncate -s 16M "$work/disk.img"
qemu=(qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m "$memory" -smp 2
    -nographic -no-reboot -nic none -kernel "$vmlinuz" -initrd "$work/initramfs.gz"
    -drive "file=$work/disk.img,if=virtio,format=raw"
    -append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all")

if [ "$shell" = 1 ]; then
    step "booting ($accel) for an interactive shell"
    "${qemu[@]}"
    exit 0
fi

mkdir -p "$(dirname "$log")"
step "booting ($accel, ${memory} MiB, timeout ${timeout_s}s), serial log in $log"
set +e
timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 |
    # SeaBIOS clears the screen; keep the host's lines above visible.
    sed -u -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r$//' | tee "$log"
qemu_rc=${PIPESTATUS[0]}
set -e
echo # the console's last line may lack its newline
step "guest finished (qemu rc=$qemu_rc)"

# --- 5. The verdict. ---------------------------------------------------------------------

python3 - "$log" "$work/tests" "$qemu_rc" <<'EOF'
import re, sys
log_path, tests_path, qemu_rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(log_path, errors="replace").read().replace("\r", "")
lines = text.splitlines()
expected = [line.split(" ", 1)[0] for line in open(tests_path) if line.strip()]
results, secs = {}, {}
for m in re.finditer(r"CONTLAB-VM-RESULT (\S+) rc=(\d+)(?: secs=(\d+))?", text):
    results[m.group(1)] = int(m.group(2))
    if m.group(3):
        secs[m.group(1)] = int(m.group(3))
booted = "CONTLAB-VM-BOOTED" in text
ended = re.search(r"^CONTLAB-VM-END\s*$", text, re.M) is not None
failed = [name for name, rc in results.items() if rc != 0]
missing = [name for name in expected if name not in results]
# libtest's own summaries, added up, for the closing line.
counts = [0, 0, 0]
for m in re.finditer(r"test result: \S+ (\d+) passed; (\d+) failed; (\d+) ignored", text):
    for i in range(3):
        counts[i] += int(m.group(i + 1))
closing = f"vm: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped"
# Where the guest's time went, slowest first: what to look at when the run grows.
slowest = sorted(secs.items(), key=lambda kv: -kv[1])[:8]
if slowest:
    print("vm: slowest: " + ", ".join(f"{n} {t}s" for n, t in slowest), file=sys.stderr)

def tail():
    print("--- last lines of the serial log ---", file=sys.stderr)
    for line in lines[-40:]:
        print(line, file=sys.stderr)

if not booted or not ended:
    why = "timed out" if qemu_rc == 124 else f"stopped (qemu rc={qemu_rc})"
    where = "before init started" if not booted else "before the end marker"
    running = re.findall(r"CONTLAB-VM-START (\S+)", text)
    if booted and running and running[-1] not in results:
        where += f", while {running[-1]} ran"
    tail()
    print(f"vm: FAIL: the guest {why} {where}; {len(results)} of {len(expected)} executables reported", file=sys.stderr)
    sys.exit(2)
if failed or missing:
    parts = []
    if failed:
        parts.append("failed: " + " ".join(f"{n} (rc={results[n]})" for n in failed))
    if missing:
        parts.append("never reported: " + " ".join(missing))
    print(closing, file=sys.stderr)
    print(f"vm: FAIL on cgroup v2: {'; '.join(parts)}", file=sys.stderr)
    sys.exit(1)
print(f"vm: all {len(results)} test executables passed on cgroup v2")
print(closing)
EOF
