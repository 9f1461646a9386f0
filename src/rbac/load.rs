//! Reading RBAC objects from YAML files and directories into k8s-openapi types.
//!
//! A file may hold many documents (`---`), and a document may be a `List` (or `RoleList`
//! and friends) whose `items` are objects. Every document is read once, by serde-saphyr,
//! into a shape holding the fields of all four RBAC kinds, each wrapped in `Spanned` so
//! that an invalid field is reported at its own line; the kind then picks which fields make
//! the k8s-openapi object. Objects are validated as the apiserver would before storing
//! them, so a rule that could never be stored is never evaluated.

use super::{Error, RBAC_GROUP, Result};
use k8s_openapi::api::rbac::v1::{
    AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef,
    Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};
use std::fmt;
use std::path::{Path, PathBuf};

const RBAC_API_VERSION: &str = "rbac.authorization.k8s.io/v1";
/// Where a namespaced object without `metadata.namespace` lands, as with `kubectl apply`
/// and no `-n`.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Where an object was read from: the file and the line its document (or list item)
/// starts on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub line: u64,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// An object and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sourced<T> {
    pub object: T,
    pub source: Source,
}

/// One RBAC object of any of the four kinds.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RbacObject {
    Role(Role),
    ClusterRole(ClusterRole),
    RoleBinding(RoleBinding),
    ClusterRoleBinding(ClusterRoleBinding),
}

impl RbacObject {
    pub fn kind(&self) -> &'static str {
        match self {
            RbacObject::Role(_) => "Role",
            RbacObject::ClusterRole(_) => "ClusterRole",
            RbacObject::RoleBinding(_) => "RoleBinding",
            RbacObject::ClusterRoleBinding(_) => "ClusterRoleBinding",
        }
    }

    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            RbacObject::Role(o) => &o.metadata,
            RbacObject::ClusterRole(o) => &o.metadata,
            RbacObject::RoleBinding(o) => &o.metadata,
            RbacObject::ClusterRoleBinding(o) => &o.metadata,
        }
    }
}

/// Everything read from a set of paths, in reading order, plus the warnings a reader
/// should see (skipped kinds, subjects that can never match).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Loaded {
    pub objects: Vec<Sourced<RbacObject>>,
    pub warnings: Vec<String>,
}

/// The fields of all four kinds (and of lists). Unknown fields are ignored, as the
/// apiserver ignores them with a warning.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDoc {
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<Spanned<ObjectMeta>>,
    rules: Option<Vec<Spanned<PolicyRule>>>,
    aggregation_rule: Option<Spanned<RawAggregation>>,
    role_ref: Option<Spanned<RoleRef>>,
    subjects: Option<Vec<Spanned<Subject>>>,
    items: Option<Vec<Spanned<RawDoc>>>,
}

/// An aggregationRule with each selector spanned, so that a bad selector is reported at
/// its own line.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAggregation {
    cluster_role_selectors: Option<Vec<Spanned<LabelSelector>>>,
}

/// Reads files and directories (recursively, `*.yaml`, `*.yml` and `*.json`, in name
/// order).
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> Result<Loaded> {
    let mut out = Loaded::default();
    for p in paths {
        let mut files = Vec::new();
        collect_files(p.as_ref(), &mut files)?;
        for f in files {
            let text = std::fs::read(&f).map_err(|e| file_error(&f, e))?;
            let text = String::from_utf8(text).map_err(|_| Error::File {
                path: f.display().to_string(),
                message: "not UTF-8 text".into(),
            })?;
            load_str_into(&text, &f.display().to_string(), &mut out)?;
        }
    }
    Ok(out)
}

fn file_error(p: &Path, e: std::io::Error) -> Error {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => e.to_string(),
    };
    Error::File {
        path: p.display().to_string(),
        message,
    }
}

fn collect_files(p: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(p).map_err(|e| file_error(p, e))?;
    if !meta.is_dir() {
        out.push(p.to_path_buf());
        return Ok(());
    }
    let rd = std::fs::read_dir(p).map_err(|e| file_error(p, e))?;
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect_files(&e, out)?;
        } else if e
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(e);
        }
    }
    Ok(())
}

