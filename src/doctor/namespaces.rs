//! Each namespace type, probed by really creating one: a forked child calls `unshare(2)`
//! and exits with 0 or the errno, and the namespace dies with it.
//!
//! A fork is needed because unsharing in a thread of contlab itself would either fail
//! (user and mount namespaces refuse multi-threaded or `CLONE_FS`-sharing callers) or
//! change contlab for good.

use super::Check;
use crate::i18n::Lang;
use crate::tr;
use nix::errno::Errno;
use nix::sched::{CloneFlags, unshare};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use std::collections::BTreeMap;

/// A namespace type: its name in `/proc/PID/ns`, its `CLONE_NEW*` flag, the kernel option
/// that provides it, and whether live mode needs it.
pub struct Kind {
    pub name: &'static str,
    /// The check's id: `ns_` and the name.
    pub id: &'static str,
    pub flag: &'static str,
    bits: i32,
    config: &'static str,
    pub required: bool,
}

pub const KINDS: [Kind; 8] = [
    kind(
        ("cgroup", "ns_cgroup"),
        "CLONE_NEWCGROUP",
        libc::CLONE_NEWCGROUP,
        "CONFIG_CGROUPS",
        false,
    ),
    kind(
        ("ipc", "ns_ipc"),
        "CLONE_NEWIPC",
        libc::CLONE_NEWIPC,
        "CONFIG_IPC_NS",
        true,
    ),
    kind(
        ("mnt", "ns_mnt"),
        "CLONE_NEWNS",
        libc::CLONE_NEWNS,
        "CONFIG_NAMESPACES",
        true,
    ),
    kind(
        ("net", "ns_net"),
        "CLONE_NEWNET",
        libc::CLONE_NEWNET,
        "CONFIG_NET_NS",
        true,
    ),
    kind(
        ("pid", "ns_pid"),
        "CLONE_NEWPID",
        libc::CLONE_NEWPID,
        "CONFIG_PID_NS",
        true,
    ),
    kind(
        ("time", "ns_time"),
        "CLONE_NEWTIME",
        libc::CLONE_NEWTIME,
        "CONFIG_TIME_NS",
        false,
    ),
    kind(
        ("user", "ns_user"),
        "CLONE_NEWUSER",
        libc::CLONE_NEWUSER,
        "CONFIG_USER_NS",
        false,
    ),
    kind(
        ("uts", "ns_uts"),
        "CLONE_NEWUTS",
        libc::CLONE_NEWUTS,
        "CONFIG_UTS_NS",
        true,
    ),
];

const fn kind(
    (name, id): (&'static str, &'static str),
    flag: &'static str,
    bits: i32,
    config: &'static str,
    required: bool,
) -> Kind {
    Kind {
        name,
        id,
        flag,
        bits,
        config,
        required,
    }
}

/// The user-namespace knobs some distributions add, as `name=value`, where present.
fn user_ns_sysctls() -> Vec<(String, String)> {
    [
        "/proc/sys/user/max_user_namespaces",
        "/proc/sys/kernel/unprivileged_userns_clone",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    ]
    .iter()
    .filter_map(|path| {
        let value = std::fs::read_to_string(path).ok()?;
        let name = path.rsplit('/').next()?;
        Some((name.to_string(), value.trim().to_string()))
    })
    .collect()
}

pub fn check(root: bool, lang: Lang) -> (BTreeMap<&'static str, bool>, Vec<Check>) {
    // Fork all children first and reap them after, so the probes run side by side.
    let children: Vec<Result<Pid, Errno>> = KINDS.iter().map(|k| spawn_probe(k.bits)).collect();
    let results: Vec<Result<(), String>> = children.into_iter().map(|c| reap(c, lang)).collect();
    let sysctls = user_ns_sysctls();
    let mut created = BTreeMap::new();
    let mut checks = Vec::new();
    for (k, result) in KINDS.iter().zip(results) {
        created.insert(k.name, result.is_ok());
        checks.push(check_of(k, result, root, &sysctls, lang));
    }
    (created, checks)
}

fn spawn_probe(bits: i32) -> Result<Pid, Errno> {
    // SAFETY: the child only calls unshare(2) and _exit(2), both async-signal-safe, so
    // forking while other threads run (the log writer) cannot deadlock it.
    match unsafe { fork() }? {
        ForkResult::Child => {
            let code = match unshare(CloneFlags::from_bits_retain(bits)) {
                Ok(()) => 0,
                Err(e) => e as i32,
            };
            // SAFETY: _exit skips atexit handlers and stdio flushing, which belong to
            // the parent's copy of this process.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

fn reap(child: Result<Pid, Errno>, lang: Lang) -> Result<(), String> {
    let child = child.map_err(|e| tr!(lang, "doctor-ns-fork-failed", error = e.to_string()))?;
    loop {
        match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, 0)) => return Ok(()),
            Ok(WaitStatus::Exited(_, code)) => return Err(Errno::from_raw(code).to_string()),
            Ok(WaitStatus::Signaled(_, sig, _)) => {
                return Err(tr!(
                    lang,
                    "doctor-ns-probe-killed",
                    signal = sig.to_string()
                ));
            }
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(e) => {
                return Err(tr!(lang, "doctor-ns-waitpid-failed", error = e.to_string()));
            }
        }
    }
}

