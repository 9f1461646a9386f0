//! The RBAC track through the real binary: the lessons in curriculum order, every rbac
//! lesson passes headless in both languages, and a bad YAML file in a lesson pack is reported at its file and line.

mod common;

use std::path::Path;

#[test]
fn every_rbac_lesson_passes_headless_in_english_and_korean() {
    common::require_root("contlab run needs root");
    let state = tempfile::tempdir().expect("tempdir");
    let list = common::output_in(state.path(), &["list", "--json"]);
    let lessons: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).expect("list");
    let ids: Vec<String> = lessons
        .iter()
        .filter(|l| l["track"] == "rbac")
        .map(|l| l["id"].as_str().expect("id").to_string())
        .collect();
    // The order: who asks, what roles are, subresources and resourceNames, service
    // accounts and groups, aggregation, escalation, then the least-privilege task.
    assert_eq!(
        ids,
        [
            "rbac-authn-authz",
            "rbac-roles-bindings",
            "rbac-subresources",
            "rbac-serviceaccounts-groups",
            "rbac-aggregation",
            "rbac-escalation",
            "rbac-least-privilege",
        ]
    );
    for id in &ids {
        for lang in ["en", "ko"] {
            common::lesson_passes(state.path(), id, lang);
        }
    }
    // The work directories are gone after each lesson.
    let work = state.path().join("run/lessons");
    let left: Vec<_> = std::fs::read_dir(&work)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_bad_yaml_in_a_lesson_pack_is_reported_at_file_and_line() {
    let state = tempfile::tempdir().expect("tempdir");
    let pack = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/rbac-authn-authz");
    let dst = pack.path().join("rbac-authn-authz");
    std::fs::create_dir(&dst).expect("mkdir");
    for e in std::fs::read_dir(&src).expect("lesson dir").flatten() {
        std::fs::copy(e.path(), dst.join(e.file_name())).expect("copy");
    }
    let dir = pack.path().to_str().expect("utf-8 path");
    let good = common::output_in(state.path(), &["lesson", "lint", dir]);
    assert!(good.status.success(), "{}", common::text(&good));
    let policy = dst.join("policy.yaml");
    let yaml = std::fs::read_to_string(&policy).expect("read");
    let lines: Vec<&str> = yaml.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("verbs:"))
        .expect("a verbs line");
    let bad = yaml.replacen("\"list\", \"watch\"]", "\"list\", \"watch\"", 1);
    assert_ne!(bad, yaml);
    std::fs::write(&policy, bad).expect("write");
    let out = common::output_in(state.path(), &["lesson", "lint", dir]);
    let t = common::text(&out);
    assert!(!out.status.success(), "{t}");
    let want = format!("{}:", policy.display());
    let line = t
        .lines()
        .find_map(|l| l.split_once(&want).map(|(_, rest)| rest.to_string()))
        .unwrap_or_else(|| panic!("no {want} in: {t}"));
    let n: usize = line
        .split(':')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line number in: {t}"));
    assert!(
        n > at,
        "the error points at line {n}, before the broken verbs list: {t}"
    );
}
