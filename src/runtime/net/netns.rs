//! Entering network namespaces, and the named ones contlab keeps alive with a bind mount.

use super::super::ledger::Ledger;
use super::super::teardown::Removed;
use super::super::trace::Tracer;
use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::sys::stat::Mode;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Runs `f` on a short-lived thread that has setns()'d into the network namespace `ns`
/// (an fd of /proc/PID/ns/net or a bind-mounted file), so the caller's own namespace
/// never changes.
///
/// A network namespace is a per-thread attribute, and so is every socket `f` opens
/// (netlink included): they belong to `ns`. The thread ends with `f`, taking its
/// namespace membership with it, so nothing has to be switched back.
pub fn in_netns<T: Send>(ns: BorrowedFd<'_>, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    in_netns_traced(ns, None, &Tracer::null(), f)
}

/// [`in_netns`], with the `setns` traced; `label` names the namespace in the trace
/// (a netns name or a pid) when the caller knows one.
pub(super) fn in_netns_traced<T: Send>(
    ns: BorrowedFd<'_>,
    label: Option<&str>,
    tracer: &Tracer,
    f: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    std::thread::scope(|s| {
        let thread = std::thread::Builder::new()
            .name("contlab-netns".into())
            .spawn_scoped(s, move || {
                tracer
                    .op(
                        "setns",
                        || format!("{}, CLONE_NEWNET", describe_fd(ns, label)),
                        || None,
                        || nix::sched::setns(ns, CloneFlags::CLONE_NEWNET),
                    )
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "cannot enter the network namespace {} ({e:?}: {}); pass an open fd of /proc/PID/ns/net or of a bind-mounted namespace file, and run as root",
                            describe_fd(ns, label),
                            e.desc()
                        )
                    })?;
                f()
            })
            .context("cannot start a thread to enter a network namespace; check the thread limit (ulimit -u)")?;
        match thread.join() {
            Ok(res) => res,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// `fd 7 (net:[4026532290], web)`: the fd, the namespace's identity, and its label.
fn describe_fd(ns: BorrowedFd<'_>, label: Option<&str>) -> String {
    let fd = ns.as_raw_fd();
    let ident = std::fs::read_link(format!("/proc/thread-self/fd/{fd}"))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".to_string());
    match label {
        Some(l) => format!("fd {fd} ({ident}, {l})"),
        None => format!("fd {fd} ({ident})"),
    }
}

/// True when `ns` is the network namespace contlab itself runs in (the calling thread's
/// or the main thread's), or the one of pid 1: the namespaces THE NETWORK RULE keeps
/// every veth end out of.
pub(super) fn is_host_netns(ns: BorrowedFd<'_>) -> Result<bool> {
    let st = nix::sys::stat::fstat(ns).map_err(|e| {
        anyhow::anyhow!(
            "cannot stat the namespace fd {} ({e:?}: {}); pass an open fd of a network namespace",
            ns.as_raw_fd(),
            e.desc()
        )
    })?;
    let same = |path: &str| {
        nix::sys::stat::stat(path).is_ok_and(|h| h.st_dev == st.st_dev && h.st_ino == st.st_ino)
    };
    Ok([
        "/proc/thread-self/ns/net",
        "/proc/self/ns/net",
        "/proc/1/ns/net",
    ]
    .iter()
    .any(|p| same(p)))
}

/// A named, persistent network namespace contlab made: a namespace file bind-mounted at
/// `<netns dir>/<name>`, which keeps the namespace alive with no process in it (what
/// `ip netns add` does under /run/netns). Used for the far end of a lesson's veth, or for
/// a standalone "host".
///
/// Dropping it only closes its fd; the namespace lives on until [`NamedNetns::remove`],
/// or until the teardown of the ledger record that names its path. Removal is explicit
/// because it can fail (a busy mount) and the caller should see the result, and because
/// the record, not the value, is what survives a crash.
#[derive(Debug)]
pub struct NamedNetns {
    name: String,
    path: PathBuf,
    fd: OwnedFd,
}

impl NamedNetns {
    /// Creates the namespace `name` under contlab's netns directory, with `lo` up. The
    /// path is written to `ledger`'s `ns_mounts` before anything is created.
    pub fn create(name: &str, ledger: &mut Ledger, tracer: &Tracer) -> Result<Self> {
        Self::create_in(&crate::paths::netns_dir(), name, ledger, tracer)
    }

    /// [`NamedNetns::create`] with the directory given (tests use their own).
    ///
    /// The directory is left a plain directory, not made a mount point of its own.
    /// `ip netns` bind-mounts /run/netns onto itself and marks it *shared*, so that an
    /// unmount of a namespace file propagates into every mount namespace that copied it
    /// and cannot keep the namespace alive there; a *private* mount would do the
    /// opposite. contlab's directory already sits on whatever propagation its parent has
    /// (shared /run on systemd machines), its own containers drop their copies when they
    /// pivot_root and detach the old root, and a mount here would be a mount under the
    /// run directory that `contlab cleanup` sweeps as a leftover, taking live namespace
    /// files with it.
    pub fn create_in(dir: &Path, name: &str, ledger: &mut Ledger, tracer: &Tracer) -> Result<Self> {
        validate_name(name)?;
        if !dir.is_dir() {
            tracer
                .op(
                    "mkdir",
                    || format!("{:?} (and its parents), 0777 & ~umask", dir.display()),
                    || Some(format!("mkdir -p {}", dir.display())),
                    || std::fs::create_dir_all(dir).map_err(io_errno),
                )
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot create the network namespace directory {} ({e:?}: {}); run as root or set CONTLAB_RUN_DIR to a writable directory",
                        dir.display(),
                        e.desc()
                    )
                })?;
        }
        let path = dir.join(name);
        // Intent first: a crash from here on leaves a record naming the path.
        let claimed_before = ledger.record().ns_mounts.contains(&path);
        if !claimed_before {
            ledger.update(|r| r.ns_mounts.push(path.clone()))?;
        }
        // Undoes the claim this call added (never one an earlier call made).
        let unclaim = |ledger: &mut Ledger| {
            if claimed_before {
                Ok(())
            } else {
                forget(ledger, &path)
            }
        };

        // The mount point: an empty file, created exclusively so that an existing
        // namespace of the same name is never mounted over.
        let placeholder = tracer.op(
            "open",
            || format!("{:?}, O_RDONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0", path.display()),
            || Some(format!("touch {}", path.display())),
            || {
                nix::fcntl::open(
                    &path,
                    OFlag::O_RDONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
            },
        );
        match placeholder {
            Ok(fd) => drop(fd),
            Err(e) => {
                // Not ours: the record must not claim it, or its teardown would remove it.
                unclaim(ledger)?;
                if e == Errno::EEXIST {
                    anyhow::bail!(
                        "a network namespace named {name:?} already exists in {}; choose another name, or run `sudo contlab cleanup` if it is a leftover",
                        dir.display()
                    );
                }
                anyhow::bail!(
                    "cannot create {} ({e:?}: {}); run as root",
                    path.display(),
                    e.desc()
                );
            }
        }

        match Self::populate(&path, tracer) {
            Ok(fd) => Ok(NamedNetns {
                name: name.to_string(),
                path,
                fd,
            }),
            Err(e) => {
                let undone = unmount_and_unlink(&path, tracer);
                match undone.error {
                    None => unclaim(ledger)?,
                    Some(why) => {
                        return Err(e.context(format!(
                            "{} was left behind ({why}); run `sudo contlab cleanup`",
                            path.display()
                        )));
                    }
                }
                Err(e)
            }
        }
    }

    /// Makes the namespace, pins it at `path`, and brings its loopback up.
    fn populate(path: &Path, tracer: &Tracer) -> Result<OwnedFd> {
        bind_new_netns(path, tracer)?;
        let fd = tracer
            .op(
                "open",
                || format!("{:?}, O_RDONLY|O_CLOEXEC", path.display()),
                || None,
                || nix::fcntl::open(path, OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()),
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the new network namespace {} ({e:?}: {}); run as root",
                    path.display(),
                    e.desc()
                )
            })?;
        super::loopback_up(fd.as_fd(), tracer)?;
        Ok(fd)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// An fd of the namespace, for [`super::in_netns`], [`super::links_in`] or a veth end.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The bind-mounted namespace file (`nsenter --net=PATH` enters it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Unmounts and unlinks the namespace file. The namespace itself, and with it every
    /// link inside (a veth's peer in another namespace included), goes away once nothing
    /// else holds it: no process in it, no open fd of it. The kernel frees it
    /// asynchronously, so its links may linger for a moment after this returns.
    ///
    /// The ledger's `ns_mounts` entry stays; teardown skips paths that are already gone.
    pub fn remove(self, tracer: &Tracer) -> Vec<Removed> {
        let NamedNetns { path, fd, .. } = self;
        // Our own fd would keep the namespace alive.
        drop(fd);
        vec![unmount_and_unlink(&path, tracer)]
    }
}

