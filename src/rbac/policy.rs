//! The loaded objects compiled for asking: each binding with its role's effective rules,
//! and an index from user and group names to the bindings that name them, so that a
//! request looks at its subject's bindings only, never at all of them.

use super::load::{self, Loaded, RbacObject, Source, Sourced};
use super::request::{UserInfo, service_account_user};
use super::{Error, Result, aggregate};
use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// A role as a binding's `roleRef` names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleName {
    /// `Role` or `ClusterRole`.
    pub kind: String,
    pub name: String,
}

/// A binding as explanations name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingRef {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    pub name: String,
    /// The RoleBinding's namespace; `None` for a ClusterRoleBinding.
    pub namespace: Option<String>,
    pub role: RoleName,
    pub source: Source,
}

impl BindingRef {
    /// The apiserver's words: `RoleBinding "NAME/NS" of Role "ROLE"`.
    pub fn describe(&self) -> String {
        let id = match &self.namespace {
            Some(ns) => format!("{}/{}", self.name, ns),
            None => self.name.clone(),
        };
        format!(
            "{} {id:?} of {} {:?}",
            self.kind, self.role.kind, self.role.name
        )
    }
}

/// A subject of a binding, with a ServiceAccount's namespace filled in from its
/// RoleBinding when the subject leaves it out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectRef {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl SubjectRef {
    /// The apiserver's words: `User "alice"`, `ServiceAccount "NAME/NS"`.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) if self.kind == "ServiceAccount" => {
                format!("{} {:?}", self.kind, format!("{}/{}", self.name, ns))
            }
            _ => format!("{} {:?}", self.kind, self.name),
        }
    }

    /// The user name a ServiceAccount subject authenticates as.
    pub fn service_account_user(&self) -> Option<String> {
        match (&*self.kind, &self.namespace) {
            ("ServiceAccount", Some(ns)) => Some(service_account_user(ns, &self.name)),
            _ => None,
        }
    }

    fn matches(&self, user: &UserInfo) -> bool {
        match self.kind.as_str() {
            "User" => user.name == self.name,
            "Group" => user.in_group(&self.name),
            "ServiceAccount" => self.service_account_user().is_some_and(|u| u == user.name),
            _ => false,
        }
    }
}

/// A binding ready to evaluate.
#[derive(Debug)]
pub(crate) struct Binding {
    pub reference: BindingRef,
    pub subjects: Vec<SubjectRef>,
    /// The role's effective rules; `None` when the role does not exist, which grants
    /// nothing (and is said in explanations).
    pub rules: Option<Arc<Vec<PolicyRule>>>,
}

impl Binding {
    /// Does this binding apply to a request in `namespace` (`None`: cluster-scoped or a
    /// non-resource URL)? ClusterRoleBindings apply everywhere, RoleBindings only in their
    /// own namespace.
    pub fn applies_in(&self, namespace: Option<&str>) -> bool {
        match &self.reference.namespace {
            None => true,
            Some(ns) => namespace == Some(ns.as_str()),
        }
    }

    /// The first subject of this binding that is the user.
    pub fn subject_for(&self, user: &UserInfo) -> Option<&SubjectRef> {
        self.subjects.iter().find(|s| s.matches(user))
    }
}

/// The compiled policy. The loaded objects stay available for display.
#[derive(Debug)]
pub struct Policy {
    pub objects: Vec<Sourced<RbacObject>>,
    pub warnings: Vec<String>,
    /// ClusterRoleBindings first, then RoleBindings, each in reading order: the order in
    /// which the apiserver visits them, so the binding named in an "allowed" reason is
    /// the one it would name.
    pub(crate) bindings: Vec<Binding>,
    by_user: HashMap<String, Vec<u32>>,
    by_group: HashMap<String, Vec<u32>>,
    /// Effective rules of ClusterRoles (after aggregation) and of Roles by (ns, name).
    pub(crate) cluster_roles: BTreeMap<String, Arc<Vec<PolicyRule>>>,
    pub(crate) roles: BTreeMap<(String, String), Arc<Vec<PolicyRule>>>,
}

