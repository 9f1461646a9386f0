//! What a container is made of: which namespaces, which root filesystem, which limits,
//! which capabilities, which command. A plain value; `Container::start` makes it real.

use anyhow::Result;
use nix::sched::CloneFlags;
use serde::{Deserialize, Serialize};
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// One of the seven namespace types, by the name `unshare(1)` and `/proc/PID/ns` use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Namespace {
    Pid,
    Net,
    Mount,
    Uts,
    Ipc,
    User,
    Cgroup,
}

impl Namespace {
    /// Every type, in the order a process joins them: user first (it owns the others,
    /// and joining it grants the capabilities the other `setns` calls need), mount last
    /// but one (it changes the root the remaining paths are resolved against).
    pub const ALL: [Namespace; 7] = [
        Namespace::User,
        Namespace::Ipc,
        Namespace::Uts,
        Namespace::Net,
        Namespace::Pid,
        Namespace::Cgroup,
        Namespace::Mount,
    ];

    /// The name `unshare --help` and `/proc/PID/ns/` use (`mnt` there for mount).
    pub fn name(self) -> &'static str {
        match self {
            Namespace::Pid => "pid",
            Namespace::Net => "net",
            Namespace::Mount => "mount",
            Namespace::Uts => "uts",
            Namespace::Ipc => "ipc",
            Namespace::User => "user",
            Namespace::Cgroup => "cgroup",
        }
    }

    /// The file under `/proc/PID/ns/`.
    pub fn proc_name(self) -> &'static str {
        match self {
            Namespace::Mount => "mnt",
            other => other.name(),
        }
    }

    pub fn clone_flag(self) -> CloneFlags {
        match self {
            Namespace::Pid => CloneFlags::CLONE_NEWPID,
            Namespace::Net => CloneFlags::CLONE_NEWNET,
            Namespace::Mount => CloneFlags::CLONE_NEWNS,
            Namespace::Uts => CloneFlags::CLONE_NEWUTS,
            Namespace::Ipc => CloneFlags::CLONE_NEWIPC,
            Namespace::User => CloneFlags::CLONE_NEWUSER,
            Namespace::Cgroup => CloneFlags::CLONE_NEWCGROUP,
        }
    }

    /// The kernel's name of the flag (`CLONE_NEWNS` for mount).
    pub fn flag_name(self) -> &'static str {
        match self {
            Namespace::Pid => "CLONE_NEWPID",
            Namespace::Net => "CLONE_NEWNET",
            Namespace::Mount => "CLONE_NEWNS",
            Namespace::Uts => "CLONE_NEWUTS",
            Namespace::Ipc => "CLONE_NEWIPC",
            Namespace::User => "CLONE_NEWUSER",
            Namespace::Cgroup => "CLONE_NEWCGROUP",
        }
    }

    /// The `unshare(1)` option that makes this namespace.
    pub fn unshare_option(self) -> &'static str {
        match self {
            Namespace::Pid => "--pid",
            Namespace::Net => "--net",
            Namespace::Mount => "--mount",
            Namespace::Uts => "--uts",
            Namespace::Ipc => "--ipc",
            Namespace::User => "--user",
            Namespace::Cgroup => "--cgroup",
        }
    }
}

/// A set of namespace types; lessons add one at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespaces(u8);

impl Namespaces {
    pub const NONE: Namespaces = Namespaces(0);
    pub const ALL: Namespaces = Namespaces(0x7f);

    fn bit(ns: Namespace) -> u8 {
        1 << (ns as u8)
    }

    pub fn with(mut self, ns: Namespace) -> Self {
        self.0 |= Self::bit(ns);
        self
    }

    pub fn insert(&mut self, ns: Namespace) {
        self.0 |= Self::bit(ns);
    }

    pub fn contains(self, ns: Namespace) -> bool {
        self.0 & Self::bit(ns) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in join order (see [`Namespace::ALL`]).
    pub fn iter(self) -> impl Iterator<Item = Namespace> {
        Namespace::ALL
            .into_iter()
            .filter(move |n| self.contains(*n))
    }

    /// Parses `pid,net,mount,uts,ipc,user,cgroup` (any subset, any order), `all` or `none`.
    pub fn parse(s: &str) -> Result<Self> {
        let mut set = Namespaces::NONE;
        for word in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "all" => set = Namespaces::ALL,
                "none" => {}
                "pid" => set.insert(Namespace::Pid),
                "net" | "network" => set.insert(Namespace::Net),
                "mount" | "mnt" => set.insert(Namespace::Mount),
                "uts" => set.insert(Namespace::Uts),
                "ipc" => set.insert(Namespace::Ipc),
                "user" => set.insert(Namespace::User),
                "cgroup" => set.insert(Namespace::Cgroup),
                other => crate::bail_said!("error-unknown-namespace", name = format!("{other:?}")),
            }
        }
        Ok(set)
    }

    /// `CLONE_NEWUSER|CLONE_NEWPID|…` as the kernel spells it.
    pub fn flag_names(self) -> String {
        self.iter()
            .map(Namespace::flag_name)
            .collect::<Vec<_>>()
            .join("|")
    }
}

