//! The questions besides "may I": what may this subject do (`rules_for`, `matrix`) and who
//! may do this (`who_can`).

use super::SUPERUSER_GROUP;
use super::policy::{BindingRef, Policy, SubjectRef};
use super::request::{Request, ResourceAttributes, Target, UserInfo};
use k8s_openapi::api::rbac::v1::PolicyRule;
use serde::{Deserialize, Serialize};

/// Where a granted rule holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// From a RoleBinding: only in this namespace.
    Namespaced(String),
    /// From a ClusterRoleBinding: in every namespace and at cluster scope.
    ClusterWide,
}

/// One rule the subject holds, and the binding that gives it (`None` for the
/// `system:masters` superuser rules).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantedRule {
    pub rule: PolicyRule,
    pub scope: Scope,
    pub binding: Option<BindingRef>,
}

/// A subject allowed to do something, and the binding that allows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WhoCanEntry {
    pub subject: SubjectRef,
    pub binding: BindingRef,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WhoCan {
    pub verb: String,
    pub target: Target,
    pub subjects: Vec<WhoCanEntry>,
    /// Groups allowed everything before RBAC is asked (`system:masters`).
    pub superuser_groups: Vec<String>,
}

/// One row of the access matrix: a resource and, per verb, allowed or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MatrixRow {
    /// kubectl's spelling: `deployments.apps`, `pods/log`.
    pub resource: String,
    pub api_group: String,
    /// In the same order as `Matrix::verbs`.
    pub allowed: Vec<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    pub user: UserInfo,
    pub namespace: Option<String>,
    pub verbs: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

/// The verbs of the access matrix, as kubectl names them.
pub const MATRIX_VERBS: [&str; 7] = [
    "get", "list", "watch", "create", "update", "patch", "delete",
];

/// Resources every matrix shows, so that a subject with few rules still sees what it
/// cannot do. `(group, resource)`.
const COMMON: [(&str, &str); 10] = [
    ("", "pods"),
    ("", "pods/log"),
    ("", "services"),
    ("", "configmaps"),
    ("", "secrets"),
    ("", "serviceaccounts"),
    ("", "persistentvolumeclaims"),
    ("apps", "deployments"),
    ("batch", "jobs"),
    ("rbac.authorization.k8s.io", "rolebindings"),
];

/// The group of well-known resources, for rules that say `apiGroups: ["*"]`.
fn known_group(resource: &str) -> Option<&'static str> {
    let base = resource.split('/').next().unwrap_or(resource);
    Some(match base {
        "deployments" | "replicasets" | "statefulsets" | "daemonsets" | "controllerrevisions" => {
            "apps"
        }
        "jobs" | "cronjobs" => "batch",
        "roles" | "rolebindings" | "clusterroles" | "clusterrolebindings" => {
            "rbac.authorization.k8s.io"
        }
        "ingresses" | "networkpolicies" | "ingressclasses" => "networking.k8s.io",
        "pods"
        | "services"
        | "configmaps"
        | "secrets"
        | "serviceaccounts"
        | "namespaces"
        | "nodes"
        | "events"
        | "endpoints"
        | "persistentvolumes"
        | "persistentvolumeclaims" => "",
        _ => return None,
    })
}

impl Policy {
    /// The rules `user` holds for requests in `namespace` (`None`: cluster scope only),
    /// ClusterRoleBindings' first. What `kubectl auth can-i --list` shows.
    pub fn rules_for(&self, user: &UserInfo, namespace: Option<&str>) -> Vec<GrantedRule> {
        let mut out = Vec::new();
        if user.in_group(SUPERUSER_GROUP) {
            for rule in superuser_rules() {
                out.push(GrantedRule {
                    rule,
                    scope: Scope::ClusterWide,
                    binding: None,
                });
            }
        }
        for i in self.candidates(user) {
            let b = &self.bindings[i];
            if !b.applies_in(namespace) || b.subject_for(user).is_none() {
                continue;
            }
            let scope = match &b.reference.namespace {
                Some(ns) => Scope::Namespaced(ns.clone()),
                None => Scope::ClusterWide,
            };
            for rule in b.rules.iter().flat_map(|r| r.iter()) {
                out.push(GrantedRule {
                    rule: rule.clone(),
                    scope: scope.clone(),
                    binding: Some(b.reference.clone()),
                });
            }
        }
        out
    }

