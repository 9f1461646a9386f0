//! `contlab rbac …` run as a user would: the real binary, its output and its exit codes
//! (0 yes/allowed, 1 no/forbidden, 2 bad input).

mod common;

use std::process::Output;

const BASIC: &str = "tests/fixtures/rbac/basic";
const ESCALATION: &str = "tests/fixtures/rbac/escalation";

fn contlab(args: &[&str]) -> Output {
    // Keep the log out of the developer's state directory, and remove it afterwards.
    let state = tempfile::tempdir().expect("tempdir");
    common::contlab()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CONTLAB_STATE_DIR", state.path())
        .output()
        .expect("the contlab binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn can_i_yes_exits_0() {
    let o = contlab(&[
        "rbac", "can-i", "get", "pods", "--as", "alice", "-n", "dev", "-f", BASIC,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "yes\n");
}

#[test]
fn can_i_no_exits_1() {
    let o = contlab(&[
        "rbac", "can-i", "delete", "pods", "--as", "alice", "-n", "dev", "-f", BASIC,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "no\n");
}

#[test]
fn namespace_defaults_to_default() {
    // alice reads pods only in dev.
    let o = contlab(&["rbac", "can-i", "get", "pods", "--as", "alice", "-f", BASIC]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn explain_names_the_binding_or_the_near_misses() {
    let o = contlab(&[
        "rbac",
        "can-i",
        "get",
        "pods",
        "--as",
        "alice",
        "-n",
        "dev",
        "-f",
        BASIC,
        "--explain",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("RBAC: allowed by RoleBinding \"alice-reads-pods/dev\" of Role \"pod-reader\" to User \"alice\""),
        "{out}"
    );
    let o = contlab(&[
        "rbac",
        "can-i",
        "get",
        "pods",
        "--as",
        "alice",
        "-n",
        "prod",
        "-f",
        BASIC,
        "--explain",
    ]);
    let out = stdout(&o);
    assert!(out.starts_with("no\n"), "{out}");
    assert!(out.contains("applies only in namespace \"dev\""), "{out}");
}

#[test]
fn json_decision_has_a_stable_shape() {
    let o = contlab(&[
        "rbac",
        "can-i",
        "list",
        "configmaps",
        "--as",
        "alice",
        "-n",
        "dev",
        "-f",
        BASIC,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let j = json(&o);
    assert_eq!(j["allowed"], false);
    assert!(j["grant"].is_null());
    let misses = j["near_misses"].as_array().expect("near_misses");
    assert!(misses.iter().any(|m| {
        m["failed"]
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x["field"] == "resourceNames"))
    }));
}

#[test]
fn subresource_and_group_spelling() {
    let ok = |args: &[&str]| {
        contlab(&[&["rbac", "can-i"], args, &["-f", BASIC]].concat())
            .status
            .code()
    };
    assert_eq!(
        ok(&[
            "get",
            "pods/log",
            "--as",
            "bob",
            "--as-group",
            "devs",
            "-n",
            "dev"
        ]),
        Some(0)
    );
    assert_eq!(
        ok(&[
            "get",
            "pods",
            "--subresource",
            "log",
            "--as",
            "bob",
            "--as-group",
            "devs",
            "-n",
            "dev"
        ]),
        Some(0)
    );
    assert_eq!(
        ok(&[
            "get",
            "pods",
            "--as",
            "bob",
            "--as-group",
            "devs",
            "-n",
            "dev"
        ]),
        Some(1)
    );
    assert_eq!(
        ok(&[
            "update",
            "deployments.apps/scale",
            "--as",
            "system:serviceaccount:ci:deployer",
            "-n",
            "ci"
        ]),
        Some(0)
    );
    assert_eq!(
        ok(&[
            "update",
            "deployments/scale",
            "--as",
            "system:serviceaccount:ci:deployer",
            "-n",
            "ci"
        ]),
        Some(1)
    );
}

#[test]
fn resource_names_need_a_name_argument() {
    let ok = |args: &[&str]| {
        contlab(
            &[
                &["rbac", "can-i"],
                args,
                &["--as", "alice", "-n", "dev", "-f", BASIC],
            ]
            .concat(),
        )
        .status
        .code()
    };
    assert_eq!(ok(&["get", "configmaps", "web"]), Some(0));
    assert_eq!(ok(&["get", "configmaps", "db"]), Some(1));
    assert_eq!(ok(&["get", "configmaps"]), Some(1));
}

#[test]
fn all_namespaces_is_cluster_scope() {
    let sa = "system:serviceaccount:monitoring:monitor";
    let o = contlab(&[
        "rbac", "can-i", "list", "nodes", "-A", "--as", sa, "-f", BASIC,
    ]);
    assert_eq!(o.status.code(), Some(0));
    // The deployer's RoleBinding in ci does not reach cluster scope.
    let o = contlab(&[
        "rbac",
        "can-i",
        "list",
        "deployments.apps",
        "-A",
        "--as",
        "system:serviceaccount:ci:deployer",
        "-f",
        BASIC,
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn non_resource_urls_and_authenticated_users() {
    let o = contlab(&[
        "rbac",
        "can-i",
        "get",
        "/metrics/cadvisor",
        "--as",
        "anyone",
        "-f",
        BASIC,
    ]);
    assert_eq!(o.status.code(), Some(0));
    // Without --as the request is anonymous, which is not system:authenticated.
    let o = contlab(&["rbac", "can-i", "get", "/healthz", "-f", BASIC]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn list_marks_scopes() {
    let o = contlab(&[
        "rbac", "can-i", "--list", "--as", "alice", "-n", "dev", "-f", BASIC,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("namespaced (dev)"), "{out}");
    assert!(out.contains("cluster-wide"), "{out}");
    let o = contlab(&[
        "rbac", "can-i", "--list", "--as", "alice", "-n", "dev", "-f", BASIC, "--json",
    ]);
    let j = json(&o);
    let scopes: Vec<String> = j
        .as_array()
        .expect("array")
        .iter()
        .map(|g| g["scope"].to_string())
        .collect();
    assert!(
        scopes.contains(&"{\"namespaced\":\"dev\"}".to_string()),
        "{scopes:?}"
    );
    assert!(
        scopes.contains(&"\"cluster_wide\"".to_string()),
        "{scopes:?}"
    );
}

#[test]
fn who_can_names_subjects_and_bindings() {
    let o = contlab(&[
        "rbac", "who-can", "get", "pods/log", "-n", "dev", "-f", BASIC, "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let j = json(&o);
    let subjects = j["subjects"].as_array().expect("subjects");
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0]["subject"]["kind"], "Group");
    assert_eq!(subjects[0]["subject"]["name"], "devs");
    assert_eq!(subjects[0]["binding"]["name"], "logs");
    let o = contlab(&[
        "rbac", "who-can", "get", "pods/log", "-n", "dev", "-f", BASIC,
    ]);
    assert!(stdout(&o).contains("Group \"devs\""));
}

#[test]
fn matrix_prints_a_table_and_json() {
    let o = contlab(&["rbac", "matrix", "--as", "alice", "-n", "dev", "-f", BASIC]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let pods = out
        .lines()
        .find(|l| l.starts_with("pods "))
        .expect("a pods row");
    assert_eq!(
        pods.split_whitespace().collect::<Vec<_>>(),
        vec!["pods", "yes", "yes", "yes", "-", "-", "-", "-"]
    );
    let j = json(&contlab(&[
        "rbac", "matrix", "--as", "alice", "-n", "dev", "-f", BASIC, "--json",
    ]));
    assert_eq!(j["verbs"][0], "get");
    assert!(
        j["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r["resource"] == "endpoints")
    );
}

#[test]
fn check_create_allowed_and_forbidden() {
    let o = contlab(&[
        "rbac",
        "check-create",
        "tests/fixtures/rbac/objects/pod-reader-role.yaml",
        "--as",
        "alice",
        "-f",
        ESCALATION,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("allowed: "));
    let o = contlab(&[
        "rbac",
        "check-create",
        "tests/fixtures/rbac/objects/secret-reader-role.yaml",
        "--as",
        "alice",
        "-f",
        ESCALATION,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("not currently held"), "{}", stdout(&o));
    let o = contlab(&[
        "rbac",
        "check-create",
        "tests/fixtures/rbac/objects/secret-reader-role.yaml",
        "--as",
        "alice",
        "--as-group",
        "system:masters",
        "-f",
        ESCALATION,
    ]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn bad_yaml_exits_2_with_file_and_line() {
    let o = contlab(&[
        "rbac",
        "can-i",
        "get",
        "pods",
        "--as",
        "a",
        "-f",
        "tests/fixtures/rbac/broken",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("contlab: tests/fixtures/rbac/broken/bad-verbs.yaml:9: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn missing_file_exits_2() {
    let o = contlab(&[
        "rbac",
        "who-can",
        "get",
        "pods",
        "-f",
        "tests/fixtures/rbac/nope.yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("nope.yaml: no such file or directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        vec!["rbac", "can-i", "get", "-f", BASIC],
        vec!["rbac", "can-i", "get", "pods"],
        vec![
            "rbac",
            "can-i",
            "get",
            "pods",
            "--as-group",
            "g",
            "-f",
            BASIC,
        ],
        vec![
            "rbac",
            "can-i",
            "get",
            "pods/log",
            "--subresource",
            "exec",
            "--as",
            "a",
            "-f",
            BASIC,
        ],
        vec![
            "rbac", "can-i", "get", "/healthz", "name", "--as", "a", "-f", BASIC,
        ],
        vec!["rbac", "can-i", "get", "pods/", "--as", "a", "-f", BASIC],
        vec!["rbac", "matrix", "-f", BASIC],
    ] {
        let o = contlab(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn skipped_kinds_are_warned_about_on_stderr() {
    let o = contlab(&[
        "rbac", "can-i", "get", "pods", "--as", "alice", "-n", "dev", "-f", BASIC,
    ]);
    assert!(
        stderr(&o).contains(
            "warning: tests/fixtures/rbac/basic/bindings.yaml:84: skipped Deployment \"web\""
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_create_with_a_bad_object_file_exits_2() {
    let o = contlab(&[
        "rbac",
        "check-create",
        "tests/fixtures/rbac/broken/bad-verbs.yaml",
        "--as",
        "alice",
        "-f",
        ESCALATION,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad-verbs.yaml:9: "), "{}", stderr(&o));
    // A policy directory is not one object.
    let o = contlab(&[
        "rbac",
        "check-create",
        BASIC,
        "--as",
        "alice",
        "-f",
        ESCALATION,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("RBAC objects; give one"),
        "{}",
        stderr(&o)
    );
}