/// Reads the YAML text of one file; `file` names it in errors and sources.
pub fn load_str(text: &str, file: &str) -> Result<Loaded> {
    let mut out = Loaded::default();
    load_str_into(text, file, &mut out)?;
    Ok(out)
}

/// Reads exactly one RBAC object from a file: the object of `contlab rbac check-create`.
pub fn load_object(path: &Path) -> Result<Sourced<RbacObject>> {
    let mut loaded = load_paths(&[path])?;
    let file = path.display().to_string();
    match loaded.objects.len() {
        1 => Ok(loaded.objects.remove(0)),
        0 => Err(Error::File {
            path: file,
            message: "holds no Role, ClusterRole, RoleBinding or ClusterRoleBinding".into(),
        }),
        n => Err(Error::File {
            path: file,
            message: format!("holds {n} RBAC objects; give one"),
        }),
    }
}

fn load_str_into(text: &str, file: &str, out: &mut Loaded) -> Result<()> {
    // The parser's default budget stops at 1,024 documents; a dump of a real cluster's
    // RBAC objects has more. The other limits (depth, aliases) still guard against
    // hostile input.
    let options = serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_documents: 200_000,
            max_nodes: 20_000_000,
            max_events: 50_000_000,
        },
    };
    let docs: Vec<Spanned<RawDoc>> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(0).max(1);
            // The formatter's text may carry control characters from the input; keep the
            // error on one printable line.
            let msg: String = UserMessageFormatter
                .format_message(&e)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            Error::Object {
                file: file.to_string(),
                line,
                message: msg,
            }
        })?;
    let mut reader = Reader { file, out };
    for d in docs {
        reader.doc(d, 0)?;
    }
    Ok(())
}

struct Reader<'a> {
    file: &'a str,
    out: &'a mut Loaded,
}

/// The line of a spanned value, or the fallback when the parser gave none.
fn line_of<T>(s: &Spanned<T>, fallback: u64) -> u64 {
    match s.referenced.line() {
        0 => fallback,
        l => l,
    }
}

