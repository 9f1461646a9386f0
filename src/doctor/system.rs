//! The kernel release and overlayfs.

use super::Check;
use crate::i18n::Lang;
use crate::tr;
use std::path::Path;

/// The first release with every namespace type contlab teaches (time arrived in 5.6).
const ALL_NAMESPACES_SINCE: (u32, u32) = (5, 6);

/// Parses the leading `major.minor` of a release such as `6.1.0-18-amd64`.
pub fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

pub fn kernel(lang: Lang) -> (String, Check) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let check = kernel_check(&release, lang);
    (release, check)
}

fn kernel_check(release: &str, lang: Lang) -> Check {
    let c = Check::new("kernel", tr!(lang, "doctor-title-kernel"), false);
    let (want_major, want_minor) = ALL_NAMESPACES_SINCE;
    let want = format!("{want_major}.{want_minor}");
    match parse_release(release) {
        Some(v) if v >= ALL_NAMESPACES_SINCE => {
            c.ok(tr!(lang, "doctor-kernel-ok", release = release))
        }
        Some(_) => c.fail(
            tr!(
                lang,
                "doctor-kernel-old",
                release = release,
                want = want.as_str()
            ),
            tr!(lang, "doctor-fix-kernel-old", want = want.as_str()),
        ),
        None => c.fail(
            tr!(
                lang,
                "doctor-kernel-unknown",
                release = format!("{release:?}")
            ),
            super::mount_proc(lang),
        ),
    }
}

/// overlayfs is registered, or its module is installed (the kernel loads a filesystem's
/// module on the first mount of that type, so that is as good).
pub fn overlayfs(release: &str, lang: Lang) -> Check {
    let filesystems = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    let modules = Path::new("/lib/modules").join(release);
    let module_listed = ["modules.dep", "modules.builtin"].iter().any(|f| {
        std::fs::read_to_string(modules.join(f))
            .is_ok_and(|text| text.lines().any(|l| l.contains("/overlay.ko")))
    });
    overlay_check(&filesystems, module_listed, lang)
}

fn overlay_check(filesystems: &str, module_listed: bool, lang: Lang) -> Check {
    let c = Check::new("overlayfs", "overlayfs", false);
    let registered = filesystems
        .lines()
        .any(|l| l.split_whitespace().last() == Some("overlay"));
    if registered {
        c.ok(tr!(lang, "doctor-overlay-registered"))
    } else if module_listed {
        c.ok(tr!(lang, "doctor-overlay-module"))
    } else {
        c.fail(
            tr!(lang, "doctor-overlay-missing"),
            tr!(lang, "doctor-fix-overlay-missing"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;

    fn kernel_check(release: &str) -> Check {
        super::kernel_check(release, Lang::En)
    }

    fn overlay_check(filesystems: &str, module_listed: bool) -> Check {
        super::overlay_check(filesystems, module_listed, Lang::En)
    }

    #[test]
    fn releases() {
        assert_eq!(parse_release("6.18.44-fc-v669"), Some((6, 18)));
        assert_eq!(parse_release("5.4.0-150-generic\n"), Some((5, 4)));
        assert_eq!(parse_release("6.1-rc3"), Some((6, 1)));
        assert_eq!(parse_release(""), None);
        assert_eq!(kernel_check("6.1.0").status, CheckStatus::Ok);
        assert_eq!(kernel_check("5.6.0").status, CheckStatus::Ok);
        let old = kernel_check("5.4.0-150-generic");
        assert_eq!(old.status, CheckStatus::Fail);
        assert!(old.detail.contains("time namespace"));
        assert!(!old.required);
    }

    #[test]
    fn overlay() {
        let fs = "nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n";
        assert_eq!(overlay_check(fs, false).status, CheckStatus::Ok);
        let fs = "nodev\tsysfs\n\text4\n";
        let loadable = overlay_check(fs, true);
        assert_eq!(loadable.status, CheckStatus::Ok);
        assert!(loadable.detail.contains("modprobe"));
        assert_eq!(overlay_check(fs, false).status, CheckStatus::Fail);
    }
}
