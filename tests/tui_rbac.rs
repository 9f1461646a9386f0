//! The RBAC Cluster panel's request builder, driven by keys in a `TestBackend` against a
//! real lesson engine on its own thread: every change of the form goes to the engine as an
//! `EngineCmd`, and the verdict on screen is the one its panel snapshot carries back.

use contlab::lesson::event::Event;
use contlab::lesson::progress::Progress;
use contlab::tui::msg::{Effect, EngineCmd, Msg};
use contlab::tui::state::{App, Focus, Mode};
use contlab::tui::update::{open_lesson, update};
use contlab::tui::worker::EngineHandle;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

mod common;

use common::tui::render;

const LESSON: &str = "rbac-serviceaccounts-groups";

struct Lab {
    app: App,
    engine: EngineHandle,
    rx: Receiver<Msg>,
}

impl Lab {
    /// Hands the app's engine commands to the engine; other effects do not matter here.
    fn carry_out(&self, fx: Vec<Effect>) {
        for e in fx {
            if let Effect::Engine(cmd) = e {
                self.engine.send(cmd);
            }
        }
    }

    fn press(&mut self, code: KeyCode) {
        let fx = update(
            &mut self.app,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.carry_out(fx);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Applies the engine's messages until the engine has answered the request on the
    /// form (no "asking…") and the screen shows every one of `want`; the last screen on a
    /// timeout.
    fn answered(&mut self, want: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = render(&mut self.app);
            if !screen.contains("asking…") && want.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {want:?}:\n{screen}");
            if let Ok(m) = self.rx.recv_timeout(left.min(Duration::from_millis(200))) {
                let fx = update(&mut self.app, m);
                self.carry_out(fx);
            }
        }
    }

    /// Applies messages until the step at `index` has finished.
    fn run_step(&mut self, index: usize) {
        self.engine.send(EngineCmd::Run(index));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self.rx.recv_timeout(left).expect("the step finishes");
            let done = matches!(&m, Msg::Event(Event::StepFinished { .. }));
            let fx = update(&mut self.app, m);
            self.carry_out(fx);
            if done {
                return;
            }
        }
    }
}

fn lab(lang: &str, run_dir: &std::path::Path) -> Lab {
    // SAFETY: set before any thread of this test binary reads the environment; this
    // binary holds only this test.
    unsafe { std::env::set_var("CONTLAB_RUN_DIR", run_dir) };
    let lessons = common::tui::curriculum();
    let mut app = common::tui::app(lessons, Progress::default(), Mode::Live, lang, 80, 24);
    let index = app
        .lessons
        .iter()
        .position(|l| l.id() == LESSON)
        .expect("the lesson exists");
    let mut fx = Vec::new();
    open_lesson(&mut app, index, &mut fx);
    let lesson = app.lessons[index].clone();
    let (tx, rx) = channel();
    let engine = EngineHandle::spawn(lesson, tx, (6, 78)).expect("the engine starts");
    Lab { app, engine, rx }
}

#[test]
fn the_request_builder_shows_the_engines_verdict_as_keys_change_the_request() {
    let run = tempfile::tempdir().expect("tempdir");
    let mut lab = lab("en", run.path());
    // Before the policy is loaded, `i` is not the builder's key.
    lab.press(KeyCode::Char('i'));
    assert_ne!(lab.app.focus, Focus::Request);

    // The lesson's first steps: the prose, then rbac-load.
    lab.run_step(0);
    lab.run_step(1);
    lab.press(KeyCode::Char('i'));
    assert_eq!(lab.app.focus, Focus::Request);
    // Filled from the policy: no User is named in it, so an empty user, in "shop".
    let screen = lab.answered(&["✗ no"]);
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
    let screen = lab.answered(&["✓ yes", "checkout-reads-pods/shop"]);
    assert!(screen.contains("system:serviceaccounts:shop"), "{screen}");

    // The same name in another namespace is another user: denied.
    lab.press(KeyCode::Up);
    lab.press(KeyCode::Up);
    for _ in 0.."shop".len() {
        lab.press(KeyCode::Backspace);
    }
    lab.type_text("web");
    let screen = lab.answered(&["✗ no", "system:serviceaccount:web:checkout"]);
    assert!(!screen.contains("✓ yes"), "{screen}");

    // Who can list pods in shop: the service account the RoleBinding names.
    lab.press(KeyCode::Enter);
    let screen = lab.answered(&["who can list pods", "ServiceAccount \"checkout/shop\""]);
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
    let screen = lab.answered(&["(cluster scope)", "who can list nodes", "nobody"]);
    assert!(!screen.contains("ServiceAccount \""), "{screen}");
    lab.press(KeyCode::Enter);
    let screen = lab.answered(&["✗ no", "(cluster scope)"]);

    // Every row fits the 80×24 terminal.
    for row in screen.lines() {
        assert_eq!(unicode_width::UnicodeWidthStr::width(row), 80, "{row}");
    }

    // Esc gives the keys back; the prose is drawn again.
    lab.press(KeyCode::Esc);
    assert_eq!(lab.app.focus, Focus::Panels);
    let screen = render(&mut lab.app);
    assert!(screen.contains("Steps"), "{screen}");

    lab.engine.send(EngineCmd::Quit);
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Ok(m) = lab
        .rx
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        if matches!(m, Msg::EngineStopped) {
            break;
        }
    }
    lab.engine.join();
    // The engine removed the lesson's work directory.
    assert!(!run.path().join("lessons").join(LESSON).exists());
}
