//! Authorization by contlab's own RBAC authorizer (`crate::rbac`), over the Roles,
//! ClusterRoles and bindings stored in etcd. The compiled policy is cached and dropped
//! whenever the server writes an RBAC object, so `kubectl create rolebinding` changes the
//! next verdict. Every verdict and its explanation go to the audit log.

use super::request::Info;
use super::storage::{self, Etcd, Expect};
use crate::rbac::{Decision, Policy, RbacObject, Request, ResourceAttributes, Target, UserInfo};
use crate::rbac::{Loaded, Source, Sourced};
use anyhow::Result;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The four RBAC resources, whose writes drop the cached policy.
pub const RBAC_RESOURCES: &[&str] = &[
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
];

#[derive(Default)]
pub struct Authorizer {
    cache: Mutex<Option<Arc<Policy>>>,
}

fn object(resource: &str, v: Value) -> Option<RbacObject> {
    Some(match resource {
        "roles" => RbacObject::Role(serde_json::from_value(v).ok()?),
        "rolebindings" => RbacObject::RoleBinding(serde_json::from_value(v).ok()?),
        "clusterroles" => RbacObject::ClusterRole(serde_json::from_value(v).ok()?),
        "clusterrolebindings" => RbacObject::ClusterRoleBinding(serde_json::from_value(v).ok()?),
        _ => return None,
    })
}

impl Authorizer {
    /// Forgets the compiled policy: an RBAC object changed.
    pub fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The policy of the objects now in etcd (compiled once per change).
    pub async fn policy(&self, etcd: &Etcd) -> Result<Arc<Policy>> {
        if let Some(p) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(p);
        }
        let mut loaded = Loaded::default();
        for res in RBAC_RESOURCES {
            for kv in etcd.list(&storage::prefix(res, None)).await?.items {
                let parsed = serde_json::from_slice(&kv.value)
                    .ok()
                    .and_then(|v| object(res, v));
                match parsed {
                    Some(object) => loaded.objects.push(Sourced {
                        object,
                        source: Source {
                            file: kv.key,
                            line: 1,
                        },
                    }),
                    None => loaded
                        .warnings
                        .push(format!("{}: not a valid object", kv.key)),
                }
            }
        }
        let policy = Arc::new(Policy::from_loaded(loaded)?);
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(policy.clone());
        Ok(policy)
    }
}

/// The authorizer's question for a parsed request.
pub fn question(user: &UserInfo, info: &Info) -> Request {
    match info {
        Info::NonResource { path, verb } => Request::new(
            user.clone(),
            verb,
            Target::NonResource { path: path.clone() },
        ),
        Info::Resource(r) => Request::new(
            user.clone(),
            r.verb,
            Target::Resource(ResourceAttributes {
                namespace: r.namespace.clone(),
                api_group: r.group.clone(),
                resource: r.resource.clone(),
                subresource: r.subresource.clone(),
                name: r.name.clone(),
            }),
        ),
    }
}

/// kube-apiserver's sentence for a denial: `configmaps "a" is forbidden: User "jane"
/// cannot get resource "configmaps" in API group "" in the namespace "default"`.
pub fn forbidden_message(req: &Request) -> String {
    let user = &req.user.name;
    match &req.target {
        Target::NonResource { path } => {
            format!("forbidden: User {user:?} cannot {} path {path:?}", req.verb)
        }
        Target::Resource(r) => {
            let mut qualified = r.resource.clone();
            if !r.api_group.is_empty() {
                qualified = format!("{}.{}", r.resource, r.api_group);
            }
            let what = match &r.name {
                Some(n) => format!("{qualified} {n:?}"),
                None => qualified,
            };
            let scope = match &r.namespace {
                Some(ns) => format!("in the namespace {ns:?}"),
                None => "at the cluster scope".to_string(),
            };
            format!(
                "{what} is forbidden: User {user:?} cannot {} resource {:?} in API group {:?} {scope}",
                req.verb,
                r.combined(),
                r.api_group
            )
        }
    }
}

/// One audit line: who asked what, the verdict and its explanation.
pub fn audit_line(req: &Request, decision: &Decision, code: u16) -> String {
    audit_value(req, decision, code).to_string()
}

/// The audit line of a SubjectAccessReview: the request that posted it, and under
/// `review` the question it asked about someone (`as`, `groups`, `verb`, `target`) with
/// the verdict and explanation, so the log shows the answer as it shows a real request's.
pub fn audit_review_line(
    req: &Request,
    decision: &Decision,
    code: u16,
    (q, d): &(Request, Decision),
) -> String {
    let mut v = audit_value(req, decision, code);
    v["review"] = json!({
        "as": q.user.name,
        "groups": q.user.groups,
        "verb": q.verb,
        "target": q.target.describe(),
        "allowed": d.allowed,
        "reason": d.reason,
        "explanation": d.explain_lines(),
    });
    v.to_string()
}

