//! The RBAC authorizer's semantics, case by case, as the apiserver behaves: rule matching,
//! scoping, subjects, aggregation, escalation prevention, explanations and loading.

use contlab::rbac::{Decision, Field, Policy, RbacObject, Request, Scope, Target, UserInfo, load};

const HEAD_CR: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n";
const HEAD_CRB: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n";

fn policy(yaml: &str) -> Policy {
    match Policy::from_yaml(yaml, "test.yaml") {
        Ok(p) => p,
        Err(e) => panic!("the test policy should load: {e}"),
    }
}

/// A ClusterRole `r` with these rules, bound cluster-wide to User alice.
fn grant_alice(rules: &str) -> Policy {
    policy(&format!(
        "{HEAD_CR}metadata:\n  name: r\nrules:\n{rules}\n---\n{HEAD_CRB}metadata:\n  name: b\n\
         subjects:\n- kind: User\n  name: alice\nroleRef:\n  kind: ClusterRole\n  name: r\n  \
         apiGroup: rbac.authorization.k8s.io\n"
    ))
}

fn user(name: &str) -> UserInfo {
    UserInfo::new(name, &[])
}

fn ask(
    p: &Policy,
    u: &UserInfo,
    verb: &str,
    res: &str,
    ns: Option<&str>,
    name: Option<&str>,
) -> Decision {
    let target = match Target::parse(res).expect("a valid resource") {
        Target::Resource(mut r) => {
            r.namespace = ns.map(str::to_string);
            r.name = name.map(str::to_string);
            Target::Resource(r)
        }
        t => t,
    };
    p.authorize(&Request::new(u.clone(), verb, target))
}

fn can(
    p: &Policy,
    u: &UserInfo,
    verb: &str,
    res: &str,
    ns: Option<&str>,
    name: Option<&str>,
) -> bool {
    ask(p, u, verb, res, ns, name).allowed
}

fn alice_can(p: &Policy, verb: &str, res: &str) -> bool {
    can(p, &user("alice"), verb, res, Some("default"), None)
}

const POD_GET: &str = "- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\"]";

// ---- verbs and apiGroups ----

#[test]
fn verb_must_be_listed_exactly() {
    let p = grant_alice(POD_GET);
    assert!(alice_can(&p, "get", "pods"));
    assert!(!alice_can(&p, "list", "pods"));
    assert!(!alice_can(&p, "delete", "pods"));
}

#[test]
fn verb_star_matches_every_verb() {
    let p = grant_alice("- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"*\"]");
    for v in ["get", "list", "delete", "deletecollection", "escalate"] {
        assert!(alice_can(&p, v, "pods"), "{v}");
    }
}

#[test]
fn verbs_are_case_sensitive() {
    let p = grant_alice("- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"Get\"]");
    assert!(!alice_can(&p, "get", "pods"));
    assert!(alice_can(&p, "Get", "pods"));
}

#[test]
fn api_group_must_match_exactly() {
    let p =
        grant_alice("- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\"]");
    assert!(alice_can(&p, "get", "deployments.apps"));
    assert!(
        !alice_can(&p, "get", "deployments"),
        "core group is not apps"
    );
    assert!(!alice_can(&p, "get", "deployments.extensions"));
}

#[test]
fn api_group_star_matches_every_group() {
    let p = grant_alice("- apiGroups: [\"*\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\"]");
    assert!(alice_can(&p, "get", "deployments.apps"));
    assert!(alice_can(&p, "get", "deployments"));
    assert!(!alice_can(&p, "get", "pods"));
}

// ---- resources and subresources ----

#[test]
fn resources_are_exact_and_case_sensitive() {
    let p = grant_alice("- apiGroups: [\"\"]\n  resources: [\"Pods\"]\n  verbs: [\"get\"]");
    assert!(!alice_can(&p, "get", "pods"));
    assert!(alice_can(&p, "get", "Pods"));
}

#[test]
fn a_resource_does_not_cover_its_subresources() {
    let p = grant_alice(POD_GET);
    assert!(!alice_can(&p, "get", "pods/log"));
    assert!(!alice_can(&p, "get", "pods/exec"));
}

#[test]
fn a_subresource_rule_covers_only_that_subresource() {
    let p = grant_alice("- apiGroups: [\"\"]\n  resources: [\"pods/log\"]\n  verbs: [\"get\"]");
    assert!(alice_can(&p, "get", "pods/log"));
    assert!(!alice_can(&p, "get", "pods"));
    assert!(!alice_can(&p, "get", "pods/exec"));
}

#[test]
fn star_slash_subresource_covers_that_subresource_of_anything() {
    let p = grant_alice("- apiGroups: [\"*\"]\n  resources: [\"*/scale\"]\n  verbs: [\"update\"]");
    assert!(alice_can(&p, "update", "deployments.apps/scale"));
    assert!(alice_can(&p, "update", "replicasets.apps/scale"));
    assert!(!alice_can(&p, "update", "deployments.apps"));
    assert!(!alice_can(&p, "update", "deployments.apps/status"));
}

