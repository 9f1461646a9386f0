//! The resources the server knows and the discovery documents kubectl reads first:
//! `/version`, `/api`, `/apis`, `/api/v1` and `/apis/<group>/<version>`, in the legacy
//! (unaggregated) form, and `/api` and `/apis` in the aggregated form
//! (`apidiscovery.k8s.io/v2`) when the Accept header asks for it, as kubectl 1.32 does.

use serde_json::{Value, json};

/// One resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource {
    /// `""` is the core group.
    pub group: &'static str,
    pub version: &'static str,
    /// Plural, as in URLs and RBAC rules.
    pub name: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short: &'static [&'static str],
}

const RBAC: &str = crate::rbac::RBAC_GROUP;

/// Every resource the server stores.
pub const RESOURCES: &[Resource] = &[
    Resource {
        group: "",
        version: "v1",
        name: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        short: &["ns"],
    },
    Resource {
        group: "",
        version: "v1",
        name: "configmaps",
        singular: "configmap",
        kind: "ConfigMap",
        namespaced: true,
        short: &["cm"],
    },
    Resource {
        group: "",
        version: "v1",
        name: "secrets",
        singular: "secret",
        kind: "Secret",
        namespaced: true,
        short: &[],
    },
    Resource {
        group: "",
        version: "v1",
        name: "serviceaccounts",
        singular: "serviceaccount",
        kind: "ServiceAccount",
        namespaced: true,
        short: &["sa"],
    },
    Resource {
        group: "",
        version: "v1",
        name: "pods",
        singular: "pod",
        kind: "Pod",
        namespaced: true,
        short: &["po"],
    },
    Resource {
        group: "",
        version: "v1",
        name: "events",
        singular: "event",
        kind: "Event",
        namespaced: true,
        short: &["ev"],
    },
    Resource {
        group: "apps",
        version: "v1",
        name: "deployments",
        singular: "deployment",
        kind: "Deployment",
        namespaced: true,
        short: &["deploy"],
    },
    Resource {
        group: RBAC,
        version: "v1",
        name: "roles",
        singular: "role",
        kind: "Role",
        namespaced: true,
        short: &[],
    },
    Resource {
        group: RBAC,
        version: "v1",
        name: "rolebindings",
        singular: "rolebinding",
        kind: "RoleBinding",
        namespaced: true,
        short: &[],
    },
    Resource {
        group: RBAC,
        version: "v1",
        name: "clusterroles",
        singular: "clusterrole",
        kind: "ClusterRole",
        namespaced: false,
        short: &[],
    },
    Resource {
        group: RBAC,
        version: "v1",
        name: "clusterrolebindings",
        singular: "clusterrolebinding",
        kind: "ClusterRoleBinding",
        namespaced: false,
        short: &[],
    },
    Resource {
        group: "coordination.k8s.io",
        version: "v1",
        name: "leases",
        singular: "lease",
        kind: "Lease",
        namespaced: true,
        short: &[],
    },
    Resource {
        group: "authorization.k8s.io",
        version: "v1",
        name: "selfsubjectaccessreviews",
        singular: "",
        kind: "SelfSubjectAccessReview",
        namespaced: false,
        short: &[],
    },
    Resource {
        group: "authorization.k8s.io",
        version: "v1",
        name: "subjectaccessreviews",
        singular: "",
        kind: "SubjectAccessReview",
        namespaced: false,
        short: &[],
    },
    Resource {
        group: "authorization.k8s.io",
        version: "v1",
        name: "selfsubjectrulesreviews",
        singular: "",
        kind: "SelfSubjectRulesReview",
        namespaced: false,
        short: &[],
    },
];

/// A subresource the server serves (those RBAC rules name): `pods/log`, `pods/status`,
/// `deployments/status`, `deployments/scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subresource {
    pub group: &'static str,
    pub resource: &'static str,
    pub name: &'static str,
    /// The group, version and kind its answers have.
    pub response: (&'static str, &'static str, &'static str),
    pub verbs: &'static [&'static str],
}

const GET_UPDATE: &[&str] = &["get", "patch", "update"];

pub const SUBRESOURCES: &[Subresource] = &[
    Subresource {
        group: "",
        resource: "pods",
        name: "log",
        response: ("", "v1", "Pod"),
        verbs: &["get"],
    },
    Subresource {
        group: "",
        resource: "pods",
        name: "status",
        response: ("", "v1", "Pod"),
        verbs: GET_UPDATE,
    },
    Subresource {
        group: "apps",
        resource: "deployments",
        name: "status",
        response: ("apps", "v1", "Deployment"),
        verbs: GET_UPDATE,
    },
    Subresource {
        group: "apps",
        resource: "deployments",
        name: "scale",
        response: ("autoscaling", "v1", "Scale"),
        verbs: GET_UPDATE,
    },
];

/// The subresource `name` of `res`, if served.
pub fn subresource(res: &Resource, name: &str) -> Option<&'static Subresource> {
    SUBRESOURCES
        .iter()
        .find(|s| s.group == res.group && s.resource == res.name && s.name == name)
}

/// The verbs every resource here serves.
pub const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The resource `name` in `group`/`version`.
pub fn find(group: &str, version: &str, name: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.name == name)
}

impl Resource {
    /// A review: created to ask a question, never stored.
    pub fn is_review(&self) -> bool {
        self.kind.ends_with("Review")
    }

