//! `SelfSubjectAccessReview` and `SelfSubjectRulesReview` (`authorization.k8s.io/v1`): the
//! caller asks the RBAC authorizer about itself, which is what `kubectl auth can-i` and
//! `kubectl auth can-i --list` send. `SubjectAccessReview`: a caller allowed to create
//! one asks about anybody (`spec.user`, `spec.groups`, taken as given, as kube-apiserver
//! does); the answer carries the authorizer's reason and, under [`EXPLANATION`], its whole
//! explanation. Nothing is stored.

use super::server::{Reply, status};
use crate::rbac::{Decision, Policy, Request, ResourceAttributes, Target, UserInfo};
use serde_json::{Value, json};

fn field(v: &Value, name: &str) -> String {
    v.get(name)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The question a SelfSubjectAccessReview's spec asks, for `user`.
fn question(user: &UserInfo, spec: &Value) -> Option<Request> {
    if let Some(r) = spec.get("resourceAttributes").filter(|r| r.is_object()) {
        let opt = |n: &str| Some(field(r, n)).filter(|s| !s.is_empty());
        return Some(Request::new(
            user.clone(),
            &field(r, "verb"),
            Target::Resource(ResourceAttributes {
                namespace: opt("namespace"),
                api_group: field(r, "group"),
                resource: field(r, "resource"),
                subresource: opt("subresource"),
                name: opt("name"),
            }),
        ));
    }
    let n = spec
        .get("nonResourceAttributes")
        .filter(|r| r.is_object())?;
    Some(Request::new(
        user.clone(),
        &field(n, "verb"),
        Target::NonResource {
            path: field(n, "path"),
        },
    ))
}

/// The annotation of an answered SubjectAccessReview that holds the authorizer's whole
/// explanation, one line per entry, as the audit log has it.
pub const EXPLANATION: &str = "authorization.contlab.dev/explanation";

/// An answer, and the question a SubjectAccessReview asked about someone with its
/// verdict, for the audit log.
pub type Answered = (Reply, Option<(Request, Decision)>);

fn invalid(kind: &str, message: &str) -> Reply {
    status(
        422,
        "Invalid",
        &format!("{kind}.authorization.k8s.io \"\" is invalid: {message}"),
        None,
    )
}

/// Answers a review posted as `body` (JSON) by `user`.
pub fn answer(kind: &str, policy: &Policy, user: &UserInfo, body: &[u8]) -> Answered {
    let mut review: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            let r = status(400, "BadRequest", "the body is not a JSON object", None);
            return (r, None);
        }
    };
    let spec = review.get("spec").cloned().unwrap_or(json!({}));
    let mut asked = None;
    const NO_ATTRIBUTES: &str =
        "spec: one of resourceAttributes and nonResourceAttributes must be set";
    review["status"] = match kind {
        "SelfSubjectAccessReview" => {
            let Some(q) = question(user, &spec) else {
                return (invalid(kind, NO_ATTRIBUTES), None);
            };
            let d = policy.authorize(&q);
            json!({"allowed": d.allowed, "reason": d.reason})
        }
        "SubjectAccessReview" => {
            let name = field(&spec, "user");
            let groups: Vec<String> = spec
                .get("groups")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            if name.is_empty() && groups.is_empty() {
                let msg = "spec.user: Invalid value: \"\": at least one of user or group must be specified";
                return (invalid(kind, msg), None);
            }
            let Some(q) = question(&UserInfo::exact(&name, &groups), &spec) else {
                return (invalid(kind, NO_ATTRIBUTES), None);
            };
            let d = policy.authorize(&q);
            // A client's metadata of another shape is replaced, never indexed into.
            if !review["metadata"].is_object() {
                review["metadata"] = json!({});
            }
            if !review["metadata"]["annotations"].is_object() {
                review["metadata"]["annotations"] = json!({});
            }
            review["metadata"]["annotations"][EXPLANATION] = json!(d.explain_lines().join("\n"));
            let status = json!({"allowed": d.allowed, "reason": d.reason});
            asked = Some((q, d));
            status
        }
        _ => {
            let ns = field(&spec, "namespace");
            let rules = policy.rules_for(user, Some(ns.as_str()).filter(|n| !n.is_empty()));
            let (mut resource, mut non_resource) = (Vec::new(), Vec::new());
            for g in rules {
                let r = &g.rule;
                if let Some(urls) = r.non_resource_urls.clone().filter(|u| !u.is_empty()) {
                    non_resource.push(json!({"verbs": r.verbs, "nonResourceURLs": urls}));
                } else {
                    resource.push(json!({"verbs": r.verbs, "apiGroups": r.api_groups,
                        "resources": r.resources, "resourceNames": r.resource_names}));
                }
            }
            json!({"resourceRules": resource, "nonResourceRules": non_resource, "incomplete": false})
        }
    };
    (Reply::json(201, review), asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_carries_the_verdict() {
        let p = Policy::from_yaml("", "none").unwrap();
        let body = br#"{"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}"#;
        let jane = UserInfo::new("jane", &[]);
        let r = answer("SelfSubjectAccessReview", &p, &jane, body).0;
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!((r.code, &v["status"]["allowed"]), (201, &json!(false)));
        let admin = UserInfo::new("admin", &["system:masters".to_string()]);
        let v: Value =
            serde_json::from_slice(&answer("SelfSubjectAccessReview", &p, &admin, body).0.body)
                .unwrap();
        assert_eq!(v["status"]["allowed"], json!(true));
        assert_eq!(
            answer("SelfSubjectAccessReview", &p, &jane, br#"{"spec":{}}"#)
                .0
                .code,
            422
        );
        assert_eq!(
            answer("SelfSubjectAccessReview", &p, &jane, b"[").0.code,
            400
        );
        let v: Value = serde_json::from_slice(
            &answer(
                "SelfSubjectRulesReview",
                &p,
                &admin,
                br#"{"spec":{"namespace":"x"}}"#,
            )
            .0
            .body,
        )
        .unwrap();
        assert!(!v["status"]["resourceRules"].as_array().unwrap().is_empty());
    }

    #[test]
    fn a_subject_access_review_asks_about_the_user_in_its_spec_as_given() {
        let p = Policy::from_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: dev}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: jane-reads, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: User, name: jane}]
