//! The init's side of an OCI bundle's `mounts`: each entry mounted below the new root,
//! in order, before `pivot_root`. Runs in the container's init, in its mount namespace.

use crate::runtime::dev;
use crate::runtime::mounts;
use crate::runtime::spec::{DeviceNode, MountSpec};
use crate::runtime::trace::Tracer;
use anyhow::{Context, Result, bail};
use nix::mount::MsFlags;
use std::path::{Component, Path, PathBuf};

/// Mounts every entry of `list` below `root`. A `tmpfs` on `/dev` gets the default
/// devices and links the runtime spec requires; a `cgroup` mount shows the container's
/// own cgroup (`cgroup_dirs`, from the host side).
/// A mount on `/proc` or `/sys` (or below) whose path in the rootfs is a symlink would
/// land wherever the image points it, on the host's procfs for one
/// (CVE-2019-16884, CVE-2019-19921): refused, as runc does.
fn refuse_symlink_under_proc_or_sys(root: &Path, destination: &Path) -> Result<()> {
    let rel = destination.strip_prefix("/").unwrap_or(destination);
    if !(rel.starts_with("proc") || rel.starts_with("sys")) {
        return Ok(());
    }
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            crate::bail_said!(
                "error-oci-mount-symlink",
                dest = destination.display().to_string(),
                at = at.strip_prefix(root).unwrap_or(&at).display().to_string()
            );
        }
    }
    Ok(())
}

/// The propagation runc gives the mount holding the rootfs before it binds the root
/// there: slave for a slave `rootfsPropagation`, else private. Never shared: a bind
/// below a shared mount would show in the host's mount namespace too, and
/// `pivot_root` refuses a shared parent.
pub fn root_parent_propagation(rootfs_propagation: MsFlags) -> MsFlags {
    if rootfs_propagation.contains(MsFlags::MS_SLAVE) {
        MsFlags::MS_SLAVE
    } else {
        MsFlags::MS_PRIVATE
    }
}

/// Gives the mount that holds `path` (the last one mounted on the longest mount point
/// above it, from `/proc/self/mountinfo`) the propagation `flags`.
pub fn set_parent_propagation(path: &Path, flags: MsFlags, tracer: &Tracer) -> Result<()> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")
        .context("cannot read /proc/self/mountinfo")?;
    let mut best = PathBuf::from("/");
    for m in info
        .lines()
        .filter_map(crate::inspect::cgroups::MountLine::parse)
    {
        if path.starts_with(&m.mount_point)
            && m.mount_point.as_os_str().len() > best.as_os_str().len()
        {
            best = m.mount_point;
        }
    }
    mounts::mount(tracer, None, &best, None, flags, None)
        .with_context(|| format!("cannot change the propagation of {}", best.display()))
}

