//! The container's root: a writable overlay over the cached rootfs, then
//! `pivot_root(2)` or `chroot(2)` into it, and the masked and read-only paths.
//!
//! The overlay is made by contlab (host root) with the new mount API (`fsopen`,
//! `fsconfig`, `fsmount`) as a *detached* mount: it is attached nowhere, so the host
//! never sees it, and it is handed to the init as an fd, which attaches it inside its
//! own mount namespace (`move_mount`). It then lives exactly as long as that namespace.
//! Mounted by host root, the overlay can copy up files owned by host root, which a
//! user-namespaced root could not; with a user namespace the lower layer is an
//! idmapped mount, so root's files appear owned by the container's root.

use super::mounts;
use super::spec::IdMap;
use super::trace::Tracer;
use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

fn cstr(s: &str) -> Result<CString> {
    CString::new(s).context("a path contains a NUL byte")
}

fn fd_result(r: libc::c_long) -> nix::Result<OwnedFd> {
    if r < 0 {
        Err(Errno::last())
    } else {
        // SAFETY: the syscall returned a new fd that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) })
    }
}

fn unit_result(r: libc::c_long) -> nix::Result<()> {
    if r < 0 { Err(Errno::last()) } else { Ok(()) }
}

/// An overlay's layers: the cached rootfs below, and a writable layer above, either on a
/// private tmpfs ([`scratch`]) or, where the kernel cannot use one, in directories on
/// the host.
#[derive(Debug)]
pub struct OverlayDirs {
    pub lower: PathBuf,
    /// The upper and work directories as the overlay is given them: on the scratch
    /// tmpfs, `/proc/self/fd/N/upper` (the mount has no path of its own).
    pub upper: String,
    pub work: String,
    /// Where the init attaches the overlay (shown in the trace's shell equivalent).
    pub merged: PathBuf,
}

impl OverlayDirs {
    /// The layers with the writable one on the detached tmpfs `scratch`.
    pub fn on_scratch(lower: &Path, scratch: BorrowedFd<'_>, merged: &Path) -> Self {
        let at = |name: &str| format!("/proc/self/fd/{}/{name}", scratch.as_raw_fd());
        OverlayDirs {
            lower: lower.to_path_buf(),
            upper: at("upper"),
            work: at("work"),
            merged: merged.to_path_buf(),
        }
    }

    /// The layers with the writable one in `dir/upper` and `dir/work` on the host.
    pub fn under(lower: &Path, dir: &Path, merged: &Path) -> Self {
        OverlayDirs {
            lower: lower.to_path_buf(),
            upper: dir.join("upper").display().to_string(),
            work: dir.join("work").display().to_string(),
            merged: merged.to_path_buf(),
        }
    }

    fn options(&self) -> String {
        format!(
            "lowerdir={},upperdir={},workdir={}",
            self.lower.display(),
            self.upper,
            self.work
        )
    }
}

/// The writable layer: a tmpfs mounted nowhere, with `upper` (owned by `owner`, the
/// container's root, if given) and `work` made in it. Referenced only by the overlay, it
/// vanishes with the overlay's last mount, so a container leaves no directory on the host
/// to remove, and a kill -9 of contlab leaves none behind either. What the container
/// writes is charged to its own memory cgroup, as tmpfs pages are.
pub fn scratch(owner: Option<u32>, tracer: &Tracer) -> Result<OwnedFd> {
    let fs = fsopen("tmpfs", tracer).context("the kernel cannot make a tmpfs (fsopen)")?;
    fs_create(&fs, "mount -t tmpfs -o mode=0755 tmpfs SCRATCH", tracer)
        .context("cannot create the tmpfs for the container's writable layer")?;
    let mnt = fs_mount(&fs, tracer).context("cannot make the writable layer into a mount")?;
    for (name, mode) in [("upper", 0o755), ("work", 0o700)] {
        let c = cstr(name)?;
        tracer
            .op(
                "mkdirat",
                || format!("{}, {name:?}, {mode:#o}", mnt.as_raw_fd()),
                || Some(format!("mkdir -m {mode:o} SCRATCH/{name}")),
                // SAFETY: a valid fd and C string.
                || unit_result(unsafe { libc::mkdirat(mnt.as_raw_fd(), c.as_ptr(), mode) } as _),
            )
            .with_context(|| format!("cannot make {name} on the writable layer"))?;
    }
    if let Some(id) = owner {
        let c = cstr("upper")?;
        tracer
            .op(
                "fchownat",
                || format!("{}, \"upper\", {id}, {id}, 0", mnt.as_raw_fd()),
                || Some(format!("chown {id}:{id} SCRATCH/upper")),
                // SAFETY: a valid fd and C string.
                || {
                    unit_result(
                        unsafe { libc::fchownat(mnt.as_raw_fd(), c.as_ptr(), id, id, 0) } as _,
                    )
                },
            )
            .context("cannot hand the writable layer to the container's root")?;
    }
    Ok(mnt)
}

