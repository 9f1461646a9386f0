//! How one PolicyRule matches one request, field by field, and how one set of rules
//! covers another (the escalation check). Strings compare exactly and case-sensitively:
//! `Pods` is not `pods`, as in the apiserver.

use super::request::{ResourceAttributes, Target};
use k8s_openapi::api::rbac::v1::PolicyRule;
use serde::{Deserialize, Serialize};

/// A field of a PolicyRule, named as in the YAML.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    #[serde(rename = "verbs")]
    Verbs,
    #[serde(rename = "apiGroups")]
    ApiGroups,
    #[serde(rename = "resources")]
    Resources,
    #[serde(rename = "resourceNames")]
    ResourceNames,
    #[serde(rename = "nonResourceURLs")]
    NonResourceUrls,
}

/// One field of a rule that did not match the request, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMiss {
    pub field: Field,
    /// What the request asked for in this field (`""` for the core group, `-` for none).
    pub requested: String,
    /// What the rule lists.
    pub rule_has: Vec<String>,
    /// The sentence a learner reads.
    pub why: String,
}

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or(&[])
}

pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == "*" || v == verb)
}

pub fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    list(&rule.api_groups)
        .iter()
        .any(|g| g == "*" || g == group)
}

/// `*` covers every resource and every subresource; `*/log` covers the log subresource
/// of anything; otherwise `resource` or `resource/subresource` must be listed exactly.
pub fn resource_matches(rule: &PolicyRule, r: &ResourceAttributes) -> bool {
    list(&rule.resources)
        .iter()
        .any(|rr| resource_covers(rr, &r.resource, r.subresource.as_deref()))
}

fn resource_covers(rule_resource: &str, resource: &str, subresource: Option<&str>) -> bool {
    if rule_resource == "*" {
        return true;
    }
    match subresource {
        None => rule_resource == resource,
        Some(sub) => {
            // Compare piecewise so that the hot path allocates nothing.
            match rule_resource.split_once('/') {
                Some((rr, rs)) => rs == sub && (rr == "*" || rr == resource),
                None => false,
            }
        }
    }
}

/// An empty resourceNames allows any name; a non-empty one never allows a request
/// without a name, which is why it cannot grant list, watch or create.
pub fn resource_name_matches(rule: &PolicyRule, name: Option<&str>) -> bool {
    let names = list(&rule.resource_names);
    if names.is_empty() {
        return true;
    }
    match name {
        Some(n) if !n.is_empty() => names.iter().any(|x| x == n),
        _ => false,
    }
}

/// `*` matches every path, `/apis/*` every path that starts with `/apis/`, anything
/// else only itself.
pub fn url_covers(rule_url: &str, path: &str) -> bool {
    if rule_url == "*" || rule_url == path {
        return true;
    }
    match rule_url.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => false,
    }
}

pub fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    list(&rule.non_resource_urls)
        .iter()
        .any(|u| url_covers(u, path))
}

/// Is this rule about the same kind of thing as the target: resources for a resource
/// request, nonResourceURLs for a URL?
pub fn same_kind(rule: &PolicyRule, target: &Target) -> bool {
    match target {
        Target::Resource(_) => !list(&rule.resources).is_empty(),
        Target::NonResource { .. } => !list(&rule.non_resource_urls).is_empty(),
    }
}

/// Does this rule allow `verb` on `target`? The fast path: no explanation.
pub fn allows(rule: &PolicyRule, verb: &str, target: &Target) -> bool {
    if !verb_matches(rule, verb) {
        return false;
    }
    match target {
        Target::Resource(r) => {
            api_group_matches(rule, &r.api_group)
                && resource_matches(rule, r)
                && resource_name_matches(rule, r.name.as_deref())
        }
        Target::NonResource { path } => non_resource_url_matches(rule, path),
    }
}

/// The fields that take part in this kind of request, each with whether it matched. A
/// resource request never looks at nonResourceURLs, and the other way round.
fn field_results(rule: &PolicyRule, verb: &str, target: &Target) -> Vec<(Field, bool)> {
    let mut out = vec![(Field::Verbs, verb_matches(rule, verb))];
    match target {
        Target::Resource(r) => {
            out.push((Field::ApiGroups, api_group_matches(rule, &r.api_group)));
            out.push((Field::Resources, resource_matches(rule, r)));
            out.push((
                Field::ResourceNames,
                resource_name_matches(rule, r.name.as_deref()),
            ));
        }
        Target::NonResource { path } => {
            out.push((Field::NonResourceUrls, non_resource_url_matches(rule, path)));
        }
    }
    out
}

