//! The request builder of the Cluster panel: the student composes the attributes of a
//! SubjectAccessReview (who, verb, resource, name, namespace) with keys. The builder only
//! holds the form; the engine answers it (`EngineCmd::RbacReview`) in its panel snapshots,
//! from the RBAC track's work files or, in the API server track, from the live server
//! ([`Source`]: where the choices and the verdict come from).

use crate::lesson::format::RbacAsk;
use crate::lesson::panel::{ClusterPanel, RbacObjectRow, RbacReview};

/// What the builder is opened on: the RBAC objects its choices come from, the lesson's
/// last request, the engine's answer, and, when the verdict comes from a live API server,
/// the server's URL.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Source {
    pub objects: Vec<RbacObjectRow>,
    pub last: Option<RbacAsk>,
    pub review: Option<RbacReview>,
    pub server: Option<String>,
}

impl Source {
    /// The builder's source in a Cluster panel snapshot: the RBAC track's or the API
    /// server's; none in the other tracks.
    pub fn of(panel: &ClusterPanel) -> Option<Source> {
        Some(match panel {
            ClusterPanel::Rbac(r) => Source {
                objects: r.objects.clone(),
                last: r.request.as_ref().map(|q| q.ask.clone()),
                review: r.review.clone(),
                server: None,
            },
            ClusterPanel::Api(a) => Source {
                objects: a.rbac.clone(),
                last: None,
                review: a.review.clone(),
                server: Some(a.url.clone()),
            },
            _ => return None,
        })
    }
}

/// Whom the request is made as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// A user name and the groups an authenticator would report.
    User,
    /// A ServiceAccount, whose user name and groups follow from its namespace and name.
    ServiceAccount,
}

/// One field of the form, in the order the cursor visits them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Subject,
    User,
    Groups,
    ServiceAccountNamespace,
    ServiceAccountName,
    Verb,
    Resource,
    Name,
    Namespace,
}

/// The verbs ←/→ go through: kubectl's, then the RBAC-specific ones.
pub const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "escalate",
    "bind",
    "impersonate",
];