#[test]
fn resource_star_covers_resources_and_subresources() {
    let p = grant_alice("- apiGroups: [\"\"]\n  resources: [\"*\"]\n  verbs: [\"get\"]");
    assert!(alice_can(&p, "get", "pods"));
    assert!(alice_can(&p, "get", "secrets"));
    assert!(alice_can(&p, "get", "pods/exec"));
}

// ---- resourceNames ----

#[test]
fn resource_names_restrict_to_named_objects() {
    let p = grant_alice(
        "- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  resourceNames: [\"web\"]\n  verbs: [\"get\", \"list\", \"create\"]",
    );
    let a = user("alice");
    assert!(can(
        &p,
        &a,
        "get",
        "configmaps",
        Some("default"),
        Some("web")
    ));
    assert!(!can(
        &p,
        &a,
        "get",
        "configmaps",
        Some("default"),
        Some("db")
    ));
}

#[test]
fn resource_names_never_match_a_request_without_a_name() {
    let p = grant_alice(
        "- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  resourceNames: [\"web\"]\n  verbs: [\"get\", \"list\", \"watch\", \"create\"]",
    );
    for v in ["list", "watch", "create"] {
        assert!(!alice_can(&p, v, "configmaps"), "{v} has no name");
    }
    let d = ask(
        &p,
        &user("alice"),
        "list",
        "configmaps",
        Some("default"),
        None,
    );
    let m = &d.near_misses[0];
    assert_eq!(m.failed.len(), 1);
    assert_eq!(m.failed[0].field, Field::ResourceNames);
}

#[test]
fn empty_resource_names_allow_any_name() {
    let p = grant_alice(POD_GET);
    assert!(can(
        &p,
        &user("alice"),
        "get",
        "pods",
        Some("default"),
        Some("anything")
    ));
}

// ---- nonResourceURLs ----

#[test]
fn non_resource_urls_exact() {
    let p = grant_alice("- nonResourceURLs: [\"/healthz\"]\n  verbs: [\"get\"]");
    assert!(alice_can(&p, "get", "/healthz"));
    assert!(!alice_can(&p, "get", "/healthz/ready"));
    assert!(!alice_can(&p, "post", "/healthz"));
}

#[test]
fn non_resource_url_prefix_ending_in_star() {
    let p = grant_alice("- nonResourceURLs: [\"/metrics/*\"]\n  verbs: [\"get\"]");
    assert!(alice_can(&p, "get", "/metrics/cadvisor"));
    assert!(alice_can(&p, "get", "/metrics/"));
    assert!(!alice_can(&p, "get", "/metrics"));
    assert!(!alice_can(&p, "get", "/metricsx"));
}

#[test]
fn non_resource_url_star_matches_every_path() {
    let p = grant_alice("- nonResourceURLs: [\"*\"]\n  verbs: [\"get\"]");
    assert!(alice_can(&p, "get", "/"));
    assert!(alice_can(&p, "get", "/version"));
}

#[test]
fn url_rules_and_resource_rules_do_not_cross() {
    let p = grant_alice(
        "- nonResourceURLs: [\"*\"]\n  verbs: [\"*\"]\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"get\"]",
    );
    assert!(alice_can(&p, "delete", "/logs"));
    assert!(
        !alice_can(&p, "delete", "pods"),
        "the URL rule's verbs are not the resource rule's"
    );
}

// ---- scoping ----

const SCOPED: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: dev}
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: prod}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: viewer}
rules:
- apiGroups: [""]
  resources: ["pods", "nodes"]
  verbs: ["list"]
- nonResourceURLs: ["/version"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reader, namespace: dev}
subjects: [{kind: User, name: alice}]
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-viewer, namespace: dev}
subjects: [{kind: User, name: alice}]
roleRef: {kind: ClusterRole, name: viewer, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-viewer}
subjects: [{kind: User, name: bob}]
roleRef: {kind: ClusterRole, name: viewer, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: carol-ghost, namespace: dev}
subjects: [{kind: User, name: carol}]
roleRef: {kind: Role, name: ghost, apiGroup: rbac.authorization.k8s.io}
"#;

#[test]
fn role_binding_grants_only_in_its_namespace() {
    let p = policy(SCOPED);
    let a = user("alice");
    assert!(can(&p, &a, "get", "pods", Some("dev"), None));
    assert!(!can(&p, &a, "get", "pods", Some("prod"), None));
    assert!(!can(&p, &a, "get", "pods", None, None));
}

#[test]
fn role_binding_resolves_a_role_in_its_own_namespace() {
    // prod's Role "reader" (secrets) is not dev's Role "reader" (pods).
    let p = policy(SCOPED);
    assert!(!can(
        &p,
        &user("alice"),
        "get",
        "secrets",
        Some("dev"),
        None
    ));
}

#[test]
fn role_binding_to_cluster_role_grants_only_in_that_namespace() {
    let p = policy(SCOPED);
    let a = user("alice");
    assert!(can(&p, &a, "list", "pods", Some("dev"), None));
    assert!(!can(&p, &a, "list", "pods", Some("prod"), None));
}

