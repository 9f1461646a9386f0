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

use super::trace::Tracer;
use anyhow::{Context, Result};
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use std::collections::BTreeMap;
use std::str::FromStr;

/// One compiled filter: classic BPF instructions as `(code, jt, jf, k)`.
pub type Program = Vec<(u16, u8, u8, u32)>;

/// Per syscall number, the rules that match it (any of them), or `None` for "always".
type Rules = BTreeMap<i64, Option<Vec<SeccompRule>>>;

fn action(a: LinuxSeccompAction, errno: Option<u32>, what: &str) -> Result<SeccompAction> {
    Ok(match a {
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
        LinuxSeccompAction::ScmpActNotify => {
            crate::bail_said!(
                "error-oci-unsupported",
                what = format!("{what} SCMP_ACT_NOTIFY")
            )
        }
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
    if profile.listener_path().is_some() {
        crate::bail_said!("error-oci-unsupported", what = "linux.seccomp.listenerPath");
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
    let default = action(
        profile.default_action(),
        profile.default_errno_ret(),
        "linux.seccomp.defaultAction",
    )?;
    // Rules by action (keyed by its return value, so equal actions share a filter).
    let mut by_action: BTreeMap<u32, (SeccompAction, Rules)> = BTreeMap::new();
    let mut any = Rules::new();
    for (i, s) in profile.syscalls().iter().flatten().enumerate() {
        let what = format!("linux.seccomp.syscalls[{i}]");
        let act = action(s.action(), s.errno_ret(), &what)?;
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
                    .entry(u32::from(act.clone()))
                    .or_insert_with(|| (act.clone(), Rules::new()))
                    .1);
            }
            add(&mut any);
        }
    }
    let mut filters = Vec::new();
    let mut push = |rules: Rules, mismatch, matched| -> Result<()> {
        let rules = rules
            .into_iter()
            .map(|(nr, r)| (nr, r.unwrap_or_default()))
            .collect();
        let f = SeccompFilter::new(rules, mismatch, matched, arch)
            .map_err(|e| anyhow::anyhow!("config.json: linux.seccomp: {e}"))?;
        let prog: BpfProgram = f
            .try_into()
            .map_err(|e| anyhow::anyhow!("config.json: linux.seccomp: {e:?}"))?;
        filters.push(prog.iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect());
        Ok(())
    };
    if default != SeccompAction::Allow {
        push(any, default.clone(), SeccompAction::Allow)?;
    }
    for (_, (act, rules)) in by_action {
        if act != SeccompAction::Allow {
            push(rules, SeccompAction::Allow, act)?;
        }
    }
    Ok(filters)
}

/// Loads `filters` into this process (and its future children), traced. Without
/// no_new_privs the caller needs CAP_SYS_ADMIN in its user namespace.
pub fn load(filters: &[Program], tracer: &Tracer) -> Result<()> {
    for (n, f) in filters.iter().enumerate() {
        let insns: Vec<libc::sock_filter> = f
            .iter()
            .map(|&(code, jt, jf, k)| libc::sock_filter { code, jt, jf, k })
            .collect();
        let prog = libc::sock_fprog {
            len: insns.len() as u16,
            filter: insns.as_ptr() as *mut libc::sock_filter,
        };
        tracer
            .op(
                "seccomp",
                || format!("SECCOMP_SET_MODE_FILTER, 0, {{len = {}}}", insns.len()),
                || None,
                // SAFETY: the program outlives the call; the kernel copies it.
                || {
                    nix::errno::Errno::result(unsafe {
                        libc::syscall(
                            libc::SYS_seccomp,
                            libc::SECCOMP_SET_MODE_FILTER,
                            0,
                            &prog as *const libc::sock_fprog,
                        )
                    })
                    .map(drop)
                },
            )
            .with_context(|| format!("cannot load seccomp filter {} (linux.seccomp)", n + 1))?;
    }
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
}