"#,
            "policy.yaml",
        )
        .unwrap();
        let admin = UserInfo::new("admin", &["system:masters".to_string()]);
        let ask = |ns: &str, meta: &str| {
            let body = format!(
                r#"{{"metadata":{meta},"spec":{{"user":"jane","resourceAttributes":{{"namespace":"{ns}","verb":"list","resource":"pods"}}}}}}"#
            );
            let (r, asked) = answer("SubjectAccessReview", &p, &admin, body.as_bytes());
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            (r.code, v, asked)
        };
        let (code, v, asked) = ask("dev", "{}");
        assert_eq!((code, &v["status"]["allowed"]), (201, &json!(true)));
        let (q, d) = asked.unwrap();
        // The user as given: no group is added.
        assert_eq!((q.user.name.as_str(), q.user.groups.len()), ("jane", 0));
        let why = v["metadata"]["annotations"][EXPLANATION].as_str().unwrap();
        assert!(why.contains("RoleBinding \"jane-reads/dev\""), "{why}");
        assert_eq!(why, d.explain_lines().join("\n"));
        // Metadata of another shape does not stop the answer.
        let (code, v, _) = ask("default", "\"odd\"");
        assert_eq!((code, &v["status"]["allowed"]), (201, &json!(false)));
        let nobody = br#"{"spec":{"resourceAttributes":{"verb":"list","resource":"pods"}}}"#;
        let (r, asked) = answer("SubjectAccessReview", &p, &admin, nobody);
        assert_eq!((r.code, asked.is_none()), (422, true));
    }
}
