//! Capabilities and the other process-wide hardening applied before the payload runs.

use super::spec::{CapSets, Capabilities};
use super::trace::{TraceEvent, Tracer};
use ::caps::{CapSet, Capability, CapsHashSet};
use std::time::Instant;

/// The OCI runtime spec's default set: what `docker run` and a Kubernetes pod get.
pub const OCI_DEFAULT: [Capability; 14] = [
    Capability::CAP_CHOWN,
    Capability::CAP_DAC_OVERRIDE,
    Capability::CAP_FSETID,
    Capability::CAP_FOWNER,
    Capability::CAP_MKNOD,
    Capability::CAP_NET_RAW,
    Capability::CAP_SETGID,
    Capability::CAP_SETUID,
    Capability::CAP_SETFCAP,
    Capability::CAP_SETPCAP,
    Capability::CAP_NET_BIND_SERVICE,
    Capability::CAP_SYS_CHROOT,
    Capability::CAP_KILL,
    Capability::CAP_AUDIT_WRITE,
];

/// Emits an event for an operation whose error is not an errno (the `caps` crate's).
pub(crate) fn emit_result<T, E: std::fmt::Display>(
    tracer: &Tracer,
    op: &str,
    args: impl FnOnce() -> String,
    shell: impl FnOnce() -> Option<String>,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    if tracer.is_null() {
        return f();
    }
    let start = Instant::now();
    let res = f();
    let duration_us = start.elapsed().as_micros() as u64;
    let (ok, result) = match &res {
        Ok(_) => (true, "0".to_string()),
        Err(e) => (false, e.to_string()),
    };
    tracer.emit(TraceEvent {
        pid: std::process::id() as i32,
        op: op.to_string(),
        args: args(),
        ok,
        result,
        duration_us,
        shell: shell(),
    });
    res
}

fn names(set: &CapsHashSet) -> Vec<String> {
    let mut v: Vec<String> = set.iter().map(|c| c.to_string()).collect();
    v.sort();
    v
}