impl std::fmt::Display for Namespaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<_> = self.iter().map(Namespace::name).collect();
        f.write_str(&names.join(","))
    }
}

/// How the container sees the file system.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RootfsMode {
    /// The host's root, unchanged.
    #[default]
    Host,
    /// `chroot(2)` into the container's root: escapable by a process with CAP_SYS_CHROOT.
    Chroot,
    /// `pivot_root(2)` into it in a new mount namespace, the old root detached.
    PivotRoot,
    /// runc's `--no-pivot`: the root moved onto `/` (`MS_MOVE`) in a new mount
    /// namespace, then `chroot(2)` into it; the old root stays mounted beneath.
    MoveRoot,
}

impl RootfsMode {
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "host" => RootfsMode::Host,
            "chroot" => RootfsMode::Chroot,
            "pivot" | "pivot_root" | "pivot-root" => RootfsMode::PivotRoot,
            other => crate::bail_said!("error-unknown-rootfs-mode", mode = format!("{other:?}")),
        })
    }

    /// `pivot` when a mount namespace is requested, else `host`.
    pub fn default_for(ns: Namespaces) -> Self {
        if ns.contains(Namespace::Mount) {
            RootfsMode::PivotRoot
        } else {
            RootfsMode::Host
        }
    }
}

/// One line of `/proc/PID/uid_map` (and `gid_map`): ids `inside..inside+count` in the
/// container are ids `outside..outside+count` on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMap {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

impl IdMap {
    /// Root inside is the unprivileged uid 100000 outside, with 65536 ids, as
    /// `/etc/subuid` ranges usually are.
    pub const fn unprivileged_root() -> Self {
        IdMap {
            inside: 0,
            outside: 100_000,
            count: 65_536,
        }
    }

    /// The host id that root inside the container is, if root is mapped.
    pub fn outside_root(&self) -> Option<u32> {
        (self.inside == 0).then_some(self.outside)
    }

    pub fn line(&self) -> String {
        format!("{} {} {}", self.inside, self.outside, self.count)
    }

    /// Whether container id `id` is in this range.
    pub fn maps(&self, id: u32) -> bool {
        self.inside <= id && id - self.inside < self.count
    }
}

/// A user namespace's whole uid map and gid map, each one or more ranges.
pub type IdMaps = (Vec<IdMap>, Vec<IdMap>);

/// The capabilities the container's processes keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capabilities {
    /// The OCI runtime spec's default set (what Docker and Kubernetes give a container).
    #[default]
    OciDefault,
    /// Every capability (lessons that mount file systems inside need CAP_SYS_ADMIN).
    All,
    /// Each set spelled out, as an OCI bundle's `process.capabilities` does.
    Sets(CapSets),
}

/// The five capability sets of a process, one bit per capability number
/// (`1 << CAP_SYS_ADMIN`, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapSets {
    pub bounding: u64,
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
}

/// One mount of the container, in `mount(2)`'s terms: what an OCI bundle's `mounts`
/// entry becomes once its options are split into flags and file-system data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountSpec {
    /// Absolute, as seen inside the container.
    pub destination: PathBuf,
    /// `proc`, `tmpfs`, `cgroup`, … ; `None` for a bind mount.
    pub fstype: Option<String>,
    /// A host path for bind mounts (absolute), else the file system's source name.
    pub source: Option<String>,
    /// `MS_*` bits (`MS_BIND`, `MS_REC`, `MS_RDONLY`, …), without propagation.
    pub flags: u64,
    /// Propagation to set afterwards (`MS_PRIVATE`, `MS_SLAVE`, … with `MS_REC`), or 0.
    pub propagation: u64,
    /// File-system specific options (`mode=755,size=65536k`).
    pub data: String,
    /// `MOUNT_ATTR_*` bits set on the mount and every mount below it once it is in
    /// place (`mount_setattr(AT_RECURSIVE)`: the `rro`, `rnosuid`, … options), and
    /// those cleared (`rrw`, `rsuid`, …).
    #[serde(default)]
    pub rec_attr_set: u64,
    #[serde(default)]
    pub rec_attr_clr: u64,
}