fn fsopen(fstype: &str, tracer: &Tracer) -> nix::Result<OwnedFd> {
    let name = CString::new(fstype).map_err(|_| Errno::EINVAL)?;
    tracer.op(
        "fsopen",
        || format!("{fstype:?}, FSOPEN_CLOEXEC"),
        || None,
        // SAFETY: a syscall with a valid C string.
        || {
            fd_result(unsafe {
                libc::syscall(libc::SYS_fsopen, name.as_ptr(), libc::FSOPEN_CLOEXEC)
            })
        },
    )
}

fn fs_create(fs: &OwnedFd, shell: &str, tracer: &Tracer) -> nix::Result<()> {
    tracer.op(
        "fsconfig",
        || "FSCONFIG_CMD_CREATE".into(),
        || Some(shell.to_string()),
        // SAFETY: valid fd, no strings.
        || {
            unit_result(unsafe {
                libc::syscall(
                    libc::SYS_fsconfig,
                    fs.as_raw_fd(),
                    libc::FSCONFIG_CMD_CREATE,
                    std::ptr::null::<libc::c_char>(),
                    std::ptr::null::<libc::c_void>(),
                    0,
                )
            })
        },
    )
}

fn fs_mount(fs: &OwnedFd, tracer: &Tracer) -> nix::Result<OwnedFd> {
    tracer.op(
        "fsmount",
        || "FSMOUNT_CLOEXEC, 0".into(),
        || None,
        // SAFETY: valid fd, integer flags.
        || {
            fd_result(unsafe {
                libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), libc::FSMOUNT_CLOEXEC, 0)
            })
        },
    )
}

/// `open_tree(OPEN_TREE_CLONE|AT_RECURSIVE)`: a detached copy of the tree at `dir`,
/// attached nowhere (`mount --rbind` to no place yet).
fn clone_tree(dir: &Path, shell: Option<String>, tracer: &Tracer) -> nix::Result<OwnedFd> {
    let path = cstr(&dir.to_string_lossy()).map_err(|_| Errno::EINVAL)?;
    tracer.op(
        "open_tree",
        || format!("AT_FDCWD, {dir:?}, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE"),
        || shell.clone(),
        || {
            // SAFETY: a syscall with a valid C string and integer flags.
            fd_result(unsafe {
                libc::syscall(
                    libc::SYS_open_tree,
                    libc::AT_FDCWD,
                    path.as_ptr(),
                    libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_RECURSIVE as u32,
                )
            })
        },
    )
}

