//! The lesson format, version 1.
//!
//! A lesson is a directory `lessons/<id>/` holding:
//! - `lesson.toml`: the language-neutral structure — id, track, topics, steps with their
//!   actions, checks and reference solutions. Only this file says what a step *does*.
//! - `en.toml` and `ko.toml`: the prose — titles, Markdown bodies, hints — keyed by step
//!   id. A translation can never change what a step does.
//!
//! Every error names the file, the line and the field.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// The format this build reads. A lesson with a higher `format_version` needs a newer contlab.
pub const FORMAT_VERSION: u32 = 1;

/// The topics a lesson may declare.
pub const TOPICS: &[&str] = &[
    "pid-ns",
    "net-ns",
    "mount-ns",
    "uts-ns",
    "ipc-ns",
    "user-ns",
    "cgroup-ns",
    "cgroup-v1-v2",
    "cgroup-memory",
    "cgroup-cpu",
    "cgroup-pids",
    "chroot",
    "pivot-root",
    "manual-container",
    "oci-bundle",
    "runc-lifecycle",
    "runtime-layers",
    "cri",
    "raft-election",
    "raft-replication",
    "raft-partition",
    "cap-theorem",
    "etcd",
    "authn-authz",
    "rbac",
    "pod-network",
    "service",
    "dns",
    "service-discovery",
    "load-balancing",
    "rest-api",
    "kubernetes-api",
];

/// The languages every lesson ships in.
pub const LANGUAGES: &[&str] = &["en", "ko"];

/// `lesson.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    pub format_version: Spanned<u32>,
    pub id: Spanned<String>,
    pub track: Track,
    /// Position within the track.
    pub order: u32,
    pub minutes: u32,
    #[serde(default)]
    pub prerequisites: Vec<Spanned<String>>,
    pub topics: Vec<Spanned<String>>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Track {
    Containers,
    Oci,
    Raft,
    Rbac,
    /// The API server track: a real etcd, contlab's API server and the real kubectl.
    Api,
    Net,
}

impl Track {
    pub fn as_str(self) -> &'static str {
        match self {
            Track::Containers => "containers",
            Track::Oci => "oci",
            Track::Raft => "raft",
            Track::Rbac => "rbac",
            Track::Api => "api",
            Track::Net => "net",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// The engine runs the action and checks the result.
    #[default]
    Run,
    /// The student works in the container's shell until the checks pass; headless runs
    /// apply the reference solution.
    Task,
    /// A question with one right choice.
    Quiz,
    /// Prose only.
    Read,
}

/// One step of a lesson.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: Spanned<String>,
    #[serde(default)]
    pub kind: StepKind,
    pub action: Option<Spanned<Action>>,
    #[serde(default)]
    pub checks: Vec<Spanned<Check>>,
    /// A task's reference solution: shell command lines typed into the container's shell.
    #[serde(default)]
    pub solution: Vec<String>,
    /// A task's typed reference solution for the RBAC track: work file → lesson file.
    /// The engine copies each lesson file (e.g. `role-solution.yaml`) over the work file
    /// of the same lesson (e.g. `role.yaml`, which the student edits with `vi` in the
    /// shell pane); the task's `rbac` checks re-load the work files. See
    /// `lesson::rbac_step`.
    #[serde(default)]
    pub solution_files: BTreeMap<String, String>,
    /// A quiz's choice ids, in display order; their text is in the prose.
    #[serde(default)]
    pub choices: Vec<String>,
    /// A quiz's right choice id.
    pub answer: Option<String>,
    /// A tool the step needs (`etcd`). Where it is missing, the engine skips the step's
    /// action and passes its checks with a sentence saying what was skipped and why.
    pub requires: Option<String>,
    /// Where the shell pane runs for this step: in the lesson's main container (the
    /// default), or `"host"`: on the host, in the lesson's work directory, with
    /// `contlab` (for `contlab runtime`), `runc` when installed and an editor on `PATH`.
    #[serde(default)]
    pub shell: ShellSide,
}

/// Where a step's shell pane runs.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ShellSide {
    #[default]
    Container,
    Host,
}