/// Reduces this process's bounding, permitted and effective sets to `which`, and
/// clears the inheritable and ambient sets. The bounding set is what survives `execve` of a
/// root process, so it is the one that matters for the payload.
pub fn drop_capabilities(which: Capabilities, tracer: &Tracer) -> anyhow::Result<()> {
    let supported = ::caps::runtime::thread_all_supported();
    let keep: CapsHashSet = match which {
        Capabilities::All => return Ok(()),
        Capabilities::Sets(sets) => return drop_bounding(sets.bounding, tracer),
        Capabilities::OciDefault => OCI_DEFAULT
            .iter()
            .copied()
            .filter(|c| supported.contains(c))
            .collect(),
    };
    let drop: CapsHashSet = supported.difference(&keep).copied().collect();
    let bounding = ::caps::read(None, CapSet::Bounding).unwrap_or_default();
    let to_drop: CapsHashSet = drop.intersection(&bounding).copied().collect();
    if !to_drop.is_empty() {
        drop_from_bounding(&to_drop, tracer)?;
    }
    let permitted = ::caps::read(None, CapSet::Permitted).unwrap_or_default();
    let kept: CapsHashSet = keep.intersection(&permitted).copied().collect();
    emit_result(
        tracer,
        "capset",
        || {
            format!(
                "effective=permitted={}, inheritable=0, ambient=0",
                names(&kept).join("|")
            )
        },
        || None,
        || -> Result<(), ::caps::errors::CapsError> {
            ::caps::clear(None, CapSet::Ambient).or_else(|e| {
                // Kernels before 4.3 have no ambient set; nothing to clear then.
                if ::caps::runtime::ambient_set_supported().is_err() {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
            // Inheritable stays empty: with it set, a program with inheritable file
            // capabilities would gain them on exec (CVE-2022-24769).
            ::caps::clear(None, CapSet::Inheritable)?;
            ::caps::set(None, CapSet::Effective, &kept)?;
            ::caps::set(None, CapSet::Permitted, &kept)?;
            Ok(())
        },
    )
    .map_err(|e| anyhow::anyhow!("cannot set the container's capabilities: {e}"))?;
    Ok(())
}

/// The capabilities whose bit is set in `mask` (bit n is capability number n).
pub fn from_mask(mask: u64, supported: &CapsHashSet) -> CapsHashSet {
    supported
        .iter()
        .copied()
        .filter(|c| c.index() < 64 && mask & (1u64 << c.index()) != 0)
        .collect()
}

/// The bit of capability `name` (`CAP_SYS_ADMIN`), for building [`CapSets`].
pub fn bit(name: &str) -> Option<u64> {
    let c: Capability = name.parse().ok()?;
    (c.index() < 64).then(|| 1u64 << c.index())
}

/// Reduces the bounding set to `mask`: what no later `execve` in the container can gain.
/// Done by the init, which still holds CAP_SETPCAP; the other sets follow per process in
/// [`apply_sets`], after the switch to the bundle's user.
pub fn drop_bounding(mask: u64, tracer: &Tracer) -> anyhow::Result<()> {
    let supported = ::caps::runtime::thread_all_supported();
    let keep = from_mask(mask, &supported);
    let bounding = ::caps::read(None, CapSet::Bounding).unwrap_or_default();
    let to_drop: CapsHashSet = bounding.difference(&keep).copied().collect();
    if to_drop.is_empty() {
        return Ok(());
    }
    drop_from_bounding(&to_drop, tracer)
}

/// `prctl(PR_CAPBSET_DROP)` for each of `to_drop`, traced as one operation.
fn drop_from_bounding(to_drop: &CapsHashSet, tracer: &Tracer) -> anyhow::Result<()> {
    // In a user namespace with no mapping for root (`unshare --user` without
    // --map-root) the init lost every capability at its exec, CAP_SETPCAP with them, so
    // the kernel refuses the drop. Nothing is lost by skipping it: such a process holds
    // no capability, and the kernel will not exec a set-uid file for an unmapped owner.
    if ::caps::read(None, CapSet::Permitted).is_ok_and(|p| p.is_empty()) {
        return Ok(());
    }
    emit_result(
        tracer,
        "prctl",
        || format!("PR_CAPBSET_DROP, {}", names(to_drop).join("|")),
        || {
            Some(format!(
                "capsh --drop={} --",
                names(to_drop).join(",").to_lowercase()
            ))
        },
        || -> Result<(), ::caps::errors::CapsError> {
            for c in to_drop {
                ::caps::drop(None, CapSet::Bounding, *c)?;
            }
            Ok(())
        },
    )
    .map_err(|e| anyhow::anyhow!("cannot drop capabilities from the bounding set: {e}"))
}

/// Sets the inheritable, permitted and effective sets as given (an OCI bundle's
/// `process.capabilities`), then the ambient set, whose members the kernel accepts only
/// when they are also permitted and inheritable.
pub fn apply_sets(sets: &CapSets, tracer: &Tracer) -> anyhow::Result<()> {
    let supported = ::caps::runtime::thread_all_supported();
    let inheritable = from_mask(sets.inheritable, &supported);
    let permitted = from_mask(sets.permitted, &supported);
    let effective = from_mask(sets.effective, &supported);
    let ambient = from_mask(sets.ambient, &supported);
    emit_result(
        tracer,
        "capset",
        || {
            format!(
                "effective={}, permitted={}, inheritable={}",
                names(&effective).join("|"),
                names(&permitted).join("|"),
                names(&inheritable).join("|")
            )
        },
        || None,
        || -> Result<(), ::caps::errors::CapsError> {
            ::caps::set(None, CapSet::Inheritable, &inheritable)?;
            ::caps::set(None, CapSet::Effective, &effective)?;
            ::caps::set(None, CapSet::Permitted, &permitted)?;
            Ok(())
        },
    )
    .map_err(|e| anyhow::anyhow!("cannot set the container's capabilities: {e}"))?;
    if !ambient.is_empty() {
        // A capability the kernel refuses here shows as a failed call in the trace and
        // the process goes on without it, as under runc.
        let _ = emit_result(
            tracer,
            "prctl",
            || format!("PR_CAP_AMBIENT_RAISE, {}", names(&ambient).join("|")),
            || None,
            || -> Result<(), ::caps::errors::CapsError> {
                for c in &ambient {
                    ::caps::raise(None, CapSet::Ambient, *c)?;
                }
                Ok(())
            },
        );
    }
    Ok(())
}

/// `prctl(PR_SET_NO_NEW_PRIVS)`: no `execve` can ever grant more privileges (setuid
/// binaries and file capabilities stop working), and it is inherited by all children.
pub fn set_no_new_privs(tracer: &Tracer) -> nix::Result<()> {
    tracer.op(
        "prctl",
        || "PR_SET_NO_NEW_PRIVS, 1".into(),
        || Some("setpriv --no-new-privs".into()),
        nix::sys::prctl::set_no_new_privs,
    )
}

/// Keeps other processes of the container from reading this one's memory or opening its
/// `/proc/PID` files (the init holds the channel to contlab).
pub fn set_not_dumpable(tracer: &Tracer) -> nix::Result<()> {
    tracer.op(
        "prctl",
        || "PR_SET_DUMPABLE, 0".into(),
        || None,
        || nix::sys::prctl::set_dumpable(false),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_default_keeps_chroot_but_not_sys_admin() {
        assert!(OCI_DEFAULT.contains(&Capability::CAP_SYS_CHROOT));
        assert!(!OCI_DEFAULT.contains(&Capability::CAP_SYS_ADMIN));
        assert!(!OCI_DEFAULT.contains(&Capability::CAP_SYS_PTRACE));
    }
}
