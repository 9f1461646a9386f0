//! `/proc/PID` read into plain serde data: namespace ids, `status`, `uid_map`/`gid_map`,
//! cgroup membership, a mount table summary and the hostname seen inside.
//!
//! Each reader has a parser beside it that takes the file's text (`parse_status`,
//! `parse_id_map`, `parse_cgroup`, `parse_mountinfo`, `parse_ns_link`), so the parsing is
//! tested on fixture text and the readers only add where the text comes from.
//!
//! A process is always read next to a "host" process (pid 1, or contlab itself, as the
//! caller chooses): what a lesson shows is how the container's view differs from it.
//! JSON keys use the kernel's own spelling (`NSpid`, `CapEff`) so that what the Proc panel
//! shows matches what `cat /proc/PID/status` prints.

mod caps;
mod uts;

pub use caps::{CapSet, known as known_capabilities};
pub use uts::uts_hostname;

use anyhow::{Context, anyhow, bail};
use procfs::process::Process;
use serde::{Deserialize, Serialize};
use std::io::Read;

/// The entries of `/proc/PID/ns`, in the order `ls` lists them.
pub const NS_LINKS: [&str; 10] = [
    "cgroup",
    "ipc",
    "mnt",
    "net",
    "pid",
    "pid_for_children",
    "time",
    "time_for_children",
    "user",
    "uts",
];

/// Everything contlab shows about one process, next to its host counterpart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcSnapshot {
    pub pid: i32,
    /// The process the namespaces and mounts were compared with.
    pub host_pid: i32,
    /// One entry per name in [`NS_LINKS`].
    pub namespaces: Vec<NsLink>,
    pub status: Status,
    pub uid_map: Vec<IdMapping>,
    pub gid_map: Vec<IdMapping>,
    /// The lines of `/proc/PID/cgroup`.
    pub cgroups: Vec<CgroupMembership>,
    pub mounts: MountSummary,
    /// The hostname inside the process's UTS namespace; `None` when it could not be read
    /// (joining another UTS namespace needs root).
    pub hostname: Option<String>,
    /// The hostname in the host process's UTS namespace, on the same terms.
    pub host_hostname: Option<String>,
}

impl ProcSnapshot {
    /// The entry for one name of [`NS_LINKS`].
    pub fn ns(&self, name: &str) -> Option<&NsLink> {
        self.namespaces.iter().find(|n| n.name == name)
    }
}

/// One `/proc/PID/ns/NAME` link, e.g. `pid -> pid:[4026532178]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NsLink {
    pub name: String,
    /// The namespace's inode number, the number between the brackets. `None` when the
    /// link cannot be read: the kernel lacks that namespace type, the process has exited,
    /// or (for `pid_for_children`) a new pid namespace has no process in it yet.
    pub inode: Option<u64>,
    /// The same link of the host process.
    pub host_inode: Option<u64>,
    /// Both inodes are known and differ: the process is in a namespace of its own.
    pub differs: bool,
}

/// The fields of `/proc/PID/status` the lessons talk about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    #[serde(rename = "Name")]
    pub name: String,
    /// The pid as seen from the pid namespace of the reader of `/proc`.
    #[serde(rename = "Pid")]
    pub pid: i32,
    /// The pid in each pid namespace the process is in, outermost first; the last entry
    /// is what the process's own `getpid()` returns.
    #[serde(rename = "NSpid")]
    pub nspid: Vec<i32>,
    #[serde(rename = "PPid")]
    pub ppid: i32,
    #[serde(rename = "Uid")]
    pub uid: Ids,
    #[serde(rename = "Gid")]
    pub gid: Ids,
    #[serde(rename = "CapEff")]
    pub cap_eff: CapSet,
    #[serde(rename = "CapPrm")]
    pub cap_prm: CapSet,
    #[serde(rename = "CapBnd")]
    pub cap_bnd: CapSet,
    #[serde(rename = "NoNewPrivs")]
    pub no_new_privs: bool,
    /// `None` on kernels built without `CONFIG_SECCOMP`.
    #[serde(rename = "Seccomp")]
    pub seccomp: Option<Seccomp>,
}

