//! The request an authorizer is asked about: who, which verb, on what. Shaped like the
//! attributes of a SubjectAccessReview, so a lesson can say "this is what the apiserver
//! hands to RBAC".

use super::{Error, Result};
use serde::{Deserialize, Serialize};

/// Every authenticated user is in this group; the authorizer adds it as the apiserver's
/// authenticators do.
pub const AUTHENTICATED: &str = "system:authenticated";
/// The user name and group of a request that carries no credentials.
pub const ANONYMOUS: &str = "system:anonymous";
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
const SA_PREFIX: &str = "system:serviceaccount:";

/// An authenticated identity: a user name and the groups it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// The identity the apiserver would build for `name` with the extra `groups`: a
    /// service account (`system:serviceaccount:NS:NAME`) gets `system:serviceaccounts` and
    /// `system:serviceaccounts:NS`; everyone but `system:anonymous` gets
    /// `system:authenticated`, and `system:anonymous` gets `system:unauthenticated`.
    pub fn new(name: &str, groups: &[String]) -> UserInfo {
        let mut all: Vec<String> = groups.to_vec();
        if let Some((ns, _)) = service_account_of(name) {
            all.push("system:serviceaccounts".into());
            all.push(format!("system:serviceaccounts:{ns}"));
        }
        if name == ANONYMOUS {
            all.push(UNAUTHENTICATED.into());
        } else {
            all.push(AUTHENTICATED.into());
        }
        let mut seen = std::collections::HashSet::new();
        all.retain(|g| seen.insert(g.clone()));
        UserInfo {
            name: name.to_string(),
            groups: all,
        }
    }

    /// The identity exactly as given, with no groups added: for lessons that want to
    /// show what happens without `system:authenticated`.
    pub fn exact(name: &str, groups: &[String]) -> UserInfo {
        UserInfo {
            name: name.to_string(),
            groups: groups.to_vec(),
        }
    }

    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

/// The user name of a service account, as its tokens authenticate.
pub fn service_account_user(namespace: &str, name: &str) -> String {
    format!("{SA_PREFIX}{namespace}:{name}")
}

/// `(namespace, name)` when `user` is a service account's user name.
pub fn service_account_of(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SA_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// What a resource request is about. `namespace: None` is a cluster-scoped request (or
/// one across all namespaces), which only ClusterRoleBindings can allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ResourceAttributes {
    pub namespace: Option<String>,
    /// `""` is the core group (pods, services, secrets …).
    pub api_group: String,
    pub resource: String,
    pub subresource: Option<String>,
    pub name: Option<String>,
}

impl ResourceAttributes {
    /// Parses kubectl's way of naming a resource: `pods`, `pods/log`,
    /// `deployments.apps`, `deployments.apps/scale`. The namespace and name are unset.
    pub fn parse(spec: &str) -> Result<ResourceAttributes> {
        let (kind, sub) = match spec.split_once('/') {
            Some((k, s)) => (k, Some(s)),
            None => (spec, None),
        };
        let (resource, group) = match kind.split_once('.') {
            Some((r, g)) => (r, g),
            None => (kind, ""),
        };
        if resource.is_empty() || sub.is_some_and(|s| s.is_empty() || s.contains('/')) {
            return Err(Error::Request(format!(
                "cannot read {spec:?} as a resource: write pods, pods/log or deployments.apps"
            )));
        }
        Ok(ResourceAttributes {
            namespace: None,
            api_group: group.to_string(),
            resource: resource.to_string(),
            subresource: sub.map(str::to_string),
            name: None,
        })
    }

    /// `resource` or `resource/subresource`, the form rules are written in.
    pub fn combined(&self) -> String {
        match &self.subresource {
            Some(s) => format!("{}/{}", self.resource, s),
            None => self.resource.clone(),
        }
    }

    /// kubectl's spelling: `deployments.apps/scale`.
    pub fn display(&self) -> String {
        let mut s = self.resource.clone();
        if !self.api_group.is_empty() {
            s.push('.');
            s.push_str(&self.api_group);
        }
        if let Some(sub) = &self.subresource {
            s.push('/');
            s.push_str(sub);
        }
        s
    }
}

/// The object of a request: an API resource, or a non-resource URL such as `/healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    Resource(ResourceAttributes),
    #[serde(rename_all = "snake_case")]
    NonResource {
        path: String,
    },
}

impl Target {
    /// `/healthz` is a non-resource URL; anything else is parsed as a resource.
    pub fn parse(spec: &str) -> Result<Target> {
        if spec.starts_with('/') {
            Ok(Target::NonResource {
                path: spec.to_string(),
            })
        } else {
            ResourceAttributes::parse(spec).map(Target::Resource)
        }
    }

    /// The namespace of a namespaced resource request; `None` for everything else.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Target::Resource(r) => r.namespace.as_deref(),
            Target::NonResource { .. } => None,
        }
    }

    /// How the target reads in a sentence: `pods/log "web" in namespace "dev"`.
    pub fn describe(&self) -> String {
        match self {
            Target::NonResource { path } => format!("the non-resource URL {path:?}"),
            Target::Resource(r) => {
                let mut s = r.display();
                if let Some(n) = &r.name {
                    s.push_str(&format!(" {n:?}"));
                }
                match &r.namespace {
                    Some(ns) => s.push_str(&format!(" in namespace {ns:?}")),
                    None => s.push_str(" at cluster scope"),
                }
                s
            }
        }
    }
}

/// One question for the authorizer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub user: UserInfo,
    pub verb: String,
    pub target: Target,
}

impl Request {
    pub fn new(user: UserInfo, verb: &str, target: Target) -> Request {
        Request {
            user,
            verb: verb.to_string(),
            target,
        }
    }

    /// A request for `verb` on `resource` (kubectl's spelling) in `namespace`, with an
    /// optional object name: the common case, in one call.
    pub fn resource(
        user: UserInfo,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Result<Request> {
        let mut r = ResourceAttributes::parse(resource)?;
        r.namespace = namespace.map(str::to_string);
        r.name = name.map(str::to_string);
        Ok(Request::new(user, verb, Target::Resource(r)))
    }
}
