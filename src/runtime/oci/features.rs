//! `contlab runtime features`: the runtime spec's Features structure, in the shape of
//! runc's, listing only what contlab applies. A caller (containerd, podman) reads it
//! to decide what it may ask for.

use super::config::{HOOKS, MOUNT_OPTIONS};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The oldest and newest `ociVersion` contlab's state and checks follow.
pub const OCI_VERSION_MIN: &str = "1.0.0";

/// The namespaces `linux.namespaces` may create or join.
pub const NAMESPACES: &[&str] = &["cgroup", "ipc", "mount", "network", "pid", "user", "uts"];

/// The Features structure, with runc's key order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Features {
    oci_version_min: &'static str,
    oci_version_max: &'static str,
    hooks: &'static [&'static str],
    mount_options: &'static [&'static str],
    linux: Linux,
    annotations: BTreeMap<&'static str, &'static str>,
}

#[derive(serde::Serialize)]
struct Linux {
    namespaces: &'static [&'static str],
    capabilities: Vec<String>,
    cgroup: Value,
    seccomp: Value,
    apparmor: Value,
    selinux: Value,
}

/// The Features structure as pretty JSON, in runc's key order. Seccomp, AppArmor, SELinux and the systemd cgroup
/// driver are not implemented, so they are reported disabled rather than left out (a
/// missing property means "unknown").
pub fn features() -> String {
    let mut caps: Vec<::caps::Capability> = ::caps::all().into_iter().collect();
    caps.sort_by_key(|c| c.index());
    let f = Features {
        oci_version_min: OCI_VERSION_MIN,
        oci_version_max: super::state::OCI_VERSION,
        hooks: HOOKS,
        mount_options: MOUNT_OPTIONS,
        linux: Linux {
            namespaces: NAMESPACES,
            capabilities: caps.iter().map(|c| c.to_string()).collect(),
            cgroup: json!({"v1": true, "v2": true, "systemd": false, "systemdUser": false}),
            seccomp: json!({"enabled": false}),
            apparmor: json!({"enabled": false}),
            selinux: json!({"enabled": false}),
        },
        annotations: BTreeMap::from([("org.contlab.version", env!("CARGO_PKG_VERSION"))]),
    };
    serde_json::to_string_pretty(&f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_features_name_what_contlab_applies() {
        let text = features();
        assert!(
            text.starts_with("{\n  \"ociVersionMin\": \"1.0.0\""),
            "{text}"
        );
        let f: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(f["ociVersionMax"], "1.0.2");
        assert!(
            f["hooks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h != "createContainer")
        );
        let caps = f["linux"]["capabilities"].as_array().unwrap();
        assert_eq!(caps[0], "CAP_CHOWN");
        assert!(caps.iter().any(|c| c == "CAP_SYS_ADMIN"));
        assert_eq!(f["linux"]["seccomp"]["enabled"], false);
        assert_eq!(f["linux"]["cgroup"]["systemd"], false);
    }
}