/// What a step does.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "do", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    /// Sample the host's own state (for comparison panes).
    Host,
    /// Start a container.
    Start(Box<StartSpec>),
    /// Run a command (through `/bin/sh -c`) inside a running container.
    Exec {
        #[serde(default = "main_container")]
        container: String,
        cmd: String,
    },
    /// Run a command on the host (for the host's side of a comparison).
    HostExec { cmd: String },
    /// Write a container's cgroup file, by its name in this machine's cgroup version.
    CgroupWrite {
        #[serde(default = "main_container")]
        container: String,
        file: String,
        value: String,
    },
    /// Make the lesson's lab cgroup, `<parent>/lab-…`, in which the student makes cgroups
    /// by hand from a host shell (`shell = "host"`, where `$CGROUP_LAB` names it); the
    /// lesson removes it with everything below it.
    CgroupLab,
    /// Read a container's cgroup file.
    CgroupRead {
        #[serde(default = "main_container")]
        container: String,
        file: String,
    },
    /// Run the classic chroot escape from inside a container: `chroot` into a
    /// subdirectory, `chdir("..")` past the root, `chroot(".")`, then compare the `/`
    /// reached with the host's. Works against `chroot`, fails against `pivot_root`.
    Breakout {
        #[serde(default = "main_container")]
        container: String,
    },
    /// Wait for a container's main process to exit.
    Wait {
        #[serde(default = "main_container")]
        container: String,
    },
    /// Stop and tear down a container.
    Stop {
        #[serde(default = "main_container")]
        container: String,
    },
    /// Copy YAML files of the lesson's directory into the lesson's work directory and load
    /// them as the RBAC policy that later `rbac-*` steps and checks ask. Errors name
    /// `file:line`.
    RbacLoad { files: Vec<String> },
    /// Ask the loaded policy one question, as `kubectl auth can-i`: prints `yes`/`no` and
    /// the explanation.
    RbacCanI(RbacAsk),
    /// The access matrix (resources × verbs) of a user in a namespace.
    RbacMatrix(RbacWho),
    /// Who may do `verb` on `resource`.
    RbacWhoCan {
        verb: String,
        resource: String,
        namespace: Option<String>,
        #[serde(default)]
        cluster: bool,
    },
    /// May a user create the RBAC object in `file` (a lesson file) without escalating?
    RbacCheckCreate {
        file: String,
        #[serde(rename = "as")]
        user: String,
        #[serde(default)]
        groups: Vec<String>,
    },
    /// Run lines of the Raft script language (`campaign 1`, `partition 1,2 | 3`, `tick 5`,
    /// `expect leader 1`…) on the lesson's simulated cluster, made on first use with
    /// `nodes` (default 3) and `seed` (default 1); `nodes`/`config` lines may come only
    /// before the cluster exists. The new timeline lines are the step's output.
    /// `fresh = true` discards the lesson's cluster first and builds a new one.
    Raft {
        script: String,
        nodes: Option<usize>,
        seed: Option<u64>,
        #[serde(default)]
        fresh: bool,
    },
    /// Drive a real etcd cluster on 127.0.0.1: `start` (3 members), `status`,
    /// `kill-leader` (prints the measured election time), `put`, `get`, `stop`.
    Etcd {
        op: EtcdOp,
        key: Option<String>,
        value: Option<String>,
    },
    /// Operate the OCI runtime on the lesson's bundle, as `contlab runtime OP` (or
    /// runc) would. A refused command is not a failed step: its message and exit
    /// status 1 are the output, for checks to look at.
    Runtime(Box<RuntimeStep>),
    /// Build the networking track's node: its namespace with the `cni0` bridge on
    /// `pod_cidr`, and its pods (see `runtime::node`). The lesson's shell then runs in
    /// the node's namespace.
    NetNode {
        #[serde(default = "default_pod_cidr")]
        pod_cidr: String,
        pods: Vec<NetPod>,
    },
    /// Make a ClusterIP Service in the node's nat table, as kube-proxy's iptables mode
    /// does; `endpoints` are pod names.
    NetService {
        name: String,
        cluster_ip: String,
        #[serde(default = "http_port")]
        port: u16,
        endpoints: Vec<String>,
        /// The port's name (`http`): the cluster DNS gives it an SRV record.
        port_name: Option<String>,
        /// `ClientIP` (kube-proxy's `recent` match) or `None` (the default).
        #[serde(default)]
        session_affinity: SessionAffinity,
        /// `sessionAffinityConfig.clientIP.timeoutSeconds`.
        #[serde(default = "affinity_timeout")]
        affinity_timeout: u32,
        /// `type: NodePort` with this port (KUBE-NODEPORTS).
        node_port: Option<u16>,
    },
    /// Start the node's cluster DNS server (`runtime::dns`) on the bridge's address,
    /// answering for the lesson's Services and pods with records of `ttl` seconds, and
    /// write the kubelet's `/etc/resolv.conf` into every pod and the node's shell.
    /// `cluster_ip = "None"` in a later `net-service` makes a headless Service.
    NetDns {
        #[serde(default = "dns_ttl")]
        ttl: u32,
    },
    /// Start the node's Ingress controller (`runtime::ingress`) on the bridge's address,
    /// port 80, routing by the Ingress in the lesson's `file` (YAML or JSON), which is
    /// copied into the lesson's work directory (the host shell's) for the student to
    /// edit; the proxy follows each edit of it. Run again, it copies the lesson's file
    /// again and reloads; a file it refuses fails the action and the proxy keeps its
    /// rules.
    NetIngress { file: String },
    /// Start etcd (`members`: 1 or 3) and contlab's API server on 127.0.0.1 for the
    /// lesson (`lesson::api_step`); the host shell then gets `KUBECONFIG`,
    /// `ETCDCTL_ENDPOINTS`, `APISERVER`, `CACERT`, `CERT`, `KEY` and `AUDIT_LOG`.
    ApiStart {
        #[serde(default = "one")]
        members: usize,
    },
    /// Run a command line (`/bin/sh -c`) on the host with the API server's environment
    /// (`kubectl …`, `etcdctl …`, `curl …`): its output and exit status are the step's.
    ApiRun { cmd: String },
}