/// A detached clone of `dir` whose owners are shifted by `map`, seen through the user
/// namespace `userns` (`mount --bind -o X-mount.idmap=…`), or `None` without `idmap`
/// or where the kernel or the file system cannot idmap (file systems learned idmapped
/// mounts one by one; tmpfs only in 6.3): the caller then uses `dir` as it is.
fn idmapped_tree(
    dir: &Path,
    idmap: Option<(BorrowedFd<'_>, &IdMap)>,
    tracer: &Tracer,
) -> Option<OwnedFd> {
    let (userns, map) = idmap?;
    let tree = clone_tree(dir, None, tracer).ok()?;
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_IDMAP,
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    tracer
        .op(
            "mount_setattr",
            || {
                format!(
                    "{}, \"\", AT_EMPTY_PATH, MOUNT_ATTR_IDMAP userns_fd={}",
                    tree.as_raw_fd(),
                    userns.as_raw_fd()
                )
            },
            || {
                Some(format!(
                    "mount --bind -o X-mount.idmap=u:{m}:g:{m} {} <detached>",
                    dir.display(),
                    m = format_args!("{}:{}:{}", map.inside, map.outside, map.count)
                ))
            },
            || set_attr(tree.as_fd(), &attr),
        )
        .ok()?;
    Some(tree)
}

/// `mount_setattr(2)` on the detached or attached mount `mnt` itself.
pub(crate) fn set_attr(mnt: BorrowedFd<'_>, attr: &libc::mount_attr) -> nix::Result<()> {
    // SAFETY: valid fd, empty path, and a mount_attr of the kernel's size.
    unit_result(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            mnt.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH,
            attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    })
}