pub fn mount_all(
    root: &Path,
    list: &[MountSpec],
    cgroup_dirs: &[(String, PathBuf)],
    cgroup_v2: bool,
    tracer: &Tracer,
) -> Result<()> {
    let mut dev_tmpfs = None;
    let mut pts = false;
    for (i, m) in list.iter().enumerate() {
        refuse_symlink_under_proc_or_sys(root, &m.destination)
            .with_context(|| format!("mounts[{i}]"))?;
        let is_bind = m.flags & MsFlags::MS_BIND.bits() != 0;
        let source_is_file = is_bind
            && m.source
                .as_deref()
                .is_some_and(|s| std::fs::metadata(s).is_ok_and(|md| !md.is_dir()));
        let target = resolve_in_root(root, &m.destination, source_is_file).with_context(|| {
            format!(
                "mounts[{i}]: cannot make the mount point {} in the root filesystem",
                m.destination.display()
            )
        })?;
        let flags = MsFlags::from_bits_truncate(m.flags);
        let data = (!m.data.is_empty()).then_some(m.data.as_str());
        let what = || {
            format!(
                "mounts[{i}]: cannot mount {} on {}",
                m.fstype.as_deref().unwrap_or("a bind mount"),
                m.destination.display()
            )
        };
        match m.fstype.as_deref() {
            Some("cgroup") | Some("cgroup2") if !is_bind => {
                mount_cgroup(&target, flags, cgroup_dirs, cgroup_v2, tracer).with_context(what)?
            }
            _ if is_bind => {
                let source = m.source.as_deref().unwrap_or("");
                let bind = flags & (MsFlags::MS_BIND | MsFlags::MS_REC);
                mounts::mount(tracer, Some(source), &target, None, bind, None)
                    .with_context(what)?;
                // mount(2) ignores every other flag on a bind; a remount applies them.
                let rest = flags - bind;
                if !rest.is_empty() {
                    let locked = mounts::locked_flags(&target);
                    mounts::mount(
                        tracer,
                        None,
                        &target,
                        None,
                        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | rest | locked,
                        None,
                    )
                    .with_context(what)?;
                }
            }
            fstype => mounts::mount(tracer, m.source.as_deref(), &target, fstype, flags, data)
                .with_context(what)?,
        }
        if m.propagation != 0 {
            mounts::mount(
                tracer,
                None,
                &target,
                None,
                MsFlags::from_bits_truncate(m.propagation),
                None,
            )
            .with_context(what)?;
        }
        if m.rec_attr_set != 0 || m.rec_attr_clr != 0 {
            mounts::setattr_recursive(tracer, &target, m.rec_attr_set, m.rec_attr_clr)
                .with_context(what)?;
        }
        if m.destination == Path::new("/dev") && m.fstype.as_deref() == Some("tmpfs") {
            dev_tmpfs = Some(target.clone());
        }
        if m.destination == Path::new("/dev/pts") {
            pts = true;
        }
    }
    if let Some(dev) = dev_tmpfs {
        dev::create_devices(&dev, tracer)?;
        dev::std_links(&dev, tracer)?;
        if pts {
            dev::symlink("pts/ptmx", &dev.join("ptmx"), tracer)?;
        }
    }
    Ok(())
}

/// Makes each of `nodes` (OCI `linux.devices`) below `root`, as runc does: `mknod`, or
/// where the kernel refuses it (a user namespace may not make device nodes) a bind mount
/// of the host's node at the same path; then the owner and the mode, set explicitly so
/// the umask plays no part. A node that already exists is left as it is.
pub fn make_devices(root: &Path, nodes: &[DeviceNode], tracer: &Tracer) -> Result<()> {
    use nix::sys::stat::{Mode, SFlag};
    for (i, d) in nodes.iter().enumerate() {
        let what = || format!("linux.devices[{i}]: cannot make {}", d.path.display());
        let parent = d.path.parent().unwrap_or(Path::new("/"));
        let name = d.path.file_name().with_context(what)?;
        let target = resolve_in_root(root, parent, false)
            .with_context(what)?
            .join(name);
        if std::fs::symlink_metadata(&target).is_ok() {
            continue;
        }
        let kind = match d.kind {
            'b' => SFlag::S_IFBLK,
            'p' => SFlag::S_IFIFO,
            _ => SFlag::S_IFCHR,
        };
        let dev = nix::sys::stat::makedev(d.major, d.minor);
        let mode = Mode::from_bits_truncate(d.mode);
        let made = tracer.op(
            "mknod",
            || {
                format!(
                    "{target:?}, {kind:?}|{:#o}, makedev({}, {})",
                    d.mode, d.major, d.minor
                )
            },
            || {
                Some(if d.kind == 'p' {
                    format!("mkfifo -m {:o} {}", d.mode, target.display())
                } else {
                    format!(
                        "mknod -m {:o} {} {} {} {}",
                        d.mode,
                        target.display(),
                        d.kind,
                        d.major,
                        d.minor
                    )
                })
            },
            || nix::sys::stat::mknod(&target, kind, mode, dev),
        );
        match made {
            Ok(()) => {}
            Err(nix::errno::Errno::EPERM) if d.kind != 'p' => {
                std::fs::File::create(&target).with_context(what)?;
                let host = d.path.to_string_lossy();
                mounts::mount(tracer, Some(&host), &target, None, MsFlags::MS_BIND, None)
                    .with_context(|| {
                        format!(
                            "linux.devices[{i}]: mknod is refused here (a user namespace) and the host has no {host} to bind instead"
                        )
                    })?;
                continue;
            }
            Err(e) => return Err(e).with_context(what),
        }
        tracer
            .op(
                "chown",
                || format!("{target:?}, {}, {}", d.uid, d.gid),
                || Some(format!("chown {}:{} {}", d.uid, d.gid, target.display())),
                || {
                    nix::unistd::chown(
                        &target,
                        Some(nix::unistd::Uid::from_raw(d.uid)),
                        Some(nix::unistd::Gid::from_raw(d.gid)),
                    )
                },
            )
            .with_context(what)?;
        tracer
            .op(
                "chmod",
                || format!("{target:?}, {:#o}", d.mode),
                || Some(format!("chmod {:o} {}", d.mode, target.display())),
                || {
                    nix::sys::stat::fchmodat(
                        nix::fcntl::AT_FDCWD,
                        &target,
                        mode,
                        nix::sys::stat::FchmodatFlags::FollowSymlink,
                    )
                },
            )
            .with_context(what)?;
    }
    Ok(())
}

