//! The verdict and its explanation. A request is allowed when any rule of any binding that
//! applies to it matches; RBAC has no deny rules, so a "no" is explained by what came close:
//! the rules of the subject's bindings that matched some fields but not all, and the
//! RoleBindings that would have allowed it in another namespace.

use super::SUPERUSER_GROUP;
use super::policy::{BindingRef, Policy, SubjectRef};
use super::request::{Request, Target};
use super::rule::{self, Field, FieldMiss};
use k8s_openapi::api::rbac::v1::PolicyRule;
use serde::{Deserialize, Serialize};

/// The binding, subject and rule that allowed a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub binding: BindingRef,
    pub subject: SubjectRef,
    /// Index into the role's (effective) rules.
    pub rule_index: usize,
    pub rule: PolicyRule,
}

/// A rule of a binding that applies to the subject, that matched some fields of the request
/// but not all; or a binding whose role does not exist (`rule: None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NearMiss {
    pub binding: BindingRef,
    pub subject: SubjectRef,
    pub rule_index: Option<usize>,
    pub rule: Option<PolicyRule>,
    pub matched: Vec<Field>,
    pub failed: Vec<FieldMiss>,
    /// One sentence: what was missing.
    pub why: String,
}

/// The verdict. `reason` is one sentence in the apiserver's words; the other fields are
/// filled for a denial only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
    pub grant: Option<Grant>,
    /// Fewest failed fields first.
    pub near_misses: Vec<NearMiss>,
    /// RoleBindings naming the subject whose rules match the request, but which live in
    /// another namespace (or the request is cluster-scoped, where no RoleBinding counts).
    pub other_namespaces: Vec<BindingRef>,
}

impl Decision {
    /// The explanation as lines of text, for the CLI and the headless runner.
    pub fn explain_lines(&self) -> Vec<String> {
        let mut out = vec![self.reason.clone()];
        if let Some(g) = &self.grant {
            out.push(format!(
                "  rule {} of {} {:?}: {}",
                g.rule_index + 1,
                g.binding.role.kind,
                g.binding.role.name,
                rule::describe(&g.rule)
            ));
            out.push(format!("  binding read from {}", g.binding.source));
        }
        if !self.near_misses.is_empty() {
            out.push("near misses:".into());
            for m in &self.near_misses {
                let rule = match (&m.rule_index, &m.rule) {
                    (Some(i), Some(r)) => format!(" rule {}: {}", i + 1, rule::describe(r)),
                    _ => String::new(),
                };
                out.push(format!(
                    "  {} to {}{rule}",
                    m.binding.describe(),
                    m.subject.describe()
                ));
                out.push(format!("    {}", m.why));
            }
        }
        if !self.other_namespaces.is_empty() {
            out.push("would be allowed elsewhere:".into());
            for b in &self.other_namespaces {
                let ns = b.namespace.as_deref().unwrap_or("");
                out.push(format!(
                    "  {} applies only in namespace {ns:?}",
                    b.describe()
                ));
            }
        }
        out
    }
}

impl Policy {
    /// The verdict alone, without the explanation: for callers that ask many questions
    /// at once (the access matrix).
    pub fn allows(&self, req: &Request) -> bool {
        if req.user.in_group(SUPERUSER_GROUP) {
            return true;
        }
        let ns = req.target.namespace();
        self.candidates(&req.user).into_iter().any(|i| {
            let b = &self.bindings[i];
            b.applies_in(ns)
                && b.subject_for(&req.user).is_some()
                && b.rules
                    .as_ref()
                    .is_some_and(|rs| rs.iter().any(|r| rule::allows(r, &req.verb, &req.target)))
        })
    }

    /// Authorizes one request, as the apiserver's RBAC authorizer does, and explains it.
    pub fn authorize(&self, req: &Request) -> Decision {
        let user = &req.user;
        if user.in_group(SUPERUSER_GROUP) {
            return Decision {
                allowed: true,
                reason: format!(
                    "allowed: User {:?} is in group {SUPERUSER_GROUP:?}, which the apiserver \
                     allows everything before RBAC is asked",
                    user.name
                ),
                grant: None,
                near_misses: Vec::new(),
                other_namespaces: Vec::new(),
            };
        }
        let ns = req.target.namespace();
        let candidates = self.candidates(user);
        for &i in &candidates {
            let b = &self.bindings[i];
            if !b.applies_in(ns) {
                continue;
            }
            let (Some(rules), Some(subject)) = (&b.rules, b.subject_for(user)) else {
                continue;
            };
            if let Some(idx) = rules
                .iter()
                .position(|r| rule::allows(r, &req.verb, &req.target))
            {
                return Decision {
                    allowed: true,
                    reason: format!(
                        "RBAC: allowed by {} to {}",
                        b.reference.describe(),
                        subject.describe()
                    ),
                    grant: Some(Grant {
                        binding: b.reference.clone(),
                        subject: subject.clone(),
                        rule_index: idx,
                        rule: rules[idx].clone(),
                    }),
                    near_misses: Vec::new(),
                    other_namespaces: Vec::new(),
                };
            }
        }
        self.explain_denial(req, &candidates)
    }

    fn explain_denial(&self, req: &Request, candidates: &[usize]) -> Decision {
        let user = &req.user;
        let ns = req.target.namespace();
        let mut near_misses = Vec::new();
        let mut other_namespaces = Vec::new();
        for &i in candidates {
            let b = &self.bindings[i];
            let Some(subject) = b.subject_for(user) else {
                continue;
            };
            if !b.applies_in(ns) {
                if b.rules
                    .as_ref()
                    .is_some_and(|rs| rs.iter().any(|r| rule::allows(r, &req.verb, &req.target)))
                {
                    other_namespaces.push(b.reference.clone());
                }
                continue;
            }
            let Some(rules) = &b.rules else {
                near_misses.push(NearMiss {
                    binding: b.reference.clone(),
                    subject: subject.clone(),
                    rule_index: None,
                    rule: None,
                    matched: Vec::new(),
                    failed: Vec::new(),
                    why: format!(
                        "{} {:?} does not exist, so this binding grants nothing",
                        b.reference.role.kind, b.reference.role.name
                    ),
                });
                continue;
            };
            for (idx, r) in rules.iter().enumerate() {
                // A URL rule is never "near" a resource request, nor the other way round.
                if !rule::same_kind(r, &req.target) {
                    continue;
                }
                let Some((matched, failed)) = rule::near_miss(r, &req.verb, &req.target) else {
                    continue;
                };
                let why = failed
                    .iter()
                    .map(|f| f.why.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                near_misses.push(NearMiss {
                    binding: b.reference.clone(),
                    subject: subject.clone(),
                    rule_index: Some(idx),
                    rule: Some(r.clone()),
                    matched,
                    failed,
                    why,
                });
            }
        }
        // A missing role first (it is the whole story), then fewest failed fields.
        near_misses.sort_by_key(|m| (m.rule.is_some(), m.failed.len()));
        let what = match &req.target {
            Target::Resource(_) => req.target.describe(),
            Target::NonResource { path } => format!("{path:?}"),
        };
        Decision {
            allowed: false,
            reason: format!(
                "RBAC: no binding allows User {:?} (groups {:?}) to {} {what}",
                user.name, user.groups, req.verb
            ),
            grant: None,
            near_misses,
            other_namespaces,
        }
    }
}