/// Makes the container's overlay as a detached mount. With `idmap`, the lower layer is
/// shifted into the container's user namespace first; a kernel or file system that
/// cannot idmap falls back to the plain lower layer (its files then show as `nobody`).
pub fn detached_overlay(
    dirs: &OverlayDirs,
    idmap: Option<(BorrowedFd<'_>, &IdMap)>,
    tracer: &Tracer,
) -> Result<OwnedFd> {
    let plain = dirs.lower.display().to_string();
    let Some(tree) = idmapped_tree(&dirs.lower, idmap, tracer) else {
        return overlay_with(&plain, dirs, tracer);
    };
    // The overlay resolves the layer path when it is configured; /proc/self/fd/N
    // reaches the detached tree, which has no path of its own. Kernels that take no
    // layer from a detached mount say EINVAL: then the plain layer it is.
    let lowerdir = format!("/proc/self/fd/{}", tree.as_raw_fd());
    match overlay_with(&lowerdir, dirs, tracer) {
        Err(e)
            if e.root_cause().downcast_ref::<Errno>() == Some(&Errno::EINVAL)
                && !dirs.upper.starts_with("/proc/self/fd/") =>
        {
            overlay_with(&plain, dirs, tracer)
        }
        other => other,
    }
}

/// The overlay of `lowerdir` (a path, or a detached tree's `/proc/self/fd/N`) under the
/// writable layer of `dirs`, as a detached mount.
fn overlay_with(lowerdir: &str, dirs: &OverlayDirs, tracer: &Tracer) -> Result<OwnedFd> {
    let fs = fsopen("overlay", tracer).context(
        "the kernel has no overlay file system (fsopen \"overlay\"); load it with `modprobe overlay`",
    )?;
    for (key, value) in [
        ("lowerdir", lowerdir.to_string()),
        ("upperdir", dirs.upper.clone()),
        ("workdir", dirs.work.clone()),
    ] {
        let k = cstr(key)?;
        let v = cstr(&value)?;
        tracer
            .op(
                "fsconfig",
                || format!("FSCONFIG_SET_STRING, {key:?}, {value:?}"),
                || None,
                // SAFETY: valid fd and C strings.
                || {
                    unit_result(unsafe {
                        libc::syscall(
                            libc::SYS_fsconfig,
                            fs.as_raw_fd(),
                            libc::FSCONFIG_SET_STRING,
                            k.as_ptr(),
                            v.as_ptr(),
                            0,
                        )
                    })
                },
            )
            .with_context(|| format!("the overlay refused {key}={value}"))?;
    }
    let shell = format!(
        "mount -t overlay overlay -o {} {}",
        dirs.options(),
        dirs.merged.display()
    );
    fs_create(&fs, &shell, tracer).with_context(|| {
        format!(
            "cannot create the container's overlay over {} (is it a directory on a file system overlayfs accepts?)",
            dirs.lower.display()
        )
    })?;
    let mnt = fs_mount(&fs, tracer)
        .context("cannot make the container's overlay into a mount (fsmount)")?;
    Ok(mnt)
}

/// A detached recursive bind mount of `dir` (`mount --rbind`, attached nowhere yet):
/// the container's root when it is the directory itself rather than an overlay over it.
/// With `idmap`, owners are shifted into the container's user namespace; where that
/// cannot be, `dir` is bound as it is, as runc does: its files keep their host owners,
/// which the bundle's author must then have chowned into the mapping's range.
pub fn detached_bind(
    dir: &Path,
    idmap: Option<(BorrowedFd<'_>, &IdMap)>,
    tracer: &Tracer,
) -> Result<OwnedFd> {
    if let Some(tree) = idmapped_tree(dir, idmap, tracer) {
        return Ok(tree);
    }
    clone_tree(
        dir,
        Some(format!("mount --rbind {} <detached>", dir.display())),
        tracer,
    )
    .with_context(|| format!("cannot bind-mount the root filesystem {}", dir.display()))
}

/// `move_mount(2)`: attaches a detached mount at `target`.
pub fn attach(mnt: BorrowedFd<'_>, target: &Path, tracer: &Tracer) -> Result<()> {
    let t = cstr(&target.to_string_lossy())?;
    tracer
        .op(
            "move_mount",
            || {
                format!(
                    "{}, \"\", AT_FDCWD, {target:?}, MOVE_MOUNT_F_EMPTY_PATH",
                    mnt.as_raw_fd()
                )
            },
            || None,
            // SAFETY: valid fd and C strings.
            || {
                unit_result(unsafe {
                    libc::syscall(
                        libc::SYS_move_mount,
                        mnt.as_raw_fd(),
                        c"".as_ptr(),
                        libc::AT_FDCWD,
                        t.as_ptr(),
                        libc::MOVE_MOUNT_F_EMPTY_PATH,
                    )
                })
            },
        )
        .with_context(|| {
            format!(
                "cannot attach the container's overlay at {}",
                target.display()
            )
        })
}

fn chdir(path: &Path, tracer: &Tracer) -> nix::Result<()> {
    tracer.op(
        "chdir",
        || format!("{path:?}"),
        || Some(format!("cd {}", path.display())),
        || nix::unistd::chdir(path),
    )
}

/// `pivot_root(".", ".")` in `root`: the new root and the old one stacked on the same
/// directory, then the old one (the host's whole tree) detached. No `put_old` directory
/// is needed, so this works on a root the container's user cannot write.
pub fn pivot_root(root: &Path, tracer: &Tracer) -> Result<()> {
    chdir(root, tracer)
        .with_context(|| format!("cannot enter the root filesystem {}", root.display()))?;
    tracer
        .op(
            "pivot_root",
            || "\".\", \".\"".into(),
            || Some("pivot_root . .".into()),
            || nix::unistd::pivot_root(".", "."),
        )
        .context("pivot_root failed (the new root must be a mount point in a mount namespace)")?;
    // The old root is now mounted over ".": detach it, so no path leads back to the host.
    mounts::umount2(tracer, Path::new("."), MntFlags::MNT_DETACH)
        .context("cannot detach the host's root after pivot_root")?;
    chdir(Path::new("/"), tracer)?;
    Ok(())
}

/// runc's `--no-pivot`: the root moved onto `/` with `MS_MOVE`, then `chroot(2)`. The
/// host's tree stays mounted beneath it, so first every full procfs or sysfs mount
/// outside the root is detached (made a slave first, so nothing reaches the host):
/// the kernel lets a namespace mount a new procfs or sysfs only where it already sees a
/// full one, and under `chroot` those would otherwise stay reachable, as runc reasons.
pub fn move_root(root: &Path, tracer: &Tracer) -> Result<()> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")
        .context("cannot read /proc/self/mountinfo")?;
    let mut full: Vec<PathBuf> = info
        .lines()
        .filter_map(crate::inspect::cgroups::MountLine::parse)
        .filter(|m| m.root == "/" && (m.fstype == "proc" || m.fstype == "sysfs"))
        .map(|m| m.mount_point)
        .filter(|p| !p.starts_with(root))
        .collect();
    full.dedup();
    for p in &full {
        match mounts::mount(
            tracer,
            None,
            p,
            None,
            MsFlags::MS_SLAVE | MsFlags::MS_REC,
            None,
        ) {
            Err(Errno::ENOENT) => continue,
            other => other.with_context(|| format!("cannot make {} a slave mount", p.display()))?,
        }
        match mounts::umount2(tracer, p, MntFlags::MNT_DETACH) {
            Ok(()) => {}
            Err(Errno::EINVAL | Errno::EPERM) => mounts::mount(
                tracer,
                Some("tmpfs"),
                p,
                Some("tmpfs"),
                MsFlags::empty(),
                None,
            )
            .with_context(|| format!("cannot cover {}", p.display()))?,
            Err(e) => return Err(e).with_context(|| format!("cannot detach {}", p.display())),
        }
    }
    chdir(root, tracer)
        .with_context(|| format!("cannot enter the root filesystem {}", root.display()))?;
    let r = root.to_str().unwrap_or("");
    mounts::mount(
        tracer,
        Some(r),
        Path::new("/"),
        None,
        MsFlags::MS_MOVE,
        None,
    )
    .context("cannot move the root filesystem onto / (MS_MOVE)")?;
    tracer
        .op(
            "chroot",
            || "\".\"".into(),
            || Some("chroot .".into()),
            || nix::unistd::chroot("."),
        )
        .context("chroot failed")?;
    chdir(Path::new("/"), tracer)?;
    Ok(())
}

/// `chroot(2)`: only changes how this process resolves "/". The host's tree is still
/// mounted, and a process with CAP_SYS_CHROOT can walk back out (the lesson's breakout).
pub fn chroot(root: &Path, tracer: &Tracer) -> Result<()> {
    chdir(root, tracer)
        .with_context(|| format!("cannot enter the root filesystem {}", root.display()))?;
    tracer
        .op(
            "chroot",
            || "\".\"".into(),
            || Some(format!("chroot {}", root.display())),
            || nix::unistd::chroot("."),
        )
        .context("chroot failed")?;
    chdir(Path::new("/"), tracer)?;
    Ok(())
}

/// Mounts a fresh procfs at `target`: the one that shows the container's pid namespace.
pub fn mount_proc(target: &Path, tracer: &Tracer) -> nix::Result<()> {
    mounts::mount(
        tracer,
        Some("proc"),
        target,
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None,
    )
}

/// Paths of /proc and /sys that leak host information or control the host; the OCI
/// default spec hides them (`maskedPaths`).
pub const MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
];

