//! `linux.seccomp`: an OCI seccomp profile compiled to classic BPF (with `seccompiler`, a
//! pure-Rust compiler) when the bundle is read, and loaded by the container's process
//! right before it becomes the command.
//!
//! A `seccompiler` filter has one action for every rule that matches. A profile mixes
//! actions (allow most calls, return an errno for a few), so it becomes one filter per
//! action, each answering "allow" for what it does not match, plus one filter whose
//! miss is the profile's default action. The kernel runs every filter and takes the
//! most severe answer (kill, trap, errno, trace, log, allow), so a call gets its rule's
//! action where one matches and the default where none does, as with libseccomp.
//!
//! `SCMP_ACT_NOTIFY` (a user-space listener decides the call) has no `seccompiler`
//! action: its filter is compiled with a stand-in action that no other rule of that
//! filter has, whose return value is then rewritten to `SECCOMP_RET_USER_NOTIF`. The
//! init loads that filter before the start gate with `SECCOMP_FILTER_FLAG_NEW_LISTENER`;
//! contlab takes the listener's fd from it (`pidfd_getfd`) and sends it, with the
//! container's state, to the bundle's `listenerPath` during `create`, as runc does
//! ([`hand_to_listener`]). A process `runtime exec` starts loads the filter with a
//! listener of its own, which goes to the same agent ([`load_handing_over`]).

use super::oci::state::{OCI_VERSION, OciState};
use super::trace::Tracer;
use anyhow::{Context, Result};
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::str::FromStr;

/// The kernel's return value for "ask the listener" (`SECCOMP_RET_USER_NOTIF`).
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
/// `BPF_RET | BPF_K`: a `ret` of a constant.
const BPF_RET_K: u16 = 0x06;
/// What a notify filter is compiled with before [`RET_USER_NOTIF`] takes its place: the
/// filter's only other answer is "allow".
const NOTIFY_STAND_IN: SeccompAction = SeccompAction::KillProcess;

/// Where a container's seccomp listener goes (`linux.seccomp.listenerPath`), with what
/// the agent is told (`listenerMetadata`, the container's state).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listener {
    pub path: PathBuf,
    pub metadata: String,
    pub state: OciState,
}

/// One compiled filter: classic BPF instructions as `(code, jt, jf, k)`.
pub type Program = Vec<(u16, u8, u8, u32)>;

/// Per syscall number, the rules that match it (any of them), or `None` for "always".
type Rules = BTreeMap<i64, Option<Vec<SeccompRule>>>;

/// An action of the profile: one `seccompiler` has, or the listener's.
#[derive(Clone, Debug, PartialEq)]
enum Act {
    Bpf(SeccompAction),
    Notify,
}

impl Act {
    /// Its return value, which keys the filters (equal actions share one).
    fn key(&self) -> u32 {
        match self {
            Act::Bpf(a) => u32::from(a.clone()),
            Act::Notify => RET_USER_NOTIF,
        }
    }

    fn bpf(&self) -> SeccompAction {
        match self {
            Act::Bpf(a) => a.clone(),
            Act::Notify => NOTIFY_STAND_IN,
        }
    }
}

fn action(a: LinuxSeccompAction, errno: Option<u32>) -> Act {
    Act::Bpf(match a {
        LinuxSeccompAction::ScmpActAllow => SeccompAction::Allow,
        LinuxSeccompAction::ScmpActErrno => {
            SeccompAction::Errno(errno.unwrap_or(libc::EPERM as u32))
        }
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => {
            SeccompAction::KillThread
        }
        LinuxSeccompAction::ScmpActKillProcess => SeccompAction::KillProcess,
        LinuxSeccompAction::ScmpActTrap => SeccompAction::Trap,
        LinuxSeccompAction::ScmpActTrace => {
            SeccompAction::Trace(errno.unwrap_or(libc::EPERM as u32))
        }
        LinuxSeccompAction::ScmpActLog => SeccompAction::Log,
        LinuxSeccompAction::ScmpActNotify => return Act::Notify,
    })
}

