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
