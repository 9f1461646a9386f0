//! A minimal `/dev` for the container, on its own tmpfs.
//!
//! `mknod` is refused in a user namespace (a device node would bypass every permission
//! the host set on the device), so the few harmless character devices are bind-mounted
//! from the host's `/dev` instead, as runc does for rootless containers. Terminals come
//! from a private devpts instance, so the container cannot reach the host's ptys.

use super::mounts;
use super::trace::Tracer;
use anyhow::{Context, Result};
use nix::mount::MsFlags;
use std::path::Path;

/// The devices every program expects.
pub const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

pub(crate) fn mkdir(path: &Path, tracer: &Tracer) -> nix::Result<()> {
    tracer.op(
        "mkdir",
        || format!("{path:?}, 0755"),
        || Some(format!("mkdir {}", path.display())),
        || match nix::unistd::mkdir(path, nix::sys::stat::Mode::from_bits_truncate(0o755)) {
            Err(nix::errno::Errno::EEXIST) => Ok(()),
            other => other,
        },
    )
}

pub(crate) fn symlink(target: &str, link: &Path, tracer: &Tracer) -> nix::Result<()> {
    tracer.op(
        "symlink",
        || format!("{target:?}, {link:?}"),
        || Some(format!("ln -s {target} {}", link.display())),
        || nix::unistd::symlinkat(target, nix::fcntl::AT_FDCWD, link),
    )
}

/// Builds `<root>/dev`. `pts_gid5`: pass `gid=5` (the `tty` group) to devpts, which
/// fails when gid 5 is not mapped into the container's user namespace. `unmapped`: the
/// init's user has no id in its user namespace, and a tmpfs that namespace mounts takes
/// no new file from such a user (EOVERFLOW), so `/dev` is the root's own directory, on
/// the overlay contlab made.
pub fn populate(root: &Path, pts_gid5: bool, unmapped: bool, tracer: &Tracer) -> Result<()> {
    let dev = root.join("dev");
    mkdir(&dev, tracer).with_context(|| format!("cannot create {}", dev.display()))?;
    if !unmapped {
        mounts::mount(
            tracer,
            Some("tmpfs"),
            &dev,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME,
            Some("mode=755,size=65536k"),
        )
        .context("cannot mount a tmpfs on the container's /dev")?;
    }
    create_devices(&dev, tracer)?;
    let pts = dev.join("pts");
    mkdir(&pts, tracer)?;
    let opts = if pts_gid5 {
        "newinstance,ptmxmode=0666,mode=0620,gid=5"
    } else {
        "newinstance,ptmxmode=0666,mode=0620"
    };
    mounts::mount(
        tracer,
        Some("devpts"),
        &pts,
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some(opts),
    )
    .context("cannot mount a private devpts on the container's /dev/pts")?;
    symlink("pts/ptmx", &dev.join("ptmx"), tracer)?;
    let shm = dev.join("shm");
    mkdir(&shm, tracer)?;
    mounts::mount(
        tracer,
        Some("shm"),
        &shm,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=1777,size=65536k"),
    )
    .context("cannot mount a tmpfs on the container's /dev/shm")?;
    std_links(&dev, tracer)
}

/// The devices every program expects, bind-mounted from the host into `dev` (a fresh
/// tmpfs): the OCI runtime spec's default devices.
pub fn create_devices(dev: &Path, tracer: &Tracer) -> Result<()> {
    for name in DEVICES {
        let host = Path::new("/dev").join(name);
        if !host.exists() {
            continue;
        }
        let node = dev.join(name);
        // An empty regular file is enough as a mount point for a device node.
        tracer
            .op(
                "open",
                || format!("{node:?}, O_CREAT|O_WRONLY|O_CLOEXEC, 0666"),
                || Some(format!("touch {}", node.display())),
                || {
                    nix::fcntl::open(
                        &node,
                        nix::fcntl::OFlag::O_CREAT
                            | nix::fcntl::OFlag::O_WRONLY
                            | nix::fcntl::OFlag::O_CLOEXEC,
                        nix::sys::stat::Mode::from_bits_truncate(0o666),
                    )
                    .map(drop)
                },
            )
            .with_context(|| format!("cannot create {}", node.display()))?;
        mounts::mount(tracer, host.to_str(), &node, None, MsFlags::MS_BIND, None)
            .with_context(|| format!("cannot bind-mount {} into the container", host.display()))?;
    }
    Ok(())
}

/// `/dev/fd`, `/dev/stdin`, `/dev/stdout`, `/dev/stderr`.
pub fn std_links(dev: &Path, tracer: &Tracer) -> Result<()> {
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        symlink(target, &dev.join(link), tracer)?;
    }
    Ok(())
}