#[test]
fn role_binding_to_cluster_role_never_grants_cluster_scoped_requests() {
    let p = policy(SCOPED);
    let a = user("alice");
    assert!(!can(&p, &a, "list", "nodes", None, None));
    assert!(!can(&p, &a, "get", "/version", None, None));
    let d = ask(&p, &a, "list", "nodes", None, None);
    assert!(d.other_namespaces.iter().any(|b| b.name == "alice-viewer"));
}

#[test]
fn cluster_role_binding_applies_everywhere() {
    let p = policy(SCOPED);
    let b = user("bob");
    assert!(can(&p, &b, "list", "pods", Some("dev"), None));
    assert!(can(&p, &b, "list", "pods", Some("anywhere"), None));
    assert!(can(&p, &b, "list", "nodes", None, None));
    assert!(can(&p, &b, "get", "/version", None, None));
}

#[test]
fn binding_to_a_missing_role_grants_nothing_and_says_so() {
    let p = policy(SCOPED);
    let d = ask(&p, &user("carol"), "get", "pods", Some("dev"), None);
    assert!(!d.allowed);
    assert!(
        d.near_misses
            .iter()
            .any(|m| m.rule.is_none() && m.why.contains("does not exist"))
    );
}

// ---- subjects ----

const SUBJECTS: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pods}
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team, namespace: ci}
subjects:
- {kind: Group, name: team}
- {kind: ServiceAccount, name: builder}
- {kind: ServiceAccount, name: tester, namespace: qa}
roleRef: {kind: ClusterRole, name: pods, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: loose-sa}
subjects:
- {kind: ServiceAccount, name: orphan}
roleRef: {kind: ClusterRole, name: pods, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-sa-in-ops}
subjects:
- {kind: Group, name: "system:serviceaccounts:ops"}
roleRef: {kind: ClusterRole, name: pods, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: authenticated}
subjects:
- {kind: Group, name: "system:authenticated"}
roleRef: {kind: ClusterRole, name: pods, apiGroup: rbac.authorization.k8s.io}
"#;

#[test]
fn user_subjects_match_the_exact_name() {
    let p = policy(SCOPED);
    assert!(!can(&p, &user("Alice"), "get", "pods", Some("dev"), None));
    assert!(!can(&p, &user("alice2"), "get", "pods", Some("dev"), None));
}

#[test]
fn group_subjects_match_members() {
    let p = policy(
        SUBJECTS
            .replace("system:authenticated", "nobody-group")
            .as_str(),
    );
    let member = UserInfo::new("dana", &["team".to_string()]);
    assert!(can(&p, &member, "get", "pods", Some("ci"), None));
    let d = ask(&p, &member, "get", "pods", Some("ci"), None);
    assert!(d.reason.contains("to Group \"team\""), "{}", d.reason);
}

#[test]
fn every_authenticated_user_is_in_system_authenticated_but_anonymous_is_not() {
    let p = policy(SUBJECTS);
    assert!(can(&p, &user("anyone"), "get", "pods", Some("x"), None));
    let anon = UserInfo::new("system:anonymous", &[]);
    assert!(anon.in_group("system:unauthenticated"));
    assert!(!can(&p, &anon, "get", "pods", Some("x"), None));
    let bare = UserInfo::exact("anyone", &[]);
    assert!(!can(&p, &bare, "get", "pods", Some("x"), None));
}

#[test]
fn service_account_users_get_their_groups() {
    let u = UserInfo::new("system:serviceaccount:ops:robot", &[]);
    for g in [
        "system:serviceaccounts",
        "system:serviceaccounts:ops",
        "system:authenticated",
    ] {
        assert!(u.in_group(g), "{g}");
    }
    assert!(!UserInfo::new("system:serviceaccount:broken", &[]).in_group("system:serviceaccounts"));
}

#[test]
fn service_account_group_bindings_apply_to_that_namespace_only() {
    let p = policy(
        SUBJECTS
            .replace("system:authenticated", "nobody-group")
            .as_str(),
    );
    let ops = UserInfo::new("system:serviceaccount:ops:robot", &[]);
    let dev = UserInfo::new("system:serviceaccount:dev:robot", &[]);
    assert!(can(&p, &ops, "get", "pods", Some("z"), None));
    assert!(!can(&p, &dev, "get", "pods", Some("z"), None));
}

#[test]
fn service_account_without_namespace_takes_the_role_bindings() {
    let p = policy(
        SUBJECTS
            .replace("system:authenticated", "nobody-group")
            .as_str(),
    );
    let builder = UserInfo::new("system:serviceaccount:ci:builder", &[]);
    assert!(can(&p, &builder, "get", "pods", Some("ci"), None));
    let d = ask(&p, &builder, "get", "pods", Some("ci"), None);
    assert!(
        d.reason.contains("ServiceAccount \"builder/ci\""),
        "{}",
        d.reason
    );
    let other = UserInfo::new("system:serviceaccount:qa:builder", &[]);
    assert!(!can(&p, &other, "get", "pods", Some("ci"), None));
    // A subject with its own namespace keeps it, even in a RoleBinding elsewhere.
    let tester = UserInfo::new("system:serviceaccount:qa:tester", &[]);
    assert!(can(&p, &tester, "get", "pods", Some("ci"), None));
}

