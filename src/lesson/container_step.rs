//! The container track's side of the lesson engine: the containers a lesson starts
//! through the runtime (`start`, `exec`, `cgroup-write`, `breakout`, `wait`, `stop` …),
//! the checks on what they show (namespaces, processes, hostname, uid, mounts, cgroup
//! files, OOM kills, files, breakout), and the live observations behind those checks.
//! The engine owns one [`Containers`] and turns what its actions return into events.

use super::checks::{Ended, World, result};
use super::event::CheckResult;
use super::format::{Action, Check, Relation, StartSpec};
use crate::i18n::Lang;
use crate::inspect;
use crate::runtime::cgroup::{self, Limits};
use crate::runtime::trace::Tracer;
use crate::runtime::{
    Capabilities, Container, ContainerSpec, IdMap, Namespace, Namespaces, Network, Peer,
    RootfsMode, Stdio, Veth,
};
use crate::tr;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

/// What a container action produced, for the engine to show and remember.
pub enum Done {
    /// Nothing to show.
    Quiet,
    /// A command ran: what it printed and how it ended (for `output` and `exit`).
    Ran {
        stdout: Vec<u8>,
        stderr: Vec<u8>,
        ended: Ended,
    },
    /// A value read: shown on stdout, and what `output` checks see.
    Read(String),
    /// A breakout was tried: whether it reached the host's root (said on stdout, in the
    /// lesson's language, by the engine).
    Escaped(bool),
    /// A container's main process ended (`wait`).
    Ended(Ended),
}

/// The lesson's containers by name, and what the last breakout reached.
#[derive(Default)]
pub struct Containers {
    containers: BTreeMap<String, Container>,
    /// The write ends of the default shells' stdin, which keep them waiting.
    keep_open: Vec<std::fs::File>,
    last_escape: Option<bool>,
}

impl Containers {
    pub fn get(&self, name: &str) -> Result<&Container> {
        self.containers.get(name).with_context(|| {
            format!("no container named \"{name}\" is running in this lesson (start it first)")
        })
    }

    pub fn find(&self, name: &str) -> Option<&Container> {
        self.containers.get(name)
    }

    /// The container the panels show: the first by name.
    pub fn first(&self) -> Option<(&String, &Container)> {
        self.containers.iter().next()
    }

    /// Whether the last breakout reached the host's root.
    pub fn last_escape(&self) -> Option<bool> {
        self.last_escape
    }

    /// Tears every container down; returns what could not be removed, one line each.
    pub fn teardown(&mut self) -> Vec<String> {
        self.keep_open.clear();
        let mut failed = Vec::new();
        for (_, mut c) in std::mem::take(&mut self.containers) {
            for r in c.teardown() {
                if let Some(e) = r.error {
                    failed.push(format!("could not remove {} {}: {e}\n", r.kind, r.what));
                }
            }
        }
        failed
    }

    /// Carries out one container action.
    pub fn perform(&mut self, action: &Action, tracer: &Tracer) -> Result<Done> {
        Ok(match action {
            Action::Start(spec) => {
                self.start(spec, tracer)?;
                Done::Quiet
            }
            Action::Exec { container, cmd } => {
                let c = self.get(container)?;
                let out = c.exec(&["/bin/sh", "-c", cmd], Stdio::piped())?;
                Done::Ran {
                    stdout: out.stdout,
                    stderr: out.stderr,
                    ended: Ended::of(out.exit.code, out.exit.signal),
                }
            }
            Action::HostExec { cmd } => {
                let out = std::process::Command::new("/bin/sh")
                    .args(["-c", cmd])
                    .stdin(std::process::Stdio::null())
                    .output()
                    .with_context(|| format!("cannot run {cmd:?} on the host"))?;
                use std::os::unix::process::ExitStatusExt;
                Done::Ran {
                    stdout: out.stdout,
                    stderr: out.stderr,
                    ended: Ended::of(out.status.code(), out.status.signal()),
                }
            }
            Action::CgroupWrite {
                container,
                file,
                value,
            } => {
                let c = self.get(container)?;
                let cg = c
                    .cgroup()
                    .context("this container has no cgroup (give it a limit when you start it)")?;
                cg.write(file, value, tracer)?;
                Done::Quiet
            }
            Action::CgroupRead { container, file } => {
                let c = self.get(container)?;
                let cg = c
                    .cgroup()
                    .context("this container has no cgroup (give it a limit when you start it)")?;
                let r = inspect::cgroup_names::read(cg.dirs(), file)?;
                Done::Read(format!("{}: {}\n", r.file, r.value))
            }
            Action::Breakout { container } => {
                let escaped = self.get(container)?.breakout()?;
                self.last_escape = Some(escaped);
                Done::Escaped(escaped)
            }
            Action::Wait { container } => {
                let c = self.containers.get_mut(container).with_context(|| {
                    format!("no container named \"{container}\" in this lesson")
                })?;
                let info = c.wait()?;
                Done::Ended(Ended::of(info.code, info.signal))
            }
            Action::Stop { container } => {
                let mut c = self.containers.remove(container).with_context(|| {
                    format!("no container named \"{container}\" in this lesson")
                })?;
                let failed: Vec<String> = c
                    .teardown()
                    .into_iter()
                    .filter_map(|r| r.error.map(|e| format!("{} {}: {e}", r.kind, r.what)))
                    .collect();
                if !failed.is_empty() {
                    bail!("could not remove: {}", failed.join("; "));
                }
                Done::Quiet
            }
            other => bail!("not a container action: {other:?}"),
        })
    }