impl Policy {
    /// Reads files and directories of YAML and compiles them.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Policy> {
        Policy::from_loaded(load::load_paths(paths)?)
    }

    /// Compiles YAML text (one file's worth); `file` names it in errors.
    pub fn from_yaml(text: &str, file: &str) -> Result<Policy> {
        Policy::from_loaded(load::load_str(text, file)?)
    }

    pub fn from_loaded(loaded: Loaded) -> Result<Policy> {
        check_duplicates(&loaded.objects)?;
        let mut cluster_role_objs = Vec::new();
        let mut roles = BTreeMap::new();
        for o in &loaded.objects {
            match &o.object {
                RbacObject::ClusterRole(c) => cluster_role_objs.push(c),
                RbacObject::Role(r) => {
                    roles.insert(
                        (
                            r.metadata.namespace.clone().unwrap_or_default(),
                            r.metadata.name.clone().unwrap_or_default(),
                        ),
                        Arc::new(r.rules.clone().unwrap_or_default()),
                    );
                }
                _ => {}
            }
        }
        let cluster_roles: BTreeMap<String, Arc<Vec<PolicyRule>>> =
            aggregate::effective_rules(&cluster_role_objs)
                .into_iter()
                .map(|(n, r)| (n, Arc::new(r)))
                .collect();

        let mut bindings = Vec::new();
        // Two passes keep ClusterRoleBindings ahead of RoleBindings.
        for want_cluster in [true, false] {
            for o in &loaded.objects {
                let (meta, role_ref, subjects, kind) = match &o.object {
                    RbacObject::ClusterRoleBinding(b) if want_cluster => {
                        (&b.metadata, &b.role_ref, &b.subjects, "ClusterRoleBinding")
                    }
                    RbacObject::RoleBinding(b) if !want_cluster => {
                        (&b.metadata, &b.role_ref, &b.subjects, "RoleBinding")
                    }
                    _ => continue,
                };
                let namespace = meta.namespace.clone().filter(|_| kind == "RoleBinding");
                let rules = match role_ref.kind.as_str() {
                    "ClusterRole" => cluster_roles.get(&role_ref.name).cloned(),
                    _ => roles
                        .get(&(namespace.clone().unwrap_or_default(), role_ref.name.clone()))
                        .cloned(),
                };
                let subjects = subjects
                    .iter()
                    .flatten()
                    .map(|s| subject_ref(s, namespace.as_deref()))
                    .collect();
                bindings.push(Binding {
                    reference: BindingRef {
                        kind: kind.into(),
                        name: meta.name.clone().unwrap_or_default(),
                        namespace,
                        role: RoleName {
                            kind: role_ref.kind.clone(),
                            name: role_ref.name.clone(),
                        },
                        source: o.source.clone(),
                    },
                    subjects,
                    rules,
                });
            }
        }

        let mut by_user: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_group: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, b) in bindings.iter().enumerate() {
            let i = i as u32;
            for s in &b.subjects {
                let (map, key) = match s.kind.as_str() {
                    "User" => (&mut by_user, s.name.clone()),
                    "Group" => (&mut by_group, s.name.clone()),
                    _ => match s.service_account_user() {
                        Some(u) => (&mut by_user, u),
                        // A namespace-less ServiceAccount in a ClusterRoleBinding: nobody.
                        None => continue,
                    },
                };
                let v = map.entry(key).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        Ok(Policy {
            objects: loaded.objects,
            warnings: loaded.warnings,
            bindings,
            by_user,
            by_group,
            cluster_roles,
            roles,
        })
    }

    /// Indexes of the bindings that name this user, directly, through a group, or as a
    /// service account, in visiting order.
    pub(crate) fn candidates(&self, user: &UserInfo) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut add =
            |v: Option<&Vec<u32>>| out.extend(v.into_iter().flatten().map(|&i| i as usize));
        add(self.by_user.get(&user.name));
        for g in &user.groups {
            add(self.by_group.get(g));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The effective rules of a role, as a binding in `namespace` resolves its roleRef.
    pub fn role_rules(
        &self,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Option<Arc<Vec<PolicyRule>>> {
        match kind {
            "ClusterRole" => self.cluster_roles.get(name).cloned(),
            "Role" => self
                .roles
                .get(&(namespace?.to_string(), name.to_string()))
                .cloned(),
            _ => None,
        }
    }

    /// The namespaces any Role or RoleBinding lives in, sorted.
    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .objects
            .iter()
            .filter_map(|o| o.object.metadata().namespace.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

fn subject_ref(s: &Subject, binding_ns: Option<&str>) -> SubjectRef {
    let namespace = match s.kind.as_str() {
        // A ServiceAccount without a namespace takes its RoleBinding's; in a
        // ClusterRoleBinding it stays without one and matches nobody.
        "ServiceAccount" => s
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .or(binding_ns.map(str::to_string)),
        _ => None,
    };
    SubjectRef {
        kind: s.kind.clone(),
        name: s.name.clone(),
        namespace,
    }
}

fn check_duplicates(objects: &[Sourced<RbacObject>]) -> Result<()> {
    let mut seen: HashMap<(&str, Option<&str>, &str), &Source> = HashMap::new();
    for o in objects {
        let m = o.object.metadata();
        let key = (
            o.object.kind(),
            m.namespace.as_deref(),
            m.name.as_deref().unwrap_or(""),
        );
        if let Some(first) = seen.insert(key, &o.source) {
            let id = match key.1 {
                Some(ns) => format!("{}/{}", key.2, ns),
                None => key.2.to_string(),
            };
            return Err(Error::Object {
                file: o.source.file.clone(),
                line: o.source.line,
                message: format!("{} {id:?} is defined twice (first at {first})", key.0),
            });
        }
    }
    Ok(())
}