fn audit_value(req: &Request, decision: &Decision, code: u16) -> Value {
    json!({
        "time": super::now_rfc3339(),
        "user": req.user.name,
        "groups": req.user.groups,
        "verb": req.verb,
        "target": req.target.describe(),
        "allowed": decision.allowed,
        "reason": decision.reason,
        "explanation": decision.explain_lines(),
        "code": code,
    })
}

/// The ClusterRoles and bindings kube-apiserver bootstraps, the few contlab's resources
/// need: `cluster-admin` for `system:masters`, discovery for everyone authenticated, the
/// health and version URLs for everyone, and `view` and `edit` to bind.
fn bootstrap() -> Vec<(&'static str, &'static str, Value)> {
    let read = json!(["get", "list", "watch"]);
    let write = json!(super::discovery::VERBS);
    let role = |name: &str, rules: Value| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "rules": rules})
    };
    let binding = |name: &str, groups: &[&str]| {
        let subjects: Vec<Value> = groups
            .iter()
            .map(|g| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g}))
            .collect();
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
               "subjects": subjects})
    };
    let public = json!(["/healthz", "/livez", "/readyz", "/version", "/version/"]);
    let discovery = json!([
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/"
    ]);
    vec![
        (
            "clusterroles",
            "cluster-admin",
            role(
                "cluster-admin",
                json!([
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
            ),
        ),
        (
            "clusterrolebindings",
            "cluster-admin",
            binding("cluster-admin", &["system:masters"]),
        ),
        (
            "clusterroles",
            "system:discovery",
            role(
                "system:discovery",
                json!([
            {"nonResourceURLs": discovery, "verbs": ["get"]}]),
            ),
        ),
        (
            "clusterrolebindings",
            "system:discovery",
            binding("system:discovery", &["system:authenticated"]),
        ),
        (
            "clusterroles",
            "system:public-info-viewer",
            role(
                "system:public-info-viewer",
                json!([
            {"nonResourceURLs": public, "verbs": ["get"]}]),
            ),
        ),
        (
            "clusterrolebindings",
            "system:public-info-viewer",
            binding(
                "system:public-info-viewer",
                &["system:authenticated", "system:unauthenticated"],
            ),
        ),
        (
            "clusterroles",
            "system:basic-user",
            role(
                "system:basic-user",
                json!([{"apiGroups": ["authorization.k8s.io"],
                        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                        "verbs": ["create"]}]),
            ),
        ),
        (
            "clusterrolebindings",
            "system:basic-user",
            binding("system:basic-user", &["system:authenticated"]),
        ),
        (
            "clusterroles",
            "view",
            role(
                "view",
                json!([
            {"apiGroups": ["", "apps"], "resources": ["configmaps", "pods", "serviceaccounts", "deployments"], "verbs": read}]),
            ),
        ),
        (
            "clusterroles",
            "edit",
            role(
                "edit",
                json!([
            {"apiGroups": ["", "apps"], "resources": ["configmaps", "pods", "serviceaccounts", "secrets", "deployments"], "verbs": write}]),
            ),
        ),
    ]
}

/// Stores the bootstrap objects that are missing (a restarted server keeps edits).
pub async fn store_bootstrap(etcd: &Etcd) -> Result<()> {
    for (resource, name, mut obj) in bootstrap() {
        super::rest::stamp_new(&mut obj);
        let key = storage::key(resource, None, name);
        etcd.put(&key, obj.to_string().as_bytes(), Expect::Absent)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denials_read_as_kube_apiserver_words_them() {
        let u = UserInfo::new("jane", &[]);
        let r =
            Request::resource(u.clone(), "get", "configmaps", Some("default"), Some("a")).unwrap();
        assert_eq!(
            forbidden_message(&r),
            "configmaps \"a\" is forbidden: User \"jane\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"default\""
        );
        let r = Request::resource(u, "list", "deployments.apps", None, None).unwrap();
        assert_eq!(
            forbidden_message(&r),
            "deployments.apps is forbidden: User \"jane\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope"
        );
    }

    #[test]
    fn bootstrap_objects_compile_into_a_policy() {
        let mut loaded = Loaded::default();
        for (res, name, v) in bootstrap() {
            loaded.objects.push(Sourced {
                object: object(res, v).unwrap_or_else(|| panic!("{name}")),
                source: Source {
                    file: name.into(),
                    line: 1,
                },
            });
        }
        let p = Policy::from_loaded(loaded).unwrap();
        let anon = UserInfo::new("system:anonymous", &[]);
        let q = |u: &UserInfo, path: &str| {
            p.allows(&Request::new(
                u.clone(),
                "get",
                Target::NonResource { path: path.into() },
            ))
        };
        assert!(q(&anon, "/version"));
        assert!(!q(&anon, "/api"));
        assert!(q(&UserInfo::new("jane", &[]), "/apis/apps/v1"));
    }
}