    /// Every subject named by a binding that allows `verb` on `target`, with that binding.
    /// Groups are listed as groups: who is in them is not written in RBAC objects.
    pub fn who_can(&self, verb: &str, target: &Target) -> WhoCan {
        let ns = target.namespace();
        let mut subjects: Vec<WhoCanEntry> = Vec::new();
        for b in &self.bindings {
            if !b.applies_in(ns) {
                continue;
            }
            let Some(rules) = &b.rules else { continue };
            if !rules.iter().any(|r| super::rule::allows(r, verb, target)) {
                continue;
            }
            for s in &b.subjects {
                // A namespace-less ServiceAccount in a ClusterRoleBinding is nobody.
                if s.kind == "ServiceAccount" && s.namespace.is_none() {
                    continue;
                }
                if !subjects.iter().any(|e| &e.subject == s) {
                    subjects.push(WhoCanEntry {
                        subject: s.clone(),
                        binding: b.reference.clone(),
                    });
                }
            }
        }
        WhoCan {
            verb: verb.to_string(),
            target: target.clone(),
            subjects,
            superuser_groups: vec![SUPERUSER_GROUP.to_string()],
        }
    }

    /// Resources × verbs for `user` in `namespace`. The resources are the common core ones
    /// and every resource named in a loaded rule.
    pub fn matrix(&self, user: &UserInfo, namespace: Option<&str>) -> Matrix {
        let mut resources: Vec<(String, String)> = COMMON
            .iter()
            .map(|(g, r)| (g.to_string(), r.to_string()))
            .collect();
        let mut named: Vec<(String, String)> = Vec::new();
        let mut all_rules: Vec<&PolicyRule> = Vec::new();
        for rs in self.cluster_roles.values().chain(self.roles.values()) {
            all_rules.extend(rs.iter());
        }
        for r in all_rules {
            for res in r.resources.iter().flatten() {
                if res == "*" || res.starts_with("*/") {
                    continue;
                }
                for g in r.api_groups.iter().flatten() {
                    let group = if g == "*" {
                        known_group(res).unwrap_or("").to_string()
                    } else {
                        g.clone()
                    };
                    named.push((group, res.clone()));
                }
            }
        }
        named.sort();
        for n in named {
            if !resources.contains(&n) {
                resources.push(n);
            }
        }
        let rows = resources
            .into_iter()
            .filter_map(|(group, res)| {
                let mut attrs = ResourceAttributes::parse(&res).ok()?;
                attrs.api_group = group.clone();
                attrs.namespace = namespace.map(str::to_string);
                let label = attrs.display();
                let target = Target::Resource(attrs);
                let allowed = MATRIX_VERBS
                    .iter()
                    .map(|v| self.allows(&Request::new(user.clone(), v, target.clone())))
                    .collect();
                Some(MatrixRow {
                    resource: label,
                    api_group: group,
                    allowed,
                })
            })
            .collect();
        Matrix {
            user: user.clone(),
            namespace: namespace.map(str::to_string),
            verbs: MATRIX_VERBS.iter().map(|v| v.to_string()).collect(),
            rows,
        }
    }
}

/// What `system:masters` holds: everything, as the `cluster-admin` ClusterRole spells it.
pub fn superuser_rules() -> Vec<PolicyRule> {
    let star = || Some(vec!["*".to_string()]);
    vec![
        PolicyRule {
            verbs: vec!["*".into()],
            api_groups: star(),
            resources: star(),
            ..Default::default()
        },
        PolicyRule {
            verbs: vec!["*".into()],
            non_resource_urls: star(),
            ..Default::default()
        },
    ]
}