/// Resources ←/→ go through, in kubectl's spelling, besides those the policy names.
pub const RESOURCES: &[&str] = &[
    "pods",
    "pods/log",
    "pods/exec",
    "services",
    "endpoints",
    "configmaps",
    "secrets",
    "serviceaccounts",
    "deployments.apps",
    "deployments.apps/scale",
    "nodes",
    "namespaces",
    "roles.rbac.authorization.k8s.io",
    "rolebindings.rbac.authorization.k8s.io",
    "clusterroles.rbac.authorization.k8s.io",
    "clusterrolebindings.rbac.authorization.k8s.io",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestBuilder {
    pub subject: SubjectKind,
    pub user: String,
    /// Extra groups, comma-separated, as `--as-group` would give them.
    pub groups: String,
    pub sa_namespace: String,
    pub sa_name: String,
    pub verb: String,
    /// kubectl's spelling: `pods`, `pods/log`, `deployments.apps/scale`, or a URL.
    pub resource: String,
    /// The object's name; empty for a request without one (list, create).
    pub name: String,
    /// Empty: a cluster-scoped request.
    pub namespace: String,
    pub field: Field,
    /// Show who may do the same instead of the verdict.
    pub who_can: bool,
}

const SA_PREFIX: &str = "system:serviceaccount:";

impl RequestBuilder {
    /// A form filled from the lesson's last request (`request.ask` of the RBAC
    /// panel snapshot), else from the first namespace and user the policy names (the
    /// namespace `default` when it names none and the verdict comes from a server).
    pub fn from_source(data: &Source) -> RequestBuilder {
        let mut b = RequestBuilder {
            subject: SubjectKind::User,
            user: String::new(),
            groups: String::new(),
            sa_namespace: String::new(),
            sa_name: String::new(),
            verb: "get".into(),
            resource: "pods".into(),
            name: String::new(),
            namespace: namespaces(data)
                .into_iter()
                .next()
                .or_else(|| data.server.as_ref().map(|_| "default".to_string()))
                .unwrap_or_default(),
            field: Field::Verb,
            who_can: false,
        };
        if let Some(u) = users(data).into_iter().next() {
            b.set_user(&u);
        }
        if let Some(ask) = data.last.clone() {
            b.set_user(&ask.user);
            b.groups = ask.groups.join(",");
            b.verb = ask.verb;
            b.resource = ask.resource;
            b.name = ask.name.unwrap_or_default();
            b.namespace = if ask.cluster {
                String::new()
            } else {
                ask.namespace.unwrap_or_else(|| "default".into())
            };
        }
        b
    }

    /// Takes a user name apart: a service account's becomes its namespace and name.
    fn set_user(&mut self, user: &str) {
        let sa = user
            .strip_prefix(SA_PREFIX)
            .and_then(|rest| rest.split_once(':'));
        match sa {
            Some((ns, name)) => {
                self.subject = SubjectKind::ServiceAccount;
                self.sa_namespace = ns.to_string();
                self.sa_name = name.to_string();
            }
            None => {
                self.subject = SubjectKind::User;
                self.user = user.to_string();
            }
        }
    }

    /// The fields on the form for the subject kind chosen.
    pub fn fields(&self) -> Vec<Field> {
        let who: &[Field] = match self.subject {
            SubjectKind::User => &[Field::User, Field::Groups],
            SubjectKind::ServiceAccount => {
                &[Field::ServiceAccountNamespace, Field::ServiceAccountName]
            }
        };
        let mut v = vec![Field::Subject];
        v.extend_from_slice(who);
        v.extend_from_slice(&[Field::Verb, Field::Resource, Field::Name, Field::Namespace]);
        v
    }

    /// Moves the cursor `by` fields, wrapping around.
    pub fn step_field(&mut self, by: isize) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.field).unwrap_or(0) as isize;
        let n = fields.len() as isize;
        self.field = fields[(at + by).rem_euclid(n) as usize];
    }

    /// The text of a field; `None` for the subject kind, which is chosen, not typed.
    pub fn text(&self, f: Field) -> Option<&str> {
        Some(match f {
            Field::Subject => return None,
            Field::User => &self.user,
            Field::Groups => &self.groups,
            Field::ServiceAccountNamespace => &self.sa_namespace,
            Field::ServiceAccountName => &self.sa_name,
            Field::Verb => &self.verb,
            Field::Resource => &self.resource,
            Field::Name => &self.name,
            Field::Namespace => &self.namespace,
        })
    }

    fn text_mut(&mut self, f: Field) -> Option<&mut String> {
        Some(match f {
            Field::Subject => return None,
            Field::User => &mut self.user,
            Field::Groups => &mut self.groups,
            Field::ServiceAccountNamespace => &mut self.sa_namespace,
            Field::ServiceAccountName => &mut self.sa_name,
            Field::Verb => &mut self.verb,
            Field::Resource => &mut self.resource,
            Field::Name => &mut self.name,
            Field::Namespace => &mut self.namespace,
        })
    }

    /// Types a character into the field under the cursor.
    pub fn type_char(&mut self, c: char) {
        if let Some(t) = self.text_mut(self.field) {
            t.push(c);
        }
    }

    pub fn backspace(&mut self) {
        if let Some(t) = self.text_mut(self.field) {
            t.pop();
        }
    }

    /// ←/→: the next (`by` = 1) or previous choice for the field under the cursor. The
    /// choices come from the verbs and resources above and from what the policy (the
    /// objects of `data`) names; a field without choices stays as it is.
    pub fn cycle(&mut self, by: isize, data: &Source) {
        if self.field == Field::Subject {
            self.subject = match self.subject {
                SubjectKind::User => SubjectKind::ServiceAccount,
                SubjectKind::ServiceAccount => SubjectKind::User,
            };
            return;
        }
        let choices: Vec<String> = match self.field {
            Field::Verb => VERBS.iter().map(|v| v.to_string()).collect(),
            Field::Resource => RESOURCES.iter().map(|r| r.to_string()).collect(),
            Field::User => users(data)
                .into_iter()
                .filter(|u| !u.starts_with(SA_PREFIX))
                .collect(),
            Field::Groups => groups(data),
            Field::ServiceAccountNamespace | Field::Namespace => {
                let mut ns = namespaces(data);
                if self.field == Field::Namespace {
                    // The empty choice is cluster scope.
                    ns.push(String::new());
                }
                ns
            }
            Field::ServiceAccountName => service_account_names(data),
            Field::Subject | Field::Name => Vec::new(),
        };
        let field = self.field;
        let Some(text) = self.text_mut(field) else {
            return;
        };
        if choices.is_empty() {
            return;
        }
        let n = choices.len() as isize;
        let next = match choices.iter().position(|c| c == text) {
            Some(i) => (i as isize + by).rem_euclid(n),
            None if by > 0 => 0,
            None => n - 1,
        };
        *text = choices[next as usize].clone();
    }

    /// The request as the engine takes it.
    pub fn ask(&self) -> RbacAsk {
        let user = match self.subject {
            SubjectKind::User => self.user.trim().to_string(),
            SubjectKind::ServiceAccount => format!(
                "{SA_PREFIX}{}:{}",
                self.sa_namespace.trim(),
                self.sa_name.trim()
            ),
        };
        let groups = match self.subject {
            SubjectKind::User => self
                .groups
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect(),
            SubjectKind::ServiceAccount => Vec::new(),
        };
        let namespace = self.namespace.trim();
        let name = self.name.trim();
        RbacAsk {
            verb: self.verb.trim().to_string(),
            resource: self.resource.trim().to_string(),
            name: (!name.is_empty()).then(|| name.to_string()),
            namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
            cluster: namespace.is_empty(),
            user,
            groups,
        }
    }
}

fn objects(data: &Source) -> impl Iterator<Item = &RbacObjectRow> {
    data.objects.iter()
}

