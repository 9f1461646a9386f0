//! Root and capabilities, read from `/proc/self/status` the way a lesson shows them.

use super::Check;
use crate::i18n::Lang;
use crate::inspect::proc::{CapSet, parse_status};
use crate::tr;
use serde::Serialize;

/// The capabilities contlab's runtime uses.
pub const REQUIRED_CAPS: [&str; 8] = [
    "CAP_SYS_ADMIN",
    "CAP_NET_ADMIN",
    "CAP_SYS_CHROOT",
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_DAC_OVERRIDE",
    "CAP_KILL",
    "CAP_SYS_PTRACE",
];

/// What contlab uses a capability of [`REQUIRED_CAPS`] for.
pub fn purpose(cap: &str, lang: Lang) -> String {
    match cap {
        "CAP_SYS_ADMIN" => tr!(lang, "cap-purpose-sys-admin"),
        "CAP_NET_ADMIN" => tr!(lang, "cap-purpose-net-admin"),
        "CAP_SYS_CHROOT" => tr!(lang, "cap-purpose-sys-chroot"),
        "CAP_SETUID" => tr!(lang, "cap-purpose-setuid"),
        "CAP_SETGID" => tr!(lang, "cap-purpose-setgid"),
        "CAP_DAC_OVERRIDE" => tr!(lang, "cap-purpose-dac-override"),
        "CAP_KILL" => tr!(lang, "cap-purpose-kill"),
        "CAP_SYS_PTRACE" => tr!(lang, "cap-purpose-sys-ptrace"),
        _ => String::new(),
    }
}

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

pub fn check(lang: Lang) -> (Privileges, Vec<Check>) {
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
            let checks = checks(&p, lang);
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
                missing: REQUIRED_CAPS.to_vec(),
            };
            let fail = Check::new("capabilities", tr!(lang, "doctor-title-capabilities"), true)
                .fail(
                    tr!(lang, "doctor-caps-unreadable", error = format!("{e:#}")),
                    super::mount_proc(lang),
                );
            let root = root_check(&p, lang);
            (p, vec![root, fail])
        }
    }
}

fn missing(eff: &CapSet) -> Vec<&'static str> {
    REQUIRED_CAPS
        .iter()
        .copied()
        .filter(|c| !eff.has(c))
        .collect()
}

fn root_check(p: &Privileges, lang: Lang) -> Check {
    let c = Check::new("root", tr!(lang, "doctor-title-root"), true);
    if p.root {
        c.ok(tr!(lang, "doctor-root-ok"))
    } else if p.missing.is_empty() {
        c.ok(tr!(lang, "doctor-root-capable", uid = p.uid))
    } else {
        c.fail(
            tr!(lang, "doctor-root-uid", uid = p.uid),
            super::run_as_root(lang),
        )
    }
}

/// The checks for a given set of privileges.
pub fn checks(p: &Privileges, lang: Lang) -> Vec<Check> {
    let known = crate::inspect::proc::known_capabilities().len();
    let caps = Check::new("capabilities", tr!(lang, "doctor-title-capabilities"), true);
    let caps = if p.missing.is_empty() {
        caps.ok(tr!(
            lang,
            "doctor-caps-ok",
            held = p.cap_eff.len(),
            known = known
        ))
    } else {
        // With one or two missing, say what they are for; a long list would bury it.
        let lacking: Vec<String> = REQUIRED_CAPS
            .iter()
            .filter(|c| p.missing.contains(c))
            .map(|c| {
                if p.missing.len() <= 2 {
                    format!("{c} ({})", purpose(c, lang))
                } else {
                    c.to_string()
                }
            })
            .collect();
        caps.fail(
            tr!(lang, "doctor-caps-lacking", caps = lacking.join(", ")),
            if p.root {
                tr!(lang, "doctor-fix-caps-in-container")
            } else {
                super::run_as_root(lang)
            },
        )
    };

    let res = Check::new("cap_sys_resource", "CAP_SYS_RESOURCE", false);
    let res = if p.cap_eff.has("CAP_SYS_RESOURCE") {
        res.ok(tr!(lang, "doctor-sys-resource-ok"))
    } else if !p.cap_bnd.has("CAP_SYS_RESOURCE") {
        // Some VMs drop it from the bounding set; even root cannot get it back.
        res.absent(tr!(lang, "doctor-sys-resource-not-bounding"))
    } else {
        res.absent(tr!(lang, "doctor-sys-resource-not-effective"))
    };

    vec![root_check(p, lang), caps, res]
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

    fn checks_en(p: &Privileges) -> Vec<Check> {
        checks(p, Lang::En)
    }

    fn by_id<'a>(checks: &'a [Check], id: &str) -> &'a Check {
        checks.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn root_on_a_vm_without_sys_resource() {
        let c = checks_en(&privileges(0, 0x1fffeffffff, 0x1fffeffffff));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Ok);
        assert_eq!(by_id(&c, "capabilities").status, CheckStatus::Ok);
        let res = by_id(&c, "cap_sys_resource");
        assert_eq!(res.status, CheckStatus::Absent);
        assert!(!res.required);
        assert!(res.detail.contains("rlimit"));
    }

    #[test]
    fn ordinary_user() {
        let c = checks_en(&privileges(1000, 0, 0x1ffffffffff));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Fail);
        assert!(by_id(&c, "root").fix.as_deref().unwrap().contains("sudo"));
        let caps = by_id(&c, "capabilities");
        assert_eq!(caps.status, CheckStatus::Fail);
        assert!(caps.detail.contains("CAP_SYS_ADMIN"));
    }

    #[test]
    fn non_root_with_the_capabilities_it_needs() {
        let c = checks_en(&privileges(1000, 0x1ffffffffff, 0x1ffffffffff));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Ok);
        assert_eq!(by_id(&c, "capabilities").status, CheckStatus::Ok);
        assert_eq!(by_id(&c, "cap_sys_resource").status, CheckStatus::Ok);
    }

    #[test]
    fn root_in_a_container_without_sys_admin() {
        // Docker's default set: no CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE.
        let c = checks_en(&privileges(0, 0xa80425fb, 0xa80425fb));
        assert_eq!(by_id(&c, "root").status, CheckStatus::Ok);
        let caps = by_id(&c, "capabilities");
        assert_eq!(caps.status, CheckStatus::Fail);
        assert!(caps.detail.contains("CAP_SYS_ADMIN"));
        assert!(caps.fix.as_deref().unwrap().contains("container"));
    }
}