/// Why one field failed, in a sentence, with what the request and the rule hold.
fn miss(rule: &PolicyRule, field: Field, verb: &str, target: &Target) -> FieldMiss {
    let (requested, rule_has, why) = match (field, target) {
        (Field::Verbs, _) => (
            verb.to_string(),
            &rule.verbs[..],
            format!("verb {verb:?} is not in verbs {:?}", rule.verbs),
        ),
        (Field::ApiGroups, Target::Resource(r)) => {
            let groups = list(&rule.api_groups);
            (
                r.api_group.clone(),
                groups,
                format!("API group {:?} is not in apiGroups {groups:?}", r.api_group),
            )
        }
        (Field::Resources, Target::Resource(r)) => {
            let resources = list(&rule.resources);
            let combined = r.combined();
            let why = if r.subresource.is_some() && resources.iter().any(|x| x == &r.resource) {
                format!(
                    "resources lists {:?} but not the subresource {combined:?}",
                    r.resource
                )
            } else {
                format!("resource {combined:?} is not in resources {resources:?}")
            };
            (combined, resources, why)
        }
        (Field::ResourceNames, Target::Resource(r)) => {
            let names = list(&rule.resource_names);
            let why = match &r.name {
                None => format!(
                    "resourceNames {names:?} only allows named objects, and this request has no \
                     name"
                ),
                Some(n) => format!("name {n:?} is not in resourceNames {names:?}"),
            };
            (r.name.clone().unwrap_or_else(|| "-".into()), names, why)
        }
        (_, Target::NonResource { path }) => {
            let urls = list(&rule.non_resource_urls);
            (
                path.clone(),
                urls,
                format!("path {path:?} is not covered by nonResourceURLs {urls:?}"),
            )
        }
        // Resource fields never fail for a URL request: `field_results` does not list them.
        (_, Target::Resource(r)) => (r.combined(), &[][..], String::new()),
    };
    FieldMiss {
        field,
        requested,
        rule_has: rule_has.to_vec(),
        why,
    }
}

/// Field by field: which fields of the rule matched and which did not, and why.
pub fn explain(rule: &PolicyRule, verb: &str, target: &Target) -> (Vec<Field>, Vec<FieldMiss>) {
    let mut matched = Vec::new();
    let mut missed = Vec::new();
    for (field, ok) in field_results(rule, verb, target) {
        if ok {
            matched.push(field);
        } else {
            missed.push(miss(rule, field, verb, target));
        }
    }
    (matched, missed)
}

/// `Some(explanation)` only when the rule matched some fields but not all: a near miss.
/// Sentences are written only then, which keeps denials cheap.
pub fn near_miss(
    rule: &PolicyRule,
    verb: &str,
    target: &Target,
) -> Option<(Vec<Field>, Vec<FieldMiss>)> {
    let results = field_results(rule, verb, target);
    let hits = results.iter().filter(|(_, ok)| *ok).count();
    if hits == 0 || hits == results.len() {
        return None;
    }
    Some(explain(rule, verb, target))
}

/// One rule broken down to a single verb, group, resource and name (or a single verb and
/// URL): the unit the escalation check compares.
fn atoms(rule: &PolicyRule) -> Vec<PolicyRule> {
    let one = |s: &String| Some(vec![s.clone()]);
    let mut out = Vec::new();
    for verb in &rule.verbs {
        for url in list(&rule.non_resource_urls) {
            out.push(PolicyRule {
                verbs: vec![verb.clone()],
                non_resource_urls: one(url),
                ..Default::default()
            });
        }
        for group in list(&rule.api_groups) {
            for res in list(&rule.resources) {
                let names = list(&rule.resource_names);
                if names.is_empty() {
                    out.push(PolicyRule {
                        verbs: vec![verb.clone()],
                        api_groups: one(group),
                        resources: one(res),
                        ..Default::default()
                    });
                }
                for n in names {
                    out.push(PolicyRule {
                        verbs: vec![verb.clone()],
                        api_groups: one(group),
                        resources: one(res),
                        resource_names: one(n),
                        ..Default::default()
                    });
                }
            }
        }
    }
    out
}

/// Does `owner` allow everything the single-valued rule `atom` allows? Wildcards in the
/// atom are literal here: only a `*` in the owner covers a `*` in the atom.
fn covers_atom(owner: &PolicyRule, atom: &PolicyRule) -> bool {
    let verb = &atom.verbs[0];
    if !owner.verbs.iter().any(|v| v == "*" || v == verb) {
        return false;
    }
    if let Some(url) = list(&atom.non_resource_urls).first() {
        return list(&owner.non_resource_urls)
            .iter()
            .any(|o| url_covers(o, url));
    }
    let (Some(group), Some(res)) = (
        list(&atom.api_groups).first(),
        list(&atom.resources).first(),
    ) else {
        return false;
    };
    if !list(&owner.api_groups)
        .iter()
        .any(|g| g == "*" || g == group)
    {
        return false;
    }
    let res_ok = list(&owner.resources).iter().any(|o| {
        o == "*"
            || o == res
            || res
                .split_once('/')
                .is_some_and(|(_, sub)| o.strip_prefix("*/") == Some(sub))
    });
    if !res_ok {
        return false;
    }
    let owner_names = list(&owner.resource_names);
    match list(&atom.resource_names).first() {
        _ if owner_names.is_empty() => true,
        Some(n) => owner_names.iter().any(|o| o == n),
        None => false,
    }
}

/// The parts of `requested` that no rule in `owned` covers, as single-valued rules.
/// Empty means the holder of `owned` already has every permission in `requested`.
pub fn uncovered(owned: &[PolicyRule], requested: &[PolicyRule]) -> Vec<PolicyRule> {
    let mut out: Vec<PolicyRule> = Vec::new();
    for r in requested {
        for a in atoms(r) {
            if !owned.iter().any(|o| covers_atom(o, &a)) && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// A rule on one line, as `kubectl describe role` would show its parts.
pub fn describe(rule: &PolicyRule) -> String {
    let mut parts = vec![format!("verbs={:?}", rule.verbs)];
    for (name, v) in [
        ("apiGroups", &rule.api_groups),
        ("resources", &rule.resources),
        ("resourceNames", &rule.resource_names),
        ("nonResourceURLs", &rule.non_resource_urls),
    ] {
        if let Some(v) = v {
            parts.push(format!("{name}={v:?}"));
        }
    }
    parts.join(" ")
}