/// The user the command runs as, inside the container's user namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub umask: Option<u32>,
}

/// A device node made in the container's `/dev` (OCI `linux.devices`): `mknod`, or a
/// bind mount of the host's node of the same path where `mknod` is refused (in a user
/// namespace), then owner and mode set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceNode {
    /// Absolute, as seen inside the container.
    pub path: PathBuf,
    /// `c` (character), `b` (block) or `p` (FIFO).
    pub kind: char,
    pub major: u64,
    pub minor: u64,
    /// Permission bits (`0o666` when the bundle gives none, as with runc).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// The resource limits by their OCI (and C) names and `RLIMIT_*` numbers.
pub const RLIMITS: &[(&str, u32)] = &[
    ("RLIMIT_CPU", libc::RLIMIT_CPU),
    ("RLIMIT_FSIZE", libc::RLIMIT_FSIZE),
    ("RLIMIT_DATA", libc::RLIMIT_DATA),
    ("RLIMIT_STACK", libc::RLIMIT_STACK),
    ("RLIMIT_CORE", libc::RLIMIT_CORE),
    ("RLIMIT_RSS", libc::RLIMIT_RSS),
    ("RLIMIT_NPROC", libc::RLIMIT_NPROC),
    ("RLIMIT_NOFILE", libc::RLIMIT_NOFILE),
    ("RLIMIT_MEMLOCK", libc::RLIMIT_MEMLOCK),
    ("RLIMIT_AS", libc::RLIMIT_AS),
    ("RLIMIT_LOCKS", libc::RLIMIT_LOCKS),
    ("RLIMIT_SIGPENDING", libc::RLIMIT_SIGPENDING),
    ("RLIMIT_MSGQUEUE", libc::RLIMIT_MSGQUEUE),
    ("RLIMIT_NICE", libc::RLIMIT_NICE),
    ("RLIMIT_RTPRIO", libc::RLIMIT_RTPRIO),
    ("RLIMIT_RTTIME", libc::RLIMIT_RTTIME),
];

/// One resource limit (`setrlimit(2)`), by its `RLIMIT_*` number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rlimit {
    pub resource: u32,
    pub soft: u64,
    pub hard: u64,
}

/// Settings that replace contlab's own choices, as an OCI bundle spells them out. The
/// default keeps contlab's choices (what the lessons' containers get).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    /// Exactly these mounts, in order, instead of contlab's `/proc`, `/sys` and `/dev`.
    pub mounts: Option<Vec<MountSpec>>,
    /// Instead of `root::MASKED` and `root::READ_ONLY`.
    pub masked_paths: Option<Vec<String>>,
    pub readonly_paths: Option<Vec<String>>,
    /// Remount the container's `/` read-only once it is set up.
    pub readonly_root: bool,
    /// `None`: root (uid and gid 0).
    pub user: Option<User>,
    pub rlimits: Vec<Rlimit>,
    /// `PR_SET_NO_NEW_PRIVS` (contlab's containers always set it).
    pub no_new_privs: bool,
    /// fds 3 … 2+N of the creating process reach the command (`create --preserve-fds`).
    #[serde(default)]
    pub preserve_fds: u32,
    /// `process.oomScoreAdj`: written to the init's `/proc/PID/oom_score_adj` by contlab,
    /// as runc does from outside the user namespace; the command keeps it across
    /// `execve`, and its children inherit it.
    #[serde(default)]
    pub oom_score_adj: Option<i32>,
    /// Device nodes to make in `/dev` once the bundle's mounts are in place.
    #[serde(default)]
    pub devices: Vec<DeviceNode>,
    /// `linux.sysctl`: written under the container's `/proc/sys` once its root is in
    /// place, before the read-only paths. Only keys its own namespaces hold.
    #[serde(default)]
    pub sysctl: std::collections::BTreeMap<String, String>,
    /// `linux.seccomp`, compiled: the filters the command's process loads last.
    #[serde(default)]
    pub seccomp: Vec<super::seccomp::Program>,
    /// `linux.rootfsPropagation` (`MS_SHARED`, `MS_SLAVE|MS_REC`, …), or 0: what the
    /// init makes `/` before its first mount (else `MS_SLAVE|MS_REC`) and the
    /// container's root after `pivot_root`, as runc does.
    #[serde(default)]
    pub rootfs_propagation: u64,
    /// The OCI `createContainer` and `startContainer` hooks, which the init runs.
    #[serde(default)]
    pub init_hooks: Option<super::oci::hooks::InitHooks>,
    /// Where the listener of a filter with `SCMP_ACT_NOTIFY` goes (see
    /// `seccomp::hand_to_listener`); set by the OCI layer once the state is known.
    #[serde(default)]
    pub seccomp_listener: Option<super::seccomp::Listener>,
    /// The whole uid and gid maps of a new user namespace, each one or more ranges
    /// (OCI `linux.uidMappings`/`gidMappings` that differ from each other or hold more
    /// than one range); `None` writes `ContainerSpec::user_map` to both.
    #[serde(default)]
    pub id_maps: Option<IdMaps>,
}