    fn start(&mut self, s: &StartSpec, tracer: &Tracer) -> Result<()> {
        if self.containers.contains_key(&s.name) {
            bail!(
                "a container named \"{}\" is already running in this lesson",
                s.name
            );
        }
        let namespaces = Namespaces::parse(&s.namespaces)?;
        let rootfs = match &s.rootfs {
            Some(r) => RootfsMode::parse(r)?,
            None => RootfsMode::default_for(namespaces),
        };
        let limits = Limits {
            memory: s.memory.as_deref().map(cgroup::parse_memory).transpose()?,
            cpu: s.cpus.as_deref().map(cgroup::parse_cpus).transpose()?,
            pids: s.pids.as_deref().map(cgroup::parse_pids).transpose()?,
            devices: None,
            freezer: false,
        };
        let capabilities = match s.capabilities.as_deref() {
            None | Some("oci-default") => Capabilities::OciDefault,
            Some("all") => Capabilities::All,
            Some(other) => bail!("unknown capability set {other:?}: use oci-default or all"),
        };
        let args = s.cmd.clone().unwrap_or_else(|| vec!["sh".to_string()]);
        let default_shell = s.cmd.is_none();
        let network = match &s.veth {
            None if s.loopback == Some(false) => Network::Empty,
            Some(_) if s.loopback == Some(false) => {
                bail!("a veth needs the container's lo up: drop loopback = false or the veth")
            }
            None => Network::Loopback,
            Some(v) => {
                let peer = self.get(&v.peer)?;
                Network::Veth(Veth {
                    peer: Peer::Container(peer),
                    ifname: "eth0".into(),
                    addr: v
                        .addr
                        .parse()
                        .with_context(|| format!("bad veth address {:?}", v.addr))?,
                    peer_ifname: format!("veth-{}", short(&s.name)),
                    peer_addr: v
                        .peer_addr
                        .parse()
                        .with_context(|| format!("bad veth address {:?}", v.peer_addr))?,
                })
            }
        };
        let spec = ContainerSpec {
            namespaces,
            rootfs,
            hostname: s.hostname.clone(),
            limits,
            user_map: (s.map_root && namespaces.contains(Namespace::User))
                .then(IdMap::unprivileged_root),
            network,
            capabilities,
            args,
            mount_proc: s.mount_proc.unwrap_or(true),
            init: s.init,
            stdio: Stdio {
                stdin: crate::runtime::Io::Piped,
                stdout: crate::runtime::Io::Null,
                stderr: crate::runtime::Io::Null,
            },
            ..Default::default()
        };
        let mut c = Container::start(spec, tracer)?;
        if default_shell && let Some(stdin) = c.take_stdin() {
            self.keep_open.push(stdin);
        }
        self.containers.insert(s.name.clone(), c);
        Ok(())
    }
}

fn short(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(9)
        .collect()
}

// The live observations behind the container checks, by the host pid of a container's
// main process (a lesson container's, or an OCI container's).

pub fn ns_inode(pid: i32, ns: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/ns/{ns}");
    Ok(std::fs::metadata(&path)
        .with_context(|| format!("cannot read {path}"))?
        .ino())
}

fn read_status(pid: i32) -> Result<inspect::proc::Status> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status: has the container stopped?"))?;
    inspect::proc::parse_status(&text)
}