fn one() -> usize {
    1
}

/// A Service's `sessionAffinity`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum SessionAffinity {
    #[default]
    None,
    #[serde(rename = "ClientIP")]
    ClientIp,
}

fn affinity_timeout() -> u32 {
    10800
}

fn dns_ttl() -> u32 {
    30
}

fn http_port() -> u16 {
    80
}

/// A pod of a `net-node` action.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetPod {
    pub name: String,
    /// Runs a web server answering with the pod's name.
    #[serde(default = "yes")]
    pub serve: bool,
    /// Its server answers every path (status 200, its name), as an app behind an
    /// Ingress does; off, busybox httpd serves `/` only.
    #[serde(default)]
    pub any_path: bool,
    /// Its veth's node end is a port of `cni0` and up; off, the student attaches it.
    #[serde(default = "yes")]
    pub attach: bool,
}

fn yes() -> bool {
    true
}

pub fn default_pod_cidr() -> String {
    "10.244.1.0/24".to_string()
}

/// The part of the engine that carries out an action or evaluates a check: one module
/// per track (`container_step`, `oci_step`, `rbac_step`, `raft_step`), and the checks
/// every track shares (`exit`, `output`, `answer`). A new track adds a family and a
/// module, not arms to the engine's match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Containers made by the runtime: namespaces, cgroups, mounts, breakout.
    Container,
    /// The OCI runtime's lifecycle on a bundle.
    Oci,
    Rbac,
    /// The simulated Raft cluster and the real etcd cluster.
    Raft,
    /// The networking track's node: its bridge, pods and their links.
    Net,
    /// etcd and the API server of the API server track.
    Api,
    /// Nothing of a track: the host's own state, and the last command's end and output.
    Common,
}

impl Action {
    pub fn family(&self) -> Family {
        match self {
            Action::Host => Family::Common,
            Action::Start(_)
            | Action::Exec { .. }
            | Action::HostExec { .. }
            | Action::CgroupWrite { .. }
            | Action::CgroupLab
            | Action::CgroupRead { .. }
            | Action::Breakout { .. }
            | Action::Wait { .. }
            | Action::Stop { .. } => Family::Container,
            Action::RbacLoad { .. }
            | Action::RbacCanI(_)
            | Action::RbacMatrix(_)
            | Action::RbacWhoCan { .. }
            | Action::RbacCheckCreate { .. } => Family::Rbac,
            Action::Raft { .. } | Action::Etcd { .. } => Family::Raft,
            Action::Runtime(_) => Family::Oci,
            Action::NetNode { .. }
            | Action::NetService { .. }
            | Action::NetDns { .. }
            | Action::NetIngress { .. } => Family::Net,
            Action::ApiStart { .. } | Action::ApiRun { .. } => Family::Api,
        }
    }
}

