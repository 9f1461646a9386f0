//! `mount(2)` and `umount2(2)`, traced with their flags by name and the `mount(8)`
//! command a student would type for the same effect.

use super::trace::Tracer;
use nix::mount::{MntFlags, MsFlags};
use std::path::Path;

const FLAG_NAMES: &[(MsFlags, &str, &str)] = &[
    (MsFlags::MS_RDONLY, "MS_RDONLY", "ro"),
    (MsFlags::MS_NOSUID, "MS_NOSUID", "nosuid"),
    (MsFlags::MS_NODEV, "MS_NODEV", "nodev"),
    (MsFlags::MS_NOEXEC, "MS_NOEXEC", "noexec"),
    (MsFlags::MS_REMOUNT, "MS_REMOUNT", "remount"),
    (MsFlags::MS_BIND, "MS_BIND", "bind"),
    (MsFlags::MS_MOVE, "MS_MOVE", "move"),
    (MsFlags::MS_REC, "MS_REC", "rec"),
    (MsFlags::MS_PRIVATE, "MS_PRIVATE", "private"),
    (MsFlags::MS_SLAVE, "MS_SLAVE", "slave"),
    (MsFlags::MS_SHARED, "MS_SHARED", "shared"),
    (MsFlags::MS_RELATIME, "MS_RELATIME", "relatime"),
    (MsFlags::MS_STRICTATIME, "MS_STRICTATIME", "strictatime"),
];

/// `MS_NOSUID|MS_NODEV` (or `0`).
pub fn flag_names(flags: MsFlags) -> String {
    let names: Vec<&str> = FLAG_NAMES
        .iter()
        .filter(|(f, _, _)| flags.contains(*f))
        .map(|(_, n, _)| *n)
        .collect();
    if names.is_empty() {
        "0".into()
    } else {
        names.join("|")
    }
}

fn options(flags: MsFlags, data: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = FLAG_NAMES
        .iter()
        .filter(|(f, _, _)| {
            flags.contains(*f)
                && !f.intersects(
                    MsFlags::MS_BIND
                        | MsFlags::MS_MOVE
                        | MsFlags::MS_REC
                        | MsFlags::MS_REMOUNT
                        | MsFlags::MS_PRIVATE
                        | MsFlags::MS_SLAVE
                        | MsFlags::MS_SHARED,
                )
        })
        .map(|(_, _, o)| o.to_string())
        .collect();
    if let Some(d) = data.filter(|d| !d.is_empty()) {
        out.push(d.to_string());
    }
    out
}

/// The `mount(8)` command with the same effect.
pub fn shell(
    source: Option<&str>,
    target: &Path,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
) -> String {
    let t = target.display();
    let rec = flags.contains(MsFlags::MS_REC);
    for (f, word) in [
        (MsFlags::MS_PRIVATE, "private"),
        (MsFlags::MS_SLAVE, "slave"),
        (MsFlags::MS_SHARED, "shared"),
    ] {
        if flags.contains(f) {
            return format!("mount --make-{}{word} {t}", if rec { "r" } else { "" });
        }
    }
    if flags.contains(MsFlags::MS_MOVE) {
        return format!("mount --move {} {t}", source.unwrap_or("none"));
    }
    let opts = options(flags, data);
    if flags.contains(MsFlags::MS_REMOUNT) {
        let bind = if flags.contains(MsFlags::MS_BIND) {
            "bind,"
        } else {
            ""
        };
        let mut o = opts;
        if !flags.contains(MsFlags::MS_RDONLY) {
            o.push("rw".into());
        }
        return format!("mount -o remount,{bind}{} {t}", o.join(","));
    }
    let src = source.unwrap_or("none");
    if flags.contains(MsFlags::MS_BIND) {
        let b = if rec { "--rbind" } else { "--bind" };
        return format!("mount {b} {src} {t}");
    }
    let o = if opts.is_empty() {
        String::new()
    } else {
        format!(" -o {}", opts.join(","))
    };
    format!("mount -t {}{o} {src} {t}", fstype.unwrap_or("none"))
}

/// `mount(2)`, traced.
pub fn mount(
    tracer: &Tracer,
    source: Option<&str>,
    target: &Path,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
) -> nix::Result<()> {
    tracer.op(
        "mount",
        || {
            format!(
                "{:?}, {:?}, {:?}, {}, {:?}",
                source.unwrap_or("none"),
                target,
                fstype.unwrap_or("NULL"),
                flag_names(flags),
                data.unwrap_or("NULL")
            )
        },
        || Some(shell(source, target, fstype, flags, data)),
        || nix::mount::mount(source, target, fstype, flags, data),
    )
}

/// `umount2(2)`, traced.
pub fn umount2(tracer: &Tracer, target: &Path, flags: MntFlags) -> nix::Result<()> {
    let lazy = flags.contains(MntFlags::MNT_DETACH);
    tracer.op(
        "umount2",
        || format!("{target:?}, {}", if lazy { "MNT_DETACH" } else { "0" }),
        || {
            Some(format!(
                "umount {}{}",
                if lazy { "-l " } else { "" },
                target.display()
            ))
        },
        || nix::mount::umount2(target, flags),
    )
}

