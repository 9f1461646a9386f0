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
requires-unknown = unknown requirement { $name } (known: etcd, iptables)

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
net-spread-seen = { $requests } requests to { $service }: { $shares }, { $unanswered } unanswered. A fair random choice keeps each endpoint between { $low } and { $high }, with every request answered.

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