/// The container's cgroup at `target`: on cgroup v2 a cgroup2 mount (rooted at the
/// container's cgroup when it has a cgroup namespace); on v1 a tmpfs holding, per
/// hierarchy, a bind mount of the container's own directory — so the container sees
/// and may read its limits, and nothing of its neighbours.
fn mount_cgroup(
    target: &Path,
    flags: MsFlags,
    dirs: &[(String, PathBuf)],
    v2: bool,
    tracer: &Tracer,
) -> Result<()> {
    if v2 {
        mounts::mount(
            tracer,
            Some("cgroup2"),
            target,
            Some("cgroup2"),
            flags,
            None,
        )?;
        return Ok(());
    }
    let ro = flags.contains(MsFlags::MS_RDONLY);
    let base = flags - MsFlags::MS_RDONLY;
    mounts::mount(
        tracer,
        Some("tmpfs"),
        target,
        Some("tmpfs"),
        base,
        Some("mode=755"),
    )?;
    for (name, host) in dirs {
        if name.is_empty() || name.contains('/') {
            bail!("a cgroup hierarchy has no usable name ({name:?})");
        }
        let sub = target.join(name);
        dev::mkdir(&sub, tracer)?;
        mounts::mount(
            tracer,
            host.to_str(),
            &sub,
            None,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None,
        )?;
        if ro {
            let locked = mounts::locked_flags(&sub);
            mounts::mount(
                tracer,
                None,
                &sub,
                None,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | locked,
                None,
            )?;
        }
    }
    if ro {
        mounts::mount(
            tracer,
            None,
            target,
            None,
            MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | base,
            Some("mode=755"),
        )?;
    }
    Ok(())
}

/// The host path of `dest` (absolute, as seen inside) below `root`, following symlinks
/// inside the root only — a symlink in the rootfs can never lead a mount outside it
/// (the class of bug behind CVE-2021-30465). Missing components are made: directories,
/// and an empty file as the last one when `file` (the mount point of a file bind).
pub fn resolve_in_root(root: &Path, dest: &Path, file: bool) -> Result<PathBuf> {
    let mut todo: Vec<std::ffi::OsString> = dest
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut cur = PathBuf::new();
    let mut hops = 0;
    while let Some(c) = todo.pop() {
        if c == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&c);
        let host = root.join(&next);
        match std::fs::symlink_metadata(&host) {
            Ok(m) if m.file_type().is_symlink() => {
                hops += 1;
                if hops > 40 {
                    bail!("too many symlinks below {}", dest.display());
                }
                let link = std::fs::read_link(&host)?;
                if link.is_absolute() {
                    cur = PathBuf::new();
                }
                todo.extend(link.components().rev().filter_map(|c| match c {
                    Component::Normal(n) => Some(n.to_os_string()),
                    Component::ParentDir => Some("..".into()),
                    _ => None,
                }));
            }
            Ok(_) => cur = next,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if todo.is_empty() && file {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(&host)?;
                } else {
                    std::fs::create_dir(&host)?;
                }
                cur = next;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(root.join(cur))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("link")).unwrap();
        std::os::unix::fs::symlink("../../../..", root.join("up")).unwrap();
        assert_eq!(
            resolve_in_root(root, Path::new("/link/x"), false).unwrap(),
            root.join("etc/x")
        );
        assert_eq!(
            resolve_in_root(root, Path::new("/up/tmp/y"), true).unwrap(),
            root.join("tmp/y")
        );
        assert!(root.join("tmp/y").is_file());
    }
}