fn condition(a: &oci_spec::runtime::LinuxSeccompArg, what: &str) -> Result<SeccompCondition> {
    let index = u8::try_from(a.index())
        .ok()
        .filter(|i| *i < 6)
        .with_context(|| {
            format!(
                "config.json: {what}: argument index {} is not 0 to 5",
                a.index()
            )
        })?;
    let (op, value) = match a.op() {
        LinuxSeccompOperator::ScmpCmpNe => (SeccompCmpOp::Ne, a.value()),
        LinuxSeccompOperator::ScmpCmpLt => (SeccompCmpOp::Lt, a.value()),
        LinuxSeccompOperator::ScmpCmpLe => (SeccompCmpOp::Le, a.value()),
        LinuxSeccompOperator::ScmpCmpEq => (SeccompCmpOp::Eq, a.value()),
        LinuxSeccompOperator::ScmpCmpGe => (SeccompCmpOp::Ge, a.value()),
        LinuxSeccompOperator::ScmpCmpGt => (SeccompCmpOp::Gt, a.value()),
        // value is the mask, valueTwo the value the masked argument must equal.
        LinuxSeccompOperator::ScmpCmpMaskedEq => (
            SeccompCmpOp::MaskedEq(a.value()),
            a.value_two().unwrap_or(0),
        ),
    };
    SeccompCondition::new(index, SeccompCmpArgLen::Qword, op, value)
        .map_err(|e| anyhow::anyhow!("config.json: {what}: {e}"))
}

/// Compiles a profile for this machine's architecture. Syscall names this architecture
/// does not have are skipped, as runc and libseccomp skip them.
pub fn compile(profile: &LinuxSeccomp) -> Result<Vec<Program>> {
    let notifies = profile.default_action() == LinuxSeccompAction::ScmpActNotify
        || profile
            .syscalls()
            .iter()
            .flatten()
            .any(|s| s.action() == LinuxSeccompAction::ScmpActNotify);
    if notifies && profile.listener_path().is_none() {
        crate::bail_said!("error-oci-seccomp-no-listener");
    }
    // The process that loads a notify filter reports its listener with `write` and
    // waits for contlab with `read`: a listener asked for every call, or for `write`,
    // would be waited on before anyone has it. runc refuses both alike.
    if profile.default_action() == LinuxSeccompAction::ScmpActNotify {
        crate::bail_said!("error-oci-seccomp-notify-default");
    }
    for (i, s) in profile.syscalls().iter().flatten().enumerate() {
        if s.action() == LinuxSeccompAction::ScmpActNotify && s.names().iter().any(|n| n == "write")
        {
            crate::bail_said!(
                "error-oci-seccomp-notify-write",
                what = format!("linux.seccomp.syscalls[{i}]")
            );
        }
    }
    if profile.flags().as_ref().is_some_and(|f| !f.is_empty()) {
        crate::bail_said!("error-oci-unsupported", what = "linux.seccomp.flags");
    }
    let arch = if cfg!(target_arch = "x86_64") {
        TargetArch::x86_64
    } else if cfg!(target_arch = "aarch64") {
        TargetArch::aarch64
    } else {
        crate::bail_said!("error-oci-seccomp-arch");
    };
    let default = action(profile.default_action(), profile.default_errno_ret());
    // Rules by action (keyed by its return value, so equal actions share a filter).
    let mut by_action: BTreeMap<u32, (Act, Rules)> = BTreeMap::new();
    let mut any = Rules::new();
    for (i, s) in profile.syscalls().iter().flatten().enumerate() {
        let what = format!("linux.seccomp.syscalls[{i}]");
        let act = action(s.action(), s.errno_ret());
        let conditions = s
            .args()
            .iter()
            .flatten()
            .map(|a| condition(a, &what))
            .collect::<Result<Vec<_>>>()?;
        let rule = if conditions.is_empty() {
            None
        } else {
            Some(
                SeccompRule::new(conditions)
                    .map_err(|e| anyhow::anyhow!("config.json: {what}: {e}"))?,
            )
        };
        for name in s.names() {
            let Ok(nr) = syscalls::Sysno::from_str(name) else {
                tracing::debug!("{what}: this architecture has no syscall {name:?}; skipped");
                continue;
            };
            let nr = nr.id() as i64;
            let add = |map: &mut Rules| {
                // `None`: the call matches whatever its arguments, which no further
                // rule can widen.
                match (map.entry(nr).or_insert_with(|| Some(Vec::new())), &rule) {
                    (Some(rules), Some(r)) => rules.push(r.clone()),
                    (slot, None) => *slot = None,
                    (None, Some(_)) => {}
                }
            };
            if act != default {
                add(&mut by_action
                    .entry(act.key())
                    .or_insert_with(|| (act.clone(), Rules::new()))
                    .1);
            }
            add(&mut any);
        }
    }
    let mut filters = Vec::new();
    let mut push = |rules: Rules, mismatch: &Act, matched: &Act| -> Result<()> {
        let rules = rules
            .into_iter()
            .map(|(nr, r)| (nr, r.unwrap_or_default()))
            .collect();
        let f = SeccompFilter::new(rules, mismatch.bpf(), matched.bpf(), arch)
            .map_err(|e| anyhow::anyhow!("config.json: linux.seccomp: {e}"))?;
        let prog: BpfProgram = f
            .try_into()
            .map_err(|e| anyhow::anyhow!("config.json: linux.seccomp: {e:?}"))?;
        let notify = *mismatch == Act::Notify || *matched == Act::Notify;
        let stand_in = u32::from(NOTIFY_STAND_IN);
        filters.push(
            prog.iter()
                .map(|i| {
                    let k = if notify && i.code == BPF_RET_K && i.k == stand_in {
                        RET_USER_NOTIF
                    } else {
                        i.k
                    };
                    (i.code, i.jt, i.jf, k)
                })
                .collect(),
        );
        Ok(())
    };
    let allow = Act::Bpf(SeccompAction::Allow);
    if default != allow {
        push(any, &default, &allow)?;
    }
    for (_, (act, rules)) in by_action {
        if act != allow {
            push(rules, &allow, &act)?;
        }
    }
    Ok(filters)
}