impl Default for Overrides {
    fn default() -> Self {
        Overrides {
            mounts: None,
            masked_paths: None,
            readonly_paths: None,
            readonly_root: false,
            user: None,
            rlimits: Vec::new(),
            no_new_privs: true,
            preserve_fds: 0,
            oom_score_adj: None,
            devices: Vec::new(),
            sysctl: Default::default(),
            seccomp: Vec::new(),
            rootfs_propagation: 0,
            init_hooks: None,
            seccomp_listener: None,
            id_maps: None,
        }
    }
}

/// Called once the container's init exists (its namespaces made, its cgroup joined),
/// before it sets up its root: the moment of the OCI `createRuntime` hooks. Gets the
/// init's host pid.
pub struct CreatedHook<'a>(pub Box<dyn FnOnce(i32) -> Result<()> + 'a>);

impl std::fmt::Debug for CreatedHook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreatedHook")
    }
}

/// A network namespace contlab created, to connect a container to.
#[derive(Debug)]
pub enum Peer<'a> {
    /// Another running container.
    Container(&'a super::container::Container),
    /// A named network namespace.
    Named(&'a super::net::NamedNetns),
}

/// A veth pair from the container's network namespace to another one.
#[derive(Debug)]
pub struct Veth<'a> {
    pub peer: Peer<'a>,
    /// The interface inside the container, e.g. `eth0`, and its address (`10.200.0.2/24`).
    pub ifname: String,
    pub addr: super::net::Ipv4Cidr,
    /// The interface in the peer namespace and its address.
    pub peer_ifname: String,
    pub peer_addr: super::net::Ipv4Cidr,
}

/// Network setup, when the container has its own network namespace.
#[derive(Debug, Default)]
pub enum Network<'a> {
    /// The namespace as the kernel makes it: only `lo`, and down (so not even
    /// 127.0.0.1 answers) — for lessons that show the empty stack.
    Empty,
    /// Only `lo`, brought up.
    #[default]
    Loopback,
    /// `lo`, plus a veth pair to another namespace.
    Veth(Veth<'a>),
}

/// Where one of the container's standard streams goes.
#[derive(Debug, Default)]
pub enum Io {
    /// The caller's own stream.
    #[default]
    Inherit,
    /// `/dev/null`.
    Null,
    /// A pipe; the caller's end is on the `Container` (`take_stdout()` …).
    Piped,
    /// A given file descriptor (e.g. the replica side of a PTY).
    Fd(OwnedFd),
}

/// The container's stdin, stdout and stderr.
#[derive(Debug, Default)]
pub struct Stdio {
    pub stdin: Io,
    pub stdout: Io,
    pub stderr: Io,
}

impl Stdio {
    pub fn inherit() -> Self {
        Self::default()
    }

    /// stdin from `/dev/null`, stdout and stderr piped (to capture output).
    pub fn piped() -> Self {
        Stdio {
            stdin: Io::Null,
            stdout: Io::Piped,
            stderr: Io::Piped,
        }
    }

    pub fn null() -> Self {
        Stdio {
            stdin: Io::Null,
            stdout: Io::Null,
            stderr: Io::Null,
        }
    }
}