/// The four ids of a `Uid:` or `Gid:` line, in the kernel's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ids {
    pub real: u32,
    pub effective: u32,
    pub saved: u32,
    pub fs: u32,
}

/// The `Seccomp:` field: `SECCOMP_MODE_DISABLED`, `_STRICT` or `_FILTER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Seccomp {
    Disabled,
    Strict,
    Filter,
}

/// One line of `uid_map` or `gid_map`: `count` ids starting at `inside` in the process's
/// user namespace are `outside` onwards in the parent user namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMapping {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

/// One line of `/proc/PID/cgroup`: `hierarchy-ID:controller-list:cgroup-path`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupMembership {
    /// 0 for the cgroup2 hierarchy; for v1 it matches a line of `/proc/cgroups`.
    pub hierarchy_id: u32,
    /// Empty for cgroup2; `name=systemd` for a named v1 hierarchy.
    pub controllers: Vec<String>,
    /// Relative to the hierarchy's root as seen from the process's cgroup namespace.
    pub path: String,
}

/// One line of `/proc/PID/mountinfo`, the fields a lesson shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    pub mount_id: u32,
    pub parent_id: u32,
    /// The directory of the filesystem mounted here (not `/` for bind mounts).
    pub root: String,
    pub mount_point: String,
    pub fstype: String,
    pub source: String,
}

/// How the mounts of a process were matched against the host's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MountMatch {
    /// Same mount namespace: mount ids are comparable.
    MountId,
    /// Another mount namespace: every mount there has a fresh id, even the copies of the
    /// host's, so mounts are matched by what they are instead.
    MountpointFstypeSource,
}

/// What the mount table of a process looks like next to the host's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountSummary {
    pub count: usize,
    /// The mount on `/`, the one that is visible when several are stacked there.
    pub root_mount: Option<Mount>,
    pub compared_by: MountMatch,
    /// Mounts the host does not have, in mountinfo order.
    pub new: Vec<Mount>,
}

/// Reads everything about `pid` and compares it with `host_pid`.
///
/// Fails if either process does not exist or its `status`, id maps, `cgroup` or
/// `mountinfo` cannot be read; a namespace link or hostname that cannot be read is `None`.
pub fn snapshot(pid: i32, host_pid: i32) -> anyhow::Result<ProcSnapshot> {
    // procfs keeps a descriptor of /proc/PID, so every file below belongs to the same
    // process even if the pid is reused meanwhile: a dead process's files read ESRCH.
    let proc = open(pid)?;
    let host = open(host_pid)?;
    let status = parse_status(&read_text(&proc, "status")?)
        .with_context(|| format!("cannot parse /proc/{pid}/status"))?;
    let uid_map = parse_id_map(&read_text(&proc, "uid_map")?)
        .with_context(|| format!("cannot parse /proc/{pid}/uid_map"))?;
    let gid_map = parse_id_map(&read_text(&proc, "gid_map")?)
        .with_context(|| format!("cannot parse /proc/{pid}/gid_map"))?;
    let cgroups = parse_cgroup(&read_text(&proc, "cgroup")?)
        .with_context(|| format!("cannot parse /proc/{pid}/cgroup"))?;
    let mounts = parse_mountinfo(&read_text(&proc, "mountinfo")?)
        .with_context(|| format!("cannot parse /proc/{pid}/mountinfo"))?;
    let host_mounts = parse_mountinfo(&read_text(&host, "mountinfo")?)
        .with_context(|| format!("cannot parse /proc/{host_pid}/mountinfo"))?;

    let namespaces = namespaces(pid, host_pid);
    let same_mnt_ns = namespaces
        .iter()
        .any(|n| n.name == "mnt" && n.inode.is_some() && n.inode == n.host_inode);
    let compared_by = if same_mnt_ns {
        MountMatch::MountId
    } else {
        MountMatch::MountpointFstypeSource
    };
    Ok(ProcSnapshot {
        pid,
        host_pid,
        namespaces,
        status,
        uid_map,
        gid_map,
        cgroups,
        mounts: summarize_mounts(mounts, &host_mounts, compared_by),
        hostname: hostname_or_none(pid),
        host_hostname: hostname_or_none(host_pid),
    })
}

