//! `contlab doctor` as a student runs it: the real binary, on this machine, as root.

mod common;

use serde_json::Value;
use std::process::Output;

/// Runs `contlab doctor ARGS` with its state kept in a temporary directory and the given
/// locale, colour left to the output not being a terminal.
fn doctor(args: &[&str], lang: &str) -> Output {
    let state = tempfile::tempdir().expect("a temporary directory");
    common::contlab()
        .arg("doctor")
        .args(args)
        .env("CONTLAB_STATE_DIR", state.path())
        .env("CONTLAB_RUN_DIR", state.path().join("run"))
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .expect("the contlab binary runs")
}

fn json_report() -> (Value, Output) {
    let out = doctor(&["--json"], "C.UTF-8");
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8 output");
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    (v, out)
}

/// The cgroup mode, worked out here straight from mountinfo's filesystem types.
fn mode_from_mountinfo() -> &'static str {
    let text = std::fs::read_to_string("/proc/self/mountinfo").expect("read mountinfo");
    let fstypes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split(" - ").nth(1)?.split(' ').next())
        .collect();
    let v1 = fstypes.contains(&"cgroup");
    let v2 = fstypes.contains(&"cgroup2");
    match (v1, v2) {
        (true, true) => "hybrid",
        (true, false) => "v1",
        (false, true) => "v2",
        (false, false) => "none",
    }
}

#[test]
fn json_has_the_documented_keys_and_types() {
    let (v, out) = json_report();
    assert!(v["live_mode"].is_boolean());
    assert!(v["kernel"].is_string());
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(v["kernel"], release.trim());

    let checks = v["checks"].as_array().expect("checks is an array");
    assert!(!checks.is_empty());
    for c in checks {
        assert!(c["id"].is_string(), "{c}");
        assert!(c["title"].is_string(), "{c}");
        assert!(c["required"].is_boolean(), "{c}");
        assert!(c["detail"].is_string(), "{c}");
        assert!(c["fix"].is_string() || c["fix"].is_null(), "{c}");
        let status = c["status"].as_str().unwrap_or_default();
        assert!(["ok", "fail", "absent"].contains(&status), "{c}");
    }

    // Every id is documented in --help, and each appears once.
    let help = common::contlab()
        .args(["doctor", "--help"])
        .output()
        .expect("contlab doctor --help runs");
    let help = String::from_utf8_lossy(&help.stdout);
    let mut ids: Vec<&str> = checks.iter().filter_map(|c| c["id"].as_str()).collect();
    for id in &ids {
        assert!(
            help.contains(id),
            "check id {id} is not documented in --help"
        );
    }
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "check ids are unique");

    let p = &v["privileges"];
    assert!(p["uid"].is_u64() && p["root"].is_boolean() && p["missing"].is_array());
    assert_eq!(p["CapEff"]["mask"].as_str().map(str::len), Some(16));
    assert!(p["CapBnd"]["names"].is_array());

    for key in ["busybox", "runc", "crun", "etcd", "etcdctl"] {
        let t = &v["tools"][key];
        assert!(t.is_null() || t["path"].is_string(), "tools.{key}: {t}");
    }
    for key in ["tty", "color", "utf8", "no_color"] {
        assert!(v["terminal"][key].is_boolean(), "terminal.{key}");
    }
    assert_eq!(v["terminal"]["utf8"], true, "LANG=C.UTF-8 was set");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn reports_every_namespace_type() {
    let (v, _) = json_report();
    let ns = v["namespaces"]
        .as_object()
        .expect("namespaces is an object");
    let mut names: Vec<&str> = ns.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]
    );
    for (name, created) in ns {
        assert!(created.is_boolean(), "{name}");
        let check = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == format!("ns_{name}"))
            .unwrap_or_else(|| panic!("no check ns_{name}"));
        assert_eq!(check["status"] == "ok", *created, "{check}");
    }
}