/// Everything a container is made of.
#[derive(Debug)]
pub struct ContainerSpec<'a> {
    /// The id; `None` for a fresh `contlab-…` id.
    pub id: Option<String>,
    pub namespaces: Namespaces,
    pub rootfs: RootfsMode,
    /// The directory used as the container's lower layer; `None` for the cached default
    /// rootfs (`contlab rootfs build`). Unused with [`RootfsMode::Host`].
    pub rootfs_dir: Option<PathBuf>,
    /// Needs a UTS namespace.
    pub hostname: Option<String>,
    pub limits: super::cgroup::Limits,
    /// The uid and gid map of a user namespace; `None` leaves the container's user
    /// unmapped (it shows as `nobody`, like `unshare --user` without `--map-root-user`):
    /// the init then sets up with the capabilities the new namespace gives its creator,
    /// and the command runs without them (see `process::ChildPlan::carry_caps`).
    pub user_map: Option<IdMap>,
    /// Used when the container has a network namespace.
    pub network: Network<'a>,
    pub capabilities: Capabilities,
    /// The command and its arguments; `args[0]` is looked up in the container's `PATH`.
    pub args: Vec<String>,
    /// `KEY=value` pairs; `None` for a small default (`PATH`, `HOME`, `TERM`).
    pub env: Option<Vec<String>>,
    pub cwd: PathBuf,
    pub stdio: Stdio,
    /// Mount a fresh procfs for a new pid namespace (default). Off, `ps` inside still
    /// reads the host's /proc — the classic surprise the PID lesson shows.
    pub mount_proc: bool,
    /// Use `rootfs_dir` itself as the root (a bind mount: writes land in it, as with
    /// runc) instead of a writable overlay over it.
    pub bind_rootfs: bool,
    /// The cgroup as `parent/…/name` below each hierarchy's root, anywhere (the parents
    /// that do not exist are made and recorded); `None` for `<paths::cgroup_parent()>/<id>`.
    pub cgroup_path: Option<String>,
    /// Existing namespaces to join (`/proc/PID/ns/net`, `/run/netns/x`) instead of
    /// making new ones; each type must also be in `namespaces`. A joined user namespace
    /// brings its own maps (`user_map`, if given, must equal them); a joined mount
    /// namespace gets the container's root, as with runc.
    pub join: Vec<(Namespace, PathBuf)>,
    /// A create/start split: the init sets everything up, then blocks reading one byte
    /// from this fd (the read end of a FIFO) before it starts the command.
    pub start_gate: Option<OwnedFd>,
    /// With `start_gate`: the write end of the start report (a FIFO the init holds
    /// close-on-exec). An init that fails after its gate (a `startContainer` hook, the
    /// command's `execve`) writes its error there before it exits; a successful exec
    /// just closes it. `start` reads it to the end, so it says how the start went.
    pub start_report: Option<OwnedFd>,
    /// `process.terminal` with a console socket (runc's `--console-socket`): a connected
    /// unix socket. The init opens a pseudo-terminal in the container's devpts, makes its
    /// replica the command's stdio and controlling terminal, and sends the master over
    /// this socket (SCM_RIGHTS) to whoever listens there.
    pub console: Option<OwnedFd>,
    pub overrides: Overrides,
    pub created_hook: Option<CreatedHook<'a>>,
    /// Keep contlab's init as PID 1, reaping orphans and forwarding signals, with the
    /// command as its child (`docker run --init`). Off (the default, as runc), the
    /// init becomes the command, which is then PID 1 itself.
    pub init: bool,
}

impl Default for ContainerSpec<'_> {
    fn default() -> Self {
        ContainerSpec {
            id: None,
            namespaces: Namespaces::NONE,
            rootfs: RootfsMode::Host,
            rootfs_dir: None,
            hostname: None,
            limits: Default::default(),
            user_map: None,
            network: Network::Loopback,
            capabilities: Capabilities::OciDefault,
            args: Vec::new(),
            env: None,
            cwd: PathBuf::from("/"),
            stdio: Stdio::inherit(),
            mount_proc: true,
            bind_rootfs: false,
            cgroup_path: None,
            join: Vec::new(),
            start_gate: None,
            start_report: None,
            console: None,
            overrides: Overrides::default(),
            created_hook: None,
            init: false,
        }
    }
}