fn open(pid: i32) -> anyhow::Result<Process> {
    Process::new(pid).with_context(|| {
        format!("cannot open /proc/{pid}: no process {pid} exists, or it has exited")
    })
}

fn read_text(proc: &Process, name: &str) -> anyhow::Result<String> {
    let pid = proc.pid();
    let mut text = String::new();
    proc.open_relative(name)
        .with_context(|| format!("cannot open /proc/{pid}/{name}; has the process exited?"))?
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read /proc/{pid}/{name}; has the process exited?"))?;
    Ok(text)
}

fn hostname_or_none(pid: i32) -> Option<String> {
    uts_hostname(pid)
        .inspect_err(|e| tracing::debug!("hostname of process {pid}: {e:#}"))
        .ok()
}

/// The namespace links of `pid`, each next to the same link of `host_pid`.
pub fn namespaces(pid: i32, host_pid: i32) -> Vec<NsLink> {
    NS_LINKS
        .iter()
        .map(|&name| {
            let inode = ns_inode(pid, name);
            let host_inode = ns_inode(host_pid, name);
            NsLink {
                name: name.to_string(),
                inode,
                host_inode,
                differs: inode.is_some() && host_inode.is_some() && inode != host_inode,
            }
        })
        .collect()
}

fn ns_inode(pid: i32, name: &str) -> Option<u64> {
    let path = format!("/proc/{pid}/ns/{name}");
    let target = std::fs::read_link(&path)
        .inspect_err(|e| tracing::debug!("readlink {path}: {e}"))
        .ok()?;
    parse_ns_link(&target.to_string_lossy()).map(|(_, inode)| inode)
}

/// Splits a namespace link's target, `net:[4026531840]`, into type and inode.
pub fn parse_ns_link(text: &str) -> Option<(&str, u64)> {
    let (kind, rest) = text.trim().split_once(":[")?;
    let inode = rest.strip_suffix(']')?.parse().ok()?;
    Some((kind, inode))
}

/// Parses the text of `/proc/PID/status`.
pub fn parse_status(text: &str) -> anyhow::Result<Status> {
    let field = |key: &str| -> anyhow::Result<&str> {
        text.lines()
            .find_map(|line| {
                let (k, v) = line.split_once(':')?;
                (k == key).then_some(v.trim())
            })
            .ok_or_else(|| anyhow!("the status text has no `{key}:` line"))
    };
    let number = |key: &str| -> anyhow::Result<i32> {
        let v = field(key)?;
        v.parse()
            .with_context(|| format!("`{key}: {v}` is not a number"))
    };
    let capset = |key: &str| -> anyhow::Result<CapSet> {
        let v = field(key)?;
        CapSet::parse(v).ok_or_else(|| anyhow!("`{key}: {v}` is not a hex capability mask"))
    };
    let pid = number("Pid")?;
    // NSpid arrived in Linux 4.1; before it a process had only the one pid we know.
    let nspid = match field("NSpid") {
        Ok(v) => v
            .split_whitespace()
            .map(|p| p.parse())
            .collect::<Result<Vec<i32>, _>>()
            .with_context(|| format!("`NSpid: {v}` is not a list of numbers"))?,
        Err(_) => vec![pid],
    };
    let seccomp = match field("Seccomp") {
        Ok("0") => Some(Seccomp::Disabled),
        Ok("1") => Some(Seccomp::Strict),
        Ok("2") => Some(Seccomp::Filter),
        Ok(other) => bail!("`Seccomp: {other}` is not a seccomp mode this build knows"),
        Err(_) => None,
    };
    Ok(Status {
        name: field("Name").unwrap_or_default().to_string(),
        pid,
        nspid,
        ppid: number("PPid")?,
        uid: parse_ids("Uid", field("Uid")?)?,
        gid: parse_ids("Gid", field("Gid")?)?,
        cap_eff: capset("CapEff")?,
        cap_prm: capset("CapPrm")?,
        cap_bnd: capset("CapBnd")?,
        no_new_privs: field("NoNewPrivs").is_ok_and(|v| v == "1"),
        seccomp,
    })
}

