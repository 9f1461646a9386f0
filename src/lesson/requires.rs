//! What a step may name in `requires`: a tool of the machine that some tracks drive for
//! real (etcd for the Raft track's real cluster, iptables for kube-proxy's rules). A step
//! whose requirement is not met is skipped with the sentence saying what to install, so a
//! machine without the tool still runs the rest of the lesson.

use crate::i18n::Lang;
use crate::tr;

/// The names `requires` knows.
pub const KNOWN: &[&str] = &["etcd", "iptables", "podman", "kubectl"];

/// `None` when this machine meets `req`, else the sentence saying what is missing.
pub fn missing(req: &str, lang: Lang) -> Option<String> {
    match req {
        "etcd" if crate::etcd::tools().is_some() => None,
        "etcd" => Some(tr!(lang, "requires-etcd-missing")),
        "iptables" if which::which("iptables").is_ok() => None,
        "iptables" => Some(tr!(lang, "requires-iptables-missing")),
        "podman" if which::which("podman").is_ok() && which::which("conmon").is_ok() => None,
        "podman" => Some(tr!(lang, "requires-podman-missing")),
        // The API server track: etcd behind the server, kubectl (and curl, openssl) in
        // front of it.
        "kubectl"
            if crate::etcd::tools().is_some()
                && ["kubectl", "curl", "openssl"]
                    .iter()
                    .all(|t| which::which(t).is_ok()) =>
        {
            None
        }
        "kubectl" => Some(tr!(lang, "requires-kubectl-missing")),
        other => Some(tr!(lang, "requires-unknown", name = format!("{other:?}"))),
    }
}

/// Load-time validation: `requires` names a known tool.
pub fn validate(req: Option<&str>) -> Option<String> {
    let r = req?;
    (!KNOWN.contains(&r))
        .then(|| format!("unknown requirement {r:?} (known: {})", KNOWN.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_requirements_pass_validation_and_others_are_named() {
        assert_eq!(validate(Some("etcd")), None);
        assert_eq!(validate(Some("iptables")), None);
        assert_eq!(validate(None), None);
        let e = validate(Some("nft")).expect("an unknown requirement");
        assert!(
            e.contains("\"nft\"") && e.contains("etcd, iptables, podman, kubectl"),
            "{e}"
        );
        assert!(missing("nft", Lang::En).is_some());
    }
}