#[test]
fn service_account_without_namespace_in_a_cluster_role_binding_matches_nobody() {
    let p = policy(
        SUBJECTS
            .replace("system:authenticated", "nobody-group")
            .as_str(),
    );
    for ns in ["default", "ci", ""] {
        let u = UserInfo::new(&format!("system:serviceaccount:{ns}:orphan"), &[]);
        assert!(!can(&p, &u, "get", "pods", Some("ci"), None), "{ns}");
    }
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("orphan") && w.contains("matches nobody"))
    );
}

#[test]
fn who_can_fills_a_service_accounts_namespace_and_leaves_out_one_that_has_none() {
    let p = policy(
        SUBJECTS
            .replace("system:authenticated", "nobody-group")
            .as_str(),
    );
    let mut r = contlab::rbac::ResourceAttributes::parse("pods").expect("pods");
    r.namespace = Some("ci".into());
    let w = p.who_can("get", &Target::Resource(r));
    let who: Vec<String> = w.subjects.iter().map(|e| e.subject.describe()).collect();
    // ClusterRoleBindings first; the orphan of "loose-sa" is nobody and not listed.
    assert_eq!(
        who,
        [
            "Group \"system:serviceaccounts:ops\"",
            "Group \"nobody-group\"",
            "Group \"team\"",
            "ServiceAccount \"builder/ci\"",
            "ServiceAccount \"tester/qa\"",
        ]
    );
}

#[test]
fn system_masters_is_allowed_everything_and_the_reason_says_why() {
    let p = policy(SCOPED);
    let root = UserInfo::new("root", &["system:masters".to_string()]);
    let d = ask(&p, &root, "delete", "nodes", None, None);
    assert!(d.allowed);
    assert!(d.reason.contains("system:masters"));
    assert!(can(&p, &root, "get", "/anything", None, None));
}

// ---- aggregation ----

const AGG: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: [""]
  resources: ["ignored-because-aggregated"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: b-endpoints
  labels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: [""]
  resources: ["endpoints"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: a-services
  labels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: [""]
  resources: ["services"]
  verbs: ["list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: c-unlabelled
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mon}
subjects: [{kind: User, name: alice}]
roleRef: {kind: ClusterRole, name: monitoring, apiGroup: rbac.authorization.k8s.io}
"#;

/// The effective rules of the aggregated ClusterRole `monitoring`.
fn monitoring_rules(p: &Policy) -> Vec<k8s_openapi::api::rbac::v1::PolicyRule> {
    p.role_rules("ClusterRole", "monitoring", None)
        .expect("the role")
        .to_vec()
}

#[test]
fn aggregation_by_match_labels_merges_selected_rules() {
    let p = policy(AGG);
    assert!(alice_can(&p, "get", "endpoints"));
    assert!(alice_can(&p, "list", "services"));
    assert!(!alice_can(&p, "get", "secrets"));
}

#[test]
fn aggregation_replaces_the_roles_own_rules() {
    let p = policy(AGG);
    assert!(!alice_can(&p, "get", "ignored-because-aggregated"));
}

#[test]
fn aggregation_merges_in_name_order_without_duplicates() {
    let resources: Vec<String> = monitoring_rules(&policy(AGG))
        .iter()
        .map(|r| r.resources.clone().unwrap_or_default().join(","))
        .collect();
    // a-services first (name order); its rule equals one of b-endpoints' and appears once.
    assert_eq!(resources, vec!["services", "endpoints"]);
}

#[test]
fn aggregation_keeps_rules_that_differ_only_in_order() {
    // The controller compares rules field by field, as written: the same verbs in another
    // order are another rule, and both are kept.
    let yaml = AGG.replace(
        "  resources: [\"services\"]\n  verbs: [\"list\"]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: c-unlabelled",
        "  resources: [\"services\"]\n  verbs: [\"list\", \"get\"]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: c-unlabelled",
    );
    assert_ne!(yaml, AGG);
    let yaml = yaml.replace(
        "  resources: [\"services\"]\n  verbs: [\"list\"]\n---",
        "  resources: [\"services\"]\n  verbs: [\"get\", \"list\"]\n---",
    );
    let verbs: Vec<String> = monitoring_rules(&policy(&yaml))
        .iter()
        .filter(|r| r.resources.as_deref() == Some(&["services".to_string()][..]))
        .map(|r| r.verbs.join(","))
        .collect();
    assert_eq!(verbs, vec!["list,get", "get,list"]);
}

#[test]
fn aggregation_by_match_expressions() {
    let yaml = AGG.replace(
        "  - matchLabels: {rbac.example.com/aggregate-to-monitoring: \"true\"}",
        "  - matchExpressions:\n    - {key: rbac.example.com/aggregate-to-monitoring, operator: In, values: [\"true\"]}\n    - {key: tier, operator: DoesNotExist}\n  - matchExpressions:\n    - {key: kind-of, operator: Exists}\n    - {key: kind-of, operator: NotIn, values: [\"secret\"]}",
    )
    .replace("  name: b-endpoints\n  labels: {", "  name: b-endpoints\n  labels: {tier: x, ")
    .replace("  name: c-unlabelled\n", "  name: c-unlabelled\n  labels: {kind-of: reader}\n");
    let p = policy(&yaml);
    assert!(
        !alice_can(&p, "get", "endpoints"),
        "b-endpoints has tier, excluded by DoesNotExist"
    );
    assert!(alice_can(&p, "list", "services"), "a-services: In");
    assert!(
        alice_can(&p, "get", "secrets"),
        "c-unlabelled: Exists and NotIn"
    );
}

#[test]
fn aggregation_is_transitive() {
    let yaml = format!(
        "{AGG}---\n{HEAD_CR}metadata:\n  name: top\naggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{to-top: \"yes\"}}\n---\n{HEAD_CRB}metadata: {{name: top-bob}}\nsubjects: [{{kind: User, name: bob}}]\nroleRef: {{kind: ClusterRole, name: top, apiGroup: rbac.authorization.k8s.io}}\n"
    )
    .replace("metadata: {name: monitoring}", "metadata: {name: monitoring, labels: {to-top: \"yes\"}}");
    let p = policy(&yaml);
    assert!(can(&p, &user("bob"), "get", "endpoints", Some("x"), None));
}

#[test]
fn an_aggregated_role_does_not_select_itself() {
    let yaml = AGG.replace(
        "metadata: {name: monitoring}",
        "metadata: {name: monitoring, labels: {rbac.example.com/aggregate-to-monitoring: \"true\"}}",
    );
    let p = policy(&yaml);
    let rules = p
        .role_rules("ClusterRole", "monitoring", None)
        .expect("the role");
    assert_eq!(rules.len(), 2);
}

#[test]
fn bad_match_expression_operator_is_an_error_at_its_line() {
    let yaml = AGG.replace(
        "  - matchLabels: {rbac.example.com/aggregate-to-monitoring: \"true\"}",
        "  - matchExpressions:\n    - {key: a, operator: Equals, values: [b]}",
    );
    let e = Policy::from_yaml(&yaml, "agg.yaml").expect_err("an unknown operator");
    assert!(e.to_string().starts_with("agg.yaml:7: "), "{e}");
    assert!(e.to_string().contains("Equals"));
}

// ---- escalation prevention ----

const ESC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: role-admin}
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: escalator}
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles"]
  verbs: ["escalate"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: binder}
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind"]
  resourceNames: ["secret-reader"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admins}
