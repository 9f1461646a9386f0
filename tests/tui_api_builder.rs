//! The request builder in the API server track, driven by keys in a `TestBackend` against
//! a real lesson engine, which starts the real contlab API server and etcd: the verdict on
//! screen is the server's answer to a SubjectAccessReview, and a RoleBinding made with
//! the real kubectl flips it without a key.

use common::tui::EngineLab;
use contlab::lesson::panel::ClusterPanel;
use contlab::tui::msg::EngineCmd;
use contlab::tui::state::Focus;
use crossterm::event::KeyCode;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

/// Runs `contlab apiserver down` and `cleanup` in the test's state directory, so a failing
/// test leaves no server or etcd behind.
struct Down<'a>(&'a std::path::Path);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = common::contlab_in(self.0)
            .args(["apiserver", "down"])
            .output();
        let _ = common::contlab_in(self.0).arg("cleanup").output();
    }
}

#[test]
fn in_an_api_lesson_the_builder_asks_the_live_server_and_a_rolebinding_flips_the_verdict() {
    common::require_root("the lesson engine needs root");
    if ["etcd", "etcdctl", "kubectl"]
        .iter()
        .any(|t| which::which(t).is_err())
    {
        eprintln!("skipped: etcd, etcdctl or kubectl is not installed (.ci/run installs them)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, state) = (dir.path().join("run"), dir.path().join("state"));
    let _down = Down(&state);
    // SAFETY: set before any thread of this test binary reads the environment; this
    // binary holds only this test.
    unsafe {
        std::env::set_var("CONTLAB_RUN_DIR", &run);
        std::env::set_var("CONTLAB_STATE_DIR", &state);
    }
    // The engine starts the server as `contlab apiserver run`: the real binary.
    common::runtime::use_contlab();
    let mut lab = EngineLab::open("rbac-live", "en");

    // Before the server runs, `i` is not the builder's key.
    lab.press(KeyCode::Char('i'));
    assert_ne!(lab.app.focus, Focus::Request);
    lab.run_step(0, 90);
    let status = contlab::apiserver::status().expect("the lesson's server runs");
    // The engine's first sample of the server's panel.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(
        lab.app.lesson.as_ref().and_then(|l| l.cluster.as_ref()),
        Some(ClusterPanel::Api(_))
    ) {
        assert!(Instant::now() < deadline, "no panel of the API server");
        lab.engine.send(EngineCmd::Sample);
        if let Ok(m) = lab.rx.recv_timeout(Duration::from_millis(250)) {
            lab.apply(m);
        }
    }
    lab.press(KeyCode::Char('i'));
    assert_eq!(lab.app.focus, Focus::Request);
    // No RBAC object names a user yet: an empty user, authenticated, in `default`, and
    // the server's explanation of its refusal.
    let screen = lab.until(
        &["verdict: a SubjectAccessReview to", "✗ no", "near misses"],
        30,
    );
    assert!(screen.contains("namespace default"), "{screen}");

    // The user field, two above the verb: jane may not list pods in default.
    lab.press(KeyCode::Up);
    lab.press(KeyCode::Up);
    lab.type_text("jane");
    lab.press(KeyCode::Down);
    lab.press(KeyCode::Down);
    lab.press(KeyCode::Right);
    lab.until(&["verb list", "✗ no", "User \"jane\""], 30);

    // A Role and a RoleBinding made with kubectl in the shell's place: the next sample
    // carries the server's new answer, with the binding that allows it.
    let kubectl = |args: &[&str]| {
        let out = Command::new("kubectl")
            .env("KUBECONFIG", &status.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl");
        assert!(out.status.success(), "{}", common::text(&out));
    };
    kubectl(&[
        "create",
        "role",
        "pod-reader",
        "--verb=get,list",
        "--resource=pods",
    ]);
    kubectl(&[
        "create",
        "rolebinding",
        "jane-reads",
        "--role=pod-reader",
        "--user=jane",
    ]);
    let screen = lab.until(&["✓ yes", "jane-reads/default"], 30);
    assert!(!screen.contains("✗ no"), "{screen}");

    // Who can: from the objects in etcd.
    lab.press(KeyCode::Enter);
    lab.until(
        &["who can list pods", "User \"jane\"", "system:masters"],
        30,
    );
    lab.press(KeyCode::Enter);

    // Deleting the binding flips it back.
    kubectl(&["delete", "rolebinding", "jane-reads"]);
    let screen = lab.until(&["✗ no"], 30);
    for row in screen.lines() {
        assert_eq!(unicode_width::UnicodeWidthStr::width(row), 80, "{row}");
    }

    // The reviews are in the audit log, with their questions and answers.
    let audit = std::fs::read_to_string(&status.audit_log).expect("the audit log");
    assert!(
        audit.contains(r#""as":"jane","explanation""#) && audit.contains("subjectaccessreviews"),
        "{audit}"
    );

    lab.press(KeyCode::Esc);
    assert_eq!(lab.app.focus, Focus::Panels);
    lab.quit();
    // The engine stopped the server and etcd.
    assert!(contlab::apiserver::status().is_none());
    assert!(!state.join("apiserver").exists());
}