/// Paths that stay visible but read-only (`readonlyPaths`): writing to them would change
/// the host kernel (sysctls, the magic SysRq key, IRQ affinity).
pub const READ_ONLY: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Hides [`MASKED`] (`/dev/null` over files, an empty read-only tmpfs over directories)
/// and makes [`READ_ONLY`] read-only. Paths this kernel does not have are skipped.
pub fn mask_and_protect(tracer: &Tracer) -> Result<()> {
    mask_and_protect_paths(MASKED, READ_ONLY, tracer)
}

/// [`mask_and_protect`] with the lists given (an OCI bundle's `linux.maskedPaths` and
/// `linux.readonlyPaths`).
pub fn mask_and_protect_paths<S: AsRef<str>>(
    masked: &[S],
    read_only: &[S],
    tracer: &Tracer,
) -> Result<()> {
    for p in masked.iter().map(|p| Path::new(p.as_ref())) {
        let Ok(meta) = std::fs::symlink_metadata(p) else {
            continue;
        };
        let res = if meta.is_dir() {
            mounts::mount(
                tracer,
                Some("tmpfs"),
                p,
                Some("tmpfs"),
                MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
                Some("size=0"),
            )
        } else {
            mounts::mount(tracer, Some("/dev/null"), p, None, MsFlags::MS_BIND, None)
        };
        res.with_context(|| format!("cannot mask {}", p.display()))?;
    }
    for p in read_only.iter().map(|p| Path::new(p.as_ref())) {
        if std::fs::symlink_metadata(p).is_err() {
            continue;
        }
        mounts::bind_read_only(tracer, p)
            .with_context(|| format!("cannot make {} read-only", p.display()))?;
    }
    Ok(())
}
