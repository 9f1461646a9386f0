//! The RBAC Cluster panel's request builder, driven by keys in a `TestBackend` against a
//! real lesson engine on its own thread: every change of the form goes to the engine as an
//! `EngineCmd`, and the verdict on screen is the one its panel snapshot carries back.

use common::tui::EngineLab;
use contlab::tui::state::Focus;
use crossterm::event::KeyCode;

mod common;

const LESSON: &str = "rbac-serviceaccounts-groups";

fn lab(lang: &str, run_dir: &std::path::Path) -> EngineLab {
    // SAFETY: set before any thread of this test binary reads the environment; this
    // binary holds only this test.
    unsafe { std::env::set_var("CONTLAB_RUN_DIR", run_dir) };
    EngineLab::open(LESSON, lang)
}

#[test]
fn the_request_builder_shows_the_engines_verdict_as_keys_change_the_request() {
    let run = tempfile::tempdir().expect("tempdir");
    let mut lab = lab("en", run.path());
    // Before the policy is loaded, `i` is not the builder's key.
    lab.press(KeyCode::Char('i'));
    assert_ne!(lab.app.focus, Focus::Request);

    // The lesson's first steps: the prose, then rbac-load.
    lab.run_step(0, 20);
    lab.run_step(1, 20);
    lab.press(KeyCode::Char('i'));
    assert_eq!(lab.app.focus, Focus::Request);
    // Filled from the policy: no User is named in it, so an empty user, in "shop".
    let screen = lab.until(&["✗ no"], 20);
    assert!(screen.contains("as User"), "{screen}");

    // A service account by keys: → on the subject, then its namespace and name.
    for _ in 0..3 {
        lab.press(KeyCode::Up);
    }
    lab.press(KeyCode::Right);
    lab.press(KeyCode::Down);
    lab.type_text("shop");
    lab.press(KeyCode::Down);
    lab.type_text("checkout");
    lab.press(KeyCode::Down);
    // verb: get → list
    lab.press(KeyCode::Right);
    let screen = lab.until(&["✓ yes", "checkout-reads-pods/shop"], 20);
    assert!(screen.contains("system:serviceaccounts:shop"), "{screen}");

    // The same name in another namespace is another user: denied.
    lab.press(KeyCode::Up);
    lab.press(KeyCode::Up);
    for _ in 0.."shop".len() {
        lab.press(KeyCode::Backspace);
    }
    lab.type_text("web");
    let screen = lab.until(&["✗ no", "system:serviceaccount:web:checkout"], 20);
    assert!(!screen.contains("✓ yes"), "{screen}");

    // Who can list pods in shop: the service account the RoleBinding names.
    lab.press(KeyCode::Enter);
    let screen = lab.until(
        &["who can list pods", "ServiceAccount \"checkout/shop\""],
        20,
    );
    assert!(screen.contains("system:masters"), "{screen}");

    // Nodes at cluster scope (the empty namespace): the ClusterRoleBinding's subject has
    // no namespace and matches nobody, so only the superuser group is left.
    for _ in 0..5 {
        lab.press(KeyCode::Down);
    }
    let field = lab
        .app
        .lesson
        .as_ref()
        .and_then(|l| l.request.as_ref())
        .map(|b| b.field);
    assert_eq!(field, Some(contlab::tui::request::Field::Namespace));
    lab.press(KeyCode::Right);
    lab.press(KeyCode::Up);
    lab.press(KeyCode::Up);
    for _ in 0.."pods".len() {
        lab.press(KeyCode::Backspace);
    }
    lab.type_text("nodes");
    let screen = lab.until(&["(cluster scope)", "who can list nodes", "nobody"], 20);
    assert!(!screen.contains("ServiceAccount \""), "{screen}");
    lab.press(KeyCode::Enter);
    let screen = lab.until(&["✗ no", "(cluster scope)"], 20);

    // Every row fits the 80×24 terminal.
    for row in screen.lines() {
        assert_eq!(unicode_width::UnicodeWidthStr::width(row), 80, "{row}");
    }

    // Esc gives the keys back; the prose is drawn again.
    lab.press(KeyCode::Esc);
    assert_eq!(lab.app.focus, Focus::Panels);
    let screen = common::tui::render(&mut lab.app);
    assert!(screen.contains("Steps"), "{screen}");

    lab.quit();
    // The engine removed the lesson's work directory.
    assert!(!run.path().join("lessons").join(LESSON).exists());
}