/// Loads `filters` into this process (and its future children), traced. Without
/// no_new_privs the caller needs CAP_SYS_ADMIN in its user namespace. A filter that
/// asks a listener, loaded so without one, fails those calls with ENOSYS.
pub fn load(filters: &[Program], tracer: &Tracer) -> Result<()> {
    load_handing_over(filters, None, tracer)
}

/// What gets the listener of a filter that asks one (see [`load_handing_over`]).
pub type HandOver<'a> = &'a dyn Fn(&OwnedFd) -> Result<()>;

/// [`load`], where a filter that asks a listener is loaded with one, which goes to
/// `hand_over` (an exec'd process gives it to contlab, as runc's does) and is closed
/// once it returns.
pub fn load_handing_over(
    filters: &[Program],
    hand_over: Option<HandOver<'_>>,
    tracer: &Tracer,
) -> Result<()> {
    for (n, f) in filters.iter().enumerate() {
        match hand_over {
            Some(hand) if notifies(f) => hand(&load_listener(f, tracer)?)?,
            _ => {
                load_one(f, 0, tracer).with_context(|| {
                    format!("cannot load seccomp filter {} (linux.seccomp)", n + 1)
                })?;
            }
        }
    }
    Ok(())
}

/// True when filter `f` asks a listener (`SCMP_ACT_NOTIFY`).
pub fn notifies(f: &Program) -> bool {
    f.iter()
        .any(|&(code, _, _, k)| code == BPF_RET_K && k == RET_USER_NOTIF)
}

/// Loads filter `f` with a new listener (`SECCOMP_FILTER_FLAG_NEW_LISTENER`) and
/// returns the listener's fd.
pub fn load_listener(f: &Program, tracer: &Tracer) -> Result<OwnedFd> {
    let fd = load_one(f, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER, tracer)
        .context("cannot load the seccomp filter with a listener (SCMP_ACT_NOTIFY)")?;
    // SAFETY: the kernel returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn load_one(f: &Program, flags: libc::c_ulong, tracer: &Tracer) -> Result<RawFd> {
    let insns: Vec<libc::sock_filter> = f
        .iter()
        .map(|&(code, jt, jf, k)| libc::sock_filter { code, jt, jf, k })
        .collect();
    let prog = libc::sock_fprog {
        len: insns.len() as u16,
        filter: insns.as_ptr() as *mut libc::sock_filter,
    };
    let shown = if flags == 0 {
        "0"
    } else {
        "SECCOMP_FILTER_FLAG_NEW_LISTENER"
    };
    Ok(tracer.op(
        "seccomp",
        || {
            format!(
                "SECCOMP_SET_MODE_FILTER, {shown}, {{len = {}}}",
                insns.len()
            )
        },
        || None,
        // SAFETY: the program outlives the call; the kernel copies it.
        || {
            nix::errno::Errno::result(unsafe {
                libc::syscall(
                    libc::SYS_seccomp,
                    libc::SECCOMP_SET_MODE_FILTER,
                    flags,
                    &prog as *const libc::sock_fprog,
                )
            })
            .map(|r| r as RawFd)
        },
    )?)
}