/// One RBAC request as a lesson writes it. `namespace` defaults to `default`; `cluster =
/// true` asks at cluster scope (no namespace, so only ClusterRoleBindings count). The TUI's
/// request builder sends the same shape to the engine, which echoes it in the panel.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RbacAsk {
    pub verb: String,
    /// `pods`, `pods/log`, `deployments.apps/scale`, or a URL such as `/healthz`.
    pub resource: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    #[serde(default)]
    pub cluster: bool,
    /// The user; `system:serviceaccount:NS:NAME` gets its service-account groups.
    #[serde(rename = "as")]
    pub user: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A user and a place, for the access matrix.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RbacWho {
    #[serde(rename = "as")]
    pub user: String,
    #[serde(default)]
    pub groups: Vec<String>,
    pub namespace: Option<String>,
    #[serde(default)]
    pub cluster: bool,
}

/// What an `etcd` action does.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum EtcdOp {
    Start,
    Status,
    KillLeader,
    Put,
    Get,
    Stop,
}

/// One `runtime` action.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimeStep {
    pub op: RuntimeOp,
    /// The container id (also the name checks use).
    #[serde(default = "main_container")]
    pub id: String,
    /// `kill`: the signal (default TERM).
    pub signal: Option<String>,
    /// `kill`: wait until the container has stopped.
    #[serde(default)]
    pub wait: bool,
    /// `delete --force`.
    #[serde(default)]
    pub force: bool,
    /// `exec`: the command.
    pub cmd: Option<Vec<String>>,
    /// `show`/`set`: a config.json field, dotted (`process.args`, `linux.resources`).
    pub field: Option<String>,
    /// `set`: the field's new value, as JSON (`null` removes it). `{pid:ID}` stands for
    /// the host pid of the running container ID.
    pub value: Option<String>,
    /// Which runtime: contlab (default), runc, or both (outputs side by side).
    #[serde(default)]
    pub with: With,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeOp {
    /// Put a root filesystem (`contlab rootfs build`) into the bundle.
    Rootfs,
    /// Write the default config.json.
    Spec,
    Show,
    Set,
    #[default]
    Create,
    Start,
    State,
    Kill,
    Delete,
    Exec,
    List,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum With {
    #[default]
    Contlab,
    Runc,
    Both,
}

pub fn main_container() -> String {
    "main".to_string()
}

/// A container to start: the runtime's options, as a lesson spells them.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StartSpec {
    #[serde(default = "main_container")]
    pub name: String,
    /// `pid,net,mount,uts,ipc,user,cgroup`, `all`, or empty for none.
    #[serde(default)]
    pub namespaces: String,
    /// `host`, `chroot` or `pivot`.
    pub rootfs: Option<String>,
    pub hostname: Option<String>,
    pub memory: Option<String>,
    pub cpus: Option<String>,
    pub pids: Option<String>,
    #[serde(default)]
    pub map_root: bool,
    /// Mount a fresh `/proc` for a new pid namespace (default true). Lessons set it
    /// false to show `ps` reading the host's `/proc` before the student remounts it.
    pub mount_proc: Option<bool>,
    /// Bring `lo` up in a new network namespace (default true); false leaves the stack
    /// as the kernel makes it, with `lo` down.
    pub loopback: Option<bool>,
    /// Keep contlab's init as PID 1 with the command as its child (`docker run
    /// --init`); default false: the command is PID 1, as with runc.
    #[serde(default)]
    pub init: bool,
    /// Connect this container to another one by a veth pair.
    pub veth: Option<VethSpec>,
    /// `oci-default` (default) or `all` (for lessons that mount inside).
    pub capabilities: Option<String>,
    /// The main process; default: a shell that waits (`sh`).
    pub cmd: Option<Vec<String>>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VethSpec {
    /// The other container.
    pub peer: String,
    /// This end's address, `10.200.0.1/24`.
    pub addr: String,
    pub peer_addr: String,
}

/// Same as the host, or different.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    Same,
    Differs,
}