subjects: [{kind: User, name: alice}, {kind: User, name: erin}, {kind: User, name: bert}]
roleRef: {kind: ClusterRole, name: role-admin, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: erin-escalates, namespace: dev}
subjects: [{kind: User, name: erin}]
roleRef: {kind: ClusterRole, name: escalator, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bert-binds, namespace: dev}
subjects: [{kind: User, name: bert}]
roleRef: {kind: ClusterRole, name: binder, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: frank-secrets, namespace: dev}
subjects: [{kind: User, name: frank}]
roleRef: {kind: ClusterRole, name: secret-reader, apiGroup: rbac.authorization.k8s.io}
"#;

fn object(yaml: &str) -> RbacObject {
    let mut l = load::load_str(yaml, "new.yaml").expect("a valid object");
    assert_eq!(l.objects.len(), 1);
    l.objects.remove(0).object
}

fn new_role(ns: &str, rule: &str) -> RbacObject {
    object(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: new, namespace: {ns}}}\nrules:\n{rule}\n"
    ))
}

fn new_binding(kind: &str, ns: &str, role_kind: &str, role: &str) -> RbacObject {
    object(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {{name: nb, namespace: {ns}}}\nsubjects: [{{kind: User, name: zed}}]\nroleRef: {{kind: {role_kind}, name: {role}, apiGroup: rbac.authorization.k8s.io}}\n"
    ))
}

#[test]
fn creating_a_role_with_held_permissions_is_allowed() {
    let p = policy(ESC);
    let c = p.check_create(&user("alice"), &new_role("dev", POD_GET));
    assert!(c.allowed, "{}", c.reason);
    assert!(c.reason.contains("already holds"));
}

#[test]
fn creating_a_role_with_unheld_permissions_is_forbidden_and_lists_them() {
    let p = policy(ESC);
    let rule =
        "- apiGroups: [\"\"]\n  resources: [\"pods\", \"secrets\"]\n  verbs: [\"get\", \"delete\"]";
    let c = p.check_create(&user("alice"), &new_role("dev", rule));
    assert!(!c.allowed);
    assert!(c.reason.contains("not currently held"), "{}", c.reason);
    // get pods is held; delete pods, get secrets, delete secrets are not.
    assert_eq!(c.missing.len(), 3, "{:?}", c.missing);
}

#[test]
fn a_wildcard_is_only_covered_by_a_wildcard() {
    let p = policy(ESC);
    let c = p.check_create(
        &user("alice"),
        &new_role(
            "dev",
            "- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"*\"]",
        ),
    );
    assert!(!c.allowed, "holding get and list does not cover *");
}

#[test]
fn the_escalate_verb_lifts_the_check_in_its_namespace() {
    let p = policy(ESC);
    let rule = "- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  verbs: [\"delete\"]";
    let c = p.check_create(&user("erin"), &new_role("dev", rule));
    assert!(c.allowed, "{}", c.reason);
    assert!(c.reason.contains("escalate"));
    assert!(
        !p.check_create(&user("erin"), &new_role("prod", rule))
            .allowed
    );
}

