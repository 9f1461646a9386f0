//! The hostname a process sees.
//!
//! `/proc/PID/root/etc/hostname` is the wrong place to look: that file is whatever the
//! root filesystem ships, while the hostname lives in the UTS namespace and
//! `sethostname(2)` never touches a file. So contlab joins the process's UTS namespace
//! and asks the kernel (`gethostname`, which is uname(2)'s `nodename`).
//!
//! `setns(2)` moves only the calling thread, so the join happens in a thread spawned for
//! this one question and dropped after it: no other thread of contlab ever runs in the
//! other namespace, and nothing has to be switched back.

use anyhow::{Context, anyhow};
use nix::sched::{CloneFlags, setns};
use std::fs::File;
use std::os::unix::fs::MetadataExt;

/// The hostname seen inside the UTS namespace of `pid`.
///
/// Joining another UTS namespace needs `CAP_SYS_ADMIN` there, so this fails for a
/// process in another namespace unless contlab runs as root.
pub fn uts_hostname(pid: i32) -> anyhow::Result<String> {
    let target = format!("/proc/{pid}/ns/uts");
    let theirs = std::fs::metadata(&target)
        .with_context(|| format!("cannot read {target}: process {pid} may have exited"))?;
    let ours = std::fs::metadata("/proc/thread-self/ns/uts")
        .context("cannot read /proc/thread-self/ns/uts: is /proc mounted?")?;
    if (theirs.dev(), theirs.ino()) == (ours.dev(), ours.ino()) {
        return hostname_here();
    }
    let ns = File::open(&target)
        .with_context(|| format!("cannot open {target}: process {pid} may have exited"))?;
    let reader = std::thread::Builder::new()
        .name("contlab-uts".into())
        .spawn(move || -> anyhow::Result<String> {
            setns(&ns, CloneFlags::CLONE_NEWUTS).with_context(|| {
                format!(
                    "cannot join the UTS namespace of process {pid}; \
                     setns needs CAP_SYS_ADMIN, so run contlab as root"
                )
            })?;
            hostname_here()
        })
        .context("cannot start a thread to read the hostname")?;
    reader
        .join()
        .map_err(|_| anyhow!("the thread reading the hostname of process {pid} panicked"))?
}

fn hostname_here() -> anyhow::Result<String> {
    let name = nix::unistd::gethostname().context("gethostname failed")?;
    Ok(name.to_string_lossy().into_owned())
}