    /// `v1` or `apps/v1`, as in an object's `apiVersion`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `configmaps` or `deployments.apps`, as kube-apiserver names it in errors.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.name.to_string()
        } else {
            format!("{}.{}", self.name, self.group)
        }
    }
}

/// `/version`. The minor version is kubectl's, so it warns of no skew.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": concat!("v1.32.0-contlab.", env!("CARGO_PKG_VERSION")),
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": "rustc",
        "platform": "linux/amd64"
    })
}

/// `/api`.
pub fn core_versions(server: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}]
    })
}

fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

fn group_doc(group: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `/apis`.
pub fn group_list() -> Value {
    let groups: Vec<Value> = groups().iter().map(|(g, v)| group_doc(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/<group>`, if the group exists.
pub fn group(group: &str) -> Option<Value> {
    let (g, v) = groups().into_iter().find(|(g, _)| *g == group)?;
    let mut doc = group_doc(g, v);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

/// `/api/v1` or `/apis/<group>/<version>`, if that group and version exist.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let list: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            json!({
                "name": r.name,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": if r.is_review() { &["create"][..] } else { VERBS },
                "shortNames": r.short,
            })
        })
        .collect();
    if list.is_empty() {
        return None;
    }
    let mut list = list;
    for sub in SUBRESOURCES.iter().filter(|s| s.group == group) {
        let parent = RESOURCES
            .iter()
            .find(|r| r.group == group && r.version == version && r.name == sub.resource);
        if let Some(parent) = parent {
            let (g, v, kind) = sub.response;
            let mut doc = json!({"name": format!("{}/{}", sub.resource, sub.name), "singularName": "",
                                 "namespaced": parent.namespaced, "kind": kind, "verbs": sub.verbs});
            if g != group || v != version {
                doc["group"] = json!(g);
                doc["version"] = json!(v);
            }
            list.push(doc);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}

/// The Accept type of the aggregated discovery form, and its reply's Content-Type.
pub const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// True when the Accept header asks for the aggregated form (v2, as kubectl 1.32 does).
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let params: Vec<&str> = part.split(';').map(str::trim).collect();
        ["g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"]
            .iter()
            .all(|p| params.contains(p))
    })
}

/// One group's entry in the aggregated form: every version's resources with their
/// subresources.
fn group_discovery(group: &str, version: &str) -> Value {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            let subs: Vec<Value> = SUBRESOURCES
                .iter()
                .filter(|s| s.group == r.group && s.resource == r.name)
                .map(|s| {
                    let (g, v, k) = s.response;
                    json!({"subresource": s.name, "responseKind": {"group": g, "version": v, "kind": k},
                           "verbs": s.verbs})
                })
                .collect();
            let mut doc = json!({
                "resource": r.name,
                "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                "singularResource": r.singular,
                "verbs": if r.is_review() { &["create"][..] } else { VERBS },
            });
            if !r.short.is_empty() {
                doc["shortNames"] = json!(r.short);
            }
            if !subs.is_empty() {
                doc["subresources"] = json!(subs);
            }
            doc
        })
        .collect();
    let mut meta = json!({"creationTimestamp": null});
    if !group.is_empty() {
        meta["name"] = json!(group);
    }
    json!({"metadata": meta, "versions": [{"version": version, "resources": resources,
                                            "freshness": "Current"}]})
}

/// `/api` (`core`) or `/apis` in the aggregated form: every group, version and
/// resource in one document, so kubectl needs no request per group version.
pub fn aggregated(core: bool) -> Value {
    let items: Vec<Value> = if core {
        vec![group_discovery("", "v1")]
    } else {
        groups()
            .into_iter()
            .map(|(g, v)| group_discovery(g, v))
            .collect()
    };
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
           "metadata": {}, "items": items})
}

/// The path of a group version's documents: `api/v1`, `apis/apps/v1`.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: where each group version's document is.
pub fn openapi_root() -> Value {
    let mut paths = serde_json::Map::new();
    let mut gvs = vec![("", "v1")];
    gvs.extend(groups());
    for (g, v) in gvs {
        let p = gv_path(g, v);
        paths.insert(
            p.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{p}")}),
        );
    }
    json!({"paths": paths})
}

/// `/openapi/v3/<gv>`: only what kubectl reads there, each stored kind's PATCH with its
/// group-version-kind and the `fieldValidation` parameter, which tells kubectl to leave
/// validation to the server instead of asking for schemas contlab does not publish.
pub fn openapi_gv(path: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    for r in RESOURCES
        .iter()
        .filter(|r| !r.is_review() && gv_path(r.group, r.version) == path)
    {
        let url = if r.namespaced {
            format!("/{path}/namespaces/{{namespace}}/{}/{{name}}", r.name)
        } else {
            format!("/{path}/{}/{{name}}", r.name)
        };
        paths.insert(
            url,
            json!({"patch": {
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
                "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
                "responses": {}
            }}),
        );
    }
    if paths.is_empty() {
        return None;
    }
    Some(
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
                "paths": paths, "components": {"schemas": {}}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_a_resource_list() {
        assert!(resource_list("", "v1").is_some());
        for (g, v) in groups() {
            assert!(resource_list(g, v).is_some(), "{g}/{v}");
            assert!(group(g).is_some());
        }
        assert!(resource_list("extensions", "v1beta1").is_none());
        assert_eq!(
            find("apps", "v1", "deployments").unwrap().qualified(),
            "deployments.apps"
        );
    }
}