/// What the container's own `ps` would list: the pids in the /proc its root shows.
pub fn processes(pid: i32) -> Result<Vec<(i32, String)>> {
    let proc_dir = format!("/proc/{pid}/root/proc");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&proc_dir)
        .with_context(|| format!("cannot list {proc_dir}"))?
        .flatten()
    {
        if let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() {
            let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
            out.push((pid, comm.trim().to_string()));
        }
    }
    out.sort();
    Ok(out)
}

pub fn pid_inside(pid: i32) -> Result<i32> {
    let st = read_status(pid)?;
    st.nspid
        .last()
        .copied()
        .context("no NSpid in /proc/PID/status")
}

pub fn uid(pid: i32) -> Result<(u32, u32)> {
    let outside = read_status(pid)?.uid.real;
    let map = std::fs::read_to_string(format!("/proc/{pid}/uid_map")).unwrap_or_default();
    let inside = inspect::proc::parse_id_map(&map)?
        .iter()
        .find(|m| outside >= m.outside && outside - m.outside < m.count)
        .map(|m| m.inside + (outside - m.outside))
        .unwrap_or(65534);
    Ok((inside, outside))
}

pub fn mount_inside(pid: i32, path: &str) -> Result<Option<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))?;
    Ok(inspect::proc::parse_mountinfo(&text)?
        .into_iter()
        .rev()
        .find(|m| m.mount_point == path)
        .map(|m| m.fstype))
}

pub fn mount_on_host(path: &str, fstype: &str) -> Result<bool> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")?;
    Ok(inspect::proc::parse_mountinfo(&text)?
        .iter()
        .any(|m| m.mount_point == path && m.fstype == fstype))
}

pub fn cgroup_value(c: &Container, file: &str) -> Result<(String, String)> {
    let cg = c.cgroup().context("this container has no cgroup")?;
    let r = inspect::cgroup_names::read(cg.dirs(), file)?;
    Ok((r.file, r.value))
}

pub fn cgroup_member(c: &Container) -> Result<bool> {
    let Some(cg) = c.cgroup() else {
        return Ok(false);
    };
    let pid = c.pid().to_string();
    Ok(!cg.procs_files().is_empty()
        && cg
            .procs_files()
            .iter()
            .all(|f| std::fs::read_to_string(f).is_ok_and(|t| t.lines().any(|l| l == pid))))
}

pub fn oom_kills(c: &Container) -> u64 {
    c.cgroup().map(|cg| cg.oom_kills()).unwrap_or(0)
}

pub fn file_exists(pid: i32, path: &str) -> bool {
    let p = format!("/proc/{pid}/root/{}", path.trim_start_matches('/'));
    std::fs::symlink_metadata(p).is_ok()
}

fn proc_ns_name(ns: &str) -> &str {
    match ns {
        "mount" => "mnt",
        other => other,
    }
}

/// Whether `container`'s `name` namespace (inode `mine`) is the same as another's
/// (`other`: another container, or the host when `None`; inode `theirs`), against
/// `want_same`; and the sentence in `lang`.
fn compare_ns(
    lang: Lang,
    name: &str,
    container: &str,
    mine: u64,
    other: Option<&str>,
    theirs: u64,
    want_same: bool,
) -> (bool, String) {
    let same = mine == theirs;
    let pass = same == want_same;
    let other = match other {
        None => tr!(lang, "check-ns-other-host"),
        Some(c) => tr!(lang, "check-ns-other-container", container = c),
    };
    let (c, o) = (container, other.as_str());
    let (mine, theirs) = (mine.to_string(), theirs.to_string());
    let (m, t) = (mine.as_str(), theirs.as_str());
    let sentence = match (same, pass) {
        (true, true) => tr!(
            lang,
            "check-ns-shares",
            name = name,
            container = c,
            other = o,
            mine = m
        ),
        (false, true) => tr!(
            lang,
            "check-ns-own",
            name = name,
            container = c,
            other = o,
            mine = m,
            theirs = t
        ),
        (true, false) => tr!(
            lang,
            "check-ns-want-own",
            container = c,
            name = name,
            other = o,
            mine = m
        ),
        (false, false) => tr!(
            lang,
            "check-ns-want-shared",
            container = c,
            other = o,
            name = name,
            theirs = t,
            mine = m
        ),
    };
    (pass, sentence)
}