fn check_of(
    k: &Kind,
    result: Result<(), String>,
    root: bool,
    sysctls: &[(String, String)],
    lang: Lang,
) -> Check {
    let c = Check::new(
        k.id,
        tr!(lang, "doctor-title-ns", name = k.name),
        k.required,
    );
    let knobs = if k.name == "user" && !sysctls.is_empty() {
        let list: Vec<String> = sysctls.iter().map(|(n, v)| format!("{n}={v}")).collect();
        format!(" ({})", list.join(", "))
    } else {
        String::new()
    };
    let err = match result {
        Ok(()) => {
            return c.ok(tr!(lang, "doctor-ns-works", flag = k.flag, knobs = knobs));
        }
        Err(e) => e,
    };
    let detail = tr!(
        lang,
        "doctor-ns-failed",
        flag = k.flag,
        error = err.as_str(),
        knobs = knobs
    );
    let knob = |name: &str| {
        sysctls
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let fix = if err.starts_with("ENOSPC") {
        tr!(lang, "doctor-fix-ns-enospc", name = k.name)
    } else if err.starts_with("EINVAL") {
        tr!(lang, "doctor-fix-ns-einval", config = k.config)
    } else if err.starts_with("EPERM")
        && k.name == "user"
        && knob("max_user_namespaces") == Some("0")
    {
        tr!(lang, "doctor-fix-userns-max-zero")
    } else if err.starts_with("EPERM")
        && k.name == "user"
        && !root
        && knob("unprivileged_userns_clone") == Some("0")
    {
        tr!(lang, "doctor-fix-userns-unprivileged")
    } else if err.starts_with("EPERM")
        && k.name == "user"
        && !root
        && knob("apparmor_restrict_unprivileged_userns") == Some("1")
    {
        tr!(lang, "doctor-fix-userns-apparmor")
    } else if err.starts_with("EPERM") && !root {
        super::run_as_root(lang)
    } else if err.starts_with("EPERM") {
        tr!(lang, "doctor-fix-ns-root-refused")
    } else {
        tr!(
            lang,
            "doctor-fix-ns-other",
            error = err.as_str(),
            flag = k.flag
        )
    };
    c.fail(detail, fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;

    fn check_of(
        k: &Kind,
        result: Result<(), String>,
        root: bool,
        sysctls: &[(String, String)],
    ) -> Check {
        super::check_of(k, result, root, sysctls, Lang::En)
    }

    fn reap(child: Result<Pid, Errno>) -> Result<(), String> {
        super::reap(child, Lang::En)
    }

    fn user() -> &'static Kind {
        KINDS.iter().find(|k| k.name == "user").unwrap()
    }

    #[test]
    fn every_type_and_which_are_required() {
        let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        assert_eq!(
            names,
            ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]
        );
        let required: Vec<&str> = KINDS
            .iter()
            .filter(|k| k.required)
            .map(|k| k.name)
            .collect();
        assert_eq!(required, ["ipc", "mnt", "net", "pid", "uts"]);
    }

    #[test]
    fn fixes_follow_the_errno() {
        let none = [];
        let c = check_of(user(), Err(Errno::ENOSPC.to_string()), true, &none);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.fix.unwrap().contains("user.max_user_namespaces"));

        let c = check_of(user(), Err(Errno::EINVAL.to_string()), true, &none);
        assert!(c.fix.unwrap().contains("CONFIG_USER_NS"));

        let knobs = [("unprivileged_userns_clone".to_string(), "0".to_string())];
        let c = check_of(user(), Err(Errno::EPERM.to_string()), false, &knobs);
        assert!(c.fix.unwrap().contains("unprivileged_userns_clone=1"));
        assert!(c.detail.contains("unprivileged_userns_clone=0"));

        let c = check_of(&KINDS[3], Err(Errno::EPERM.to_string()), true, &none);
        assert!(c.required);
        assert!(c.fix.unwrap().contains("container"));
    }

    #[test]
    fn a_probe_reports_the_childs_errno() {
        // unshare(2) takes no CLONE_SETTLS: the child must come back with EINVAL.
        let err = reap(spawn_probe(libc::CLONE_SETTLS)).unwrap_err();
        assert!(err.starts_with("EINVAL"), "{err}");
        // Tests run as root, which may always create a UTS namespace.
        assert_eq!(reap(spawn_probe(libc::CLONE_NEWUTS)), Ok(()));
    }
}