impl Reader<'_> {
    fn err(&self, line: u64, message: impl Into<String>) -> Error {
        Error::Object {
            file: self.file.to_string(),
            line: line.max(1),
            message: message.into(),
        }
    }

    fn doc(&mut self, d: Spanned<RawDoc>, depth: usize) -> Result<()> {
        let line = line_of(&d, 1);
        let raw = d.value;
        let Some(kind) = raw.kind.clone() else {
            return Err(self.err(line, "the document has no kind"));
        };
        if kind == "List" || kind.ends_with("List") {
            // Lists nest only one level in practice; a bound keeps hostile input from
            // recursing without end.
            if depth > 8 {
                return Err(self.err(line, "lists nested too deep"));
            }
            for item in raw.items.unwrap_or_default() {
                self.doc(item, depth + 1)?;
            }
            return Ok(());
        }
        let rbac = matches!(
            kind.as_str(),
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
        );
        if !rbac {
            let name = raw
                .metadata
                .as_ref()
                .and_then(|m| m.value.name.clone())
                .unwrap_or_default();
            self.out.warnings.push(format!(
                "{}:{line}: skipped {kind} {name:?}: not a Role, ClusterRole, RoleBinding or \
                 ClusterRoleBinding",
                self.file
            ));
            return Ok(());
        }
        if raw.api_version.as_deref() != Some(RBAC_API_VERSION) {
            return Err(self.err(
                line,
                format!(
                    "{kind} needs apiVersion {RBAC_API_VERSION}, found {}",
                    raw.api_version.as_deref().unwrap_or("none")
                ),
            ));
        }
        let namespaced = kind == "Role" || kind == "RoleBinding";
        let metadata = self.metadata(&kind, raw.metadata, line, namespaced)?;
        let object = match kind.as_str() {
            "Role" | "ClusterRole" => {
                for field in [raw.role_ref.is_some(), raw.subjects.is_some()] {
                    if field {
                        return Err(
                            self.err(line, format!("a {kind} has rules, not roleRef or subjects"))
                        );
                    }
                }
                let rules = self.rules(raw.rules, namespaced)?;
                if kind == "Role" {
                    if let Some(a) = &raw.aggregation_rule {
                        return Err(
                            self.err(line_of(a, line), "aggregationRule is only for ClusterRoles")
                        );
                    }
                    RbacObject::Role(Role {
                        metadata,
                        rules: Some(rules),
                    })
                } else {
                    let aggregation_rule = match raw.aggregation_rule {
                        Some(a) => Some(self.aggregation(a, line)?),
                        None => None,
                    };
                    RbacObject::ClusterRole(ClusterRole {
                        metadata,
                        rules: Some(rules),
                        aggregation_rule,
                    })
                }
            }
            _ => {
                if raw.rules.is_some() || raw.aggregation_rule.is_some() {
                    return Err(self.err(
                        line,
                        format!("a {kind} has roleRef and subjects, not rules"),
                    ));
                }
                let Some(role_ref) = raw.role_ref else {
                    return Err(self.err(
                        line,
                        format!(
                            "{kind} {:?} has no roleRef",
                            metadata.name.clone().unwrap_or_default()
                        ),
                    ));
                };
                let role_ref = self.role_ref(role_ref, &kind, line)?;
                let subjects = self.subjects(raw.subjects, &kind, &metadata, line)?;
                if namespaced {
                    RbacObject::RoleBinding(RoleBinding {
                        metadata,
                        role_ref,
                        subjects: Some(subjects),
                    })
                } else {
                    RbacObject::ClusterRoleBinding(ClusterRoleBinding {
                        metadata,
                        role_ref,
                        subjects: Some(subjects),
                    })
                }
            }
        };
        self.out.objects.push(Sourced {
            object,
            source: Source {
                file: self.file.to_string(),
                line,
            },
        });
        Ok(())
    }

    fn metadata(
        &self,
        kind: &str,
        m: Option<Spanned<ObjectMeta>>,
        line: u64,
        namespaced: bool,
    ) -> Result<ObjectMeta> {
        let Some(m) = m else {
            return Err(self.err(line, format!("{kind} has no metadata")));
        };
        let mline = line_of(&m, line);
        let mut meta = m.value;
        if meta.name.as_deref().is_none_or(str::is_empty) {
            return Err(self.err(mline, format!("{kind} has no metadata.name")));
        }
        if namespaced {
            if meta.namespace.as_deref().is_none_or(str::is_empty) {
                meta.namespace = Some(DEFAULT_NAMESPACE.into());
            }
        } else {
            // Cluster-scoped objects have no namespace; the apiserver drops one if given.
            meta.namespace = None;
        }
        Ok(meta)
    }

    /// The apiserver's validation of PolicyRules: a rule is about resources or about
    /// non-resource URLs, never both, and a Role (namespaced) cannot name URLs.
    fn rules(
        &self,
        rules: Option<Vec<Spanned<PolicyRule>>>,
        namespaced: bool,
    ) -> Result<Vec<PolicyRule>> {
        let mut out = Vec::new();
        for r in rules.unwrap_or_default() {
            let line = line_of(&r, 1);
            let rule = r.value;
            let has = |v: &Option<Vec<String>>| v.as_ref().is_some_and(|v| !v.is_empty());
            if rule.verbs.is_empty() {
                return Err(self.err(line, "a rule needs at least one verb"));
            }
            if has(&rule.non_resource_urls) {
                if namespaced {
                    return Err(self.err(
                        line,
                        "a Role cannot have nonResourceURLs: URLs are not namespaced, use a \
                         ClusterRole",
                    ));
                }
                if has(&rule.resources) || has(&rule.api_groups) || has(&rule.resource_names) {
                    return Err(self.err(
                        line,
                        "a rule cannot apply to both resources and nonResourceURLs",
                    ));
                }
            } else {
                if !has(&rule.resources) {
                    return Err(self.err(
                        line,
                        "a rule needs resources (or, in a ClusterRole, nonResourceURLs)",
                    ));
                }
                if rule.api_groups.is_none() || rule.api_groups.as_ref().is_some_and(Vec::is_empty)
                {
                    return Err(self.err(
                        line,
                        "a resource rule needs apiGroups (\"\" is the core group)",
                    ));
                }
            }
            out.push(rule);
        }
        Ok(out)
    }

    fn aggregation(&self, a: Spanned<RawAggregation>, line: u64) -> Result<AggregationRule> {
        let line = line_of(&a, line);
        let mut selectors = Vec::new();
        for sel in a.value.cluster_role_selectors.into_iter().flatten() {
            let line = line_of(&sel, line);
            for e in sel.value.match_expressions.iter().flatten() {
                let n = e.values.as_ref().map_or(0, Vec::len);
                match e.operator.as_str() {
                    "In" | "NotIn" if n == 0 => {
                        return Err(self.err(
                            line,
                            format!("matchExpressions operator {} needs values", e.operator),
                        ));
                    }
                    "Exists" | "DoesNotExist" if n > 0 => {
                        return Err(self.err(
                            line,
                            format!("matchExpressions operator {} takes no values", e.operator),
                        ));
                    }
                    "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                    other => {
                        return Err(self.err(
                            line,
                            format!(
                                "unknown matchExpressions operator {other:?} (In, NotIn, Exists, \
                                 DoesNotExist)"
                            ),
                        ));
                    }
                }
            }
            selectors.push(sel.value);
        }
        Ok(AggregationRule {
            cluster_role_selectors: Some(selectors),
        })
    }

    fn role_ref(&self, r: Spanned<RoleRef>, kind: &str, line: u64) -> Result<RoleRef> {
        let line = line_of(&r, line);
        let r = r.value;
        if r.api_group != RBAC_GROUP {
            return Err(self.err(
                line,
                format!(
                    "roleRef.apiGroup must be {RBAC_GROUP}, found {:?}",
                    r.api_group
                ),
            ));
        }
        let ok = match kind {
            "RoleBinding" => r.kind == "Role" || r.kind == "ClusterRole",
            _ => r.kind == "ClusterRole",
        };
        if !ok {
            let allowed = if kind == "RoleBinding" {
                "Role or ClusterRole"
            } else {
                "ClusterRole"
            };
            return Err(self.err(
                line,
                format!(
                    "a {kind}'s roleRef.kind must be {allowed}, found {:?}",
                    r.kind
                ),
            ));
        }
        if r.name.is_empty() {
            return Err(self.err(line, "roleRef.name is empty"));
        }
        Ok(r)
    }

    fn subjects(
        &mut self,
        subjects: Option<Vec<Spanned<Subject>>>,
        kind: &str,
        meta: &ObjectMeta,
        line: u64,
    ) -> Result<Vec<Subject>> {
        let mut out = Vec::new();
        for s in subjects.unwrap_or_default() {
            let sline = line_of(&s, line);
            let s = s.value;
            if s.name.is_empty() {
                return Err(self.err(sline, "a subject needs a name"));
            }
            match s.kind.as_str() {
                "User" | "Group" => {
                    if s.api_group.as_deref().is_some_and(|g| g != RBAC_GROUP) {
                        return Err(self.err(
                            sline,
                            format!("a {} subject's apiGroup must be {RBAC_GROUP}", s.kind),
                        ));
                    }
                }
                "ServiceAccount" => {
                    if s.api_group.as_deref().is_some_and(|g| !g.is_empty()) {
                        return Err(
                            self.err(sline, "a ServiceAccount subject's apiGroup must be \"\"")
                        );
                    }
                    if kind == "ClusterRoleBinding"
                        && s.namespace.as_deref().is_none_or(str::is_empty)
                    {
                        self.out.warnings.push(format!(
                            "{}:{sline}: ServiceAccount {:?} in ClusterRoleBinding {:?} has no \
                             namespace, so it matches nobody",
                            self.file,
                            s.name,
                            meta.name.clone().unwrap_or_default()
                        ));
                    }
                }
                other => {
                    return Err(self.err(
                        sline,
                        format!("unknown subject kind {other:?} (User, Group or ServiceAccount)"),
                    ));
                }
            }
            out.push(s);
        }
        Ok(out)
    }
}
