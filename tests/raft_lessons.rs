//! The Raft track runs headless through the real binary: every lesson passes in both
//! languages, a failing `raft` check says what it expected and what it saw, a bad script
//! line is refused at load time, and the etcd steps are skipped where etcd is missing.

mod common;

use std::process::Output;

const LESSONS: &[&str] = &[
    "raft-first-election",
    "raft-leader-crash",
    "raft-split-vote",
    "raft-log-replication",
    "raft-partition-cap",
    "raft-prevote-checkquorum",
    "raft-etcd-failover",
];

struct Env {
    state: tempfile::TempDir,
    run: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            state: tempfile::tempdir().expect("tempdir"),
            run: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn contlab(&self, args: &[&str], path: Option<&str>) -> Output {
        let mut c = common::contlab();
        c.args(args)
            .env("CONTLAB_STATE_DIR", self.state.path())
            .env("CONTLAB_RUN_DIR", self.run.path())
            .env("NO_COLOR", "1");
        if let Some(p) = path {
            c.env("PATH", p);
        }
        c.output().expect("contlab runs")
    }
}

fn records(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .collect()
}

#[test]
fn every_raft_lesson_passes_headless_in_both_languages() {
    common::require_root("every_raft_lesson_passes_headless_in_both_languages needs root");
    for lang in ["en", "ko"] {
        let env = Env::new();
        let mut args = vec!["run", "--json", "--lang", lang];
        args.extend_from_slice(LESSONS);
        let out = env.contlab(&args, None);
        let recs = records(&out);
        let failed: Vec<_> = recs.iter().filter(|r| r["status"] != "pass").collect();
        assert!(
            out.status.success() && failed.is_empty(),
            "{lang}: failed steps: {failed:#?}\n{}",
            common::text(&out)
        );
        for id in LESSONS {
            assert!(
                recs.iter().any(|r| r["lesson"] == *id),
                "{lang}: no record of {id}"
            );
        }
    }
}

/// A one-step lesson pack whose check is `expect`.
fn pack(expect: &str, script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = dir.path().join("demo");
    std::fs::create_dir(&l).expect("mkdir");
    std::fs::write(
        l.join("lesson.toml"),
        format!(
            "format_version = 1\nid = \"demo\"\ntrack = \"raft\"\norder = 1\nminutes = 1\n\
             topics = [\"raft-election\"]\n\n[[step]]\nid = \"one\"\n\
             action = {{ do = \"raft\", script = \"\"\"\n{script}\n\"\"\" }}\n\
             checks = [{{ check = \"raft\", expect = \"{expect}\" }}]\n"
        ),
    )
    .expect("write");
    for lang in ["en", "ko"] {
        std::fs::write(
            l.join(format!("{lang}.toml")),
            "title = \"t\"\nsummary = \"s\"\n[step.one]\ntitle = \"t\"\nbody = \"b\"\n",
        )
        .expect("write");
    }
    dir
}

#[test]
fn a_failing_raft_check_says_what_it_expected_and_what_it_saw() {
    let env = Env::new();
    let dir = pack("leader 2 term 1", "campaign 1\nstabilize");
    let d = dir.path().to_str().expect("utf-8");
    let out = env.contlab(&["run", "--json", "--lessons-dir", d, "demo"], None);
    assert!(!out.status.success(), "a failing check fails the run");
    let recs = records(&out);
    let check = &recs[0]["checks"][0];
    assert_eq!(check["check"], "raft", "{check}");
    assert_eq!(check["pass"], false, "{check}");
    let s = check["sentence"].as_str().expect("a sentence");
    assert!(s.contains("expected leader 2 term 1"), "{s}");
    assert!(s.contains("node 2 is follower in term 1"), "{s}");
    assert!(s.contains("node 1 leads in term 1"), "{s}");

    // The same lesson with the right expectation passes.
    let good = pack("leader 1 term 1", "campaign 1\nstabilize");
    let g = good.path().to_str().expect("utf-8");
    let out = env.contlab(&["run", "--lessons-dir", g, "demo"], None);
    assert!(out.status.success(), "{}", common::text(&out));
}

#[test]
fn a_bad_script_line_is_refused_when_the_lesson_loads() {
    let env = Env::new();
    let dir = pack("leader 1", "campain 1");
    let d = dir.path().to_str().expect("utf-8");
    let out = env.contlab(&["run", "--lessons-dir", d, "demo"], None);
    assert!(!out.status.success());
    let t = common::text(&out);
    assert!(t.contains("demo/lesson.toml:"), "{t}");
    assert!(t.contains("did you mean \"campaign\""), "{t}");

    let dir = pack("leader one", "campaign 1");
    let d = dir.path().to_str().expect("utf-8");
    let t = common::text(&env.contlab(&["run", "--lessons-dir", d, "demo"], None));
    assert!(t.contains("expect leader one"), "{t}");
}

#[test]
fn etcd_steps_are_skipped_with_a_sentence_where_etcd_is_missing() {
    let env = Env::new();
    let out = env.contlab(
        &["run", "--json", "raft-etcd-failover"],
        Some("/nonexistent"),
    );
    assert!(out.status.success(), "{}", common::text(&out));
    let recs = records(&out);
    let start = recs.iter().find(|r| r["step"] == "start").expect("start");
    let s = start["checks"][0]["sentence"].as_str().expect("a sentence");
    assert!(s.starts_with("skipped: etcd is not installed"), "{s}");
    let quiz = recs
        .iter()
        .find(|r| r["step"] == "timeout-quiz")
        .expect("quiz");
    assert_eq!(quiz["checks"][0]["check"], "answer", "{quiz}");
}