#[test]
fn creating_needs_the_create_verb_first() {
    let p = policy(ESC);
    let c = p.check_create(&user("frank"), &new_role("dev", POD_GET));
    assert!(!c.allowed);
    assert!(c.reason.starts_with("cannot create roles"), "{}", c.reason);
}

#[test]
fn binding_a_role_whose_permissions_are_held_is_allowed() {
    let p = policy(ESC);
    let c = p.check_create(
        &user("alice"),
        &new_binding("RoleBinding", "dev", "ClusterRole", "pod-reader"),
    );
    assert!(c.allowed, "{}", c.reason);
}

#[test]
fn binding_a_role_whose_permissions_are_not_held_is_forbidden() {
    let p = policy(ESC);
    let c = p.check_create(
        &user("alice"),
        &new_binding("RoleBinding", "dev", "ClusterRole", "secret-reader"),
    );
    assert!(!c.allowed);
    assert_eq!(c.missing.len(), 1);
}

#[test]
fn the_bind_verb_lifts_the_check_for_the_named_role_only() {
    let p = policy(ESC);
    let ok = p.check_create(
        &user("bert"),
        &new_binding("RoleBinding", "dev", "ClusterRole", "secret-reader"),
    );
    assert!(ok.allowed, "{}", ok.reason);
    assert!(ok.reason.contains("bind"));
    let other = p.check_create(
        &user("bert"),
        &new_binding("RoleBinding", "dev", "ClusterRole", "escalator"),
    );
    assert!(!other.allowed, "bind is limited by resourceNames");
    let elsewhere = p.check_create(
        &user("bert"),
        &new_binding("RoleBinding", "prod", "ClusterRole", "secret-reader"),
    );
    assert!(!elsewhere.allowed, "bind was granted in dev only");
}

#[test]
fn cluster_role_binding_needs_cluster_wide_permissions() {
    // frank holds get secrets only in dev, and cannot create clusterrolebindings anyway;
    // alice holds get pods cluster-wide.
    let p = policy(ESC);
    let crb = |role: &str| {
        object(&format!(
            "{HEAD_CRB}metadata: {{name: nb}}\nsubjects: [{{kind: User, name: zed}}]\nroleRef: {{kind: ClusterRole, name: {role}, apiGroup: rbac.authorization.k8s.io}}\n"
        ))
    };
    assert!(p.check_create(&user("alice"), &crb("pod-reader")).allowed);
    assert!(
        !p.check_create(&user("alice"), &crb("secret-reader"))
            .allowed
    );
}

#[test]
fn binding_a_missing_role_is_forbidden() {
    let p = policy(ESC);
    let c = p.check_create(
        &user("alice"),
        &new_binding("RoleBinding", "dev", "Role", "nope"),
    );
    assert!(!c.allowed);
    assert!(c.reason.contains("does not exist"), "{}", c.reason);
}

#[test]
fn an_aggregation_rule_needs_full_authority() {
    let p = policy(ESC);
    let agg = object(&format!(
        "{HEAD_CR}metadata: {{name: agg}}\naggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{x: y}}\n"
    ));
    let c = p.check_create(&user("alice"), &agg);
    assert!(!c.allowed);
    assert!(c.reason.contains("aggregationRule"), "{}", c.reason);
}

#[test]
fn system_masters_skips_escalation_checks() {
    let p = policy(ESC);
    let root = UserInfo::new("root", &["system:masters".to_string()]);
    let c = p.check_create(
        &root,
        &new_binding("RoleBinding", "dev", "ClusterRole", "secret-reader"),
    );
    assert!(c.allowed);
    assert!(c.reason.contains("system:masters"));
}

// ---- explanations ----

#[test]
fn allowed_reason_names_role_binding_role_and_user_like_the_apiserver() {
    let p = policy(SCOPED);
    let d = ask(&p, &user("alice"), "list", "pods", Some("dev"), None);
    assert_eq!(
        d.reason,
        "RBAC: allowed by RoleBinding \"alice-viewer/dev\" of ClusterRole \"viewer\" to User \"alice\""
    );
    let g = d.grant.expect("a grant");
    assert_eq!(g.rule_index, 0);
    assert_eq!(g.binding.source.line, 34);
}

#[test]
fn allowed_reason_for_a_cluster_role_binding_to_a_group() {
    let p = policy(SUBJECTS);
    let d = ask(&p, &user("zoe"), "get", "pods", Some("x"), None);
    assert_eq!(
        d.reason,
        "RBAC: allowed by ClusterRoleBinding \"authenticated\" of ClusterRole \"pods\" to Group \"system:authenticated\""
    );
}

#[test]
fn denial_lists_near_misses_with_the_failing_field() {
    let p = policy(SCOPED);
    let d = ask(&p, &user("alice"), "delete", "pods", Some("dev"), None);
    assert!(!d.allowed);
    assert!(d.grant.is_none());
    let first = &d.near_misses[0];
    assert_eq!(first.failed.len(), 1);
    assert_eq!(first.failed[0].field, Field::Verbs);
    assert!(first.matched.contains(&Field::Resources));
    // The /version URL rule is never a near miss for a resource request.
    assert!(d.near_misses.iter().all(|m| {
        m.rule
            .as_ref()
            .is_some_and(|r| r.non_resource_urls.is_none())
    }));
}

