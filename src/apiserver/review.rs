//! `SelfSubjectAccessReview` and `SelfSubjectRulesReview` (`authorization.k8s.io/v1`): the
//! caller asks the RBAC authorizer about itself, which is what `kubectl auth can-i` and
//! `kubectl auth can-i --list` send. Nothing is stored.

use super::server::{Reply, status};
use crate::rbac::{Policy, Request, ResourceAttributes, Target, UserInfo};
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

/// Answers a review posted as `body` (JSON) by `user`.
pub fn answer(kind: &str, policy: &Policy, user: &UserInfo, body: &[u8]) -> Reply {
    let mut review: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return status(400, "BadRequest", "the body is not a JSON object", None),
    };
    let spec = review.get("spec").cloned().unwrap_or(json!({}));
    review["status"] = match kind {
        "SelfSubjectAccessReview" => {
            let Some(q) = question(user, &spec) else {
                return status(
                    422,
                    "Invalid",
                    "SelfSubjectAccessReview is invalid: spec: one of resourceAttributes and nonResourceAttributes must be set",
                    None,
                );
            };
            let d = policy.authorize(&q);
            json!({"allowed": d.allowed, "reason": d.reason})
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
    Reply::json(201, review)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_carries_the_verdict() {
        let p = Policy::from_yaml("", "none").unwrap();
        let body = br#"{"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}"#;
        let jane = UserInfo::new("jane", &[]);
        let r = answer("SelfSubjectAccessReview", &p, &jane, body);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!((r.code, &v["status"]["allowed"]), (201, &json!(false)));
        let admin = UserInfo::new("admin", &["system:masters".to_string()]);
        let v: Value =
            serde_json::from_slice(&answer("SelfSubjectAccessReview", &p, &admin, body).body)
                .unwrap();
        assert_eq!(v["status"]["allowed"], json!(true));
        assert_eq!(
            answer("SelfSubjectAccessReview", &p, &jane, br#"{"spec":{}}"#).code,
            422
        );
        assert_eq!(answer("SelfSubjectAccessReview", &p, &jane, b"[").code, 400);
        let v: Value = serde_json::from_slice(
            &answer(
                "SelfSubjectRulesReview",
                &p,
                &admin,
                br#"{"spec":{"namespace":"x"}}"#,
            )
            .body,
        )
        .unwrap();
        assert!(!v["status"]["resourceRules"].as_array().unwrap().is_empty());
    }
}
