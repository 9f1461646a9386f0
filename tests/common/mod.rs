//! What the integration tests share: the binary, the root convention, and (in the
//! submodules) the app and lesson builders and the runtime helpers. Each test file that
//! uses it says `mod common;`; a file uses only part of it, hence `dead_code`.
#![allow(dead_code)]

pub mod runtime;
pub mod tui;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The contlab binary under test, with nothing set.
pub fn contlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_contlab"))
}

/// The contlab binary with its state in `state` and its run directory in `state/run`,
/// so a test touches nothing of the developer's.
pub fn contlab_in(state: &Path) -> Command {
    let mut c = contlab();
    c.env("CONTLAB_STATE_DIR", state)
        .env("CONTLAB_RUN_DIR", state.join("run"));
    c
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Tests that need root fail loudly without it (CI runs them as root): a test that
/// skipped would pass while proving nothing. `what` says why root is needed.
/// Whether a test that runs lessons in both languages also runs the Korean half.
/// `CONTLAB_TEST_LANGS=en` leaves it out: the cgroup v2 guest sets it, since the language
/// changes no kernel work and the host runs both (tests/vm/README.md).
pub fn korean_too() -> bool {
    std::env::var("CONTLAB_TEST_LANGS").map_or(true, |v| v.split(',').any(|l| l.trim() == "ko"))
}

pub fn require_root(what: &str) {
    assert!(
        is_root(),
        "this test needs root ({what}): run it as root, as CI does (sudo -E cargo test)"
    );
}

/// stdout then stderr, as one text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs contlab with `args` (no colour) to the end.
pub fn output(args: &[&str]) -> Output {
    contlab()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("contlab runs")
}

/// Runs contlab with `args` (no colour) to the end, its state in `state`.
pub fn output_in(state: &Path, args: &[&str]) -> Output {
    contlab_in(state)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("contlab runs")
}

/// A panel sample as a journal writes it: `{"panel": name, "data": data}`.
pub fn panel(name: &str, data: serde_json::Value) -> contlab::lesson::event::PanelData {
    serde_json::from_value(serde_json::json!({ "panel": name, "data": data }))
        .expect("a panel sample")
}

/// A whole `inspect::proc` snapshot in its journal form: `fields` over one of an idle
/// process (no namespaces, ids or mounts), objects merged key by key.
pub fn proc_snapshot(fields: serde_json::Value) -> serde_json::Value {
    let caps = serde_json::json!({"mask": "0000000000000000", "names": [], "unknown": []});
    let ids = serde_json::json!({"real": 0, "effective": 0, "saved": 0, "fs": 0});
    let mut snap = serde_json::json!({
        "pid": 0, "host_pid": 0, "namespaces": [],
        "status": {"Name": "", "Pid": 0, "NSpid": [], "PPid": 0, "Uid": ids, "Gid": ids,
                   "CapEff": caps, "CapPrm": caps, "CapBnd": caps,
                   "NoNewPrivs": false, "Seccomp": null},
        "uid_map": [], "gid_map": [], "cgroups": [],
        "mounts": {"count": 0, "root_mount": null, "compared_by": "mount_id", "new": []},
        "hostname": null, "host_hostname": null,
    });
    merge(&mut snap, fields);
    snap
}

fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, o) => *b = o,
    }
}

/// A state directory, run directory and cgroup parent of the test's own, so that
/// parallel tests (and `contlab cleanup` in one of them) never meet.
pub struct Env {
    pub state: tempfile::TempDir,
    pub run: tempfile::TempDir,
    pub parent: String,
}

impl Env {
    pub fn new(tag: &str) -> Self {
        Env {
            state: tempfile::tempdir().expect("tempdir"),
            run: tempfile::tempdir().expect("tempdir"),
            parent: contlab::runtime::ledger::new_id()
                .replace("contlab-", &format!("contlab-{tag}-")),
        }
    }

    /// The binary with `args`, pointed at this environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = contlab();
        c.args(args)
            .env("CONTLAB_STATE_DIR", self.state.path())
            .env("CONTLAB_RUN_DIR", self.run.path())
            .env("CONTLAB_CGROUP_PARENT", &self.parent)
            .env("NO_COLOR", "1")
            // Sentences follow the locale; these tests read the English ones.
            .env_remove("LC_ALL")
            .env("LC_MESSAGES", "C");
        c
    }

    pub fn contlab(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("contlab runs")
    }

    /// What this environment's runs left behind on the host: mounts in the host's
    /// mount namespace under its state or run directory, and cgroups under its parent.
    pub fn leftovers(&self) -> Vec<String> {
        let dirs = [self.state.path(), self.run.path()].map(|p| p.display().to_string());
        let mi = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mut out: Vec<String> = mi
            .lines()
            .filter(|l| {
                l.split(' ')
                    .nth(4)
                    .is_some_and(|mp| dirs.iter().any(|d| mp.starts_with(d.as_str())))
            })
            .map(str::to_string)
            .collect();
        if is_root() {
            out.extend(
                runtime::cgroup_dirs_under(&self.parent)
                    .into_iter()
                    .map(|p| p.display().to_string()),
            );
        }
        out
    }

    /// Namespace files and container records left in this environment's run directory.
    pub fn netns_and_records_left(&self) -> Vec<String> {
        ["netns", "containers"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(self.run.path().join(d))
                    .into_iter()
                    .flatten()
            })
            .flatten()
            .map(|e| e.path().display().to_string())
            .collect()
    }
}

/// `contlab run ID --lang LANG --json` in `state`: it exits 0 and every step passes.
pub fn lesson_passes(state: &Path, id: &str, lang: &str) {
    let out = output_in(state, &["run", id, "--lang", lang, "--json"]);
    assert!(out.status.success(), "{id} ({lang}):\n{}", text(&out));
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect();
    assert!(!records.is_empty(), "{id}: no steps ran");
    assert!(
        records.iter().all(|r| r["status"] == "pass"),
        "{id} ({lang}): {records:#?}"
    );
}