fn parse_ids(key: &str, value: &str) -> anyhow::Result<Ids> {
    let ids: Vec<u32> = value
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("`{key}: {value}` is not a list of ids"))?;
    match ids[..] {
        [real, effective, saved, fs] => Ok(Ids {
            real,
            effective,
            saved,
            fs,
        }),
        _ => bail!("`{key}: {value}` does not hold the four ids real, effective, saved, fs"),
    }
}

/// Parses the text of `uid_map` or `gid_map`. An empty map (a user namespace whose map
/// has not been written yet) is an empty list.
pub fn parse_id_map(text: &str) -> anyhow::Result<Vec<IdMapping>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let n: Vec<u32> = line
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .with_context(|| format!("id map line `{}` is not three numbers", line.trim()))?;
            match n[..] {
                [inside, outside, count] => Ok(IdMapping {
                    inside,
                    outside,
                    count,
                }),
                _ => bail!("id map line `{}` is not three numbers", line.trim()),
            }
        })
        .collect()
}

/// Parses the text of `/proc/PID/cgroup`.
pub fn parse_cgroup(text: &str) -> anyhow::Result<Vec<CgroupMembership>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            // The path comes last and may itself contain ':'.
            let mut parts = line.splitn(3, ':');
            let (Some(id), Some(controllers), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                bail!("cgroup line `{line}` is not `hierarchy-ID:controllers:path`");
            };
            Ok(CgroupMembership {
                hierarchy_id: id
                    .parse()
                    .with_context(|| format!("cgroup line `{line}` has no hierarchy id"))?,
                controllers: controllers
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                path: path.to_string(),
            })
        })
        .collect()
}

/// Parses the text of `/proc/PID/mountinfo` (octal escapes such as `\040` undone).
pub fn parse_mountinfo(text: &str) -> anyhow::Result<Vec<Mount>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let m = crate::inspect::cgroups::MountLine::parse(line).ok_or_else(|| {
                anyhow!("mountinfo line `{line}` does not have the proc(5) fields")
            })?;
            Ok(Mount {
                mount_id: m.mount_id,
                parent_id: m.parent_id,
                root: m.root,
                mount_point: m.mount_point.to_string_lossy().into_owned(),
                fstype: m.fstype.to_string(),
                source: crate::inspect::cgroups::unescape(m.source),
            })
        })
        .collect()
}

