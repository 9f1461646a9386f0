//! Escalation prevention: the apiserver lets a user write a Role or ClusterRole only if the
//! user already holds every permission in it, and write a binding only if the user holds
//! every permission of the role it binds. Two verbs lift this on purpose — `escalate` on
//! the role, `bind` on the bound role — and `system:masters` is never checked.

use super::load::RbacObject;
use super::policy::Policy;
use super::query::superuser_rules;
use super::request::{Request, ResourceAttributes, Target, UserInfo};
use super::rule::{self, uncovered};
use super::{RBAC_GROUP, SUPERUSER_GROUP};
use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef};
use serde::{Deserialize, Serialize};

/// May this user create this object?
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateCheck {
    pub allowed: bool,
    /// One sentence: which path allowed it, or what stopped it.
    pub reason: String,
    /// The permissions in the object the user does not hold (single-valued rules).
    pub missing: Vec<PolicyRule>,
}

impl CreateCheck {
    fn allowed(reason: String) -> CreateCheck {
        CreateCheck {
            allowed: true,
            reason,
            missing: Vec::new(),
        }
    }

    fn forbidden(reason: String, missing: Vec<PolicyRule>) -> CreateCheck {
        CreateCheck {
            allowed: false,
            reason,
            missing,
        }
    }
}

fn rbac_request(
    user: &UserInfo,
    verb: &str,
    resource: &str,
    ns: Option<&str>,
    name: Option<&str>,
) -> Request {
    Request::new(
        user.clone(),
        verb,
        Target::Resource(ResourceAttributes {
            namespace: ns.map(str::to_string),
            api_group: RBAC_GROUP.into(),
            resource: resource.into(),
            subresource: None,
            name: name.map(str::to_string),
        }),
    )
}

impl Policy {
    /// Would the apiserver let `user` create `object`? First the ordinary question (the
    /// `create` verb on roles, clusterroles, rolebindings or clusterrolebindings), then
    /// escalation prevention.
    pub fn check_create(&self, user: &UserInfo, object: &RbacObject) -> CreateCheck {
        let meta = object.metadata();
        let name = meta.name.clone().unwrap_or_default();
        let ns = match object {
            RbacObject::Role(_) | RbacObject::RoleBinding(_) => meta.namespace.as_deref(),
            _ => None,
        };
        let kind = object.kind();
        let plural = match object {
            RbacObject::Role(_) => "roles",
            RbacObject::ClusterRole(_) => "clusterroles",
            RbacObject::RoleBinding(_) => "rolebindings",
            RbacObject::ClusterRoleBinding(_) => "clusterrolebindings",
        };
        let id = match ns {
            Some(ns) => format!("{kind} \"{name}/{ns}\""),
            None => format!("{kind} {name:?}"),
        };
        // A create request carries no object name, as in the apiserver.
        let create = self.authorize(&rbac_request(user, "create", plural, ns, None));
        if !create.allowed {
            return CreateCheck::forbidden(
                format!(
                    "cannot create {plural}{}: {}",
                    ns.map(|n| format!(" in namespace {n:?}"))
                        .unwrap_or_default(),
                    create.reason
                ),
                Vec::new(),
            );
        }
        if user.in_group(SUPERUSER_GROUP) {
            return CreateCheck::allowed(format!(
                "allowed: {id} may be created; User {:?} is in group {SUPERUSER_GROUP:?}, which \
                 escalation prevention does not check",
                user.name
            ));
        }
        match object {
            RbacObject::Role(r) => {
                self.check_role(user, &id, "roles", ns, &name, r.rules.as_deref(), false)
            }
            RbacObject::ClusterRole(c) => self.check_role(
                user,
                &id,
                "clusterroles",
                None,
                &name,
                c.rules.as_deref(),
                c.aggregation_rule.is_some(),
            ),
            RbacObject::RoleBinding(b) => self.check_binding(user, &id, &b.role_ref, ns),
            RbacObject::ClusterRoleBinding(b) => self.check_binding(user, &id, &b.role_ref, None),
        }
    }

    /// The rules `user` holds where the new object will live: a namespace's (bindings of
    /// both kinds) or the cluster's (ClusterRoleBindings only).
    fn held_rules(&self, user: &UserInfo, ns: Option<&str>) -> Vec<PolicyRule> {
        self.rules_for(user, ns)
            .into_iter()
            .map(|g| g.rule)
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn check_role(
        &self,
        user: &UserInfo,
        id: &str,
        plural: &str,
        ns: Option<&str>,
        name: &str,
        rules: Option<&[PolicyRule]>,
        aggregates: bool,
    ) -> CreateCheck {
        let escalate = self.authorize(&rbac_request(user, "escalate", plural, ns, Some(name)));
        if escalate.allowed {
            return CreateCheck::allowed(format!(
                "allowed: {id} may be created; the escalate verb lifts the check ({})",
                escalate.reason
            ));
        }
        let held = self.held_rules(user, ns);
        let missing = uncovered(&held, rules.unwrap_or(&[]));
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(rule::describe).collect();
            return CreateCheck::forbidden(
                format!(
                    "forbidden: User {:?} is attempting to grant RBAC permissions not currently \
                     held: {}",
                    user.name,
                    list.join("; ")
                ),
                missing,
            );
        }
        // An aggregationRule can gather any rule later, so it needs everything now.
        if aggregates {
            let missing = uncovered(&held, &superuser_rules());
            if !missing.is_empty() {
                return CreateCheck::forbidden(
                    format!(
                        "forbidden: {id} has an aggregationRule, which needs cluster-admin \
                         privileges (every verb on every resource and URL) or the escalate verb"
                    ),
                    missing,
                );
            }
        }
        CreateCheck::allowed(format!(
            "allowed: {id} may be created; User {:?} already holds every permission in it",
            user.name
        ))
    }

    fn check_binding(
        &self,
        user: &UserInfo,
        id: &str,
        role_ref: &RoleRef,
        ns: Option<&str>,
    ) -> CreateCheck {
        let plural = if role_ref.kind == "Role" {
            "roles"
        } else {
            "clusterroles"
        };
        // The bind check is made in the binding's namespace, even for a ClusterRole.
        let bind = self.authorize(&rbac_request(
            user,
            "bind",
            plural,
            ns,
            Some(&role_ref.name),
        ));
        if bind.allowed {
            return CreateCheck::allowed(format!(
                "allowed: {id} may be created; the bind verb on {} {:?} lifts the check ({})",
                role_ref.kind, role_ref.name, bind.reason
            ));
        }
        let Some(role_rules) = self.role_rules(&role_ref.kind, &role_ref.name, ns) else {
            return CreateCheck::forbidden(
                format!(
                    "forbidden: {id} refers to {} {:?}, which does not exist, and User {:?} \
                     may not bind it",
                    role_ref.kind, role_ref.name, user.name
                ),
                Vec::new(),
            );
        };
        let held = self.held_rules(user, ns);
        let missing = uncovered(&held, &role_rules);
        if missing.is_empty() {
            return CreateCheck::allowed(format!(
                "allowed: {id} may be created; User {:?} already holds every permission of {} \
                 {:?}",
                user.name, role_ref.kind, role_ref.name
            ));
        }
        let list: Vec<String> = missing.iter().map(rule::describe).collect();
        CreateCheck::forbidden(
            format!(
                "forbidden: User {:?} may not bind {} {:?}: it grants permissions not currently \
                 held ({}), and the user lacks the bind verb on it",
                user.name,
                role_ref.kind,
                role_ref.name,
                list.join("; ")
            ),
            missing,
        )
    }
}
