//! An OCI bundle's `config.json`, read with `oci-spec` and turned into the runtime's
//! own [`ContainerSpec`]. Every field of the runtime spec present is either honoured or
//! refused by name ("not supported yet"); properties the spec does not define are
//! ignored, as the spec requires (logged at debug level).

use crate::runtime::cgroup::{
    BlockIo, CpuLimit, CpuRt, Cpuset, DeviceRule, Limits, MemoryMore, Throttle, WeightDevice,
};
use crate::runtime::spec::{
    CapSets, Capabilities, ContainerSpec, DeviceNode, IdMap, IdMaps, MountSpec, Namespace,
    Namespaces, Network, Overrides, Rlimit, RootfsMode, User,
};
use anyhow::{Context, Result};
use nix::mount::MsFlags;
use oci_spec::runtime::{Hook, Linux, LinuxDeviceType, LinuxNamespaceType, Spec};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The fields contlab honours, as paths: `a.b` for object keys, `[]` for array elements,
/// `*` for any key of a free-form map.
const SUPPORTED: &[&str] = &[
    "ociVersion",
    "process",
    "process.terminal",
    "process.user",
    "process.user.uid",
    "process.user.gid",
    "process.user.umask",
    "process.user.additionalGids",
    "process.args",
    "process.env",
    "process.cwd",
    "process.capabilities",
    "process.capabilities.bounding",
    "process.capabilities.effective",
    "process.capabilities.inheritable",
    "process.capabilities.permitted",
    "process.capabilities.ambient",
    "process.rlimits",
    "process.rlimits[]",
    "process.rlimits[].type",
    "process.rlimits[].soft",
    "process.rlimits[].hard",
    "process.noNewPrivileges",
    "root",
    "root.path",
    "root.readonly",
    "hostname",
    "mounts",
    "mounts[]",
    "mounts[].destination",
    "mounts[].type",
    "mounts[].source",
    "mounts[].options",
    "hooks",
    "hooks.prestart",
    "hooks.createRuntime",
    "hooks.createContainer",
    "hooks.startContainer",
    "hooks.poststart",
    "hooks.poststop",
    "hooks.*[]",
    "hooks.*[].path",
    "hooks.*[].args",
    "hooks.*[].env",
    "hooks.*[].timeout",
    "annotations",
    "annotations.*",
    "linux",
    "linux.namespaces",
    "linux.namespaces[]",
    "linux.namespaces[].type",
    "linux.namespaces[].path",
    "linux.uidMappings",
    "linux.gidMappings",
    "linux.uidMappings[]",
    "linux.gidMappings[]",
    "linux.uidMappings[].containerID",
    "linux.uidMappings[].hostID",
    "linux.uidMappings[].size",
    "linux.gidMappings[].containerID",
    "linux.gidMappings[].hostID",
    "linux.gidMappings[].size",
    "linux.resources",
    "linux.resources.memory",
    "linux.resources.memory.limit",
    "linux.resources.memory.swap",
    "linux.resources.memory.reservation",
    "linux.resources.memory.swappiness",
    "linux.resources.memory.disableOOMKiller",
    "linux.resources.memory.kernel",
    "linux.resources.memory.kernelTCP",
    "linux.resources.cpu",
    "linux.resources.cpu.quota",
    "linux.resources.cpu.period",
    "linux.resources.cpu.shares",
    "linux.resources.cpu.cpus",
    "linux.resources.cpu.mems",
    "linux.resources.cpu.realtimeRuntime",
    "linux.resources.cpu.realtimePeriod",
    "linux.resources.blockIO",
    "linux.resources.blockIO.weight",
    "linux.resources.blockIO.leafWeight",
    "linux.resources.blockIO.weightDevice",
    "linux.resources.blockIO.weightDevice[]",
    "linux.resources.blockIO.weightDevice[].major",
    "linux.resources.blockIO.weightDevice[].minor",
    "linux.resources.blockIO.weightDevice[].weight",
    "linux.resources.blockIO.weightDevice[].leafWeight",
    "linux.resources.blockIO.throttleReadBpsDevice",
    "linux.resources.blockIO.throttleWriteBpsDevice",
    "linux.resources.blockIO.throttleReadIOPSDevice",
    "linux.resources.blockIO.throttleWriteIOPSDevice",
    "linux.resources.blockIO.throttleReadBpsDevice[]",
    "linux.resources.blockIO.throttleWriteBpsDevice[]",
    "linux.resources.blockIO.throttleReadIOPSDevice[]",
    "linux.resources.blockIO.throttleWriteIOPSDevice[]",
    "linux.resources.blockIO.throttleReadBpsDevice[].major",
    "linux.resources.blockIO.throttleReadBpsDevice[].minor",
    "linux.resources.blockIO.throttleReadBpsDevice[].rate",
    "linux.resources.blockIO.throttleWriteBpsDevice[].major",
    "linux.resources.blockIO.throttleWriteBpsDevice[].minor",
    "linux.resources.blockIO.throttleWriteBpsDevice[].rate",
    "linux.resources.blockIO.throttleReadIOPSDevice[].major",
    "linux.resources.blockIO.throttleReadIOPSDevice[].minor",
    "linux.resources.blockIO.throttleReadIOPSDevice[].rate",
    "linux.resources.blockIO.throttleWriteIOPSDevice[].major",
    "linux.resources.blockIO.throttleWriteIOPSDevice[].minor",
    "linux.resources.blockIO.throttleWriteIOPSDevice[].rate",
    "linux.resources.pids",
    "linux.resources.pids.limit",
    "linux.resources.devices",
    "linux.resources.devices[]",
    "linux.resources.devices[].allow",
    "linux.resources.devices[].type",
    "linux.resources.devices[].major",
    "linux.resources.devices[].minor",
    "linux.resources.devices[].access",
    "linux.devices",
    "linux.devices[]",
    "linux.devices[].path",
    "linux.devices[].type",
    "linux.devices[].major",
    "linux.devices[].minor",
    "linux.devices[].fileMode",
    "linux.devices[].uid",
    "linux.devices[].gid",
    "linux.sysctl",
    "linux.sysctl.*",
    "linux.seccomp",
    "linux.seccomp.defaultAction",
    "linux.seccomp.defaultErrnoRet",
    "linux.seccomp.architectures",
    "linux.seccomp.flags",
    "linux.seccomp.listenerPath",
    "linux.seccomp.listenerMetadata",
    "linux.seccomp.syscalls",
    "linux.seccomp.syscalls[]",
    "linux.seccomp.syscalls[].names",
    "linux.seccomp.syscalls[].action",
    "linux.seccomp.syscalls[].errnoRet",
    "linux.seccomp.syscalls[].args",
    "linux.seccomp.syscalls[].args[]",
    "linux.seccomp.syscalls[].args[].index",
    "linux.seccomp.syscalls[].args[].value",
    "linux.seccomp.syscalls[].args[].valueTwo",
    "linux.seccomp.syscalls[].args[].op",
    "linux.cgroupsPath",
    "linux.rootfsPropagation",
    "linux.maskedPaths",
    "linux.readonlyPaths",
    "process.oomScoreAdj",
];