/// The subjects of every binding, as the panel snapshot writes them (`User alice`,
/// `ServiceAccount ns/name`).
fn subjects(data: &Source) -> impl Iterator<Item = &str> {
    objects(data)
        .flat_map(|o| o.subjects.iter().flatten())
        .map(String::as_str)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// The namespaces of the loaded objects, sorted.
pub fn namespaces(data: &Source) -> Vec<String> {
    sorted(objects(data).filter_map(|o| o.namespace.clone()).collect())
}

/// The users bindings name, a service account as its user name when its namespace is
/// written in the subject.
fn users(data: &Source) -> Vec<String> {
    sorted(
        subjects(data)
            .filter_map(|s| match s.split_once(' ') {
                Some(("User", u)) => Some(u.to_string()),
                Some(("ServiceAccount", sa)) => sa
                    .split_once('/')
                    .map(|(ns, name)| format!("{SA_PREFIX}{ns}:{name}")),
                _ => None,
            })
            .collect(),
    )
}

fn groups(data: &Source) -> Vec<String> {
    sorted(
        subjects(data)
            .filter_map(|s| s.strip_prefix("Group "))
            .map(str::to_string)
            .collect(),
    )
}

fn service_account_names(data: &Source) -> Vec<String> {
    sorted(
        subjects(data)
            .filter_map(|s| s.strip_prefix("ServiceAccount "))
            .map(|sa| sa.rsplit('/').next().unwrap_or(sa).to_string())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::panel::{ApiPanel, RbacPanel};
    use serde_json::json;

    fn rbac_panel() -> RbacPanel {
        serde_json::from_value(json!({
            "kind": "rbac",
            "objects": [
                {"kind": "Role", "name": "pod-reader", "namespace": "shop"},
                {"kind": "RoleBinding", "name": "b", "namespace": "web",
                 "subjects": ["ServiceAccount checkout", "User alice", "Group ops"]},
                {"kind": "ClusterRoleBinding", "name": "c", "namespace": null,
                 "subjects": ["ServiceAccount monitoring/prometheus"]}
            ],
            "request": null
        }))
        .expect("an RBAC panel")
    }

    fn source(p: RbacPanel) -> Source {
        Source::of(&ClusterPanel::Rbac(Box::new(p))).expect("a source")
    }

    fn panel() -> Source {
        source(rbac_panel())
    }

    #[test]
    fn a_service_account_is_asked_for_by_its_user_name_without_extra_groups() {
        let mut b = RequestBuilder::from_source(&panel());
        assert_eq!(b.subject, SubjectKind::User);
        assert_eq!(b.user, "alice");
        assert_eq!(b.namespace, "shop");
        b.field = Field::Subject;
        b.cycle(1, &panel());
        assert_eq!(b.subject, SubjectKind::ServiceAccount);
        b.step_field(1);
        assert_eq!(b.field, Field::ServiceAccountNamespace);
        for c in "web".chars() {
            b.type_char(c);
        }
        b.step_field(1);
        b.cycle(1, &panel());
        assert_eq!(b.sa_name, "checkout");
        let ask = b.ask();
        assert_eq!(ask.user, "system:serviceaccount:web:checkout");
        assert!(ask.groups.is_empty());
        assert_eq!(ask.namespace.as_deref(), Some("shop"));
    }

    #[test]
    fn an_empty_namespace_is_cluster_scope_and_is_one_of_the_choices() {
        let mut b = RequestBuilder::from_source(&panel());
        b.field = Field::Namespace;
        b.cycle(1, &panel());
        assert_eq!(b.namespace, "web");
        b.cycle(1, &panel());
        assert_eq!(b.namespace, "");
        let ask = b.ask();
        assert!(ask.cluster && ask.namespace.is_none());
        b.cycle(1, &panel());
        assert_eq!(b.namespace, "shop");
    }

    #[test]
    fn the_lessons_last_request_fills_the_form() {
        let mut data = rbac_panel();
        data.request = serde_json::from_value(
            json!({"ask": {"verb": "list", "resource": "nodes", "name": null,
            "namespace": null, "cluster": true, "as": "system:serviceaccount:shop:checkout",
            "groups": []}}),
        )
        .expect("a request");
        let b = RequestBuilder::from_source(&source(data));
        assert_eq!(b.subject, SubjectKind::ServiceAccount);
        assert_eq!(
            (b.sa_namespace.as_str(), b.sa_name.as_str()),
            ("shop", "checkout")
        );
        assert_eq!((b.verb.as_str(), b.resource.as_str()), ("list", "nodes"));
        assert!(b.ask().cluster);
    }

    #[test]
    fn on_the_api_servers_panel_the_choices_are_the_live_objects() {
        let api = |rbac| {
            Source::of(&ClusterPanel::Api(Box::new(ApiPanel {
                url: "https://127.0.0.1:6443".into(),
                rbac,
                ..Default::default()
            })))
            .expect("a source")
        };
        // No object yet: the namespace `default`, and no user to pick.
        let b = RequestBuilder::from_source(&api(Vec::new()));
        assert_eq!((b.namespace.as_str(), b.user.as_str()), ("default", ""));
        let live = api(rbac_panel().objects);
        assert_eq!(live.server.as_deref(), Some("https://127.0.0.1:6443"));
        let b = RequestBuilder::from_source(&live);
        assert_eq!((b.namespace.as_str(), b.user.as_str()), ("shop", "alice"));
    }
}