/// Summarizes `mounts` against the host's mount table.
pub fn summarize_mounts(mounts: Vec<Mount>, host: &[Mount], by: MountMatch) -> MountSummary {
    let on_host = |m: &Mount| match by {
        MountMatch::MountId => host.iter().any(|h| h.mount_id == m.mount_id),
        MountMatch::MountpointFstypeSource => host.iter().any(|h| {
            (&h.mount_point, &h.fstype, &h.source) == (&m.mount_point, &m.fstype, &m.source)
        }),
    };
    let new = mounts.iter().filter(|m| !on_host(m)).cloned().collect();
    // Mounts stacked on one point are listed in the order made; the last one is on top.
    let root_mount = mounts.iter().rev().find(|m| m.mount_point == "/").cloned();
    MountSummary {
        count: mounts.len(),
        root_mount,
        compared_by: by,
        new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VM_HOST: &str = include_str!("../../tests/fixtures/proc/status_vm_host.txt");
    const CONTAINER: &str = include_str!("../../tests/fixtures/proc/status_container.txt");
    const UID_MAP: &str = include_str!("../../tests/fixtures/proc/uid_map_several.txt");
    const HOST_MOUNTS: &str = include_str!("../../tests/fixtures/proc/mountinfo_host.txt");
    const CONTAINER_MOUNTS: &str =
        include_str!("../../tests/fixtures/proc/mountinfo_container.txt");

    #[test]
    fn status_of_a_process_two_pid_namespaces_deep() {
        let s = parse_status(CONTAINER).unwrap();
        assert_eq!(s.name, "sh");
        assert_eq!(s.pid, 4242);
        assert_eq!(s.nspid, vec![4242, 1]);
        assert_eq!(s.ppid, 4230);
        assert_eq!(
            s.uid,
            Ids {
                real: 0,
                effective: 0,
                saved: 0,
                fs: 0
            }
        );
        assert_eq!(s.cap_eff.names.len(), 41);
        assert_eq!(s.cap_bnd.mask, 0x1ff_ffff_ffff);
        assert!(s.no_new_privs);
        assert_eq!(s.seccomp, Some(Seccomp::Filter));
    }

    #[test]
    fn status_of_a_host_shell_on_a_vm_without_sys_resource() {
        let s = parse_status(VM_HOST).unwrap();
        assert_eq!(s.nspid, vec![812]);
        assert!(!s.cap_bnd.has("CAP_SYS_RESOURCE"));
        assert!(s.cap_eff.has("CAP_SYS_ADMIN"));
        assert!(!s.no_new_privs);
        assert_eq!(s.seccomp, Some(Seccomp::Disabled));
    }

    #[test]
    fn status_uid_gid_order_and_old_kernels() {
        let text = "Name:\tx\nPid:\t7\nPPid:\t1\nUid:\t1000\t1001\t1002\t1003\n\
                    Gid:\t10 11 12 13\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t000001ffffffffff\n";
        let s = parse_status(text).unwrap();
        assert_eq!(s.uid.real, 1000);
        assert_eq!(s.uid.effective, 1001);
        assert_eq!(s.uid.saved, 1002);
        assert_eq!(s.uid.fs, 1003);
        assert_eq!(s.gid.fs, 13);
        assert_eq!(s.nspid, vec![7], "no NSpid line: the one pid");
        assert_eq!(s.seccomp, None);
        assert!(s.cap_eff.is_empty());
    }

    #[test]
    fn status_errors_name_the_field() {
        let err = parse_status("Name:\tx\nPid:\tseven\n").unwrap_err();
        assert!(format!("{err:#}").contains("Pid: seven"), "{err:#}");
        let err = parse_status("Name:\tx\n").unwrap_err();
        assert!(format!("{err:#}").contains("`Pid:`"), "{err:#}");
        let text = "Pid:\t1\nPPid:\t0\nUid:\t0 0 0\nGid:\t0 0 0 0\n";
        assert!(parse_status(text).is_err(), "three uids");
    }

    #[test]
    fn status_serializes_with_kernel_keys() {
        let v = serde_json::to_value(parse_status(CONTAINER).unwrap()).unwrap();
        assert_eq!(v["NSpid"], serde_json::json!([4242, 1]));
        assert_eq!(v["CapEff"]["mask"], "000001ffffffffff");
        assert_eq!(v["Uid"]["effective"], 0);
        assert_eq!(v["Seccomp"], "filter");
    }

    #[test]
    fn uid_map_with_several_lines() {
        let m = parse_id_map(UID_MAP).unwrap();
        assert_eq!(
            m,
            vec![
                IdMapping {
                    inside: 0,
                    outside: 100000,
                    count: 1
                },
                IdMapping {
                    inside: 1,
                    outside: 100001,
                    count: 65535
                },
                IdMapping {
                    inside: 65536,
                    outside: 1000,
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn uid_map_identity_empty_and_broken() {
        let m = parse_id_map("         0          0 4294967295\n").unwrap();
        assert_eq!(m[0].count, u32::MAX);
        assert!(parse_id_map("").unwrap().is_empty());
        assert!(parse_id_map("0 0\n").is_err());
        assert!(parse_id_map("0 x 1\n").is_err());
    }

    #[test]
    fn cgroup_hybrid_and_v2() {
        let text = "9:name=systemd:/\n4:memory:/contlab/c1\n2:cpu,cpuacct:/contlab/c1\n0::/\n";
        let c = parse_cgroup(text).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].controllers, vec!["name=systemd"]);
        assert_eq!(c[1].hierarchy_id, 4);
        assert_eq!(c[1].path, "/contlab/c1");
        assert_eq!(c[2].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(c[3].hierarchy_id, 0);
        assert!(c[3].controllers.is_empty());

        let v2 = parse_cgroup("0::/contlab/c1:odd\n").unwrap();
        assert_eq!(v2[0].path, "/contlab/c1:odd");
        assert!(parse_cgroup("garbage\n").is_err());
    }

    #[test]
    fn ns_link_text() {
        assert_eq!(parse_ns_link("net:[4026531840]"), Some(("net", 4026531840)));
        assert_eq!(
            parse_ns_link("pid:[4026532178]\n"),
            Some(("pid", 4026532178))
        );
        assert_eq!(parse_ns_link("net:4026531840"), None);
        assert_eq!(parse_ns_link("net:[x]"), None);
    }

    #[test]
    fn mountinfo_parses_and_unescapes() {
        let m = parse_mountinfo(HOST_MOUNTS).unwrap();
        assert_eq!(m.len(), 12);
        assert_eq!(m[2].source, "udev");
        assert_eq!(m[11].mount_point, "/home/student/my files");
        assert!(parse_mountinfo("1 2 3\n").is_err());
    }

    #[test]
    fn container_mounts_against_the_host_by_what_they_are() {
        let host = parse_mountinfo(HOST_MOUNTS).unwrap();
        let mounts = parse_mountinfo(CONTAINER_MOUNTS).unwrap();
        let s = summarize_mounts(mounts, &host, MountMatch::MountpointFstypeSource);
        assert_eq!(s.count, 5);
        let root = s.root_mount.unwrap();
        assert_eq!(root.fstype, "overlay");
        assert_eq!(root.root, "/");
        let new: Vec<&str> = s.new.iter().map(|m| m.mount_point.as_str()).collect();
        // /proc and /sys look like the host's; the overlay root and the tmpfs /dev do not.
        assert_eq!(new, vec!["/", "/dev", "/dev/shm"]);
    }

    #[test]
    fn same_namespace_mounts_by_id() {
        let host = parse_mountinfo(HOST_MOUNTS).unwrap();
        let mut mounts = host.clone();
        mounts.push(Mount {
            mount_id: 900,
            parent_id: 45,
            root: "/".into(),
            mount_point: "/run/contlab/netns/x".into(),
            fstype: "nsfs".into(),
            source: "nsfs".into(),
        });
        let s = summarize_mounts(mounts, &host, MountMatch::MountId);
        assert_eq!(s.count, 13);
        assert_eq!(s.new.len(), 1);
        assert_eq!(s.new[0].mount_id, 900);
        assert_eq!(s.root_mount.unwrap().fstype, "ext4");
    }

    #[test]
    fn stacked_root_mounts_show_the_top_one() {
        let text = "1 1 0:1 / / rw - rootfs rootfs rw\n27 1 254:1 / / rw - ext4 /dev/vda1 rw\n";
        let m = parse_mountinfo(text).unwrap();
        let s = summarize_mounts(m, &[], MountMatch::MountId);
        assert_eq!(s.root_mount.unwrap().mount_id, 27);
        assert_eq!(s.new.len(), 2);
    }

    #[test]
    fn snapshot_of_ourselves() {
        let me = std::process::id() as i32;
        let s = snapshot(me, me).unwrap();
        assert_eq!(s.status.pid, me);
        assert_eq!(s.namespaces.len(), NS_LINKS.len());
        assert!(s.namespaces.iter().all(|n| !n.differs));
        assert!(s.ns("net").unwrap().inode.is_some());
        assert!(s.mounts.new.is_empty());
        assert_eq!(s.mounts.compared_by, MountMatch::MountId);
        assert_eq!(s.hostname, s.host_hostname);
        assert!(s.hostname.is_some());
    }

    #[test]
    fn snapshot_of_no_process_says_so() {
        // Pids never exceed pid_max, which is at most 2^22.
        let err = snapshot(i32::MAX, 1).unwrap_err();
        assert!(format!("{err:#}").contains("no process"), "{err:#}");
    }
}
