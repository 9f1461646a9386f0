# contlab's sentences in English. Every message here has a twin with the same id and the
# same variables in ko.ftl; the tests in src/i18n fail otherwise.

## contlab doctor: shared fixes

doctor-fix-run-as-root = run contlab as root, e.g. sudo contlab doctor
doctor-fix-mount-proc = mount /proc (mount -t proc proc /proc); contlab reads everything from it
doctor-fix-host-or-vm-delegate = run contlab on the host or in a VM, or have the parent cgroup delegate it

## contlab doctor: the report

doctor-fix-label = fix: { $fix }
doctor-live-available = live mode: available
doctor-live-unavailable = live mode: not available { $dash } { $fix }

## contlab doctor: privileges

doctor-title-root = root
doctor-title-capabilities = capabilities
doctor-root-ok = running as root (uid 0)
doctor-root-capable = uid { $uid }, but CapEff holds every capability contlab needs
doctor-root-uid = running as uid { $uid }, not root
doctor-caps-unreadable = cannot read /proc/self/status: { $error }
doctor-caps-ok = CapEff holds { $held } of { $known }, all that contlab needs
doctor-caps-lacking = CapEff lacks { $caps }
doctor-fix-caps-in-container = run contlab as root on the host or in a VM, not in a container that drops capabilities
doctor-sys-resource-ok = in CapEff
doctor-sys-resource-not-bounding = not in CapBnd (some VMs drop it): raising an rlimit above its hard limit fails; contlab does not need it
doctor-sys-resource-not-effective = not in CapEff: raising an rlimit above its hard limit fails; contlab does not need it
cap-purpose-sys-admin = creating namespaces, mount, pivot_root, setns, sethostname
cap-purpose-net-admin = veth pairs, bridges and addresses over netlink
cap-purpose-sys-chroot = the chroot lesson
cap-purpose-setuid = writing uid_map and switching users in containers
cap-purpose-setgid = writing gid_map and switching groups in containers
cap-purpose-dac-override = writing cgroup files and state owned by root
cap-purpose-kill = signalling container processes that run as other users
cap-purpose-sys-ptrace = reading /proc/PID/ns and joining namespaces of containers

## contlab doctor: the kernel

doctor-title-kernel = kernel
doctor-kernel-ok = Linux { $release }
doctor-kernel-old = Linux { $release }: older than { $want }, which added the time namespace
doctor-fix-kernel-old = boot Linux { $want } or later; until then the time-namespace steps are skipped
doctor-kernel-unknown = cannot tell the kernel release from /proc/sys/kernel/osrelease ({ $release })
doctor-overlay-registered = overlay is in /proc/filesystems
doctor-overlay-module = the overlay module is installed and loads on first mount (modprobe overlay)
doctor-overlay-missing = no overlay filesystem: the image-layer lessons need it
doctor-fix-overlay-missing = load it with `modprobe overlay`, or boot a kernel built with CONFIG_OVERLAY_FS

## contlab doctor: namespaces

doctor-title-ns = { $name } namespace
doctor-ns-works = unshare({ $flag }) works{ $knobs }
doctor-ns-failed = unshare({ $flag }) failed: { $error }{ $knobs }
doctor-ns-fork-failed = fork failed: { $error }
doctor-ns-probe-killed = the probe was killed by { $signal }
doctor-ns-waitpid-failed = waitpid failed: { $error }
doctor-fix-ns-enospc = allow more: sysctl -w user.max_{ $name }_namespaces=10000
doctor-fix-ns-einval = boot a kernel built with { $config } (this one lacks it)
doctor-fix-userns-max-zero = allow user namespaces: sysctl -w user.max_user_namespaces=10000
doctor-fix-userns-unprivileged = allow them for users: sysctl -w kernel.unprivileged_userns_clone=1, or run as root
doctor-fix-userns-apparmor = AppArmor restricts them for users: run contlab as root (sudo)
doctor-fix-ns-root-refused = root here may not create namespaces (a container or seccomp policy forbids it); run contlab on the host or in a VM
doctor-fix-ns-other = see unshare(2) for { $error }; contlab needs { $flag } for this lesson

## contlab doctor: cgroups

doctor-title-cgroup = cgroup layout
doctor-cgroup-mountinfo-unreadable = cannot read /proc/self/mountinfo: { $error }
doctor-cgroup-no-controller = no controller
doctor-cgroup-v2 = v2: cgroup2 at { $mount } with { $controllers }
doctor-cgroup-hybrid = hybrid: { $count } v1 hierarchies, plus cgroup2 at { $mount } holding { $controllers }
doctor-cgroup-v1 = v1: { $count } hierarchies
doctor-cgroup-none = no cgroup filesystem is mounted
doctor-fix-cgroup-none = mount cgroup2: mount -t cgroup2 cgroup2 /sys/fs/cgroup
doctor-cgroup-v1-writable = v1 hierarchy at { $mount }, writable
doctor-cgroup-v1-read-only = the v1 hierarchy at { $mount } is mounted read-only
doctor-fix-cgroup-remount = remount it read-write (mount -o remount,rw { $mount }), or run contlab on the host or in a VM
doctor-cgroup-v1-denied = the v1 hierarchy at { $mount } is not writable by this user
doctor-cgroup-v2-enabled = cgroup2 at { $mount }, enabled in cgroup.subtree_control
doctor-cgroup-v2-denied = cgroup2 at { $mount } offers { $name }, but it is not writable here
doctor-fix-cgroup-v2-denied = run contlab as root on the host or in a VM, where the cgroup2 root is writable
doctor-cgroup-v2-internal = cgroup2 at { $mount } offers { $name }, but holds processes, so it cannot enable it for child cgroups
doctor-fix-cgroup-v2-internal = run contlab on the host or in a VM, or move this cgroup's processes into a child cgroup
doctor-cgroup-v2-enable-able = cgroup2 at { $mount } offers it; contlab enables it in cgroup.subtree_control
doctor-cgroup-disabled = the kernel has { $name } switched off (/proc/cgroups: enabled 0)
doctor-fix-cgroup-disabled = add cgroup_enable={ $name } to the kernel command line (and drop any cgroup_disable={ $name }), then reboot
doctor-cgroup-v2-not-offered = the cgroup2 root at { $mount } does not offer { $name }
doctor-cgroup-v1-missing = no mounted cgroup hierarchy holds { $name }
doctor-fix-cgroup-v1-missing = mount a v1 hierarchy for it: mount -t cgroup -o { $name } cgroup <empty directory>

## contlab doctor: tools