#[test]
fn denial_names_bindings_that_would_apply_in_another_namespace() {
    let p = policy(SCOPED);
    let d = ask(&p, &user("alice"), "get", "pods", Some("prod"), None);
    let names: Vec<&str> = d.other_namespaces.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, vec!["alice-reader"]);
    assert_eq!(d.other_namespaces[0].namespace.as_deref(), Some("dev"));
    let text = d.explain_lines().join("\n");
    assert!(text.contains("applies only in namespace \"dev\""), "{text}");
}

#[test]
fn decisions_serialise_to_json_and_back() {
    let p = policy(SCOPED);
    let d = ask(&p, &user("alice"), "delete", "pods", Some("dev"), None);
    let j = serde_json::to_value(&d).expect("serialisable");
    assert_eq!(j["allowed"], false);
    assert_eq!(j["near_misses"][0]["failed"][0]["field"], "verbs");
    let back: Decision = serde_json::from_value(j).expect("deserialisable");
    assert_eq!(back, d);
}

// ---- queries ----

#[test]
fn rules_for_marks_namespaced_and_cluster_wide_rules() {
    let p = policy(&format!(
        "{SCOPED}---\n{HEAD_CRB}metadata: {{name: alice-too}}\nsubjects: [{{kind: User, name: alice}}]\nroleRef: {{kind: ClusterRole, name: viewer, apiGroup: rbac.authorization.k8s.io}}\n"
    ));
    let a = user("alice");
    let in_dev = p.rules_for(&a, Some("dev"));
    assert!(
        in_dev
            .iter()
            .any(|g| g.scope == Scope::Namespaced("dev".into()))
    );
    assert!(in_dev.iter().any(|g| g.scope == Scope::ClusterWide));
    let cluster = p.rules_for(&a, None);
    assert!(!cluster.is_empty());
    assert!(cluster.iter().all(|g| g.scope == Scope::ClusterWide));
}

#[test]
fn who_can_lists_subjects_with_their_bindings() {
    let p = policy(SCOPED);
    let t = |ns: &str| {
        let mut r = contlab::rbac::ResourceAttributes::parse("pods").expect("pods");
        r.namespace = Some(ns.into());
        Target::Resource(r)
    };
    let w = p.who_can("list", &t("dev"));
    let who: Vec<(String, String)> = w
        .subjects
        .iter()
        .map(|e| (e.subject.name.clone(), e.binding.name.clone()))
        .collect();
    assert_eq!(
        who,
        vec![
            ("bob".into(), "bob-viewer".into()),
            ("alice".into(), "alice-viewer".into())
        ]
    );
    let w = p.who_can("list", &t("prod"));
    assert_eq!(w.subjects.len(), 1, "alice's RoleBinding is in dev");
    assert_eq!(w.superuser_groups, vec!["system:masters"]);
}

#[test]
fn matrix_covers_named_and_common_resources() {
    let p = policy(SCOPED);
    let m = p.matrix(&user("alice"), Some("dev"));
    assert_eq!(
        m.verbs,
        vec![
            "get", "list", "watch", "create", "update", "patch", "delete"
        ]
    );
    let row = |name: &str| {
        m.rows
            .iter()
            .find(|r| r.resource == name)
            .unwrap_or_else(|| panic!("row {name}"))
    };
    assert_eq!(
        row("pods").allowed,
        vec![true, true, false, false, false, false, false]
    );
    assert_eq!(
        row("nodes").allowed,
        vec![false, true, false, false, false, false, false]
    );
    assert!(row("deployments.apps").allowed.iter().all(|a| !a));
    assert!(m.rows.iter().any(|r| r.resource == "secrets"));
}

// ---- loading ----

#[test]
fn loads_multi_document_files_lists_and_typed_lists() {
    let yaml = format!(
        "{HEAD_CR}metadata: {{name: one}}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleList\nitems:\n- {{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {{name: two}}}}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata: {{name: three}}\n"
    );
    let l = load::load_str(&yaml, "m.yaml").expect("loads");
    let names: Vec<String> = l
        .objects
        .iter()
        .map(|o| o.object.metadata().name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, vec!["one", "two", "three"]);
    assert_eq!(l.objects[2].source.line, 14);
    // A Role without a namespace lands in "default", as kubectl apply without -n.
    assert_eq!(
        l.objects[2].object.metadata().namespace.as_deref(),
        Some("default")
    );
}

#[test]
fn other_kinds_are_skipped_with_a_warning() {
    let l = load::load_str(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n",
        "x.yaml",
    )
    .expect("loads");
    assert!(l.objects.is_empty());
    assert_eq!(l.warnings.len(), 1);
    assert!(
        l.warnings[0].starts_with("x.yaml:1: skipped ConfigMap \"cfg\""),
        "{}",
        l.warnings[0]
    );
}

