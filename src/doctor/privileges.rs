//! Root and capabilities, read from `/proc/self/status` the way a lesson shows them.

use super::Check;
use crate::inspect::proc::{CapSet, parse_status};
use serde::Serialize;

/// The capabilities contlab's runtime uses, and for what.
pub const REQUIRED_CAPS: [(&str, &str); 8] = [
    (
        "CAP_SYS_ADMIN",
        "creating namespaces, mount, pivot_root, setns, sethostname",
    ),
    (
        "CAP_NET_ADMIN",
        "veth pairs, bridges and addresses over netlink",
    ),
    ("CAP_SYS_CHROOT", "the chroot lesson"),
    (
        "CAP_SETUID",
        "writing uid_map and switching users in containers",
    ),
    (
        "CAP_SETGID",
        "writing gid_map and switching groups in containers",
    ),
    (
        "CAP_DAC_OVERRIDE",
        "writing cgroup files and state owned by root",
    ),
    (
        "CAP_KILL",
        "signalling container processes that run as other users",
    ),
    (
        "CAP_SYS_PTRACE",
        "reading /proc/PID/ns and joining namespaces of containers",
    ),
];

/// Who contlab runs as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Privileges {
    /// The effective uid.
    pub uid: u32,
    pub root: bool,
    #[serde(rename = "CapEff")]
    pub cap_eff: CapSet,
    #[serde(rename = "CapBnd")]
    pub cap_bnd: CapSet,
    /// Capabilities of [`REQUIRED_CAPS`] missing from `CapEff`.
    pub missing: Vec<&'static str>,
}

pub fn check() -> (Privileges, Vec<Check>) {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(anyhow::Error::from)
        .and_then(|text| parse_status(&text));
    match status {
        Ok(s) => {
            let p = Privileges {
                uid: s.uid.effective,
                root: s.uid.effective == 0,
                missing: missing(&s.cap_eff),
                cap_eff: s.cap_eff,
                cap_bnd: s.cap_bnd,
            };
            let checks = checks(&p);
            (p, checks)
        }
        Err(e) => {
            // Without /proc nothing else works either; say so once, here.
            let uid = nix::unistd::geteuid().as_raw();
            let p = Privileges {
                uid,
                root: uid == 0,
                cap_eff: CapSet::from_mask(0),
                cap_bnd: CapSet::from_mask(0),
                missing: REQUIRED_CAPS.iter().map(|(c, _)| *c).collect(),
            };
            let fail = Check::new("capabilities", "capabilities", true).fail(
                format!("cannot read /proc/self/status: {e:#}"),
                "mount /proc (mount -t proc proc /proc); contlab reads everything from it",
            );
            let root = root_check(&p);
            (p, vec![root, fail])
        }
    }
}

fn missing(eff: &CapSet) -> Vec<&'static str> {
    REQUIRED_CAPS
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| !eff.has(c))
        .collect()
}

fn root_check(p: &Privileges) -> Check {
    let c = Check::new("root", "root", true);
    if p.root {
        c.ok("running as root (uid 0)")
    } else if p.missing.is_empty() {
        c.ok(format!(
            "uid {}, but CapEff holds every capability contlab needs",
            p.uid
        ))
    } else {
        c.fail(
            format!("running as uid {}, not root", p.uid),
            "run contlab as root, e.g. sudo contlab doctor",
        )
    }
}

/// The checks for a given set of privileges.
pub fn checks(p: &Privileges) -> Vec<Check> {
    let known = crate::inspect::proc::known_capabilities().len();
    let caps = Check::new("capabilities", "capabilities", true);
    let caps = if p.missing.is_empty() {
        caps.ok(format!(
            "CapEff holds {} of {known}, all that contlab needs",
            p.cap_eff.len()
        ))
    } else {
        // With one or two missing, say what they are for; a long list would bury it.
        let lacking: Vec<String> = REQUIRED_CAPS
            .iter()
            .filter(|(c, _)| p.missing.contains(c))
            .map(|(c, why)| {
                if p.missing.len() <= 2 {
                    format!("{c} ({why})")
                } else {
                    c.to_string()
                }
            })
            .collect();
        caps.fail(
            format!("CapEff lacks {}", lacking.join(", ")),
            if p.root {
                "run contlab as root on the host or in a VM, not in a container that drops capabilities"
            } else {
                "run contlab as root, e.g. sudo contlab doctor"
            },
        )
    };

    let res = Check::new("cap_sys_resource", "CAP_SYS_RESOURCE", false);
    let res = if p.cap_eff.has("CAP_SYS_RESOURCE") {
        res.ok("in CapEff")
    } else if !p.cap_bnd.has("CAP_SYS_RESOURCE") {
        // Some VMs drop it from the bounding set; even root cannot get it back.
        res.absent(
            "not in CapBnd (some VMs drop it): raising an rlimit above its hard limit \
             fails; contlab does not need it",
        )
    } else {
        res.absent(
            "not in CapEff: raising an rlimit above its hard limit fails; contlab does not need it",
        )
    };

    vec![root_check(p), caps, res]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;

    fn privileges(uid: u32, eff: u64, bnd: u64) -> Privileges {
        let cap_eff = CapSet::from_mask(eff);
        Privileges {
            uid,
            root: uid == 0,
            missing: missing(&cap_eff),
            cap_eff,
            cap_bnd: CapSet::from_mask(bnd),
        }
    }

    fn by_id<'a>(checks: &'a [Check], id: &str) -> &'a Check {
        checks.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn root_on_a_vm_without_sys_resource() {
        let c = checks(&privileges(0, 0x1fffeffffff, 0x1fffeffffff));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Ok);
        assert_eq!(by_id(&c, "capabilities").status, CheckStatus::Ok);
        let res = by_id(&c, "cap_sys_resource");
        assert_eq!(res.status, CheckStatus::Absent);
        assert!(!res.required);
        assert!(res.detail.contains("rlimit"));
    }

    #[test]
    fn ordinary_user() {
        let c = checks(&privileges(1000, 0, 0x1ffffffffff));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Fail);
        assert!(by_id(&c, "root").fix.as_deref().unwrap().contains("sudo"));
        let caps = by_id(&c, "capabilities");
        assert_eq!(caps.status, CheckStatus::Fail);
        assert!(caps.detail.contains("CAP_SYS_ADMIN"));
    }

    #[test]
    fn non_root_with_the_capabilities_it_needs() {
        let c = checks(&privileges(1000, 0x1ffffffffff, 0x1ffffffffff));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Ok);
        assert_eq!(by_id(&c, "capabilities").status, CheckStatus::Ok);
        assert_eq!(by_id(&c, "cap_sys_resource").status, CheckStatus::Ok);
    }

    #[test]
    fn root_in_a_container_without_sys_admin() {
        // Docker's default set: no CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE.
        let c = checks(&privileges(0, 0xa80425fb, 0xa80425fb));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Ok);
        let caps = by_id(&c, "capabilities");
        assert_eq!(caps.status, CheckStatus::Fail);
        assert!(caps.detail.contains("CAP_SYS_ADMIN"));
        assert!(caps.fix.as_deref().unwrap().contains("container"));
    }
}