doctor-busybox-static = { $found }, static
doctor-busybox-dynamic = { $found } is dynamically linked: it cannot run in the lesson root filesystem, which has no libc
doctor-busybox-not-elf = { $path } is not an ELF file contlab can read
doctor-busybox-missing = not found on PATH: the lesson root filesystem is built from it
doctor-fix-busybox-static = install a static busybox (Debian/Ubuntu: apt install busybox-static)
doctor-crun-hybrid = { $found }; it refuses this machine's cgroup v1 hybrid layout, so comparisons use runc
doctor-crun-hybrid-missing = not installed (optional; it refuses cgroup v1 hybrid, as this machine has, anyway)
doctor-etcd-missing = not installed (optional: the Raft lessons run a real etcd cluster with it)
doctor-tool-missing = not installed (optional: lessons compare contlab with { $name })
doctor-iptables-missing = not installed (the networking lessons make Services' kube-proxy rules with it)
doctor-title-nat = nat table
doctor-nat-ok = iptables lists the nat table of a new network namespace
doctor-nat-failed = iptables cannot use the nat table in a new network namespace: { $error }
doctor-fix-nat = load the nat modules (modprobe iptable_nat nf_nat), or boot a kernel built with CONFIG_NF_NAT
doctor-nat-not-root = not probed: it takes root to make a network namespace
doctor-nat-no-iptables = not probed: iptables is not installed
doctor-conntrack-ok = the kernel tracks connections (nf_conntrack); the conntrack tool is not installed (optional: apt install conntrack)
doctor-conntrack-ok-tool = the kernel tracks connections (nf_conntrack), and the conntrack tool is installed
doctor-conntrack-missing = nf_conntrack is not loaded: a Service's replies are un-NATed by it
doctor-nft-missing = not installed (optional: kube-proxy's nftables mode is told, not run)

## contlab doctor: the terminal

doctor-title-terminal-size = terminal size
doctor-title-color = colour
doctor-terminal-small = { $size }: smaller than the { $need } the lab's panels need
doctor-fix-terminal-small = enlarge the window to at least { $need }
doctor-terminal-no-size = the terminal does not report its size
doctor-terminal-none = not run in a terminal
doctor-color-no-color = NO_COLOR is set: the lab runs without colour
doctor-color-dumb = TERM is unset or dumb: the lab runs without colour
doctor-utf8-no-locale = no LC_ALL, LC_CTYPE or LANG
doctor-utf8-missing = { $locale }: the lab's box drawing and ✓ marks need UTF-8

## contlab list, progress: a lesson's status (the JSON keeps new, started, done)

status-new = new
status-started = started
status-done = done
list-none = No lessons found.
list-minutes = { $minutes } min

## contlab progress export (readable)

export-heading = Progress of { $student }, exported { $exported } (contlab { $version })
export-no-lesson = No lesson started yet.
export-steps = { $passed }/{ $total } steps
export-started = started { $time }
export-done = done { $time }
export-attempts = { $count } { $count ->
        [one] attempt
       *[other] attempts
    }
export-passed = passed { $time }
export-solution-shown = solution shown
export-for-instructor = For your instructor: contlab progress export --json > { $student }.json

## contlab class report

class-col-student = student
class-col-lesson = lesson
class-col-step = step
class-col-at = at
class-col-done = done
class-col-stuck = stuck
class-stuck = STUCK
class-failing-heading = checks that fail most:
class-failing-none = none
class-failing-students = { $count } student(s)

## contlab progress

progress-steps = { $done }/{ $total } steps
progress-reset-nothing = there is no progress for "{ $id }" to reset
progress-reset-needs-yes-one = resetting the progress of { $id } needs confirmation: add --yes
progress-reset-needs-yes-all = resetting all your progress needs confirmation: add --yes
progress-reset-ask-one = Reset the progress of { $id }?
progress-reset-ask-all = Reset all your progress?
progress-reset-declined = Nothing was reset.
progress-reset-done-one = Reset the progress of { $id }.
progress-reset-done-all = Reset all your progress.

## Check sentences: what a check saw, against what it expected (pass and fail)

check-could-not-observe = could not observe: { $error }
check-exit-none = no command has ended yet
check-exit-want-code = expected exit status { $code }, but the command { $ended }
check-exit-want-signal = expected the command to be killed by SIG{ $signal }, but it { $ended }
check-exit-ok = the command { $ended }
ended-killed = was killed by SIG{ $signal }
ended-exited = exited with status { $code }
ended-running = is still running
check-output-matches = the output matches /{ $pattern }/
check-output-not-matches = the output does not match /{ $pattern }/
check-output-want-match = expected the output to match /{ $pattern }/, got { $shown }
check-output-want-no-match = expected the output not to match /{ $pattern }/, got { $shown }
check-output-none = no output
check-answer-no-question = this step has no question
check-answer-none = no answer chosen yet
check-answer-right = "{ $answer }" is right
check-answer-wrong = "{ $answer }" is not the right answer
check-ns-other-host = the host's
check-ns-other-container = { $container }'s
check-ns-shares = { $name } namespace: { $container } shares { $other } ({ $name }:[{ $mine }])
check-ns-own = { $name } namespace: { $container } has its own ({ $name }:[{ $mine }]; { $other } is { $name }:[{ $theirs }])
check-ns-want-own = expected { $container }'s { $name } namespace to differ from { $other }, but both are { $name }:[{ $mine }]
check-ns-want-shared = expected { $container } to share { $other } { $name } namespace ({ $name }:[{ $theirs }]), but it has { $name }:[{ $mine }]
check-procs-want-count = expected { $want } processes visible inside { $container }, saw { $seen }
check-procs-want-max = expected at most { $max } processes visible inside { $container }, saw { $seen }
check-procs-want-pid1 = expected pid 1 inside { $container } to be { $want }, it is { $seen }
check-procs-no-pid1 = expected pid 1 inside { $container } to be { $want }, but no pid 1 is visible
check-procs-ok = { $count } processes visible inside { $container }
check-procs-ok-pid1 = { $count } processes visible inside { $container }; pid 1 is { $pid1 }
check-pid-ok = { $container }'s main process is pid { $pid } inside its pid namespace
check-pid-want = expected { $container }'s main process to be pid { $want } inside, it is pid { $pid }
check-hostname-want = expected the hostname inside { $container } to be { $want }, it is { $seen }
check-hostname-want-differ = expected { $container }'s hostname to differ from the host's, but both are { $host }
check-hostname-want-host = expected { $container }'s hostname to be the host's { $host }, it is { $seen }
check-hostname-ok = the hostname inside { $container } is { $seen }
check-uid-want = expected uid { $want } inside { $container }, saw uid { $seen }
check-uid-want-mapped = expected uid { $inside } inside to be another uid on the host, but it is uid { $outside } there too
check-uid-want-same = expected the same uid inside and on the host, saw { $inside } inside and { $outside } outside
check-uid-ok = uid { $inside } inside { $container } is uid { $outside } on the host
check-mount-none = nothing is mounted at { $path } inside { $container }
check-mount-private = { $fstype } at { $path } inside { $container } does not show on the host
check-mount-shared = { $fstype } at { $path } inside { $container } shows on the host too
check-mount-want-private = expected { $fstype } at { $path } to stay inside { $container }, but the host sees it
check-mount-want-shared = expected { $fstype } at { $path } to show on the host, but it does not
check-cgroup-want = expected { $file } to be { $want }, it is { $seen }
check-cgroup-want-min = expected { $file } to be at least { $min }, it is { $seen }
check-cgroup-want-number = expected { $file } to be a number of at least { $min }, it is { $seen }
check-cgroup-ok = { $file } is { $value }
check-member-ok = { $container }'s main process is in its own cgroup
check-member-want = expected { $container }'s main process in its cgroup, but it is not
check-oom-killed = the OOM killer killed { $count } process(es) in { $container }'s cgroup
check-oom-none = no OOM kill in { $container }'s cgroup
check-oom-want-kill = expected the OOM killer to kill a process in { $container }, but the oom_kill count is 0
check-oom-want-none = expected no OOM kill in { $container }, but the oom_kill count is { $count }
check-file-exists = { $path } exists inside { $container }
check-file-absent = { $path } does not exist inside { $container }
check-file-want = expected { $path } inside { $container }, but it does not exist
check-file-want-none = expected no { $path } inside { $container }, but it exists
check-escape-none = no breakout has been tried yet
check-escape-reached = the breakout reached the host's root directory
check-escape-held = the breakout stayed inside the container's root
check-escape-want-reach = expected the breakout to reach the host's root, but it stayed inside
check-escape-want-held = expected the breakout to fail, but it reached the host's root directory
check-raft-ok = expect { $expect }: { $detail }
check-raft-want = expected { $expect }, but { $detail }
raft-leads = node { $node } leads in term { $term }
raft-no-leader = no node leads
raft-holds = it holds ({ $summary })
raft-seen = { $detail } ({ $summary })
check-etcd-want-no-leader = expected no agreed etcd leader, but member { $leader } leads
check-etcd-want-leader = expected the etcd members to agree on a leader, but they do not
check-etcd-want-up = expected { $want } etcd members running, saw { $up }
check-etcd-seen-leader = { $up } etcd members run; member { $leader } leads
check-etcd-seen-no-leader = { $up } etcd members run; no agreed leader
check-etcd-failed = { $problems } ({ $seen })
check-rbac-allowed = { $user } { $verb } { $target }: { $reason }
check-rbac-denied = { $user } { $verb } { $target }: { $reason }
check-rbac-want-allowed = expected { $user } { $verb } { $target } to be allowed, but { $reason }
check-rbac-want-denied = expected { $user } { $verb } { $target } to be denied, but { $reason }
check-rbac-create-allowed = { $user } creating { $file }: { $reason }
check-rbac-create-forbidden = { $user } creating { $file }: { $reason }
check-rbac-create-want-allowed = expected { $user } creating { $file } to be allowed, but { $reason }
check-rbac-create-want-forbidden = expected { $user } creating { $file } to be forbidden, but { $reason }
check-skipped = skipped: { $why }
check-action-failed = the step's action failed: { $error }
requires-etcd-missing = etcd is not installed: etcd and etcdctl not found; install Debian's etcd-server and etcd-client
requires-iptables-missing = iptables is not installed: the Service's rules are made with it; install Debian's iptables
requires-podman-missing = podman or conmon is not installed: this step drives podman for real; install Debian's podman and conmon
requires-unknown = unknown requirement { $name } (known: etcd, iptables, podman, kubectl)

## The lab's notices

notice-shell-failed = cannot open the shell: { $error }
notice-error = { $error }
notice-engine-failed = cannot start the lesson engine: { $error }
notice-replay-clock-failed = cannot start the replay clock: { $error }

## What the lab says on the container's stdout

breakout-escaped = breakout: reached the host's / — chroot did not hold
breakout-held = breakout: still inside the container's root — the host's tree is not there to reach

## contlab run and contlab replay --headless
## (contlab lesson lint stays English: it is a tool for the lessons' authors.)

run-unknown-lesson = unknown lesson { $id }; `contlab list` shows the lessons
run-needs-root = lessons run live and need root: run `sudo contlab run …` (or replay them without root)
run-recorded = recorded { $path }
run-failed = { $count } step(s) failed
replay-lesson-changed = note: lesson { $id } changed since this recording was made
replay-stopped = the replay stopped at { $at }
replay-unfinished = the recording ends in the middle of a step

## the networking track's checks

net-reach-answered = { $from } reached { $to } at { $ip }: it answered "{ $body }".
net-reach-silent = { $from } got no answer from { $to } at { $ip } within 4 seconds.
net-reach-expected-answer = Expected { $to } to answer with its name.
net-reach-expected-silence = Expected no answer.
net-link-missing = There is no link { $link } in the node's network namespace.
net-link-up = up
net-link-down = down
net-link-port = a port of { $master }
net-link-no-port = in no bridge
net-link-seen = { $link } is { $state } and { $port }.
net-link-expected = Expected: { $expected }.
net-spread-seen = { $requests } requests to { $service }: { $shares }, { $unanswered } unanswered. { $bound }
net-spread-bound-fair = A fair random choice keeps each endpoint between { $low } and { $high }, with every request answered.
net-spread-bound-exact = A round robin gives each endpoint exactly { $each }, with every request answered.
net-affinity-seen = { $requests } requests from { $from } to { $service }: { $shares }, { $unanswered } unanswered.
net-affinity-expected = Expected every request answered by one and the same endpoint, as sessionAffinity: ClientIP keeps one client on one pod.
net-rule-found = The node's nat table has { $count } { $count ->
        [one] line
       *[other] lines
    } like `{ $what }`; the first: { $rule }
net-rule-none = The node's nat table has no line like `{ $what }`.
net-rule-expected-present = Expected it to be there.
net-rule-expected-gone = Expected it to be gone.

# containers track tasks
check-link-none = { $container } has no link { $link }
check-link-up = up
check-link-down = down
check-link-no-addr = no address
check-link-seen = { $link } in { $container } is { $state }, with { $addrs }
check-link-want-state = expected { $link } to be { $want }
check-link-want-addr = expected { $link } to hold the address { $addr }
process-pid = pid { $pid } in its own pid namespace
process-own-ns = in a { $ns } namespace of its own
process-same-ns = in { $container }'s { $ns } namespace
process-uid = uid { $uid } in its user namespace
check-process-ok = { $comm } (NSpid { $nspid }): { $facts }
check-process-want = { $comm } (NSpid { $nspid }): { $facts }; expected { $want }
check-process-none = no process named { $comm } in { $container }'s /proc
check-hand-none = the lab cgroup has no child cgroup { $name } yet
check-hand-seen = { $path }: { $facts }
hand-no-shell = no host shell is open to be in it
hand-shell-in = the shell (pid { $pid }) is in its cgroup.procs
hand-shell-out = the shell (pid { $pid }) is not in its cgroup.procs, which holds [{ $procs }]
hand-limit = { $file } is { $value }
hand-limit-want = { $file } is { $value }, expected { $want }
hand-oom = the OOM killer killed { $count } process(es) in it
hand-oom-want = the OOM killer has killed nothing in it yet, expected a kill
hand-oom-none = the OOM killer has killed nothing in it
hand-exists = it exists, with the interface files the kernel made
process-ppid = parent pid { $pid }
process-own-proc = its /proc is a procfs of its own
process-same-proc = its /proc is { $container }'s
process-child-userns = in a user namespace made inside { $container }'s
process-not-child-userns = not in a user namespace made inside { $container }'s
check-sysv-none = { $container }'s IPC namespace has no message queue with permissions { $perms }
check-sysv-private = { $container }'s IPC namespace has a message queue with permissions { $perms }, and the host's has none
check-sysv-shared = { $container }'s IPC namespace has a message queue with permissions { $perms }, and so has the host's

## Errors a student can provoke: OS errors (the errno's name stays as it is)

errno-EPERM = operation not permitted (EPERM)
errno-EACCES = permission denied (EACCES)
errno-ENOENT = no such file or directory (ENOENT)
errno-EEXIST = it already exists (EEXIST)
errno-EBUSY = the resource is busy (EBUSY)
errno-EINVAL = the kernel refused an invalid value (EINVAL)
errno-ENOSPC = no space or entries left (ENOSPC)
errno-ENOMEM = out of memory (ENOMEM)
errno-ESRCH = no such process (ESRCH)
errno-EAGAIN = resource temporarily unavailable, try again (EAGAIN)
errno-ENOTDIR = not a directory (ENOTDIR)
errno-EISDIR = is a directory (EISDIR)
errno-EROFS = read-only file system (EROFS)
errno-ENOEXEC = not an executable format (ENOEXEC)
errno-E2BIG = argument list too long (E2BIG)
errno-ECHILD = no child process to wait for (ECHILD)
errno-ENOTEMPTY = directory not empty (ENOTEMPTY)
errno-ELOOP = too many levels of symbolic links (ELOOP)
errno-EOPNOTSUPP = operation not supported (EOPNOTSUPP)
errno-EADDRINUSE = address already in use (EADDRINUSE)
errno-ECONNREFUSED = connection refused (ECONNREFUSED)
errno-EPIPE = the reading end is closed (EPIPE)
errno-EMFILE = too many open files (EMFILE)
errno-other = the kernel returned error { $name } (number { $number })
error-untranslated = (detail, in English: { $detail })

## Errors a student can provoke: containers, commands, the container's settings

error-command-not-found = command { $command } not found in the container's root filesystem
error-exec-not-found = command { $command } not found in the container's root filesystem (or its interpreter or libraries are missing)
error-exec-not-executable = command { $command } is not executable in the container (permission denied)
error-exec-bad-format = command { $command } is not a program this kernel can run
error-exec-failed = cannot execute { $command } in the container
error-command-nul = the command contains a NUL byte
error-argument-nul = an argument contains a NUL byte
error-env-nul = an environment variable contains a NUL byte
error-init-gone = the container's init (pid { $pid }) is gone: the container has stopped
error-ns-gone = cannot open { $path }: has the container stopped?
error-root-gone = cannot open the container's root directory: has the container stopped?
error-container-not-running = the container { $id } is not running
error-exec-not-running = the container { $id } is not running: exec needs a running container
error-no-command = no command given: say what to run in the container
error-no-init = the container has no init process
error-init-died = the container's init died during setup
error-spec-pivot-needs-mount = pivot_root needs a mount namespace: add "mount" to the namespaces, or use the chroot or host rootfs mode
error-spec-hostname-needs-uts = setting a hostname needs a UTS namespace (else the host's name would change): add "uts" to the namespaces
error-spec-hostname-length = the hostname { $hostname } must be 1 to 64 characters long
error-spec-map-needs-user = a uid/gid map needs a user namespace: add "user" to the namespaces
error-spec-map-empty = the uid/gid map must cover at least one id
error-spec-veth-needs-net = a veth pair needs a network namespace: add "net" to the namespaces
error-spec-join-needs-ns = joining the { $ns } namespace at { $path } needs "{ $ns }" in the namespaces
error-spec-cwd-relative = the working directory { $path } must be an absolute path

## Errors a student can provoke: cgroup files

error-cgroup-file-other-layout = cannot write { $value } to { $file } in { $dir }: this machine's cgroups have no such file; on cgroup { $layout } the same limit is { $other }
error-cgroup-file-missing = cannot write { $value } to { $file } in { $dir }: this kernel does not have that file; it may be too old for this limit
error-cgroup-bad-value = cannot write { $value } to { $file } in { $dir }: the kernel does not accept that value; choose another
error-cgroup-below-usage = cannot write { $value } to { $file } in { $dir }: the cgroup already uses more than that; choose a larger value
error-cgroup-not-writable = cannot write { $value } to { $file } in { $dir }: run contlab as root on a machine whose cgroups are mounted read-write
error-cgroup-write = cannot write { $value } to { $file } in { $dir }: check the kernel log (dmesg) for the reason
error-cgroup-process-gone = cannot move process { $pid } into cgroup { $dir }: the process no longer exists; start it again
error-cgroup-no-controller = this container has no cgroup with the { $controller } controller
error-cgroup-no-swap-accounting = cannot limit memory plus swap: this kernel does not account swap (boot it with swapaccount=1), so the swap limit cannot be enforced; remove it

## Errors a student can provoke: OCI bundles and the runtime's commands

error-oci-unsupported = config.json: not supported yet: { $what }
error-oci-version = config.json: ociVersion { $version } is not a version of the runtime spec contlab reads (1.x, e.g. "1.0.2")
error-oci-json = config.json:{ $line }: invalid JSON: { $detail }
error-oci-version-missing = config.json: ociVersion is missing
error-oci-field = config.json:{ $line }: { $detail }
error-oci-no-rootfs = the root filesystem { $path } (root.path) does not exist: make it, e.g. `contlab rootfs build --out { $path }`
error-oci-no-args = config.json: process.args is empty: say what to run
error-oci-cwd-relative = config.json: process.cwd { $path } must be an absolute path
error-oci-ns-twice = config.json: `linux.namespaces` lists the { $ns } namespace twice
error-oci-needs-mount = config.json: linux.maskedPaths and linux.readonlyPaths need a "mount" entry in `linux.namespaces`: without one they would be the host's paths
error-oci-map-needs-user = config.json: uid/gid mappings need a "user" entry in `linux.namespaces`
error-oci-user-needs-map = config.json: a new user namespace needs linux.uidMappings and linux.gidMappings
error-oci-hostname-needs-uts = config.json: hostname needs a "uts" entry in `linux.namespaces`
error-oci-rlimit-soft-above-hard = config.json: process.rlimits { $name }: the soft limit { $soft } is above the hard limit { $hard }
error-oci-swappiness = config.json: linux.resources.memory.swappiness { $value } is not between 0 and 100
error-oci-blkio-weight = config.json: { $field } { $weight } is not a block I/O weight: use 10 to 1000
error-oci-blkio-device = config.json: { $field } names block device { $device }, which this machine does not have: use a disk's MAJOR:MINOR from /sys/block/*/dev
error-cgroup-rt-budget = cannot write { $value } to cpu.rt_runtime_us in { $dir }: the kernel refuses more real-time time than the period, or than the parent cgroup grants ({ $parent }/cpu.rt_runtime_us is { $budget }); give the parent a budget first
error-cgroup-no-device = cannot write { $value } to { $file } in { $dir }: the kernel has no whole disk with that MAJOR:MINOR (a partition does not count); use one from /sys/block/*/dev
warn-cgroup-v2-no-rt = config.json: linux.resources.cpu.realtimePeriod and realtimeRuntime are ignored, as runc ignores them: cgroup v2 has no real-time group limits
error-oci-seccomp-no-listener = config.json: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath: the agent's Unix socket, which gets the listener
error-oci-seccomp-notify-default = config.json: linux.seccomp.defaultAction cannot be SCMP_ACT_NOTIFY: the container's process would wait on its own listener before it could report it (runc refuses it too)
error-oci-seccomp-notify-write = config.json: { $what }: SCMP_ACT_NOTIFY cannot be used for write: the container's process reports its listener with write, which would wait on that listener (runc refuses it too)
error-oci-seccomp-listener = cannot send the seccomp listener to { $path } (linux.seccomp.listenerPath): is the agent listening there?
warn-oci-kernel-memory = config.json: linux.resources.memory.kernel and kernelTCP are ignored: the kernel deprecated kernel memory limits
error-oci-cgroups-path = config.json: linux.cgroupsPath { $path } is not a cgroup path: use "/PARENT/NAME" (below the hierarchy's root) or "PARENT/NAME" (below contlab's own cgroup), with no "." or ".." part
error-oci-rootfs-propagation = config.json: linux.rootfsPropagation { $value } is none of private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable
error-oci-map-one-sided = config.json: linux.uidMappings and linux.gidMappings come together: give both, or neither
error-oci-mount-symlink = { $dest } must be mounted on ordinary directory: { $at } in the root filesystem is a symlink, and a mount on /proc or /sys must not follow one
error-oci-cap-not-bounding = config.json: process.capabilities.{ $set } holds { $cap }, which is not in the bounding set (raising it would fail with EPERM, Operation not permitted); add it to process.capabilities.bounding or remove it
error-oci-rlimit-unknown = config.json: process.rlimits: unknown limit { $name }
error-oci-mount-destination = config.json: mounts[{ $index }].destination { $path } must be an absolute path without '..'
error-oci-mount-source = config.json: mounts[{ $index }].source { $path } does not { "exist" }
error-oci-bind-no-source = config.json: mounts[{ $index }] is a bind mount without a source
error-oci-mount-no-type = config.json: mounts[{ $index }] has no type (proc, tmpfs, sysfs, bind, …)
error-oci-spec-exists = { $path } already exists: remove it first
error-oci-terminal-needs-socket = config.json has process.terminal = true: pass --console-socket PATH (a unix socket that receives the terminal), or set terminal to false
error-oci-socket-needs-terminal = --console-socket is only for a container with a terminal: set process.terminal = true in config.json
error-oci-start-not-created = cannot start container { $id }: it is { $status }, not created
error-oci-start-init-gone = cannot start container { $id }: its init no longer waits (it was killed)
error-oci-kill-stopped = cannot kill container { $id }: it is stopped
error-oci-delete-running = cannot delete container { $id }: it is { $status }; kill it first, or use --force
error-oci-exec-stopped = cannot exec in container { $id }: it is stopped
error-oci-exec-paused = cannot exec in container { $id }: it is paused (resume it, or add --ignore-paused to run the command once it is resumed)
error-unknown-signal = unknown signal { $signal }: use a name like TERM or KILL, or a number
error-update-stopped = cannot update container { $id }: it is stopped
error-update-no-cgroup = container { $id } has no cgroup left to update
error-update-no-controller = cannot update container { $id }: its cgroup has no { $controller } controller (on cgroup v1 a cpuset cgroup is made only for a bundle that sets linux.resources.cpu.cpus or mems)
error-update-resources = cannot read the resources JSON { $file }
error-update-resources-value = the resources JSON holds { $value } for { $field }, which takes a number
error-update-no-rt = container { $id }: its cgroup has no real-time CPU limits (cpu.rt_period_us, cpu.rt_runtime_us: cgroup v1 with a kernel built with CONFIG_RT_GROUP_SCHED); remove them
error-update-no-weight = container { $id }: its { $controller } cgroup has no { $file } (the disks' I/O scheduler gives no such weight; BFQ or CFQ does); remove the weight
error-update-rdt = { $flag }: contlab does not manage Intel RDT (resctrl); drop the flag
error-blkio-weight-range = block I/O weight { $weight } is out of range: use 10 to 1000
warning-update-kernel-memory = Kernel memory settings are ignored and will be removed
error-invalid-id = invalid container id { $id }: use 1 to { $max } letters, digits, "_", "+", ",", "-" or ".", neither "." nor "..", without "/" (runc's rule)
error-container-exists = container { $id } already exists
# "does not { "exist" }": lessons quote "does not exist" as a pattern (and containerd looks
# for runc's words), so the literal keeps that short phrase out of i18n::lint's list of
# English sentences.
error-container-missing = container { $id } does not { "exist" }

## Errors a student can provoke: lesson steps, clusters and the node

error-rbac-not-loaded = no RBAC objects are loaded: an rbac-load step comes first
error-rbac-not-loaded-file = no RBAC objects are loaded: an rbac-load step comes first (reading { $file })
error-no-raft-cluster = cannot check `expect { $expect }`: this lesson has no Raft cluster
error-no-etcd-cluster = this lesson has no etcd cluster (start it first)
error-no-node-request = cannot send a request from { $from } to { $to }: this lesson has no node
error-no-node-link = cannot look at { $link }: this lesson has no node
error-no-node-rules = cannot read the node's nat table: this lesson has no node
error-no-node-requests = cannot send { $n } requests from { $from } to { $service }: this lesson has no node
error-raft-no-node = node { $node } does not { "exist" }
error-etcd-already-running = the lesson's etcd cluster is already running
error-etcd-not-running = no etcd cluster is running in this lesson (start it first)
error-etcd-not-installed = etcd is not installed: etcd and etcdctl not found; install Debian's etcd-server and etcd-client
error-raft-script-line = raft script line { $line }: { $detail }
error-raft-header-late = `nodes` and `config` may only come before the cluster exists (its first step)
error-etcd-members = an etcd cluster here has 1 to 7 members, not { $members }
error-node-exists = this lesson already has a node; a lesson builds one node
error-command-failed = { $command } { $status }: { $output }
error-container-did-not-stop = the container did not stop within ten seconds
error-iptables-missing = iptables is missing: install it (Debian and Ubuntu: apt-get install iptables)
error-service-no-endpoints = the Service { $service } has no endpoints: kube-proxy would reject its traffic; give it at least one pod
error-service-name = invalid Service name { $name }: use a DNS label of 1 to 15 lowercase letters, digits or '-', starting with a letter and not ending with '-' (kube-proxy's chain names must fit iptables' 28 characters)
error-service-no-node-port = the Service { $service } has no node port: give its net-service a node_port
error-pod-exists = a pod named { $name } is already on this node
error-pod-web-not-listening = the pod's web server did not start listening on port 80 within 2 s
error-pod-network-full = the pod network { $cidr } is full ({ $pods } pods); use a shorter prefix
error-pod-name = invalid pod name { $name }: use 1 to 10 lowercase letters, digits or '-', not at either end
error-pod-cidr-prefix = the pod network { $cidr } has a prefix length outside 8..30; use a range like 10.244.1.0/24
error-pod-cidr-not-network = the pod network { $cidr } is not a network address; write { $network }
error-pod-cidr-overlap = the pod network { $cidr } overlaps the host's route to { $route } (dev { $dev }); choose a range the host does not use, e.g. 10.244.1.0/24

## Errors a student can provoke: limits, users and making the container

error-memory-invalid = invalid memory limit { $value }: use a number with an optional K, M or G suffix, like 64M
error-memory-too-large = memory limit { $value } is too large: use a number with an optional K, M or G suffix, like 64M
error-memory-zero = memory limit { $value } would leave no memory at all: use a number with an optional K, M or G suffix, like 64M
error-cpu-invalid = invalid CPU limit { $value }: use a number of CPUs such as 0.5 or 2
error-cpu-zero = CPU limit { $value } would never let the container run: use a number of CPUs such as 0.5 or 2
error-cpu-below-min = CPU limit { $value } is below the kernel's minimum of 0.01 CPU: use a number of CPUs such as 0.5 or 2
error-cpu-too-large = CPU limit { $value } is too large: use a number of CPUs such as 0.5 or 2
error-pids-invalid = invalid process limit { $value }: use a whole number of processes of at least 1, like 20
error-pids-too-large = process limit { $value } is too large: use a whole number of processes of at least 1, like 20
error-pids-zero = process limit { $value } would not even allow the container's first process: use a whole number of processes of at least 1, like 20
error-pids-above-max = process limit { $value } is above the kernel's maximum of { $max }: use a whole number of processes of at least 1, like 20
error-rlimit-set = cannot set resource limit { $resource }
error-user-groups = cannot set the additional groups (process.user.additionalGids)
error-user-gid = cannot become gid { $gid } (process.user.gid)
error-user-uid = cannot become uid { $uid } (process.user.uid)
error-rootfs-missing = the root filesystem { $path } does not exist: build one with `sudo contlab rootfs build`
error-clone-eperm = clone refused to create namespaces (EPERM): run contlab as root
error-clone-enospc = clone refused: the limit on namespaces of some type is reached (ENOSPC); see /proc/sys/user/max_*_namespaces
error-clone-failed = cannot create the container's init process
error-cgroup-parent-invalid = invalid cgroup parent { $parent }: use a relative path of plain names (no "..", no empty part)
error-cgroup-name-invalid = invalid cgroup name { $name }: use 1 to 255 bytes, neither "." nor "..", without "/" or control characters
error-cgroup-bpf-load = the kernel refused the eBPF device program for { $rules } device rules (linux.resources.devices on cgroup v2): { $log }
error-cgroup-bpf-attach = cannot attach the eBPF device program to the cgroup { $dir }
error-cgroup-none = no cgroup filesystem is mounted: mount one (for example `mount -t cgroup2 none /sys/fs/cgroup`) and try again

## How a command ended, and the limits it hit

exit-code = exited with status { $code }
exit-code-oom = exited with status { $code } (the OOM killer struck)
exit-signal = killed by { $signal }
exit-signal-oom = killed by { $signal } (the OOM killer struck)
exit-ended = ended
exit-ended-oom = ended (the OOM killer struck)
sandbox-oom-limit = killed by the OOM killer: memory limit { $limit } reached
sandbox-oom = killed by the OOM killer: memory limit of the cgroup reached
sandbox-pids-hit = the process limit { $max } was hit: { $refused } fork(s) refused

## Errors a student can provoke: a lesson's containers, shell and solution lines

error-container-no-cgroup-hint = this container has no cgroup (give it a limit when you start it)
error-container-no-cgroup = this container has no cgroup
error-lesson-no-container = no container named "{ $name }" is running in this lesson (start it first)
error-lesson-container-running = a container named "{ $name }" is already running in this lesson
error-veth-needs-lo = a veth needs the container's lo up: drop loopback = false or the veth
error-could-not-remove = could not remove: { $what }
error-solution-line = `{ $line }` failed (its output: { $output })
error-no-shell = no shell is open: start the step's container first
error-no-node-yet = this lesson has no node yet (its net-node step makes it)

## Errors a student can provoke: namespaces, root filesystem modes and controllers

error-unknown-namespace = unknown namespace { $name }: use a comma-separated list of pid, net, mount, uts, ipc, user, cgroup, or "all"
error-unknown-rootfs-mode = unknown rootfs mode { $mode }: use host, chroot or pivot
error-cpu-shares-range = CPU shares { $shares } are out of range: use a value from 2 to 262144 (1024 is the default)
error-cgroup-v2-no-controller = the cgroup2 hierarchy at { $mount } does not offer the { $controller } controller (see its cgroup.controllers), so the { $controller } limit cannot be enforced; run without that limit
error-cgroup-v1-no-controller = no cgroup v1 hierarchy has the { $controller } controller mounted, so the { $controller } limit cannot be enforced; mount it or run without that limit

# oci and net track tasks

oci-state-absent = absent (the runtime knows no such container)
check-oci-state-ok = `runtime state { $id }` reports { $seen }.
check-oci-state-want = `runtime state { $id }` reports { $seen }; expected { $want }.
check-podman-ok = podman's container { $name } is { $status }, run by { $runtime }.
check-podman-want = podman's container { $name } is { $status }, run by { $runtime } (contlab's state of it: { $contlab }); expected { $want_status }, run by { $want_runtime }.
check-podman-absent = podman has no container named { $name }.
check-oci-config-ok = config.json { $at } is { $seen }.
check-oci-config-want = config.json { $at } is { $seen }; expected { $want }.
check-oci-config-missing = config.json has nothing at { $at }; expected { $want }.
check-oci-config-gone = config.json has nothing at { $at }, as expected.
check-oci-config-want-gone = config.json { $at } is still { $seen }; expected it removed.
oci-ns-absent = not listed (the container stays in the runtime's namespace)
oci-ns-new = listed without a path (a new namespace)
oci-ns-path = joined by path ({ $path })
oci-ns-joined = joined by path
check-oci-ns-ok = `linux.namespaces` { $ns }: { $seen }.
check-oci-ns-want = `linux.namespaces` { $ns }: { $seen }; expected { $want }.
check-oci-mount-listed = config.json mounts has { $at } ({ $kind } from { $source }).
check-oci-mount-unlisted = config.json mounts has no entry for { $at }.
check-oci-mount-want-listed = { $seen } Expected an entry there.
check-oci-mount-want-unlisted = { $seen } Expected none.

# apiserver
apiserver-up = The API server answers at { $url } (etcd { $etcd }).
apiserver-status-url = API server: { $url } (pid { $pid })
apiserver-status-etcd = etcd: { $etcd }
apiserver-not-running = The API server is not running.
apiserver-down = The API server and etcd are stopped, and their files are removed.
apiserver-sign-cannot-read = Cannot read the certificate signing request { $path }: { $why }
apiserver-sign-cannot-write = Cannot write the certificate to { $path }: { $why }
apiserver-sign-unreadable = This is not a PEM certificate signing request (PKCS#10), or its signature does not match its key.
apiserver-sign-no-user = The request has no common name (CN); the CN names the user.
apiserver-sign-too-many-groups = The request names { $n } groups (O values); a certificate signed here carries at most two.
apiserver-sign-failed = Cannot sign: { $why }
apiserver-token-bad-name = { $name } is not NAMESPACE/SERVICEACCOUNT (lowercase letters, digits, '-' and '.').

# cluster dns

dns-resolve-answered = { $name } { $qtype }: { $answers } (TTL { $ttl } s).
dns-resolve-none = { $name } { $qtype }: { $rcode }, no records.
dns-resolve-expected-answers = Expected: { $answers }.
dns-resolve-expected-nxdomain = Expected NXDOMAIN: no such name.
dns-resolve-expected-ttl = Expected a TTL of { $ttl } s.
dns-log-none = The DNS server has seen no lookup of { $name } yet.
dns-log-seen = The last lookup of { $name } from { $client } took { $queries } queries: { $list }.
dns-log-expected-queries = Expected { $queries } queries.
dns-log-expected-answer = Expected an A record with an address among the answers.
dns-log-expected-no-answer = Expected no address among the answers.

# checks a world cannot observe
error-unobserved-link = cannot look at { $link } in { $container }: not observed here
error-unobserved-process = cannot look for { $comm } in { $container }: not observed here
error-unobserved-queues = cannot list the message queues of { $container }: not observed here
error-unobserved-cgroup = cannot look for the cgroup { $name }: not observed here
error-no-oci-bundle-state = cannot ask for the state of { $id }: this lesson has no OCI bundle
error-no-oci-bundle = this lesson has no OCI bundle (write one with the `spec` step)
error-no-cluster-dns-query = cannot ask for { $name } ({ $qtype }): this lesson has no cluster DNS
error-no-cluster-dns-log = cannot read the DNS server's log: this lesson has no cluster DNS

# runtime oci: devices, sysctl, seccomp
error-oci-device-type = config.json: linux.devices[{ $index }].type must be "c", "u", "b" or "p"
error-oci-device-numbers = config.json: linux.devices[{ $index }]: major and minor must not be negative
error-oci-device-rule-fifo = config.json: linux.resources.devices[{ $index }].type "p": the devices controller has no rules for FIFOs; use "a", "c" or "b"
error-oci-device-access = config.json: linux.resources.devices[{ $index }].access { $access } must be letters of "rwm"
error-oci-sysctl-name = config.json: linux.sysctl: { $key } is not a sysctl name
error-oci-sysctl-host = config.json: linux.sysctl { $key } is not namespaced: setting it would change the host. Only net.* (with a network namespace) and kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* (with an IPC namespace) are allowed
error-oci-sysctl-needs-ns = config.json: linux.sysctl { $key } needs a "{ $ns }" entry in `linux.namespaces`: without one it would change the host's value
error-oci-inside-path = config.json: { $field } { $path } must be an absolute path without '..'
error-oci-seccomp-arch = config.json: not supported yet: linux.seccomp on this architecture
error-send-init-config = cannot send the configuration to the container's init
error-send-exec-config = cannot send the configuration to contlab's exec helper
error-init-died-at-once = the container's init died at once
error-init-died-before-start = the container's init died before it started
error-oom-score-adj = cannot set process.oomScoreAdj to { $adj }
error-hook-exited = error running hook #{ $index } (hooks.{ $stage }[{ $index }], { $path }): it exited with status { $code }
error-hook-killed = error running hook #{ $index } (hooks.{ $stage }[{ $index }], { $path }): it was killed by signal { $signal }
error-hook-timeout = error running hook #{ $index } (hooks.{ $stage }[{ $index }], { $path }): it ran past its timeout of { $secs } s
error-hook-start = error running hook #{ $index } (hooks.{ $stage }[{ $index }], { $path }): it cannot be started

## The API server track (lesson::api_step)
api-expected = Expected: { $expected }.
api-key-absent = etcd has no key { $key }.
api-key-seen = etcd holds { $key } = “{ $value }”, written { $version ->
    [one] once
   *[other] { $version } times
} since it was made, last at revision { $rev }.
api-key-leased = Lease { $lease } holds it.
api-key-unleased = No lease holds it.
api-key-compacted = Its revision { $rev } is compacted away.
api-key-history = Its revision { $rev } can still be read.
api-want-key = the key
api-want-no-key = no such key
api-want-value = the value “{ $value }”
api-want-versions = at least { $n } writes
api-want-leased = a lease holding it
api-want-unleased = no lease holding it
api-want-compacted = its older revisions compacted
api-want-history = its older revisions still readable
api-object-absent = etcd has no { $key }: the API server stores no such object.
api-object-seen = The API server stored { $key } in etcd.
api-object-field = At { $pointer } it holds { $value }.
api-object-no-field = It has nothing at { $pointer }.
api-want-object = the object
api-want-no-object = no such object
api-want-field = { $value } at { $pointer }
api-verdict-seen = The API server answers { $answer } to `{ $asked }`.
api-audit-found = The audit log has a line matching { $pattern }: { $line }
api-audit-unwanted = The audit log should have no line matching { $pattern }, but has: { $line }
api-audit-none = None of the audit log's { $n } lines matches { $pattern }.
requires-kubectl-missing = the API server track needs etcd, etcdctl, kubectl, curl and openssl; install Debian's etcd-server, etcd-client, kubernetes-client, curl and openssl
error-apiserver-busy = an API server is already running at { $url } (pid { $pid }); stop it with `contlab apiserver down` first
error-no-apiserver = this lesson has not started its API server (its `api-start` step)
error-no-apiserver-key = cannot read { $key }: this lesson has no etcd
error-etcdctl-failed = `etcdctl { $args }` failed: { $output }
error-kubectl-failed = `kubectl { $args }` failed: { $output }

# networking track: the Ingress controller (l4-vs-l7)
net-http-seen = { $requests } requests GET { $path } with Host: { $host } from { $from } to { $to }: { $answers }.
net-http-unanswered = { $count } unanswered
net-http-refused = The Ingress proxy refused its file as it is now and keeps its previous rules: { $error }
net-http-expected = Expected every request answered with status 200 by { $backends }, each at least once.
ingress-error-yaml = { $file }:{ $line }: this is not YAML an Ingress can be read from: { $detail }
ingress-error-api-version = { $at }: apiVersion { $found }: an Ingress is served as { $want } ({ $old } stopped being served in Kubernetes 1.22)
ingress-error-kind = { $at }: kind { $found }: the file must hold one Ingress (kind: Ingress)
ingress-error-empty = { $at }: the Ingress routes nothing: give it spec.rules or spec.defaultBackend
ingress-error-backend = { $at }: a backend needs service.name and service.port.number (or service.port.name)
ingress-error-service = { $at }: the backend names the Service "{ $service }", which this node does not have; its Services are: { $services }
ingress-error-port = { $at }: the Service "{ $service }" has no port { $port }; it serves { $ports }
ingress-error-host = { $at }: the host "{ $host }" is not a DNS name: write lowercase labels of letters, digits or '-' joined by dots, optionally after '*.' (an IP address is not allowed)
ingress-error-no-paths = { $at }: a rule needs http.paths, each with a path, a pathType and a backend
ingress-error-path = { $at }: the path "{ $path }" does not start with '/'
ingress-error-path-type = { $at }: pathType { $found }: write Exact, Prefix or ImplementationSpecific ({ $want } requires one for every path)
ingress-error-read = cannot read the Ingress file { $file }
ingress-error-utf8 = { $file }: the file is not UTF-8 text

## The terminal UI: what a key just did (the status line's message)

tui-language-switched = Language: English.
tui-lesson-reset = Lesson reset.

## The terminal UI: the shell pane's title and its note before a shell runs

tui-shell-title-host-focused = HOST shell — not a container: typing runs on this machine · Ctrl-] or F6 leaves
tui-shell-title-host = HOST shell — the lesson's work directory · Tab to type here
tui-shell-title-focused = Shell — typing goes to the container · Ctrl-] or F6 leaves
tui-shell-title = Shell — Tab to type here
tui-shell-reading = The shell runs inside the lesson's container in live mode (sudo contlab).
tui-shell-not-started = The shell opens inside the container once a step starts it.

## The terminal UI: what a key could not do (the status line's message)

tui-no-solution = This step has no solution to show.
tui-request-needs-live = The request builder asks the lesson engine: it works in live mode.
tui-cluster-needs-live = The cluster's controls need live mode: run `sudo contlab`.
tui-no-hints = No hints for this step.
tui-last-hint = That was the last hint; `s` shows the solution.
tui-choose-answer-first = Choose an answer with its letter first.
tui-live-unavailable = Live mode is unavailable: steps run on the kernel only as root. Quit and run `sudo contlab`.
tui-step-still-running = Another step is still running.

## The terminal UI: the lesson browser

tui-browser-lessons = Lessons
tui-browser-no-lessons = No lessons found. Point --lessons at a lesson pack.
tui-browser-no-match = No lesson matches the filter (Esc clears it).

## The terminal UI: the lesson pane (a step's kind, its sections, what to do next) and the steps list

tui-step-kind-run = run
tui-step-kind-task = task
tui-step-kind-quiz = quiz
tui-step-kind-read = read
tui-quiz-choose-letter = Choose with a letter, then Enter.
tui-lesson-checks = Checks
tui-lesson-solution = Solution
tui-lesson-why = Why it matters
tui-lesson-output = Output
tui-next-passed = Passed. n: next step.
tui-next-task-running = Work in the shell below; the checks re-run as you go. h: hint.
tui-next-task = Enter starts the task; then work in the shell.
tui-next-quiz = Choose an answer, then Enter.
tui-next-read = Enter marks it read.
tui-next-run = Enter runs this step.
tui-lesson-steps = Steps

## The terminal UI: the panels (Proc, Cgroup, Trace, Cluster, Net) and their empty states

tui-panel-needs-live = Live panels need live mode: run `sudo contlab`.
tui-panel-proc-empty = No sample yet: Enter runs the step.
tui-panel-cgroup-empty = No cgroup yet: a step that starts a container with a limit makes one.
tui-panel-trace-empty = The runtime's calls for this step appear here.
tui-panel-cluster-net = The networking track's node is in the Net panel: press 5.
tui-panel-cluster-empty = No cluster state: the Raft, RBAC and API server tracks show their cluster here.
tui-panel-net-empty = No node network yet: the networking track's lessons show their node here.
tui-proc-container = container
tui-proc-host = host
tui-proc-host-label = host:
tui-cgroup-processes = processes: { $count }
tui-cgroup-memory = memory · max { $kib } KiB
tui-lesson-hint = Hint { $n }

## The terminal UI: the lesson browser (banner, filter, a lesson's summary)

tui-browser-filter = Filter:
tui-mode-live = live
tui-mode-reading = reading
tui-mode-replay = replay
tui-browser-tagline = containers from the kernel up
tui-browser-reading-mode = Reading mode: live steps need root (quit and run `sudo contlab`). Opening a lesson replays a recorded real run of it, every pane as it was: space pauses, n/p move between steps.
tui-browser-minutes = min
tui-browser-done = done
tui-browser-started = passed { $passed }/{ $steps } · Enter resumes at step { $step }
tui-browser-new = { $steps } steps · Enter opens

## The terminal UI: the status bar (mode, the open lesson's step and focus, keys)

tui-status-live = LIVE
tui-status-reading = READING
tui-status-replay = REPLAY
tui-focus-lesson = lesson
tui-focus-panels = panels
tui-focus-shell = shell
tui-focus-request = request
tui-status-step = { $lesson } · step { $step }/{ $steps } · { $passed }/{ $steps } passed · focus: { $focus }
tui-status-keys = ? help  q quit

## The terminal UI: the help overlay, one line per key (tui::keys::KEYMAP)
# "한국어" is the language's own name, shown as it is in both catalogs.

tui-key-browse = browser: choose a lesson, open it (resumes where you left off)
tui-key-filter = browser: filter lessons by id, title, track or topic
tui-key-esc = clear the filter; in a lesson: back to the lessons
tui-key-next = next step
tui-key-previous = previous step
tui-key-run = run the step (quiz: submit the chosen answer)
tui-key-quiz = quiz: choose an answer
tui-key-hint = next hint (for the check that fails first)
tui-key-solution = show and run the solution (asks first)
tui-key-reset = reset the lesson (asks first)
tui-key-focus = move focus: lesson → panels → shell
tui-key-leave-shell = leave the shell pane (all other keys go to the shell)
tui-key-panels = panels: Proc, Cgroup, Trace, Cluster, Net
tui-key-rbac-request = RBAC: build a request in the Cluster panel
tui-key-builder = builder: field, choice or typing, ⇄ who-can, Esc back
tui-key-scroll = scroll the focused pane
tui-key-raft-play = Raft (Cluster panel, on a Raft step): play / pause
tui-key-raft-tick = Raft: step one tick · deliver one message
tui-key-raft-speed = Raft: faster · slower
tui-key-raft-scrub = Raft: scrub the timeline one tick back · forward again
tui-key-raft-jump = Raft: to the previous · next election or fault
tui-key-raft-crash = Raft: crash the selected node, or restart it
tui-key-raft-isolate = Raft: isolate the selected node (partition), or heal
tui-key-raft-drop = Raft: drop the next message on the selected node's link
tui-key-raft-propose = Raft: a client request (propose) to the selected node
tui-key-raft-split-vote = Raft: force a split vote
tui-key-raft-campaign = Raft: the selected node stands for election now (campaign)
tui-key-raft-select = Raft, Cluster panel focused (Tab): select a node
tui-key-help = this help
tui-key-language = switch the language: English ⇄ { "한국어" } (L in a lesson)
tui-key-quit = quit (asks while a container runs; tears everything down)
tui-help-close = ↑ ↓ PgUp PgDn scroll · any other key closes this help.
tui-help-title = Help — keys
tui-help-title-more = Help — keys (↓ more)

## The terminal UI: the questions asked before an action that cannot be undone

tui-confirm-quit = Quit? The lesson's containers will be stopped and removed.
tui-confirm-leave = Back to the lessons? The lesson's containers will be stopped and removed.
tui-confirm-reset = Reset this lesson? Its progress is cleared and its containers removed.
tui-confirm-solution = You have not passed this task yet. Show and run the solution?
tui-confirm-keys = y: yes   n/Esc: no

## The terminal UI: reading mode and the replay of a recorded run (the status line)

tui-reading-start = live mode needs root; opening a lesson replays a recorded real run instead
tui-replay-none = this lesson has no recorded run: reading only
tui-replay-keys = space pause · n/p step · [ ] 5 s · +/- speed
tui-replay-stopped = stopped at { $damage }

## The terminal UI: presenter mode's header

tui-presenter-step = STEP { $step } / { $steps }
tui-presenter-keys = n/→ next · p/← previous · Tab switch pane · 1-5 state panes

## The terminal UI: the RBAC request builder (Cluster panel) and its answer

tui-rbac-field-subject = as
tui-rbac-field-user = user
tui-rbac-field-groups = groups
tui-rbac-field-namespace = namespace
tui-rbac-field-name = name
tui-rbac-field-verb = verb
tui-rbac-field-resource = resource
tui-rbac-verdict-from = verdict: a SubjectAccessReview to { $url }
tui-rbac-cluster-scope = (cluster scope)
tui-rbac-keys = ↑↓ field  ←→ choose  type to edit  Enter who-can  Esc back
tui-rbac-keys-who-can = ↑↓ field  ←→ choose  type to edit  Enter verdict  Esc back
tui-rbac-asking = asking…
tui-rbac-who-can = who can { $verb } { $target }
tui-rbac-who-can-nobody = nobody, through RBAC bindings
tui-rbac-superuser = allowed everything before RBAC

## The terminal UI: the Raft simulation (Cluster panel): its header and its keys' footer

tui-raft-playing = playing { $speed }/s
tui-raft-paused = paused
tui-raft-key-play = play
tui-raft-key-tick = tick
tui-raft-key-message = message
tui-raft-key-speed = speed
tui-raft-key-scrub = scrub
tui-raft-key-crash = crash
tui-raft-key-isolate = isolate
tui-raft-key-drop = drop
tui-raft-key-request = request
tui-raft-key-split-vote = split vote
tui-raft-key-campaign = campaign
tui-raft-footer-node = node { $node } · ? keys

## The terminal UI: the real etcd cluster's members (Cluster panel)

tui-etcd-head = member  state      leader  term  raft index
tui-etcd-keys = c kill or restart · ←→ member { $member } · ? keys