fn load_err(yaml: &str) -> String {
    match load::load_str(yaml, "bad.yaml") {
        Ok(_) => panic!("should not load: {yaml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_document_without_kind_is_an_error_at_its_line() {
    let e = load_err("apiVersion: v1\nkind: List\nitems: []\n---\n\nmetadata: {name: x}\n");
    assert_eq!(e, "bad.yaml:6: the document has no kind");
}

#[test]
fn a_field_of_the_wrong_type_is_an_error_at_the_fields_line() {
    let e = load_err(&format!(
        "{HEAD_CR}metadata:\n  name: r\nrules:\n- apiGroups: [\"\"]\n  resources: pods\n  verbs: [get]\n"
    ));
    assert!(e.starts_with("bad.yaml:7: "), "{e}");
}

#[test]
fn a_yaml_syntax_error_is_reported_at_its_line() {
    let e = load_err("kind: Role\nmetadata:\n  name: [unclosed\n");
    assert!(e.starts_with("bad.yaml:"), "{e}");
    let line: u64 = e
        .split(':')
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a line number");
    assert!(line >= 3, "{e}");
}

#[test]
fn invalid_objects_are_rejected_as_the_apiserver_would() {
    let cases = [
        (
            "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata: {name: x}\n",
            "needs apiVersion",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: x}\nrules:\n- nonResourceURLs: [/x]\n  verbs: [get]\n",
            "nonResourceURLs",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\nrules:\n- resources: [pods]\n  verbs: [get]\n",
            "apiGroups",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  nonResourceURLs: [/x]\n  verbs: [get]\n",
            "both",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}\n",
            "roleRef.kind",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: x}\nsubjects: []\n",
            "no roleRef",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {labels: {a: b}}\n",
            "metadata.name",
        ),
    ];
    for (yaml, word) in cases {
        let e = load_err(yaml);
        assert!(e.starts_with("bad.yaml:"), "{e}");
        assert!(e.contains(word), "{word:?} not in {e:?}");
    }
}

#[test]
fn duplicate_objects_are_an_error_naming_both_places() {
    let one = format!("{HEAD_CR}metadata: {{name: dup}}\n");
    let e = match Policy::from_yaml(&format!("{one}---\n{one}"), "d.yaml") {
        Ok(_) => panic!("duplicates should not load"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        e,
        "d.yaml:5: ClusterRole \"dup\" is defined twice (first at d.yaml:1)"
    );
}

#[test]
fn directories_are_read_recursively_in_name_order() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sub = dir.path().join("b-sub");
    std::fs::create_dir(&sub).expect("mkdir");
    std::fs::write(
        dir.path().join("a.yaml"),
        format!("{HEAD_CR}metadata: {{name: first}}\n"),
    )
    .expect("write");
    std::fs::write(
        sub.join("c.yml"),
        format!("{HEAD_CR}metadata: {{name: second}}\n"),
    )
    .expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not yaml: [").expect("write");
    let p = Policy::load(&[dir.path()]).expect("loads");
    let names: Vec<String> = p
        .objects
        .iter()
        .map(|o| o.object.metadata().name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, vec!["first", "second"]);
}

#[test]
fn resource_specs_parse_like_kubectl() {
    let r = contlab::rbac::ResourceAttributes::parse("deployments.apps/scale").expect("parses");
    assert_eq!(
        (
            r.resource.as_str(),
            r.api_group.as_str(),
            r.subresource.as_deref()
        ),
        ("deployments", "apps", Some("scale"))
    );
    let r =
        contlab::rbac::ResourceAttributes::parse("ingresses.networking.k8s.io").expect("parses");
    assert_eq!(r.api_group, "networking.k8s.io");
    assert!(contlab::rbac::ResourceAttributes::parse("pods/").is_err());
    assert!(contlab::rbac::ResourceAttributes::parse("/x").is_err());
    assert!(matches!(
        Target::parse("/healthz"),
        Ok(Target::NonResource { .. })
    ));
}

#[test]
fn a_subresource_near_miss_says_the_resource_alone_is_not_enough() {
    let p = grant_alice(POD_GET);
    let d = ask(
        &p,
        &user("alice"),
        "get",
        "pods/exec",
        Some("default"),
        None,
    );
    let m = &d.near_misses[0];
    assert_eq!(m.failed.len(), 1);
    assert_eq!(m.failed[0].field, Field::Resources);
    assert_eq!(m.failed[0].requested, "pods/exec");
    assert!(
        m.why.contains("but not the subresource \"pods/exec\""),
        "{}",
        m.why
    );
}

#[test]
fn allows_agrees_with_authorize() {
    let p = policy(SCOPED);
    for u in ["alice", "bob", "carol"] {
        for (verb, res, ns) in [
            ("get", "pods", Some("dev")),
            ("list", "nodes", None),
            ("get", "/version", None),
            ("list", "pods", Some("prod")),
        ] {
            let target = match Target::parse(res).expect("valid") {
                Target::Resource(mut r) => {
                    r.namespace = ns.map(str::to_string);
                    Target::Resource(r)
                }
                t => t,
            };
            let req = Request::new(user(u), verb, target);
            assert_eq!(
                p.allows(&req),
                p.authorize(&req).allowed,
                "{u} {verb} {res}"
            );
        }
    }
}
