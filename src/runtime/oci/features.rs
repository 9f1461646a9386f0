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

/// The seccomp actions `runtime::seccomp` compiles into a filter.
const SECCOMP_ACTIONS: &[&str] = &[
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_TRAP",
];

/// The argument comparisons `runtime::seccomp` compiles.
const SECCOMP_OPERATORS: &[&str] = &[
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_LE",
    "SCMP_CMP_LT",
    "SCMP_CMP_MASKED_EQ",
    "SCMP_CMP_NE",
];

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

/// The Features structure as pretty JSON, in runc's key order. Seccomp lists the actions
/// and operators `runtime::seccomp` compiles (`SCMP_ACT_NOTIFY` with a listener); AppArmor, SELinux
/// and the systemd cgroup driver are not implemented, so they are reported disabled
/// rather than left out (a missing property means "unknown").
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
            seccomp: json!({
                "enabled": true,
                "actions": SECCOMP_ACTIONS,
                "operators": SECCOMP_OPERATORS,
                "archs": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
            }),
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
        let hooks = f["hooks"].as_array().unwrap();
        for h in [
            "prestart",
            "createRuntime",
            "createContainer",
            "startContainer",
            "poststart",
            "poststop",
        ] {
            assert!(hooks.iter().any(|x| x == h), "{h} missing: {hooks:?}");
        }
        let caps = f["linux"]["capabilities"].as_array().unwrap();
        assert_eq!(caps[0], "CAP_CHOWN");
        assert!(caps.iter().any(|c| c == "CAP_SYS_ADMIN"));
        assert_eq!(f["linux"]["seccomp"]["enabled"], true);
        let actions = f["linux"]["seccomp"]["actions"].as_array().unwrap();
        assert!(actions.iter().any(|a| a == "SCMP_ACT_ERRNO"));
        assert!(actions.iter().any(|a| a == "SCMP_ACT_NOTIFY"));
        assert_eq!(f["linux"]["cgroup"]["systemd"], false);
    }
}