/// Takes the listener fd `fd` of process `pid` (the init at `create`, or an exec'd
/// process before its `execve`; it waits) with `pidfd_getfd` and sends it to the agent
/// at `l.path`, as runc does: the runtime spec's container process state as JSON
/// (`fds: ["seccompFd"]`, `pid`, `metadata`, and `l.state`, the container's state as
/// the caller fills it), the fd beside it.
pub fn hand_to_listener(l: &Listener, pid: i32, fd: RawFd, tracer: &Tracer) -> Result<()> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    // SAFETY: plain syscalls; each fd returned is new and owned below.
    let pidfd =
        nix::errno::Errno::result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })
            .context("cannot open the container's init (pidfd_open) for its seccomp listener")?;
    // SAFETY: pidfd_open returned a new fd that nothing else owns.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as RawFd) };
    let got = tracer
        .op(
            "pidfd_getfd",
            || format!("{pid}, {fd}, 0"),
            || None,
            // SAFETY: a plain syscall on fds this process owns.
            || {
                nix::errno::Errno::result(unsafe {
                    libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0)
                })
            },
        )
        .context("cannot take the seccomp listener from the container's init (pidfd_getfd)")?;
    // SAFETY: pidfd_getfd returned a new fd that nothing else owns.
    let listener = unsafe { OwnedFd::from_raw_fd(got as RawFd) };
    let msg = serde_json::to_vec(&serde_json::json!({
        "ociVersion": OCI_VERSION,
        "fds": ["seccompFd"],
        "pid": pid,
        "metadata": l.metadata,
        "state": l.state,
    }))?;
    let sock = std::os::unix::net::UnixStream::connect(&l.path).map_err(|e| {
        anyhow::Error::new(e).context(crate::said!(
            "error-oci-seccomp-listener",
            path = l.path.display()
        ))
    })?;
    let fds = [listener.as_raw_fd()];
    tracer
        .op(
            "sendmsg",
            || format!("{:?}, state, SCM_RIGHTS [{}]", l.path, fds[0]),
            || None,
            || {
                sendmsg::<()>(
                    sock.as_raw_fd(),
                    &[std::io::IoSlice::new(&msg)],
                    &[ControlMessage::ScmRights(&fds)],
                    MsgFlags::MSG_NOSIGNAL,
                    None,
                )
            },
        )
        .map_err(|e| {
            anyhow::Error::new(e).context(crate::said!(
                "error-oci-seccomp-listener",
                path = l.path.display()
            ))
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(v: serde_json::Value) -> LinuxSeccomp {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn one_filter_per_action_and_one_for_the_default() {
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [
                {"names": ["read", "write", "not_a_syscall"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
                {"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS"}
            ]
        }));
        // The default's filter, then errno 38's and kill's (allow needs none).
        assert_eq!(compile(&p).unwrap().len(), 3);
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]
        }));
        assert_eq!(compile(&p).unwrap().len(), 1);
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "flags": ["SECCOMP_FILTER_FLAG_LOG"]
        }));
        assert!(compile(&p).unwrap_err().to_string().contains("flags"));
    }

    /// A notify rule gets a filter of its own whose answer is SECCOMP_RET_USER_NOTIF;
    /// the kill rule's filter keeps its kill. Without a listener path it is refused.
    #[test]
    fn notify_gets_one_filter_answering_the_listener() {
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": "/run/agent.sock",
            "syscalls": [
                {"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"},
                {"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS"}
            ]
        }));
        let filters = compile(&p).unwrap();
        assert_eq!(filters.len(), 2);
        assert_eq!(filters.iter().filter(|f| notifies(f)).count(), 1);
        let kill = filters.iter().find(|f| !notifies(f)).unwrap();
        assert!(kill.iter().any(|i| i.0 == BPF_RET_K && i.3 == 0x8000_0000));
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": "/run/agent.sock",
            "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]
        }));
        assert!(notifies(&compile(&p).unwrap()[0]));
        // As runc: never for every call, nor for write, which reports the listener.
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_NOTIFY",
            "listenerPath": "/run/agent.sock"
        }));
        assert!(
            compile(&p)
                .unwrap_err()
                .to_string()
                .contains("defaultAction")
        );
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": "/run/agent.sock",
            "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_NOTIFY"}]
        }));
        assert!(compile(&p).unwrap_err().to_string().contains("syscalls[0]"));
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]
        }));
        assert!(
            compile(&p)
                .unwrap_err()
                .to_string()
                .contains("listenerPath")
        );
    }
}