/// A check on observed state. Each failing check says what it saw and what it expected.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "check", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Check {
    /// A namespace of the container compared with the host's (`/proc/PID/ns/*` inodes).
    Ns {
        #[serde(default = "main_container")]
        container: String,
        ns: String,
        host: Relation,
    },
    /// A namespace of the container compared with another container's: the pod's
    /// sharing, where one joins the other's namespace by path.
    NsShared {
        #[serde(default = "main_container")]
        container: String,
        /// The other container.
        with: String,
        ns: String,
        /// Whether both are in the same namespace.
        shared: bool,
    },
    /// Processes visible inside: how many, and pid 1's command.
    Processes {
        #[serde(default = "main_container")]
        container: String,
        count: Option<u32>,
        max: Option<u32>,
        pid1: Option<String>,
    },
    /// The container's main process: its pid inside, and that it differs outside.
    Pid {
        #[serde(default = "main_container")]
        container: String,
        inside: i32,
    },
    /// The hostname seen inside.
    Hostname {
        #[serde(default = "main_container")]
        container: String,
        equals: Option<String>,
        host: Option<Relation>,
    },
    /// The uid inside, and the host uid it maps to.
    Uid {
        #[serde(default = "main_container")]
        container: String,
        inside: u32,
        /// When set: whether the host uid equals the inside uid (`same`) or not (`differs`).
        outside: Option<Relation>,
    },
    /// Whether a mount point made inside shows in the host's mount table.
    Mount {
        #[serde(default = "main_container")]
        container: String,
        /// The mount point as seen inside the container.
        path: String,
        on_host: bool,
    },
    /// A cgroup file's value, by the name this machine's cgroup version uses, or by the
    /// other version's name (contlab translates `memory.max` ↔ `memory.limit_in_bytes`).
    /// `file` may name a key of a flat-keyed file: `cpu.stat:nr_throttled`.
    Cgroup {
        #[serde(default = "main_container")]
        container: String,
        file: String,
        equals: Option<String>,
        /// A number the value must be at least (for counters).
        at_least: Option<u64>,
    },
    /// The container's process is in its own cgroup.
    CgroupMember {
        #[serde(default = "main_container")]
        container: String,
    },
    /// Whether the OOM killer killed a process of the container.
    Oom {
        #[serde(default = "main_container")]
        container: String,
        killed: bool,
    },
    /// How the last command (or the container's main process, after `wait`) ended.
    Exit {
        code: Option<i32>,
        signal: Option<String>,
    },
    /// The last command's output matches a regular expression.
    Output {
        matches: String,
        #[serde(default)]
        negate: bool,
    },
    /// A file exists (or not) in the container's root filesystem.
    File {
        #[serde(default = "main_container")]
        container: String,
        path: String,
        exists: bool,
    },
    /// Whether the last `breakout` reached the host's root directory.
    Escape { escaped: bool },
    /// A link of the container's network namespace, as netlink reports it: up
    /// (`IFF_UP`) or not, and an address it holds (`10.201.0.1/24`).
    Link {
        #[serde(default = "main_container")]
        container: String,
        link: String,
        up: Option<bool>,
        addr: Option<String>,
    },
    /// A process the container's `/proc` shows, found by its command name and decided
    /// by the kernel's record of it: its pid in its own pid namespace (the last `NSpid`
    /// entry), whether its pid namespace is another than the container's and whether its
    /// user namespace is a child of the container's (`/proc/PID/ns/*`), its parent's pid as the container sees it (`PPid`), whether
    /// the `/proc` it sees is another procfs than the container's (one mounted for its
    /// own pid namespace), and its uid inside its user namespace (`uid_map`). Passes when
    /// one process of that name holds all that is asked.
    Process {
        #[serde(default = "main_container")]
        container: String,
        comm: String,
        pid_inside: Option<i32>,
        ppid: Option<i32>,
        own_proc: Option<bool>,
        own_pid_ns: Option<bool>,
        own_user_ns: Option<bool>,
        uid_inside: Option<u32>,
    },
    /// A System V message queue with `perms` (octal, as `ipcs` prints them) in the
    /// container's IPC namespace (`/proc/sysvipc/msg` read from inside it), and whether
    /// the host's IPC namespace has one with the same permissions too.
    SysvQueue {
        #[serde(default = "main_container")]
        container: String,
        perms: String,
        #[serde(default)]
        on_host: bool,
    },
    /// A cgroup the student made by hand in the lesson's lab cgroup (`cgroup-lab`): it
    /// exists; with `shell = true` the host shell's pid is in its `cgroup.procs`;
    /// `memory` is its memory limit in bytes (`memory.max`, v1 `memory.limit_in_bytes`);
    /// `oom_kill` whether the OOM killer has killed in it.
    HandCgroup {
        name: String,
        #[serde(default)]
        shell: bool,
        memory: Option<String>,
        oom_kill: Option<bool>,
    },
    /// A quiz's answer is the right one.
    Answer,
    /// The verdict of the RBAC policy loaded by `rbac-load` (re-read from the work files,
    /// so a student's edits count) for one request.
    Rbac {
        verb: String,
        resource: String,
        name: Option<String>,
        namespace: Option<String>,
        #[serde(default)]
        cluster: bool,
        #[serde(rename = "as")]
        user: String,
        #[serde(default)]
        groups: Vec<String>,
        allowed: bool,
    },
    /// Whether a user may create the RBAC object in `file` without escalating.
    RbacCreate {
        file: String,
        #[serde(rename = "as")]
        user: String,
        #[serde(default)]
        groups: Vec<String>,
        allowed: bool,
    },
    /// An `expect` line of the Raft script language (`leader 1 term 1`, `no-leader`,
    /// `committed 3 on 1,2`…) holds on the lesson's simulated cluster.
    Raft { expect: String },
    /// The lesson's etcd cluster: whether its live members agree on a leader, and how many
    /// members run.
    Etcd {
        leader: Option<bool>,
        members_up: Option<usize>,
    },
    /// A real HTTP request from inside pod `from` to pod `to`'s address: answered with
    /// `to`'s name (`reach = true`) or not answered.
    NetReach {
        from: String,
        to: String,
        #[serde(default = "yes")]
        reach: bool,
    },
    /// A link of the node's namespace: up or not, a port of a bridge or not.
    NetLink {
        link: String,
        up: Option<bool>,
        master: Option<String>,
    },
    /// `requests` real requests from pod `from` to a Service's ClusterIP: every one is
    /// answered, and each endpoint's share is within the bounds a fair random choice
    /// allows (4 standard deviations of the binomial count).
    NetSpread {
        from: String,
        service: String,
        #[serde(default = "spread_requests")]
        requests: u32,
        /// The pods that should share the answers, when not the Service's endpoints as
        /// the lesson made them (after the student rewrote its rules): any other pod's
        /// answer fails the check.
        endpoints: Option<Vec<String>>,
        /// Send the requests to the node's address at the Service's node port instead of
        /// its ClusterIP.
        #[serde(default)]
        node_port: bool,
        /// Ask for a round robin's shares: each endpoint exactly `requests / n`.
        #[serde(default)]
        exact: bool,
    },
    /// `requests` real requests from pod `from` to a Service's ClusterIP: every one is
    /// answered, all by the same endpoint (`sessionAffinity: ClientIP`).
    NetAffinity {
        from: String,
        service: String,
        #[serde(default = "affinity_requests")]
        requests: u32,
    },
    /// A rule of the node's nat table, as `iptables -t nat -S` lists it: in `chain`,
    /// carrying the comment `comment`, containing the text `matches`; `present = false`
    /// asks that no such rule is left. With only `chain`, the chain itself.
    NetRule {
        chain: Option<String>,
        comment: Option<String>,
        matches: Option<String>,
        #[serde(default = "yes")]
        present: bool,
    },
    /// `requests` real HTTP requests (`GET path`, with `Host: host`, by default the
    /// address) from inside pod `from` to `to` (an address: the Ingress proxy's, a
    /// ClusterIP) at `port`: every one answered with status 200, each by one of the pods
    /// `backends` (their bodies are their names), and each of them answering at least
    /// once. Before the requests, the Ingress proxy reads its file if it changed; a file
    /// it refused fails the check with the refusal's sentence.
    NetHttp {
        from: String,
        to: String,
        #[serde(default = "http_port")]
        port: u16,
        #[serde(default = "root_path")]
        path: String,
        host: Option<String>,
        #[serde(default = "http_requests")]
        requests: u32,
        backends: Vec<String>,
    },
    /// A container of the lesson's runtime root, as `runtime state ID` reports it: its
    /// OCI status, or `absent` when the runtime knows no container of that id.
    OciState { id: String, status: OciStatus },
    /// A container of the lesson's podman (its private storage) by `name`: podman's
    /// status (`running`, `exited`, …) and the OCI runtime it was run with (`runc` or
    /// `contlab`); for `contlab`, the lesson's runtime root must also hold the container
    /// (by podman's id) with the same status, so contlab really ran it.
    Podman {
        name: String,
        runtime: String,
        status: String,
    },
    /// A value of the bundle's `config.json` at a JSON pointer (`/linux/resources/memory/limit`):
    /// equal to `equals` (a TOML value, compared as JSON), or, with `absent = true`, missing.
    OciConfig {
        pointer: String,
        equals: Option<serde_json::Value>,
        #[serde(default)]
        absent: bool,
    },
    /// How `config.json`'s `linux.namespaces` lists one namespace type (`network`, `pid`):
    /// not at all (the container stays in the runtime's), new, or joined by path.
    OciNamespace { ns: String, entry: NsEntry },
    /// Whether `config.json`'s `mounts` has an entry for `destination`.
    OciMount {
        destination: String,
        #[serde(default = "yes")]
        listed: bool,
    },
    /// A question to the node's cluster DNS server, asked from inside the node's
    /// namespace: `name` resolves to exactly `answers` (addresses, or SRV data such as
    /// `0 100 80 web.default.svc.cluster.local.`), or is NXDOMAIN; `ttl` is the TTL
    /// every answer carries.
    DnsResolve {
        name: String,
        #[serde(rename = "type", default = "a_record")]
        qtype: String,
        answers: Option<Vec<String>>,
        #[serde(default)]
        nxdomain: bool,
        ttl: Option<u32>,
    },
    /// The DNS server's log of the last lookup of `name` (by a pod or the node's shell;
    /// the lab's own questions do not count): the queries it took (each search-list
    /// expansion and each record type is one), and whether an address came back.
    DnsLog {
        name: String,
        queries: Option<u32>,
        answered: Option<bool>,
    },
    /// A key of the lesson's etcd, read with `etcdctl get -w json`: it exists (or, with
    /// `absent = true`, not), its value, how many times it was written since it was made
    /// (etcd's `version`), whether a lease holds it, and whether its history before the
    /// current value was compacted away (a read at `mod_revision - 1` is refused).
    EtcdKey {
        key: String,
        value: Option<String>,
        #[serde(default)]
        absent: bool,
        versions_at_least: Option<i64>,
        leased: Option<bool>,
        history_compacted: Option<bool>,
    },
    /// An object as the API server stored it in etcd, `/registry/<resource>/<ns>/<name>`
    /// (no `namespace`: a cluster-scoped one): it exists (or, with `absent = true`, not),
    /// and the JSON value at `pointer` (`/data/soup`) equals `equals`.
    ApiObject {
        resource: String,
        namespace: Option<String>,
        name: String,
        #[serde(default)]
        absent: bool,
        pointer: Option<String>,
        equals: Option<serde_json::Value>,
    },
    /// The live API server's RBAC verdict, asked as `kubectl auth can-i VERB RESOURCE
    /// --as USER` by the lesson's admin.
    ApiVerdict {
        verb: String,
        resource: String,
        namespace: Option<String>,
        #[serde(rename = "as")]
        user: String,
        #[serde(default)]
        groups: Vec<String>,
        allowed: bool,
    },
    /// The API server's audit log has a line matching a regular expression (or, with
    /// `negate = true`, none).
    Audit {
        matches: String,
        #[serde(default)]
        negate: bool,
    },
}