impl<'a> ContainerSpec<'a> {
    /// A spec running `args` with the given namespaces and the rootfs mode that suits them.
    pub fn new(namespaces: Namespaces, args: &[&str]) -> Self {
        ContainerSpec {
            namespaces,
            rootfs: RootfsMode::default_for(namespaces),
            user_map: namespaces
                .contains(Namespace::User)
                .then(IdMap::unprivileged_root),
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    /// Refuses combinations the kernel would refuse later, with what to change.
    pub fn validate(&self) -> Result<()> {
        let ns = self.namespaces;
        if self.args.is_empty() || self.args[0].is_empty() {
            crate::bail_said!("error-no-command");
        }
        if matches!(self.rootfs, RootfsMode::PivotRoot | RootfsMode::MoveRoot)
            && !ns.contains(Namespace::Mount)
        {
            crate::bail_said!("error-spec-pivot-needs-mount");
        }
        if self.hostname.is_some() && !ns.contains(Namespace::Uts) {
            crate::bail_said!("error-spec-hostname-needs-uts");
        }
        if let Some(h) = &self.hostname
            && (h.is_empty() || h.len() > 64)
        {
            crate::bail_said!("error-spec-hostname-length", hostname = format!("{h:?}"));
        }
        if self.user_map.is_some() && !ns.contains(Namespace::User) {
            crate::bail_said!("error-spec-map-needs-user");
        }
        if let Some(m) = &self.user_map
            && m.count == 0
        {
            crate::bail_said!("error-spec-map-empty");
        }
        if matches!(self.network, Network::Veth(_)) && !ns.contains(Namespace::Net) {
            crate::bail_said!("error-spec-veth-needs-net");
        }
        for (n, path) in &self.join {
            if !ns.contains(*n) {
                crate::bail_said!(
                    "error-spec-join-needs-ns",
                    ns = n.name(),
                    path = path.display()
                );
            }
        }
        if !self.cwd.is_absolute() {
            crate::bail_said!("error-spec-cwd-relative", path = self.cwd.display());
        }
        Ok(())
    }
}

/// How a container's command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitInfo {
    /// The exit code, when it exited.
    pub code: Option<i32>,
    /// The signal that killed it, when it was killed.
    pub signal: Option<i32>,
    /// True when the cgroup's OOM-kill counter rose while it ran.
    pub oom_killed: bool,
}

impl ExitInfo {
    /// The shell's convention: the exit code, or 128 + the signal number.
    pub fn status(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(c), _) => c,
            (None, Some(s)) => 128 + s,
            (None, None) => 255,
        }
    }

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl ExitInfo {
    /// How the command ended, as a catalog sentence.
    pub fn said(&self) -> crate::i18n::Said {
        use crate::said;
        match (self.code, self.signal, self.oom_killed) {
            (Some(c), _, false) => said!("exit-code", code = c),
            (Some(c), _, true) => said!("exit-code-oom", code = c),
            (None, Some(s), oom) => {
                let signal = nix::sys::signal::Signal::try_from(s)
                    .map_or_else(|_| s.to_string(), |s| s.as_str().to_string());
                if oom {
                    said!("exit-signal-oom", signal = signal)
                } else {
                    said!("exit-signal", signal = signal)
                }
            }
            (None, None, false) => said!("exit-ended"),
            (None, None, true) => said!("exit-ended-oom"),
        }
    }
}

impl std::fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.said().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_parse_and_print() {
        let ns = Namespaces::parse("pid, mount,uts").unwrap();
        assert!(ns.contains(Namespace::Pid) && ns.contains(Namespace::Mount));
        assert!(!ns.contains(Namespace::Net));
        assert_eq!(ns.to_string(), "uts,pid,mount");
        assert_eq!(Namespaces::parse("all").unwrap(), Namespaces::ALL);
        assert_eq!(
            Namespaces::ALL.flag_names(),
            "CLONE_NEWUSER|CLONE_NEWIPC|CLONE_NEWUTS|CLONE_NEWNET|CLONE_NEWPID|CLONE_NEWCGROUP|CLONE_NEWNS"
        );
        let err = Namespaces::parse("pid,time").unwrap_err().to_string();
        assert!(err.contains("unknown namespace \"time\""), "{err}");
    }

    #[test]
    fn validate_refuses_what_the_kernel_would() {
        let mut s = ContainerSpec::new(Namespaces::parse("pid").unwrap(), &["true"]);
        s.rootfs = RootfsMode::PivotRoot;
        assert!(s.validate().unwrap_err().to_string().contains("mount"));
        let mut s = ContainerSpec::new(Namespaces::NONE, &["true"]);
        s.hostname = Some("lab".into());
        assert!(s.validate().unwrap_err().to_string().contains("UTS"));
        let s = ContainerSpec::new(Namespaces::NONE, &[]);
        assert!(s.validate().is_err());
        ContainerSpec::new(Namespaces::ALL, &["true"])
            .validate()
            .unwrap();
    }

    #[test]
    fn exit_status_follows_the_shell() {
        let killed = ExitInfo {
            code: None,
            signal: Some(9),
            oom_killed: true,
        };
        assert_eq!(killed.status(), 137);
        assert!(killed.to_string().contains("SIGKILL"));
    }
}