#[test]
fn cgroup_mode_matches_mountinfo() {
    let (v, _) = json_report();
    let cgroup = &v["cgroup"];
    assert_eq!(cgroup["mode"], mode_from_mountinfo());
    for name in ["memory", "cpu", "pids"] {
        let c = &cgroup["controllers"][name];
        assert!(c["usable"].is_boolean(), "controllers.{name}: {c}");
        let version = &c["version"];
        assert!(version.is_null() || version == "v1" || version == "v2");
        // A controller is on v1 exactly when a v1 hierarchy lists it.
        let on_v1 = cgroup["v1"].as_array().unwrap().iter().any(|h| {
            h["controllers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == name)
        });
        assert_eq!(version == "v1", on_v1, "controllers.{name}: {c}");
    }
}

#[test]
fn live_mode_is_available_as_root_here() {
    common::require_root("live mode is available only to root");
    let (v, out) = json_report();
    assert_eq!(v["live_mode"], true, "{v:#}");
    assert_eq!(out.status.code(), Some(0));
    let required: Vec<&Value> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["required"] == true)
        .collect();
    assert!(required.iter().all(|c| c["status"] == "ok"));
    let ids: Vec<&str> = required.iter().filter_map(|c| c["id"].as_str()).collect();
    for id in [
        "root",
        "ns_pid",
        "ns_mnt",
        "ns_uts",
        "ns_ipc",
        "ns_net",
        "cgroup_memory",
        "cgroup_cpu",
        "cgroup_pids",
    ] {
        assert!(ids.contains(&id), "{id} is required for live mode");
    }
}

#[test]
fn human_output_marks_and_verdict() {
    let out = doctor(&[], "C.UTF-8");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(text.lines().any(|l| l.starts_with("✓ root ")), "{text}");
    assert!(
        text.lines().filter(|l| l.starts_with("✓ ")).count() >= 9,
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("live mode: available"));

    // Columns line up: every detail starts at the same offset. The three marks are
    // three bytes each in UTF-8, so byte offsets compare.
    let offsets: Vec<usize> = text
        .lines()
        .filter(|l| l.starts_with(['✓', '✗', '–']))
        .map(|l| {
            let gap = l.find("  ").expect("two spaces after the title");
            gap + l[gap..].len() - l[gap..].trim_start().len()
        })
        .collect();
    assert!(offsets.len() >= 9);
    assert!(offsets.windows(2).all(|w| w[0] == w[1]), "{text}");
}

#[test]
fn ascii_marks_without_a_utf8_locale() {
    let out = doctor(&[], "C");
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(text.lines().any(|l| l.starts_with("ok root ")), "{text}");
    assert!(!text.contains('✓'));
    assert!(
        text.contains("UTF-8"),
        "the utf8 check says what is missing"
    );
}

fn has_hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

#[test]
fn a_korean_locale_gets_the_report_in_korean() {
    let out = doctor(&[], "ko_KR.UTF-8");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert_eq!(text.lines().last(), Some("라이브 모드: 사용할 수 있습니다"));
    assert!(text.contains("✓ root "), "{text}");
    assert!(text.contains("pid 네임스페이스"), "{text}");
    assert!(
        !text.contains(['\u{2068}', '\u{2069}']),
        "no isolation marks"
    );
    // Hangul titles are two columns wide; the details still line up on screen.
    let columns: Vec<usize> = text
        .lines()
        .filter(|l| l.starts_with(['✓', '✗', '–']))
        .map(|l| {
            let gap = l.rfind("  ").expect("two spaces after the title") + 2;
            unicode_columns(&l[..gap])
        })
        .collect();
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
    // --lang wins over the locale; the JSON keeps its keys and ids.
    let (v, _) = json_report();
    let en = v["checks"][0]["detail"].as_str().unwrap().to_string();
    assert!(!has_hangul(&en), "{en}");
    let out = doctor(&["--json", "--lang", "ko"], "C.UTF-8");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["checks"][0]["id"], "root");
    assert!(
        has_hangul(v["checks"][0]["detail"].as_str().unwrap()),
        "{v}"
    );
    let out = doctor(&["--lang", "en"], "ko_KR.UTF-8");
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert_eq!(text.lines().last(), Some("live mode: available"));
}

/// Terminal columns of a string: Hangul syllables take two.
fn unicode_columns(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{AC00}'..='\u{D7A3}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}
