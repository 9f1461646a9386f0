//! The curriculum runs live, headless, in both languages; lint proves every task; bad
//! lessons are refused with file:line; progress persists and resets.

mod common;

use std::path::Path;

use common::Env;

#[test]
fn the_whole_curriculum_passes_headless_in_english_and_korean() {
    common::require_root("the_whole_curriculum_passes_headless_in_english_and_korean needs root");
    let env = Env::new("run");
    let out = env.contlab(&["run", "--all", "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .collect();
    let failed: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["status"] != "pass").collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "failed steps: {failed:#?}\n{}",
        common::text(&out)
    );
    let lessons = env.contlab(&["list", "--json"]);
    let list: Vec<serde_json::Value> =
        serde_json::from_slice(&lessons.stdout).expect("list --json");
    assert!(
        list.len() >= 21,
        "the curriculum has {} lessons",
        list.len()
    );
    for r in &records {
        for key in ["lesson", "step", "status", "checks", "duration_ms"] {
            assert!(r.get(key).is_some(), "record without {key}: {r}");
        }
    }
    // The run proves the lessons with their reference solutions: a record of its own,
    // while the student's lessons stay new.
    assert!(list.iter().all(|l| l["status"] == "new"), "{list:#?}");
    let shown = env.contlab(&["progress", "--json"]);
    let p: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("progress --json");
    for l in &list {
        let v = &p["verified"][l["id"].as_str().expect("an id")];
        assert!(
            v["steps"].as_u64().is_some() && v["passed"] == v["steps"],
            "{l}: {v}"
        );
    }

    if !common::korean_too() {
        eprintln!("CONTLAB_TEST_LANGS leaves out the Korean run");
        return;
    }
    let ko = env.contlab(&["run", "--all", "--lang", "ko", "--json"]);
    let ko_text = common::text(&ko);
    assert!(ko.status.success(), "{ko_text}");
    assert!(
        ko_text.contains("네임스페이스"),
        "Korean titles expected:\n{ko_text}"
    );
    // Every check sentence of the Korean run is Korean: Hangul in it (unless it is a
    // bare value), and no phrase of the English catalog.
    let mut sentences = 0;
    for line in String::from_utf8_lossy(&ko.stdout).lines() {
        let r: serde_json::Value = serde_json::from_str(line).expect("one JSON record per line");
        assert_eq!(r["status"], "pass", "{r}");
        for c in r["checks"].as_array().expect("checks") {
            let s = c["sentence"].as_str().expect("a sentence");
            if let Some(p) = contlab::i18n::lint::not_korean(s) {
                panic!("{} {}: {p}", r["lesson"], r["step"]);
            }
            sentences += 1;
        }
    }
    assert!(sentences > 300, "only {sentences} check sentences");
    // Both runs left nothing: no mount of theirs in the host's mount namespace (the OCI
    // lessons' bundles and containers live under the run directory), no cgroup.
    let left = env.leftovers();
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn lint_proves_every_task() {
    common::require_root("lint_proves_every_task needs root for reverse validation");
    let env = Env::new("lint");
    let out = env.contlab(&["lesson", "lint"]);
    let t = common::text(&out);
    assert!(out.status.success(), "{t}");
    let list = env.contlab(&["list", "--json"]);
    let n = serde_json::from_slice::<Vec<serde_json::Value>>(&list.stdout)
        .expect("list --json")
        .len();
    assert!(n >= 17, "the curriculum has {n} lessons");
    assert!(
        t.contains(&format!("{n} lessons valid in en and ko")),
        "{t}"
    );
    assert!(
        t.contains("every task fails before its solution and passes after it"),
        "{t}"
    );
}

#[test]
fn a_bad_lesson_is_refused_with_file_line_and_a_suggestion() {
    let env = Env::new("bad");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-lessons");
    let out = env.contlab(&["list", "--lessons", dir.to_str().expect("utf-8")]);
    let t = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let want =
        "bad-lessons/demo/lesson.toml:11: unknown value \"ns_differs\"; did you mean \"ns\"?";
    assert!(t.contains(want), "expected {want:?} in:\n{t}");
}

#[test]
fn a_headless_run_leaves_the_students_progress_unchanged() {
    common::require_root(
        "a_headless_run_leaves_the_students_progress_unchanged needs root to run a lesson",
    );
    let env = Env::new("prog");
    let status = |env: &Env| {
        let out = env.contlab(&["list", "--json"]);
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(&out.stdout).expect("list --json");
        list.iter()
            .find(|l| l["id"] == "uts-namespace")
            .expect("uts-namespace is listed")["status"]
            .clone()
    };
    let shown = |env: &Env| {
        let out = env.contlab(&["progress", "--json"]);
        let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("progress --json");
        p
    };
    let progress_text =
        |env: &Env| String::from_utf8(env.contlab(&["progress"]).stdout).expect("UTF-8");
    assert_eq!(status(&env), "new");
    let before = progress_text(&env);
    let out = env.contlab(&["run", "uts-namespace"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        status(&env),
        "new",
        "the reference solutions are not the student's work"
    );
    assert_eq!(progress_text(&env), before);
    let p = shown(&env);
    assert!(p["lessons"].get("uts-namespace").is_none(), "{p:#}");
    assert!(
        p["verified"]["uts-namespace"]["steps"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{p:#}"
    );

    // The student's own progress (as the lab writes it) is untouched by another run,
    // and resets.
    let file = env.state.path().join("progress.json");
    let mut own: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("progress.json")).unwrap();
    own["lessons"]["uts-namespace"] = serde_json::json!({
        "current_step": "start", "started_at_ms": 1, "completed_at_ms": 2,
        "steps": {"start": {"passed": true, "attempts": 2, "first_attempt_ms": 1,
                            "passed_at_ms": 2, "duration_ms": 10,
                            "last_checks": [], "solution_shown": false, "hints_used": 0}}
    });
    std::fs::write(&file, own.to_string()).unwrap();
    assert_eq!(status(&env), "done");
    let out = env.contlab(&["run", "uts-namespace"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(shown(&env)["lessons"], own["lessons"]);
    let refused = env.contlab(&["progress", "reset", "uts-namespace"]);
    assert!(
        !refused.status.success(),
        "reset without --yes and without a terminal must ask"
    );
    assert_eq!(status(&env), "done");
    let out = env.contlab(&["progress", "reset", "uts-namespace", "--yes"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(status(&env), "new");
}

#[test]
fn list_and_progress_speak_the_locale() {
    let env = Env::new("ko");
    let run = |args: &[&str], lang: &str| {
        common::contlab()
            .args(args)
            .env("CONTLAB_STATE_DIR", env.state.path())
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", lang)
            .output()
            .expect("contlab runs")
    };
    let ko = String::from_utf8(run(&["list"], "ko_KR.UTF-8").stdout).expect("UTF-8");
    let line = ko
        .lines()
        .find(|l| l.starts_with("pid-namespace "))
        .expect("pid-namespace is listed");
    assert!(line.contains("분  시작 전"), "{line}");
    assert!(
        line.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
        "the Korean title: {line}"
    );
    let en = String::from_utf8(run(&["list"], "C.UTF-8").stdout).expect("UTF-8");
    assert!(en.contains(" min  new "), "{en}");
    let forced =
        String::from_utf8(run(&["list", "--lang", "en"], "ko_KR.UTF-8").stdout).expect("UTF-8");
    assert_eq!(forced, en, "--lang wins over the locale");
    // --json keeps its English keys and status values; the title follows the language.
    let json = run(&["list", "--json", "--lang", "ko"], "C");
    let v: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).expect("list --json");
    assert!(v.iter().all(|l| l["status"] == "new"));
    let progress = String::from_utf8(run(&["progress"], "ko_KR.UTF-8").stdout).expect("UTF-8");
    assert!(progress.contains("단계 중 0단계 통과"), "{progress}");
}