/// Namespace names are file names: letters, digits, `-`, `_`, `.`, not starting with `.`.
fn validate_name(name: &str) -> Result<()> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if name.is_empty() || name.len() > 64 || !ok_chars || name.starts_with('.') {
        anyhow::bail!(
            "invalid network namespace name {name:?}: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'"
        );
    }
    Ok(())
}

/// Drops `path` from the record's `ns_mounts`: it was never made, or is undone.
fn forget(ledger: &mut Ledger, path: &Path) -> Result<()> {
    ledger.update(|r| r.ns_mounts.retain(|p| p != path))
}

/// A new network namespace, made by a helper thread and bind-mounted onto `path`.
fn bind_new_netns(path: &Path, tracer: &Tracer) -> Result<()> {
    std::thread::scope(|s| {
        let thread = std::thread::Builder::new()
            .name("contlab-netns".into())
            .spawn_scoped(s, || -> Result<()> {
                // Only this thread moves; it ends right after, and the mount keeps the
                // namespace alive without it.
                tracer
                    .op(
                        "unshare",
                        || "CLONE_NEWNET".to_string(),
                        || Some("unshare --net".to_string()),
                        || nix::sched::unshare(CloneFlags::CLONE_NEWNET),
                    )
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "cannot create a network namespace ({e:?}: {}); run as root, on a kernel with CONFIG_NET_NS",
                            e.desc()
                        )
                    })?;
                // thread-self, not self: /proc/self/ns/net is the main thread's namespace.
                const SOURCE: &str = "/proc/thread-self/ns/net";
                tracer
                    .op(
                        "mount",
                        || format!("{SOURCE:?}, {:?}, NULL, MS_BIND, NULL", path.display()),
                        || Some(format!("mount --bind {SOURCE} {}", path.display())),
                        || {
                            nix::mount::mount(
                                Some(SOURCE),
                                path,
                                None::<&str>,
                                MsFlags::MS_BIND,
                                None::<&str>,
                            )
                        },
                    )
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "cannot bind-mount the new network namespace onto {} ({e:?}: {}); run as root",
                            path.display(),
                            e.desc()
                        )
                    })
            })
            .context("cannot start a thread to create a network namespace; check the thread limit (ulimit -u)")?;
        match thread.join() {
            Ok(res) => res,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Unmounts (lazily: a process may still be entering it) and unlinks a namespace file.
fn unmount_and_unlink(path: &Path, tracer: &Tracer) -> Removed {
    let what = path.display().to_string();
    let failed = |e: Errno| Removed {
        kind: "netns",
        what: what.clone(),
        error: Some(format!("{e:?}: {}", e.desc())),
    };
    let unmounted = tracer.op(
        "umount2",
        || format!("{:?}, MNT_DETACH", path.display()),
        || Some(format!("umount -l {}", path.display())),
        || nix::mount::umount2(path, MntFlags::MNT_DETACH),
    );
    match unmounted {
        // EINVAL: not a mount point (the mount never happened); ENOENT: no file at all.
        Ok(()) | Err(Errno::EINVAL) | Err(Errno::ENOENT) => {}
        Err(e) => return failed(e),
    }
    let unlinked = tracer.op(
        "unlink",
        || format!("{:?}", path.display()),
        || Some(format!("rm {}", path.display())),
        || nix::unistd::unlink(path),
    );
    match unlinked {
        Ok(()) | Err(Errno::ENOENT) => Removed {
            kind: "netns",
            what,
            error: None,
        },
        Err(e) => failed(e),
    }
}

fn io_errno(e: std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_file_names() {
        for bad in ["", ".hidden", "a/b", "sp ace", "..", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?} accepted");
        }
        validate_name("contlab-peer_1.a").unwrap();
    }

    #[test]
    fn the_host_namespace_is_recognised() {
        let host = std::fs::File::open("/proc/self/ns/net").unwrap();
        assert!(is_host_netns(host.as_fd()).unwrap());
        // A namespace of our own, held only by its fd.
        let other: OwnedFd = std::thread::spawn(|| {
            nix::sched::unshare(CloneFlags::CLONE_NEWNET).unwrap();
            std::fs::File::open("/proc/thread-self/ns/net")
                .unwrap()
                .into()
        })
        .join()
        .unwrap();
        assert!(!is_host_netns(other.as_fd()).unwrap());
    }
}