/// A container's status as the OCI runtime spec names it, or `absent`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OciStatus {
    Creating,
    Created,
    Running,
    Stopped,
    Absent,
}

impl OciStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OciStatus::Creating => "creating",
            OciStatus::Created => "created",
            OciStatus::Running => "running",
            OciStatus::Stopped => "stopped",
            OciStatus::Absent => "absent",
        }
    }
}

/// One namespace type's entry in `linux.namespaces`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NsEntry {
    /// Not listed: the container shares the runtime's namespace of that type.
    Absent,
    /// Listed without a path: the runtime makes a new one.
    New,
    /// Listed with a `path`: the container joins that namespace.
    Path,
}

fn a_record() -> String {
    "A".to_string()
}

fn root_path() -> String {
    "/".to_string()
}

fn http_requests() -> u32 {
    4
}

fn spread_requests() -> u32 {
    40
}

fn affinity_requests() -> u32 {
    20
}

/// `en.toml` / `ko.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonText {
    pub title: String,
    pub summary: String,
    #[serde(rename = "step", default)]
    pub steps: BTreeMap<String, StepText>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepText {
    pub title: String,
    /// Markdown; code blocks in fences with a language.
    pub body: String,
    /// Tiered hints, gentlest first (after the levelled `hint`).
    #[serde(default)]
    pub hints: Vec<String>,
    /// A task's hint in three levels: `hint.concept`, `hint.where`, `hint.command`.
    #[serde(default)]
    pub hint: LevelledHint,
    /// A hint for a specific failing check, keyed by the check's kind (e.g. `mount`).
    #[serde(default)]
    pub check_hints: BTreeMap<String, String>,
    /// A quiz's choices, keyed by choice id.
    #[serde(default)]
    pub choices: BTreeMap<String, String>,
    /// Shown after the step passes: why it matters.
    pub explain: Option<String>,
}