/// A value quoted as the English sentences always showed it (`"lab"`).
fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// Evaluates one container check on what `w` observes, its sentence in `lang`.
pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    Ok(match check {
        Check::Ns {
            container,
            ns,
            host,
        } => {
            let name = proc_ns_name(ns);
            let inside = w.ns_inode(container, name)?;
            let outside = w.host_ns_inode(name)?;
            let (pass, sentence) = compare_ns(
                lang,
                name,
                container,
                inside,
                None,
                outside,
                *host == Relation::Same,
            );
            result(check, pass, sentence)
        }
        Check::NsShared {
            container,
            with,
            ns,
            shared,
        } => {
            let name = proc_ns_name(ns);
            let mine = w.ns_inode(container, name)?;
            let theirs = w.ns_inode(with, name)?;
            let (pass, sentence) =
                compare_ns(lang, name, container, mine, Some(with), theirs, *shared);
            result(check, pass, sentence)
        }
        Check::Processes {
            container,
            count,
            max,
            pid1,
        } => {
            let procs = w.processes(container)?;
            let n = procs.len() as u32;
            let first = procs.iter().find(|(p, _)| *p == 1).map(|(_, c)| c.clone());
            let c_ = container.as_str();
            let mut problems = Vec::new();
            if let Some(c) = count
                && n != *c
            {
                problems.push(tr!(
                    lang,
                    "check-procs-want-count",
                    want = c.to_string(),
                    container = c_,
                    seen = n.to_string()
                ));
            }
            if let Some(m) = max
                && n > *m
            {
                problems.push(tr!(
                    lang,
                    "check-procs-want-max",
                    max = m.to_string(),
                    container = c_,
                    seen = n.to_string()
                ));
            }
            if let Some(want) = pid1 {
                match &first {
                    Some(c) if c == want => {}
                    Some(c) => problems.push(tr!(
                        lang,
                        "check-procs-want-pid1",
                        container = c_,
                        want = want.as_str(),
                        seen = c.as_str()
                    )),
                    None => problems.push(tr!(
                        lang,
                        "check-procs-no-pid1",
                        container = c_,
                        want = want.as_str()
                    )),
                }
            }
            if problems.is_empty() {
                let sentence = match first {
                    Some(p1) => tr!(
                        lang,
                        "check-procs-ok-pid1",
                        count = n.to_string(),
                        container = c_,
                        pid1 = p1
                    ),
                    None => tr!(
                        lang,
                        "check-procs-ok",
                        count = n.to_string(),
                        container = c_
                    ),
                };
                result(check, true, sentence)
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Pid { container, inside } => {
            let p = w.pid_inside(container)?;
            let (c, pid) = (container.as_str(), p.to_string());
            if p == *inside {
                result(
                    check,
                    true,
                    tr!(lang, "check-pid-ok", container = c, pid = pid),
                )
            } else {
                let want = inside.to_string();
                result(
                    check,
                    false,
                    tr!(
                        lang,
                        "check-pid-want",
                        container = c,
                        want = want,
                        pid = pid
                    ),
                )
            }
        }
        Check::Hostname {
            container,
            equals,
            host,
        } => {
            let inside = w.hostname(container)?;
            let c = container.as_str();
            let mut problems = Vec::new();
            if let Some(want) = equals
                && &inside != want
            {
                problems.push(tr!(
                    lang,
                    "check-hostname-want",
                    container = c,
                    want = quoted(want),
                    seen = quoted(&inside)
                ));
            }
            if let Some(rel) = host {
                let h = w.host_hostname()?;
                let same = h == inside;
                if same != (*rel == Relation::Same) {
                    problems.push(if same {
                        tr!(
                            lang,
                            "check-hostname-want-differ",
                            container = c,
                            host = quoted(&h)
                        )
                    } else {
                        tr!(
                            lang,
                            "check-hostname-want-host",
                            container = c,
                            host = quoted(&h),
                            seen = quoted(&inside)
                        )
                    });
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    tr!(
                        lang,
                        "check-hostname-ok",
                        container = c,
                        seen = quoted(&inside)
                    ),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Uid {
            container,
            inside,
            outside,
        } => {
            let (i, o) = w.uid(container)?;
            let c = container.as_str();
            let mut problems = Vec::new();
            if i != *inside {
                problems.push(tr!(
                    lang,
                    "check-uid-want",
                    want = inside.to_string(),
                    container = c,
                    seen = i.to_string()
                ));
            }
            if let Some(rel) = outside {
                let same = i == o;
                if same != (*rel == Relation::Same) {
                    let (i, o) = (i.to_string(), o.to_string());
                    problems.push(if same {
                        tr!(
                            lang,
                            "check-uid-want-mapped",
                            inside = i.as_str(),
                            outside = o.as_str()
                        )
                    } else {
                        tr!(
                            lang,
                            "check-uid-want-same",
                            inside = i.as_str(),
                            outside = o.as_str()
                        )
                    });
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    tr!(
                        lang,
                        "check-uid-ok",
                        inside = i.to_string(),
                        container = c,
                        outside = o.to_string()
                    ),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Mount {
            container,
            path,
            on_host,
        } => {
            let Some(fstype) = w.mount_inside(container, path)? else {
                return Ok(result(
                    check,
                    false,
                    tr!(
                        lang,
                        "check-mount-none",
                        path = path.as_str(),
                        container = container.as_str()
                    ),
                ));
            };
            let seen = w.mount_on_host(path, &fstype)?;
            let pass = seen == *on_host;
            let (f, p, c) = (fstype.as_str(), path.as_str(), container.as_str());
            let sentence = match (seen, pass) {
                (false, true) => tr!(
                    lang,
                    "check-mount-private",
                    fstype = f,
                    path = p,
                    container = c
                ),
                (true, true) => tr!(
                    lang,
                    "check-mount-shared",
                    fstype = f,
                    path = p,
                    container = c
                ),
                (true, false) => tr!(
                    lang,
                    "check-mount-want-private",
                    fstype = f,
                    path = p,
                    container = c
                ),
                (false, false) => tr!(lang, "check-mount-want-shared", fstype = f, path = p),
            };
            result(check, pass, sentence)
        }
        Check::Cgroup {
            container,
            file,
            equals,
            at_least,
        } => {
            let (name, value) = w.cgroup_value(container, file)?;
            let value = value.trim().to_string();
            let f = name.as_str();
            let mut problems = Vec::new();
            if let Some(want) = equals
                && value != want.trim()
            {
                problems.push(tr!(
                    lang,
                    "check-cgroup-want",
                    file = f,
                    want = quoted(want),
                    seen = quoted(&value)
                ));
            }
            if let Some(min) = at_least {
                match value.parse::<u64>() {
                    Ok(v) if v >= *min => {}
                    Ok(v) => problems.push(tr!(
                        lang,
                        "check-cgroup-want-min",
                        file = f,
                        min = min.to_string(),
                        seen = v.to_string()
                    )),
                    Err(_) => problems.push(tr!(
                        lang,
                        "check-cgroup-want-number",
                        file = f,
                        min = min.to_string(),
                        seen = quoted(&value)
                    )),
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    tr!(lang, "check-cgroup-ok", file = f, value = value.as_str()),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::CgroupMember { container } => {
            let c = container.as_str();
            if w.cgroup_member(container)? {
                result(check, true, tr!(lang, "check-member-ok", container = c))
            } else {
                result(check, false, tr!(lang, "check-member-want", container = c))
            }
        }
        Check::Oom { container, killed } => {
            let n = w.oom_kills(container)?;
            let pass = (n > 0) == *killed;
            let (count, c) = (n.to_string(), container.as_str());
            let sentence = match (n > 0, pass) {
                (true, true) => tr!(lang, "check-oom-killed", count = count, container = c),
                (false, true) => tr!(lang, "check-oom-none", container = c),
                (false, false) => tr!(lang, "check-oom-want-kill", container = c),
                (true, false) => tr!(lang, "check-oom-want-none", container = c, count = count),
            };
            result(check, pass, sentence)
        }
        Check::File {
            container,
            path,
            exists,
        } => {
            let e = w.file_exists(container, path)?;
            let pass = e == *exists;
            let (p, c) = (path.as_str(), container.as_str());
            let sentence = match (e, pass) {
                (true, true) => tr!(lang, "check-file-exists", path = p, container = c),
                (false, true) => tr!(lang, "check-file-absent", path = p, container = c),
                (false, false) => tr!(lang, "check-file-want", path = p, container = c),
                (true, false) => tr!(lang, "check-file-want-none", path = p, container = c),
            };
            result(check, pass, sentence)
        }
        Check::Escape { escaped } => {
            let Some(e) = w.last_escape() else {
                return Ok(result(check, false, tr!(lang, "check-escape-none")));
            };
            let pass = e == *escaped;
            let sentence = match (e, pass) {
                (true, true) => tr!(lang, "check-escape-reached"),
                (false, true) => tr!(lang, "check-escape-held"),
                (false, false) => tr!(lang, "check-escape-want-reach"),
                (true, false) => tr!(lang, "check-escape-want-held"),
            };
            result(check, pass, sentence)
        }
        other => bail!("not a container check: {}", other.kind()),
    })
}