/// The `MOUNT_ATTR_*` bits, each with the `mount(8)` option its name is made of.
const ATTRS: &[(u64, &str)] = &[
    (libc::MOUNT_ATTR_RDONLY, "ro"),
    (libc::MOUNT_ATTR_NOSUID, "nosuid"),
    (libc::MOUNT_ATTR_NODEV, "nodev"),
    (libc::MOUNT_ATTR_NOEXEC, "noexec"),
    (libc::MOUNT_ATTR_NOATIME, "noatime"),
    (libc::MOUNT_ATTR_STRICTATIME, "strictatime"),
    (libc::MOUNT_ATTR_NODIRATIME, "nodiratime"),
    (libc::MOUNT_ATTR_NOSYMFOLLOW, "nosymfollow"),
];

fn attr_names(bits: u64) -> String {
    let names: Vec<String> = ATTRS
        .iter()
        .filter(|(b, _)| bits & b == *b)
        .map(|(_, o)| match *o {
            "ro" => "MOUNT_ATTR_RDONLY".to_string(),
            o => format!("MOUNT_ATTR_{}", o.to_uppercase()),
        })
        .collect();
    if names.is_empty() {
        "0".into()
    } else {
        names.join("|")
    }
}

/// `mount_setattr(2)` with `AT_RECURSIVE`: sets `set` and clears `clear` (both
/// `MOUNT_ATTR_*`) on the mount at `target` and on every mount below it, which a
/// remount cannot do (it changes one mount). Traced with util-linux's `=recursive` form.
pub fn setattr_recursive(tracer: &Tracer, target: &Path, set: u64, clear: u64) -> nix::Result<()> {
    let path = std::ffi::CString::new(target.as_os_str().as_encoded_bytes())
        .map_err(|_| nix::errno::Errno::EINVAL)?;
    let attr = libc::mount_attr {
        attr_set: set,
        attr_clr: clear,
        propagation: 0,
        userns_fd: 0,
    };
    tracer.op(
        "mount_setattr",
        || {
            format!(
                "AT_FDCWD, {target:?}, AT_RECURSIVE, {{attr_set={}, attr_clr={}}}",
                attr_names(set),
                attr_names(clear)
            )
        },
        || {
            let mut opts: Vec<String> = ATTRS
                .iter()
                .filter(|(b, _)| set & b == *b)
                .map(|(_, o)| format!("{o}=recursive"))
                .collect();
            if clear & libc::MOUNT_ATTR_RDONLY != 0 {
                opts.push("rw=recursive".into());
            }
            Some(format!(
                "mount -o remount,bind,{} {}",
                opts.join(","),
                target.display()
            ))
        },
        || {
            // SAFETY: a valid C string and a mount_attr of the size passed.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_mount_setattr,
                    libc::AT_FDCWD,
                    path.as_ptr(),
                    libc::AT_RECURSIVE as libc::c_uint,
                    &attr as *const libc::mount_attr,
                    std::mem::size_of::<libc::mount_attr>(),
                )
            };
            if r < 0 {
                Err(nix::errno::Errno::last())
            } else {
                Ok(())
            }
        },
    )
}

/// Bind-mounts `target` onto itself and remounts it read-only, keeping the flags the
/// kernel locked on it: in a user namespace, a remount that dropped `nosuid`, `nodev`
/// or `noexec` from a mount inherited from a more privileged namespace fails with EPERM.
pub fn bind_read_only(tracer: &Tracer, target: &Path) -> nix::Result<()> {
    let t = target.to_str().unwrap_or("");
    mount(
        tracer,
        Some(t),
        target,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
    )?;
    let locked = locked_flags(target);
    mount(
        tracer,
        None,
        target,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | locked,
        None,
    )
}

/// The per-mount flags of the mount at `path`, from statvfs.
pub fn locked_flags(path: &Path) -> MsFlags {
    use nix::sys::statvfs::FsFlags;
    let Ok(st) = nix::sys::statvfs::statvfs(path) else {
        return MsFlags::empty();
    };
    let f = st.flags();
    let mut out = MsFlags::empty();
    for (fs, ms) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(fs) {
            out |= ms;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_equivalents() {
        let p = Path::new("/");
        assert_eq!(
            shell(None, p, None, MsFlags::MS_REC | MsFlags::MS_SLAVE, None),
            "mount --make-rslave /"
        );
        assert_eq!(
            shell(
                Some("proc"),
                Path::new("/r/proc"),
                Some("proc"),
                MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
                None
            ),
            "mount -t proc -o nosuid,nodev,noexec proc /r/proc"
        );
        assert_eq!(
            shell(
                Some("/dev/null"),
                Path::new("/proc/kcore"),
                None,
                MsFlags::MS_BIND,
                None
            ),
            "mount --bind /dev/null /proc/kcore"
        );
        assert_eq!(
            shell(
                None,
                Path::new("/proc/sys"),
                None,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
                None
            ),
            "mount -o remount,bind,ro /proc/sys"
        );
        assert_eq!(
            flag_names(MsFlags::MS_REC | MsFlags::MS_SLAVE),
            "MS_REC|MS_SLAVE"
        );
    }
}