/// A task's hint in three levels, revealed in this order: the concept behind the task,
/// where to look (the file, the panel, the man page), then the command itself.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LevelledHint {
    pub concept: Option<String>,
    #[serde(rename = "where")]
    pub where_: Option<String>,
    pub command: Option<String>,
}

impl LevelledHint {
    /// The levels' keys as a lesson writes them, with their text.
    pub fn levels(&self) -> [(&'static str, Option<&String>); 3] {
        [
            ("hint.concept", self.concept.as_ref()),
            ("hint.where", self.where_.as_ref()),
            ("hint.command", self.command.as_ref()),
        ]
    }
}

impl StepText {
    /// The hints in the order `h` reveals them: the levelled hint (concept, where,
    /// command), then the tiered `hints`.
    pub fn tiered_hints(&self) -> Vec<String> {
        self.hint
            .levels()
            .into_iter()
            .filter_map(|(_, h)| h.cloned())
            .chain(self.hints.iter().cloned())
            .collect()
    }
}

impl Check {
    /// The check's kind as written in a lesson (`ns`, `cgroup`, …).
    pub fn family(&self) -> Family {
        match self {
            Check::Ns { .. }
            | Check::NsShared { .. }
            | Check::Processes { .. }
            | Check::Pid { .. }
            | Check::Hostname { .. }
            | Check::Uid { .. }
            | Check::Mount { .. }
            | Check::Cgroup { .. }
            | Check::CgroupMember { .. }
            | Check::Oom { .. }
            | Check::File { .. }
            | Check::Escape { .. }
            | Check::Link { .. }
            | Check::Process { .. }
            | Check::SysvQueue { .. }
            | Check::HandCgroup { .. } => Family::Container,
            Check::Exit { .. } | Check::Output { .. } | Check::Answer => Family::Common,
            Check::Rbac { .. } | Check::RbacCreate { .. } => Family::Rbac,
            Check::Raft { .. } | Check::Etcd { .. } => Family::Raft,
            Check::NetReach { .. }
            | Check::NetLink { .. }
            | Check::NetSpread { .. }
            | Check::NetAffinity { .. }
            | Check::NetRule { .. }
            | Check::NetHttp { .. }
            | Check::DnsResolve { .. }
            | Check::DnsLog { .. } => Family::Net,
            Check::OciState { .. }
            | Check::OciConfig { .. }
            | Check::OciNamespace { .. }
            | Check::OciMount { .. }
            | Check::Podman { .. } => Family::Oci,
            Check::EtcdKey { .. }
            | Check::ApiObject { .. }
            | Check::ApiVerdict { .. }
            | Check::Audit { .. } => Family::Api,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Check::Ns { .. } => "ns",
            Check::NsShared { .. } => "ns-shared",
            Check::Processes { .. } => "processes",
            Check::Pid { .. } => "pid",
            Check::Hostname { .. } => "hostname",
            Check::Uid { .. } => "uid",
            Check::Mount { .. } => "mount",
            Check::Cgroup { .. } => "cgroup",
            Check::CgroupMember { .. } => "cgroup-member",
            Check::Oom { .. } => "oom",
            Check::Exit { .. } => "exit",
            Check::Output { .. } => "output",
            Check::File { .. } => "file",
            Check::Escape { .. } => "escape",
            Check::Link { .. } => "link",
            Check::Process { .. } => "process",
            Check::SysvQueue { .. } => "sysv-queue",
            Check::HandCgroup { .. } => "hand-cgroup",
            Check::Answer => "answer",
            Check::Rbac { .. } => "rbac",
            Check::RbacCreate { .. } => "rbac-create",
            Check::Raft { .. } => "raft",
            Check::Etcd { .. } => "etcd",
            Check::NetReach { .. } => "net-reach",
            Check::NetLink { .. } => "net-link",
            Check::NetSpread { .. } => "net-spread",
            Check::NetAffinity { .. } => "net-affinity",
            Check::NetRule { .. } => "net-rule",
            Check::NetHttp { .. } => "net-http",
            Check::OciState { .. } => "oci-state",
            Check::OciConfig { .. } => "oci-config",
            Check::OciNamespace { .. } => "oci-namespace",
            Check::OciMount { .. } => "oci-mount",
            Check::Podman { .. } => "podman",
            Check::DnsResolve { .. } => "dns-resolve",
            Check::DnsLog { .. } => "dns-log",
            Check::EtcdKey { .. } => "etcd-key",
            Check::ApiObject { .. } => "api-object",
            Check::ApiVerdict { .. } => "api-verdict",
            Check::Audit { .. } => "audit",
        }
    }
}
