//! The API server track through the real binary, against the real etcd and kubectl: its
//! lessons in curriculum order, each passing headless in English and Korean, and nothing
//! of a lesson's cluster left afterwards (no process of the test's state directory, no
//! server directory, no ledger record, no work directory).

mod common;

use std::path::Path;

/// Processes (not zombies) whose environment names `state`: the API server and its etcd
/// members inherit the test's `CONTLAB_STATE_DIR`.
fn processes_of(state: &Path) -> Vec<String> {
    let needle = format!("CONTLAB_STATE_DIR={}", state.display());
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if pid == std::process::id() as i32 {
            continue;
        }
        let zombie = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|s| s.rsplit_once(") ").map(|(_, r)| r.starts_with('Z')))
            .unwrap_or(true);
        let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
        if !zombie && env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            found.push(format!(
                "{pid}: {}",
                String::from_utf8_lossy(&cmd).replace('\0', " ")
            ));
        }
    }
    found
}

#[test]
fn every_api_lesson_passes_headless_in_english_and_korean_and_leaves_nothing() {
    common::require_root("contlab run needs root");
    for tool in ["etcd", "etcdctl", "kubectl"] {
        if which::which(tool).is_err() {
            eprintln!(
                "skipped: {tool} is not installed (Debian's etcd-server, etcd-client and kubernetes-client; .ci/run installs them)"
            );
            return;
        }
    }
    let state = tempfile::tempdir().expect("tempdir");
    let list = common::output_in(state.path(), &["list", "--json"]);
    let lessons: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).expect("list");
    let ids: Vec<String> = lessons
        .iter()
        .filter(|l| l["track"] == "api")
        .map(|l| l["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "etcd-kv",
            "etcd-registry",
            "rest-verbs",
            "api-groups-versions",
            "authn-x509-tokens",
            "rbac-live",
        ]
    );
    for id in &ids {
        for lang in ["en", "ko"] {
            if lang == "ko" && !common::korean_too() {
                continue;
            }
            common::lesson_passes(state.path(), id, lang);
            let left = processes_of(state.path());
            assert!(left.is_empty(), "{id} ({lang}) left running: {left:#?}");
            let dir = state.path().join("apiserver");
            assert!(!dir.exists(), "{id} ({lang}) left {}", dir.display());
        }
    }
    let records: Vec<_> = std::fs::read_dir(state.path().join("run"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("apiserver"))
        .collect();
    assert!(records.is_empty(), "left behind: {records:?}");
    let work = state.path().join("run/lessons");
    let left: Vec<_> = std::fs::read_dir(&work)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Kills what is still running of the test's state directory, then runs `contlab
/// cleanup`, so a failing test leaks nothing.
struct Reaper<'a>(&'a Path);

impl Drop for Reaper<'_> {
    fn drop(&mut self) {
        for p in processes_of(self.0) {
            if let Some(pid) = p.split(':').next().and_then(|n| n.parse::<i32>().ok()) {
                // SAFETY: kill(2) on a process this test's contlab started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        let _ = common::contlab_in(self.0).arg("cleanup").output();
    }
}

#[test]
fn a_lesson_killed_with_sigkill_takes_its_api_server_and_etcd_along() {
    common::require_root("contlab run needs root");
    if ["etcd", "kubectl"].iter().any(|t| which::which(t).is_err()) {
        eprintln!("skipped: etcd or kubectl is not installed (.ci/run installs them)");
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let _reaper = Reaper(state.path());
    let mut child = common::contlab_in(state.path())
        .args(["run", "etcd-registry", "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("contlab run");
    let status = state.path().join("apiserver/status.json");
    let start = std::time::Instant::now();
    while !status.exists() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "the lesson's API server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        !processes_of(state.path()).is_empty(),
        "no server process seen"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let start = std::time::Instant::now();
    while !processes_of(state.path()).is_empty() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "still running after the lesson was killed: {:#?}",
            processes_of(state.path())
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = common::contlab_in(state.path())
        .arg("cleanup")
        .output()
        .expect("cleanup");
    assert!(out.status.success(), "{}", common::text(&out));
    let dir = state.path().join("apiserver");
    assert!(!dir.exists(), "left {}", dir.display());
    let record = state.path().join("run/containers/contlab-apiserver.json");
    assert!(!record.exists(), "left {}", record.display());
}