/// Field names of the runtime spec that contlab knows but does not implement yet.
const KNOWN_UNSUPPORTED: &[&str] = &[
    "domainname",
    "consoleSize",
    "commandLine",
    "apparmorProfile",
    "selinuxLabel",
    "scheduler",
    "ioPriority",
    "execCPUAffinity",
    "username",
    "mountLabel",
    "intelRdt",
    "personality",
    "timeOffsets",
    "netDevices",
    "memoryPolicy",
    "hugepageLimits",
    "network",
    "rdma",
    "unified",
    "useHierarchy",
    "checkBeforeUpdate",
    "idle",
    "burst",
    "solaris",
    "windows",
    "vm",
    "zos",
];

/// The hooks contlab runs (each also in [`SUPPORTED`]).
pub const HOOKS: &[&str] = &[
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

/// The `mounts[].options` that [`mount_spec`] turns into mount flags or propagation;
/// any other option is passed to the file system as data.
pub const MOUNT_OPTIONS: &[&str] = &[
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "rexec",
    "rnoatime",
    "rnodev",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "rsymfollow",
    "runbindable",
    "rw",
    "shared",
    "slave",
    "strictatime",
    "suid",
    "sync",
    "unbindable",
];

/// True when `pattern` is a supported field; the four hook lists share one shape.
fn supported(pattern: &str) -> bool {
    if SUPPORTED.contains(&pattern) {
        return true;
    }
    for h in HOOKS {
        if let Some(rest) = pattern.strip_prefix(&format!("hooks.{h}["))
            && SUPPORTED.contains(&format!("hooks.*[{rest}").as_str())
        {
            return true;
        }
    }
    false
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Refuses any field of the runtime spec outside [`SUPPORTED`] that asks for something (a
/// null or empty value asks for nothing and passes). Properties the spec does not know
/// are ignored: the spec says a runtime MUST ignore unknown properties.
fn check_fields(v: &Value, pattern: &str, shown: &str) -> Result<()> {
    let child = |key: &str| -> Option<String> {
        let exact = if pattern.is_empty() {
            key.to_string()
        } else {
            format!("{pattern}.{key}")
        };
        if supported(&exact) {
            return Some(exact);
        }
        let any = if pattern.is_empty() {
            "*".to_string()
        } else {
            format!("{pattern}.*")
        };
        supported(&any).then_some(any)
    };
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                let shown_key = if shown.is_empty() {
                    key.clone()
                } else {
                    format!("{shown}.{key}")
                };
                match child(key) {
                    Some(p) => check_fields(value, &p, &shown_key)?,
                    None if is_empty(value) => {}
                    None if KNOWN_UNSUPPORTED.contains(&key.as_str()) => {
                        crate::bail_said!("error-oci-unsupported", what = &shown_key)
                    }
                    None => tracing::debug!("config.json: ignoring unknown property {shown_key}"),
                }
            }
        }
        Value::Array(items) => {
            let p = format!("{pattern}[]");
            if supported(&p) {
                for (i, item) in items.iter().enumerate() {
                    check_fields(item, &p, &format!("{shown}[{i}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A hook, as the runtime spec defines it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HookSpec {
    pub path: PathBuf,
    pub args: Vec<String>,
    /// `None` (no `env` in the bundle): the hook inherits an environment, as runc's
    /// hooks inherit runc's (the command's, for the hooks the init runs).
    #[serde(default)]
    pub env: Option<Vec<String>>,
    pub timeout: Option<u64>,
}

impl From<&Hook> for HookSpec {
    fn from(h: &Hook) -> Self {
        HookSpec {
            path: h.path().clone(),
            args: h.args().clone().unwrap_or_default(),
            env: h.env().clone(),
            timeout: h.timeout().and_then(|t| u64::try_from(t).ok()),
        }
    }
}

/// The hooks contlab runs, by the moment they run.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hooks {
    pub prestart: Vec<HookSpec>,
    pub create_runtime: Vec<HookSpec>,
    /// Run by the init, in the container's namespaces (see `hooks::InitHooks`).
    #[serde(default)]
    pub create_container: Vec<HookSpec>,
    #[serde(default)]
    pub start_container: Vec<HookSpec>,
    pub poststart: Vec<HookSpec>,
    pub poststop: Vec<HookSpec>,
}

/// A bundle read and checked: everything `create` needs.
#[derive(Debug)]
pub struct Bundle {
    /// The bundle directory, absolute.
    pub dir: PathBuf,
    pub spec: Spec,
    /// `root.path`, absolute.
    pub rootfs: PathBuf,
    pub annotations: BTreeMap<String, String>,
    pub hooks: Hooks,
    pub terminal: bool,
}

/// The `ociVersion`s this runtime reads: the 1.x line of the runtime spec.
fn check_version(v: &str) -> Result<()> {
    let mut parts = v.split(['.', '-', '+']);
    let major = parts.next().unwrap_or("");
    let minor = parts.next().unwrap_or("");
    if major != "1" || minor.parse::<u32>().is_err() {
        crate::bail_said!("error-oci-version", version = format!("{v:?}"));
    }
    Ok(())
}

impl Bundle {
    /// Reads `<dir>/config.json`. JSON errors name the line; every field is checked.
    pub fn load(dir: &Path) -> Result<Bundle> {
        let dir = std::path::absolute(dir)
            .with_context(|| format!("cannot resolve the bundle path {}", dir.display()))?;
        let path = dir.join("config.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {}: is {} a bundle (`contlab runtime spec` writes one)?",
                path.display(),
                dir.display()
            )
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            anyhow::Error::new(crate::said!(
                "error-oci-json",
                line = e.line(),
                detail = strip_position(&e.to_string())
            ))
        })?;
        let version = value
            .get("ociVersion")
            .and_then(Value::as_str)
            .context(crate::said!("error-oci-version-missing"))?;
        check_version(version)?;
        check_fields(&value, "", "")?;
        let spec: Spec = serde_json::from_str(&text).map_err(|e| {
            anyhow::Error::new(crate::said!(
                "error-oci-field",
                line = e.line(),
                detail = strip_position(&e.to_string())
            ))
        })?;
        let root = spec
            .root()
            .as_ref()
            .context("config.json: root is missing (the bundle's root filesystem)")?;
        let rootfs = if root.path().is_absolute() {
            root.path().clone()
        } else {
            dir.join(root.path())
        };
        if !rootfs.is_dir() {
            crate::bail_said!("error-oci-no-rootfs", path = rootfs.display());
        }
        let annotations = spec
            .annotations()
            .as_ref()
            .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let hooks = spec
            .hooks()
            .as_ref()
            .map(|h| {
                let list = |v: &Option<Vec<Hook>>| -> Vec<HookSpec> {
                    v.iter().flatten().map(HookSpec::from).collect()
                };
                #[allow(deprecated)]
                let prestart = list(h.prestart());
                Hooks {
                    prestart,
                    create_runtime: list(h.create_runtime()),
                    create_container: list(h.create_container()),
                    start_container: list(h.start_container()),
                    poststart: list(h.poststart()),
                    poststop: list(h.poststop()),
                }
            })
            .unwrap_or_default();
        let terminal = spec
            .process()
            .as_ref()
            .and_then(|p| p.terminal())
            .unwrap_or(false);
        Ok(Bundle {
            dir,
            spec,
            rootfs,
            annotations,
            hooks,
            terminal,
        })
    }

    /// The runtime's spec for container `id` (without stdio, gate or hooks).
    pub fn container_spec(&self) -> Result<ContainerSpec<'static>> {
        let spec = &self.spec;
        let process = spec
            .process()
            .as_ref()
            .context("config.json: process is missing (what to run)")?;
        let args = process.args().clone().unwrap_or_default();
        if args.is_empty() {
            crate::bail_said!("error-oci-no-args");
        }
        if !process.cwd().is_absolute() {
            crate::bail_said!("error-oci-cwd-relative", path = process.cwd().display());
        }
        let linux = spec.linux().as_ref().context(
            "config.json: linux is missing (namespaces and the rest of the Linux settings)",
        )?;
        let mut namespaces = Namespaces::NONE;
        let mut join = Vec::new();
        for n in linux.namespaces().iter().flatten() {
            let ns = match n.typ() {
                LinuxNamespaceType::Pid => Namespace::Pid,
                LinuxNamespaceType::Network => Namespace::Net,
                LinuxNamespaceType::Mount => Namespace::Mount,
                LinuxNamespaceType::Uts => Namespace::Uts,
                LinuxNamespaceType::Ipc => Namespace::Ipc,
                LinuxNamespaceType::User => Namespace::User,
                LinuxNamespaceType::Cgroup => Namespace::Cgroup,
                other => crate::bail_said!(
                    "error-oci-unsupported",
                    what = format!("linux.namespaces type {other:?}")
                ),
            };
            if namespaces.contains(ns) {
                crate::bail_said!("error-oci-ns-twice", ns = ns.name());
            }
            namespaces.insert(ns);
            if let Some(p) = n.path() {
                join.push((ns, p.clone()));
            }
        }
        // Without a mount namespace the root is set up in the host's and entered with
        // chroot, as runc does; the paths it would hide or protect would be the host's.
        let own_mounts = namespaces.contains(Namespace::Mount);
        let hides = |v: &Option<Vec<String>>| v.as_ref().is_some_and(|v| !v.is_empty());
        if !own_mounts && (hides(linux.masked_paths()) || hides(linux.readonly_paths())) {
            crate::bail_said!("error-oci-needs-mount");
        }
        let (user_map, id_maps) = id_map(linux.uid_mappings(), linux.gid_mappings())?;
        if user_map.is_some() && !namespaces.contains(Namespace::User) {
            crate::bail_said!("error-oci-map-needs-user");
        }
        let joins_user = join.iter().any(|(n, _)| *n == Namespace::User);
        if namespaces.contains(Namespace::User) && user_map.is_none() && !joins_user {
            crate::bail_said!("error-oci-user-needs-map");
        }
        let hostname = spec.hostname().clone().filter(|h| !h.is_empty());
        if hostname.is_some() && !namespaces.contains(Namespace::Uts) {
            crate::bail_said!("error-oci-hostname-needs-uts");
        }
        let mut limits = limits(linux.resources())?;
        let (rules, devices) = devices(linux)?;
        limits.devices = rules;
        // `pause` and `resume` need the freezer, as runc's containers have it.
        limits.freezer = true;
        // `update --blkio-weight` needs the blkio (v1) or io (v2) controller, as runc's
        // containers have it.
        limits.blkio = true;
        let cgroup_path = linux
            .cgroups_path()
            .as_ref()
            .map(|p| cgroup_path(p))
            .transpose()?;
        let capabilities = Capabilities::Sets(cap_sets(process.capabilities())?);
        let rlimits = process
            .rlimits()
            .iter()
            .flatten()
            .map(|r| {
                let name = serde_json::to_value(r.typ())
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                // setrlimit would refuse it (EINVAL) only at `start`, in the init,
                // after `create` has returned: say it now, where the caller reads it.
                if r.soft() > r.hard() {
                    crate::bail_said!(
                        "error-oci-rlimit-soft-above-hard",
                        name = name,
                        soft = r.soft(),
                        hard = r.hard()
                    );
                }
                Ok(Rlimit {
                    resource: rlimit_number(&name)?,
                    soft: r.soft(),
                    hard: r.hard(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let u = process.user();
        let user = User {
            uid: u.uid(),
            gid: u.gid(),
            additional_gids: u.additional_gids().clone().unwrap_or_default(),
            umask: u.umask(),
        };
        let mounts = spec
            .mounts()
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, m)| {
                mount_spec(
                    i,
                    m.destination(),
                    m.typ().as_deref(),
                    m.source().as_deref(),
                    m.options().as_deref().unwrap_or(&[]),
                    &self.dir,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let root = spec.root().as_ref();
        Ok(ContainerSpec {
            namespaces,
            rootfs: if own_mounts {
                RootfsMode::PivotRoot
            } else {
                RootfsMode::Chroot
            },
            rootfs_dir: Some(self.rootfs.clone()),
            bind_rootfs: true,
            hostname,
            limits,
            user_map,
            // A new network namespace gets `lo` up, as runc does; a joined one is left as is.
            network: Network::Loopback,
            capabilities,
            args,
            env: Some(process.env().clone().unwrap_or_default()),
            cwd: process.cwd().clone(),
            cgroup_path,
            join,
            overrides: Overrides {
                mounts: Some(mounts),
                masked_paths: Some(linux.masked_paths().clone().unwrap_or_default()),
                readonly_paths: Some(linux.readonly_paths().clone().unwrap_or_default()),
                readonly_root: root.and_then(|r| r.readonly()).unwrap_or(false),
                user: Some(user),
                rlimits,
                no_new_privs: process.no_new_privileges().unwrap_or(false),
                preserve_fds: 0,
                oom_score_adj: process.oom_score_adj(),
                devices,
                sysctl: sysctl(linux, namespaces)?,
                seccomp: linux
                    .seccomp()
                    .as_ref()
                    .map(crate::runtime::seccomp::compile)
                    .transpose()?
                    .unwrap_or_default(),
                rootfs_propagation: rootfs_propagation(linux.rootfs_propagation().as_deref())?,
                // Known once the container has an id (`Runtime::create`).
                init_hooks: None,
                seccomp_listener: None,
                id_maps,
            },
            ..Default::default()
        })
    }
}

/// serde_json appends " at line L column C"; the line is given in front instead.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// `linux.uidMappings` and `linux.gidMappings`: the range holding container id 0 (else
/// the first) as the spec's `user_map`, and both whole lists when they are more than
/// that one range written to both files.
fn id_map(
    uid: &Option<Vec<oci_spec::runtime::LinuxIdMapping>>,
    gid: &Option<Vec<oci_spec::runtime::LinuxIdMapping>>,
) -> Result<(Option<IdMap>, Option<IdMaps>)> {
    let list = |v: &Option<Vec<oci_spec::runtime::LinuxIdMapping>>| -> Vec<IdMap> {
        v.iter()
            .flatten()
            .map(|m| IdMap {
                inside: m.container_id(),
                outside: m.host_id(),
                count: m.size(),
            })
            .collect()
    };
    let (u, g) = (list(uid), list(gid));
    if u.is_empty() != g.is_empty() {
        crate::bail_said!("error-oci-map-one-sided");
    }
    let main = u.iter().find(|m| m.maps(0)).or(u.first()).copied();
    let whole = (u.len() > 1 || u != g).then_some((u, g));
    Ok((main, whole))
}

fn limits(r: &Option<oci_spec::runtime::LinuxResources>) -> Result<Limits> {
    let mut out = Limits::default();
    let Some(r) = r else {
        return Ok(out);
    };
    if let Some(m) = r.memory() {
        if let Some(limit) = m.limit()
            && limit >= 0
        {
            out.memory = Some(limit as u64);
        }
        // runc 1.1 takes 0 as "not set" for both, as the spec's Go types do.
        let set = |v: Option<i64>| v.filter(|v| *v != 0);
        if let Some(n) = m.swappiness()
            && n > 100
        {
            crate::bail_said!("error-oci-swappiness", value = n);
        }
        out.memory_more = MemoryMore {
            swap: set(m.swap()),
            reservation: set(m.reservation()),
            swappiness: m.swappiness(),
            disable_oom_killer: m.disable_oom_killer().unwrap_or(false),
        };
        // The kernel deprecated kernel memory limits (v2 has none): runc 1.1 warns
        // and ignores them.
        if m.kernel().is_some() || m.kernel_tcp().is_some() {
            eprintln!(
                "contlab: warning: {}",
                crate::said!("warn-oci-kernel-memory")
            );
        }
    }
    if let Some(p) = r.pids()
        && p.limit() > 0
    {
        out.pids = Some(p.limit() as u64);
    }
    if let Some(c) = r.cpu() {
        let quota = c.quota().filter(|q| *q > 0);
        let period = c
            .period()
            .unwrap_or(crate::runtime::cgroup::DEFAULT_PERIOD_US);
        match (quota, c.shares()) {
            (Some(q), shares) => {
                out.cpu = Some(CpuLimit {
                    quota_us: q as u64,
                    period_us: period,
                    shares,
                })
            }
            (None, Some(_)) => crate::bail_said!(
                "error-oci-unsupported",
                what = "linux.resources.cpu.shares (no cpu.quota)"
            ),
            (None, None) => {}
        }
        let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let (cpus, mems) = (given(c.cpus()), given(c.mems()));
        if cpus.is_some() || mems.is_some() {
            out.cpuset = Some(Cpuset { cpus, mems });
        }
        // runc 1.1 takes 0 as "not set".
        out.cpu_rt = CpuRt {
            period: c.realtime_period().filter(|p| *p != 0),
            runtime: c.realtime_runtime().filter(|r| *r != 0),
        };
    }
    if let Some(b) = r.block_io() {
        out.block_io = block_io(b)?;
    }
    Ok(out)
}

/// `linux.resources.blockIO`, with 0 as "not set" as runc 1.1 reads it. A weight
/// outside 10..1000 is refused here, and a device this machine does not have (no
/// `/sys/dev/block/MAJOR:MINOR`), by the field that names it.
fn block_io(b: &oci_spec::runtime::LinuxBlockIo) -> Result<BlockIo> {
    let set = |w: Option<u16>| w.filter(|w| *w != 0);
    let weight = |w: Option<u16>, field: String| -> Result<Option<u16>> {
        match set(w) {
            Some(w) if !(10..=1000).contains(&w) => {
                crate::bail_said!("error-oci-blkio-weight", field = field, weight = w)
            }
            w => Ok(w),
        }
    };
    let device = |major: i64, minor: i64, field: &str| -> Result<()> {
        if !Path::new(&format!("/sys/dev/block/{major}:{minor}")).exists() {
            crate::bail_said!(
                "error-oci-blkio-device",
                field = field,
                device = format!("{major}:{minor}")
            );
        }
        Ok(())
    };
    const FIELD: &str = "linux.resources.blockIO";
    let mut out = BlockIo {
        weight: weight(b.weight(), format!("{FIELD}.weight"))?,
        leaf_weight: weight(b.leaf_weight(), format!("{FIELD}.leafWeight"))?,
        ..Default::default()
    };
    for (i, wd) in b.weight_device().iter().flatten().enumerate() {
        let field = format!("{FIELD}.weightDevice[{i}]");
        device(wd.major(), wd.minor(), &field)?;
        out.weight_device.push(WeightDevice {
            major: wd.major(),
            minor: wd.minor(),
            weight: weight(wd.weight(), format!("{field}.weight"))?,
            leaf_weight: weight(wd.leaf_weight(), format!("{field}.leafWeight"))?,
        });
    }
    for (name, given, list) in [
        (
            "throttleReadBpsDevice",
            b.throttle_read_bps_device(),
            &mut out.throttle_read_bps,
        ),
        (
            "throttleWriteBpsDevice",
            b.throttle_write_bps_device(),
            &mut out.throttle_write_bps,
        ),
        (
            "throttleReadIOPSDevice",
            b.throttle_read_iops_device(),
            &mut out.throttle_read_iops,
        ),
        (
            "throttleWriteIOPSDevice",
            b.throttle_write_iops_device(),
            &mut out.throttle_write_iops,
        ),
    ] {
        for (i, t) in given.iter().flatten().enumerate() {
            device(t.major(), t.minor(), &format!("{FIELD}.{name}[{i}]"))?;
            list.push(Throttle {
                major: t.major(),
                minor: t.minor(),
                rate: t.rate(),
            });
        }
    }
    Ok(out)
}

/// The device rules runc appends after a bundle's own, so that every container may
/// create any node (`m`) and use the devices every program expects: null, random,
/// full, tty, zero, urandom, the pseudo-terminals and ptmx.
const DEFAULT_DEVICE_RULES: &[(char, Option<i64>, Option<i64>, &str)] = &[
    ('c', None, None, "m"),
    ('b', None, None, "m"),
    ('c', Some(1), Some(3), "rwm"),
    ('c', Some(1), Some(8), "rwm"),
    ('c', Some(1), Some(7), "rwm"),
    ('c', Some(5), Some(0), "rwm"),
    ('c', Some(1), Some(5), "rwm"),
    ('c', Some(1), Some(9), "rwm"),
    ('c', Some(136), None, "rwm"),
    ('c', Some(5), Some(2), "rwm"),
];

/// `linux.resources.devices` and `linux.devices`: the devices controller's rules (the
/// bundle's, then an allow rule for each listed device, then [`DEFAULT_DEVICE_RULES`],
/// as runc orders them; `None` when the bundle names no device at all), and the nodes to
/// make in `/dev`.
fn devices(linux: &Linux) -> Result<(Option<Vec<DeviceRule>>, Vec<DeviceNode>)> {
    let given = linux.resources().as_ref().and_then(|r| r.devices().clone());
    let listed = linux.devices().clone().unwrap_or_default();
    let mut nodes = Vec::new();
    for (i, d) in listed.iter().enumerate() {
        let kind = match d.typ() {
            LinuxDeviceType::C | LinuxDeviceType::U => 'c',
            LinuxDeviceType::B => 'b',
            LinuxDeviceType::P => 'p',
            LinuxDeviceType::A => {
                crate::bail_said!("error-oci-device-type", index = i)
            }
        };
        let path = d.path();
        inside_path(path, &format!("linux.devices[{i}].path"))?;
        let (Ok(major), Ok(minor)) = (u64::try_from(d.major()), u64::try_from(d.minor())) else {
            crate::bail_said!("error-oci-device-numbers", index = i);
        };
        nodes.push(DeviceNode {
            path: path.clone(),
            kind,
            major,
            minor,
            mode: d.file_mode().unwrap_or(0o666) & 0o7777,
            uid: d.uid().unwrap_or(0),
            gid: d.gid().unwrap_or(0),
        });
    }
    if given.is_none() && nodes.is_empty() {
        return Ok((None, nodes));
    }
    let mut rules = Vec::new();
    for (i, r) in given.iter().flatten().enumerate() {
        let kind = match r.typ() {
            None | Some(LinuxDeviceType::A) => 'a',
            Some(LinuxDeviceType::C) | Some(LinuxDeviceType::U) => 'c',
            Some(LinuxDeviceType::B) => 'b',
            Some(LinuxDeviceType::P) => {
                crate::bail_said!("error-oci-device-rule-fifo", index = i)
            }
        };
        let access = r.access().clone().unwrap_or_else(|| "rwm".into());
        if access.is_empty() || !access.chars().all(|c| "rwm".contains(c)) {
            crate::bail_said!(
                "error-oci-device-access",
                index = i,
                access = format!("{access:?}")
            );
        }
        rules.push(DeviceRule {
            allow: r.allow(),
            kind,
            major: r.major().filter(|m| *m >= 0),
            minor: r.minor().filter(|m| *m >= 0),
            access,
        });
    }
    for n in nodes.iter().filter(|n| n.kind != 'p') {
        rules.push(DeviceRule {
            allow: true,
            kind: n.kind,
            major: Some(n.major as i64),
            minor: Some(n.minor as i64),
            access: "rwm".into(),
        });
    }
    for (kind, major, minor, access) in DEFAULT_DEVICE_RULES {
        rules.push(DeviceRule {
            allow: true,
            kind: *kind,
            major: *major,
            minor: *minor,
            access: access.to_string(),
        });
    }
    Ok((Some(rules), nodes))
}

/// `linux.sysctl`, checked as runc checks it: only the keys a namespace of the
/// container's own holds (IPC: `kernel.msg*`, `kernel.sem`, `kernel.shm*`,
/// `fs.mqueue.*`; network: `net.*`), since any other would change the host.
fn sysctl(linux: &Linux, ns: Namespaces) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (key, value) in linux.sysctl().iter().flatten() {
        let k = key.replace('/', ".");
        if k.is_empty() || k.split('.').any(|p| p.is_empty() || p == "..") {
            crate::bail_said!("error-oci-sysctl-name", key = format!("{key:?}"));
        }
        let ipc = [
            "kernel.msgmax",
            "kernel.msgmnb",
            "kernel.msgmni",
            "kernel.sem",
        ]
        .contains(&k.as_str())
            || k.starts_with("kernel.shm")
            || k.starts_with("fs.mqueue.");
        let needs = if ipc {
            Namespace::Ipc
        } else if k.starts_with("net.") {
            Namespace::Net
        } else {
            crate::bail_said!("error-oci-sysctl-host", key = format!("{key:?}"));
        };
        if !ns.contains(needs) {
            crate::bail_said!(
                "error-oci-sysctl-needs-ns",
                key = format!("{key:?}"),
                ns = needs.name()
            );
        }
        out.insert(k, value.clone());
    }
    Ok(out)
}

/// `linux.cgroupsPath` as a path below each hierarchy's root, as runc's cgroupfs
/// driver reads it: an absolute path as it is (`/libpod_parent/libpod-…`), a relative
/// one below the runtime's own parent (`<paths::cgroup_parent()>/…`). What contlab
/// makes on the way is recorded, so teardown removes that and nothing else.
fn cgroup_path(p: &Path) -> Result<String> {
    let s = p.to_string_lossy();
    if s.contains(':') {
        crate::bail_said!(
            "error-oci-unsupported",
            what = format!("linux.cgroupsPath {s:?} (systemd)")
        );
    }
    let rel = s.trim_end_matches('/');
    let path = match rel.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("{}/{rel}", crate::paths::cgroup_parent()),
    };
    if rel.is_empty()
        || path
            .split('/')
            .any(|part| crate::runtime::cgroup::validate_name(part).is_err())
    {
        crate::bail_said!("error-oci-cgroups-path", path = format!("{s:?}"));
    }
    Ok(path)
}

fn cap_sets(c: &Option<oci_spec::runtime::LinuxCapabilities>) -> Result<CapSets> {
    let Some(c) = c else {
        return Ok(CapSets::default());
    };
    let mask = |set: &Option<oci_spec::runtime::Capabilities>, name: &str| -> Result<u64> {
        let mut m = 0;
        for cap in set.iter().flatten() {
            let text = serde_json::to_value(cap)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            m |= crate::runtime::caps::bit(&text).with_context(|| {
                format!("config.json: process.capabilities.{name}: this kernel has no {text}")
            })?;
        }
        Ok(m)
    };
    let sets = CapSets {
        bounding: mask(c.bounding(), "bounding")?,
        effective: mask(c.effective(), "effective")?,
        permitted: mask(c.permitted(), "permitted")?,
        inheritable: mask(c.inheritable(), "inheritable")?,
        ambient: mask(c.ambient(), "ambient")?,
    };
    // Once the bounding set is dropped no process may gain a capability outside it
    // (capset fails with EPERM, as it does under runc): refuse at `create`, by name.
    for (name, set) in [
        ("effective", sets.effective),
        ("permitted", sets.permitted),
        ("inheritable", sets.inheritable),
        ("ambient", sets.ambient),
    ] {
        let outside = set & !sets.bounding;
        if outside != 0 {
            let first = outside.trailing_zeros();
            let cap = ::caps::all()
                .into_iter()
                .find(|c| u32::from(c.index()) == first)
                .map_or_else(|| format!("capability {first}"), |c| c.to_string());
            crate::bail_said!("error-oci-cap-not-bounding", set = name, cap = cap);
        }
    }
    Ok(sets)
}

fn rlimit_number(name: &str) -> Result<u32> {
    match crate::runtime::spec::RLIMITS
        .iter()
        .find(|(n, _)| *n == name)
    {
        Some((_, number)) => Ok(*number),
        None => crate::bail_said!("error-oci-rlimit-unknown", name = format!("{name:?}")),
    }
}

/// A path inside the container, as the bundle's field `what` gives it: absolute, no `..`.
fn inside_path(p: &Path, what: &str) -> Result<()> {
    if !p.is_absolute() || p.components().any(|c| c == std::path::Component::ParentDir) {
        crate::bail_said!("error-oci-inside-path", field = what, path = p.display());
    }
    Ok(())
}

/// `linux.rootfsPropagation` as mount flags (0 when absent or empty), by runc's names.
fn rootfs_propagation(v: Option<&str>) -> Result<u64> {
    let flags = match v.unwrap_or("") {
        "" => MsFlags::empty(),
        "private" => MsFlags::MS_PRIVATE,
        "rprivate" => MsFlags::MS_PRIVATE | MsFlags::MS_REC,
        "slave" => MsFlags::MS_SLAVE,
        "rslave" => MsFlags::MS_SLAVE | MsFlags::MS_REC,
        "shared" => MsFlags::MS_SHARED,
        "rshared" => MsFlags::MS_SHARED | MsFlags::MS_REC,
        "unbindable" => MsFlags::MS_UNBINDABLE,
        "runbindable" => MsFlags::MS_UNBINDABLE | MsFlags::MS_REC,
        other => crate::bail_said!("error-oci-rootfs-propagation", value = format!("{other:?}")),
    };
    Ok(flags.bits())
}

/// The recursive options (runc's names): the `MOUNT_ATTR_*` bit each sets on the mount
/// and every mount below it, or clears (`true`), with `mount_setattr(AT_RECURSIVE)`.
const RECURSIVE_OPTIONS: &[(&str, u64, bool)] = &[
    ("rro", libc::MOUNT_ATTR_RDONLY, false),
    ("rrw", libc::MOUNT_ATTR_RDONLY, true),
    ("rnosuid", libc::MOUNT_ATTR_NOSUID, false),
    ("rsuid", libc::MOUNT_ATTR_NOSUID, true),
    ("rnodev", libc::MOUNT_ATTR_NODEV, false),
    ("rdev", libc::MOUNT_ATTR_NODEV, true),
    ("rnoexec", libc::MOUNT_ATTR_NOEXEC, false),
    ("rexec", libc::MOUNT_ATTR_NOEXEC, true),
    ("rnodiratime", libc::MOUNT_ATTR_NODIRATIME, false),
    ("rdiratime", libc::MOUNT_ATTR_NODIRATIME, true),
    ("rrelatime", libc::MOUNT_ATTR_RELATIME, false),
    ("rnorelatime", libc::MOUNT_ATTR_RELATIME, true),
    ("rnoatime", libc::MOUNT_ATTR_NOATIME, false),
    ("ratime", libc::MOUNT_ATTR_NOATIME, true),
    ("rstrictatime", libc::MOUNT_ATTR_STRICTATIME, false),
    ("rnostrictatime", libc::MOUNT_ATTR_STRICTATIME, true),
    ("rnosymfollow", libc::MOUNT_ATTR_NOSYMFOLLOW, false),
    ("rsymfollow", libc::MOUNT_ATTR_NOSYMFOLLOW, true),
];

/// One `mounts` entry in `mount(2)`'s terms: options split into flags, propagation,
/// recursive attributes and file-system data, as `mount(8)` splits `-o`.
fn mount_spec(
    i: usize,
    dest: &Path,
    fstype: Option<&str>,
    source: Option<&Path>,
    options: &[String],
    bundle: &Path,
) -> Result<MountSpec> {
    if !dest.is_absolute()
        || dest
            .components()
            .any(|c| c == std::path::Component::ParentDir)
    {
        crate::bail_said!(
            "error-oci-mount-destination",
            index = i,
            path = dest.display()
        );
    }
    let mut flags = MsFlags::empty();
    let mut propagation = MsFlags::empty();
    let mut data = Vec::new();
    let (mut attr_set, mut attr_clr) = (0u64, 0u64);
    for o in options {
        if let Some((_, bit, clear)) = RECURSIVE_OPTIONS.iter().find(|(n, _, _)| n == o) {
            if *clear {
                attr_clr |= bit;
                attr_set &= !bit;
            } else {
                attr_set |= bit;
                attr_clr &= !bit;
                if bit & libc::MOUNT_ATTR__ATIME == *bit {
                    // mount_setattr(2): an access-time mode in attr_set needs the whole
                    // MOUNT_ATTR__ATIME field in attr_clr.
                    attr_clr |= libc::MOUNT_ATTR__ATIME;
                }
            }
            continue;
        }
        let (set, clear) = match o.as_str() {
            "ro" => (MsFlags::MS_RDONLY, MsFlags::empty()),
            "rw" => (MsFlags::empty(), MsFlags::MS_RDONLY),
            "nosuid" => (MsFlags::MS_NOSUID, MsFlags::empty()),
            "suid" => (MsFlags::empty(), MsFlags::MS_NOSUID),
            "nodev" => (MsFlags::MS_NODEV, MsFlags::empty()),
            "dev" => (MsFlags::empty(), MsFlags::MS_NODEV),
            "noexec" => (MsFlags::MS_NOEXEC, MsFlags::empty()),
            "exec" => (MsFlags::empty(), MsFlags::MS_NOEXEC),
            "sync" => (MsFlags::MS_SYNCHRONOUS, MsFlags::empty()),
            "async" => (MsFlags::empty(), MsFlags::MS_SYNCHRONOUS),
            "dirsync" => (MsFlags::MS_DIRSYNC, MsFlags::empty()),
            "noatime" => (MsFlags::MS_NOATIME, MsFlags::empty()),
            "atime" => (MsFlags::empty(), MsFlags::MS_NOATIME),
            "nodiratime" => (MsFlags::MS_NODIRATIME, MsFlags::empty()),
            "diratime" => (MsFlags::empty(), MsFlags::MS_NODIRATIME),
            "relatime" => (MsFlags::MS_RELATIME, MsFlags::empty()),
            "norelatime" => (MsFlags::empty(), MsFlags::MS_RELATIME),
            "strictatime" => (MsFlags::MS_STRICTATIME, MsFlags::empty()),
            "nostrictatime" => (MsFlags::empty(), MsFlags::MS_STRICTATIME),
            "bind" => (MsFlags::MS_BIND, MsFlags::empty()),
            "rbind" => (MsFlags::MS_BIND | MsFlags::MS_REC, MsFlags::empty()),
            "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" | "unbindable"
            | "runbindable" => {
                let rec = o.starts_with('r');
                let kind = match o.trim_start_matches('r') {
                    "private" => MsFlags::MS_PRIVATE,
                    "shared" => MsFlags::MS_SHARED,
                    "slave" => MsFlags::MS_SLAVE,
                    _ => MsFlags::MS_UNBINDABLE,
                };
                propagation = kind
                    | if rec {
                        MsFlags::MS_REC
                    } else {
                        MsFlags::empty()
                    };
                continue;
            }
            "defaults" => continue,
            other => {
                data.push(other.to_string());
                continue;
            }
        };
        flags = (flags | set) - clear;
    }
    if fstype == Some("bind") {
        flags |= MsFlags::MS_BIND;
    }
    let is_bind = flags.contains(MsFlags::MS_BIND);
    let source = match source {
        Some(s) if is_bind => {
            let abs = if s.is_absolute() {
                s.to_path_buf()
            } else {
                bundle.join(s)
            };
            if !abs.exists() {
                crate::bail_said!("error-oci-mount-source", index = i, path = abs.display());
            }
            Some(abs.to_string_lossy().into_owned())
        }
        Some(s) => Some(s.to_string_lossy().into_owned()),
        None if is_bind => crate::bail_said!("error-oci-bind-no-source", index = i),
        None => None,
    };
    if !is_bind && fstype.is_none_or(str::is_empty) {
        crate::bail_said!("error-oci-mount-no-type", index = i);
    }
    Ok(MountSpec {
        destination: dest.to_path_buf(),
        fstype: if is_bind {
            None
        } else {
            fstype.map(str::to_string)
        },
        source,
        flags: flags.bits(),
        propagation: propagation.bits(),
        data: data.join(","),
        rec_attr_set: attr_set,
        rec_attr_clr: attr_clr,
    })
}

/// The default `config.json` of `contlab runtime spec`: oci-spec's defaults with
/// contlab's choices (a shell, no terminal, hostname `contlab`), and without what
/// contlab does not implement.
pub fn default_spec(rootless: bool) -> Result<Value> {
    let spec = if rootless {
        Spec::rootless(
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        )
    } else {
        Spec::default()
    };
    let mut v = serde_json::to_value(&spec)?;
    v["hostname"] = "contlab".into();
    v["process"]["terminal"] = false.into();
    v["process"]["args"] = serde_json::json!(["sh"]);
    // An inheritable set lets a program with inheritable file capabilities gain them
    // on exec (CVE-2022-24769); runc's default spec dropped it too.
    if let Some(c) = v["process"]["capabilities"].as_object_mut() {
        c.remove("inheritable");
    }
    if let Some(linux) = v.get_mut("linux").and_then(Value::as_object_mut) {
        // Empty settings ask for nothing; drop them so the file reads as what it asks.
        linux.retain(|_, x| !is_empty(x) && x != "");
        if let Some(res) = linux.get_mut("resources").and_then(Value::as_object_mut) {
            res.retain(|_, x| !is_empty(x));
        }
        if linux.get("resources").is_some_and(is_empty) {
            linux.remove("resources");
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.retain(|_, x| !is_empty(x));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_spec_passes_the_field_check() {
        for rootless in [false, true] {
            let v = default_spec(rootless).unwrap();
            check_fields(&v, "", "").unwrap();
            let _: Spec = serde_json::from_value(v).unwrap();
        }
    }

    #[test]
    fn unsupported_fields_are_named_and_unknown_ones_ignored() {
        let v = serde_json::json!({"ociVersion": "1.0.2", "linux": {"intelRdt": {"closID": "x"}}});
        let e = check_fields(&v, "", "").unwrap_err().to_string();
        assert_eq!(e, "config.json: not supported yet: linux.intelRdt");
        let v = serde_json::json!({"linux": {"devices": [], "seccomp": null}});
        check_fields(&v, "", "").unwrap();
        // The spec: unknown properties MUST be ignored, at any depth.
        let v = serde_json::json!({
            "ociVersion": "1.0.2",
            "org.example.extension": {"seccomp": {"defaultAction": "SCMP_ACT_KILL"}},
            "process": {"args": ["true"], "argz": ["x"]},
            "mounts": [{"destination": "/x", "typo": 1}],
            "linux": {"resources": {"futureController": {"limit": 1}}}
        });
        check_fields(&v, "", "").unwrap();
    }

    #[test]
    fn a_bundle_with_unknown_properties_loads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("rootfs")).unwrap();
        let mut v = default_spec(false).unwrap();
        v["process"]["futureKnob"] = serde_json::json!({"x": 1});
        v["vendorExtension"] = serde_json::json!(true);
        std::fs::write(
            dir.path().join("config.json"),
            serde_json::to_vec(&v).unwrap(),
        )
        .unwrap();
        let b = Bundle::load(dir.path()).unwrap();
        b.container_spec().unwrap();
    }

    #[test]
    fn every_listed_mount_option_is_a_flag_not_data() {
        for o in MOUNT_OPTIONS {
            let m = mount_spec(
                0,
                Path::new("/x"),
                Some("tmpfs"),
                Some(Path::new("/")),
                &[o.to_string()],
                Path::new("/"),
            )
            .unwrap();
            assert_eq!(m.data, "", "{o}");
        }
        for h in HOOKS {
            assert!(SUPPORTED.contains(&format!("hooks.{h}").as_str()), "{h}");
        }
    }

    #[test]
    fn device_rules_come_in_runcs_order() {
        let linux: Linux = serde_json::from_value(serde_json::json!({
            "resources": {"devices": [{"allow": false, "access": "rwm"},
                                      {"allow": true, "type": "b", "major": 8, "access": "r"}]},
            "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229},
                        {"path": "/dev/f", "type": "p"}]
        }))
        .unwrap();
        let (rules, nodes) = devices(&linux).unwrap();
        let lines: Vec<String> = rules.unwrap().iter().map(|r| r.line()).collect();
        assert_eq!(lines[..4], ["a", "b 8:* r", "c 10:229 rwm", "c *:* m"]);
        assert_eq!(lines.len(), 3 + DEFAULT_DEVICE_RULES.len());
        assert_eq!((nodes[0].mode, nodes[1].kind), (0o666, 'p'));
        // Neither list: no devices cgroup at all.
        let bare: Linux = serde_json::from_value(serde_json::json!({})).unwrap();
        let (rules, _) = devices(&bare).unwrap();
        assert_eq!(rules, None);
        let fifo_rule: Linux = serde_json::from_value(serde_json::json!({
            "resources": {"devices": [{"allow": true, "type": "p", "access": "rwm"}]}
        }))
        .unwrap();
        assert!(devices(&fifo_rule).is_err());
    }

    #[test]
    fn versions_and_options() {
        check_version("1.0.2-dev").unwrap();
        check_version("1.2.0").unwrap();
        assert!(check_version("2.0.0").is_err());
        assert!(check_version("banana").is_err());
        let m = mount_spec(
            0,
            Path::new("/tmp"),
            Some("tmpfs"),
            Some(Path::new("tmpfs")),
            &["nosuid".into(), "mode=1777".into(), "rprivate".into()],
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(m.flags, MsFlags::MS_NOSUID.bits());
        assert_eq!(m.data, "mode=1777");
        assert_eq!(
            m.propagation,
            (MsFlags::MS_PRIVATE | MsFlags::MS_REC).bits()
        );
    }

    #[test]
    fn cgroups_paths_as_runc_reads_them() {
        let p = |s: &str| cgroup_path(Path::new(s));
        let hex = "ab".repeat(32);
        assert_eq!(
            p(&format!("/libpod_parent/libpod-{hex}")).unwrap(),
            format!("libpod_parent/libpod-{hex}")
        );
        assert_eq!(p("/runtime-test/x/").unwrap(), "runtime-test/x");
        assert_eq!(p("/top").unwrap(), "top");
        assert_eq!(
            p("sub/leaf").unwrap(),
            format!("{}/sub/leaf", crate::paths::cgroup_parent())
        );
        for bad in ["", "/", "/a/../b", "a//b", "/a/./b"] {
            assert!(p(bad).is_err(), "{bad:?} accepted");
        }
        assert!(
            p("system.slice:contlab:x").is_err(),
            "systemd form accepted"
        );
    }
}
