//! What the TUI tests share: the lessons, an app built on them, and its screen drawn in
//! a `TestBackend`, as text.

use contlab::lesson::load::Lesson;
use contlab::lesson::progress::Progress;
use contlab::tui::state::{App, Mode, Options};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The screen as text, one line per row; a wide character's second cell is skipped, so
/// each line is as wide as the terminal when everything is aligned.
pub fn render(app: &mut App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    contlab::tui::draw(&mut t, app).expect("draws");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut skip = 0;
        for x in 0..w {
            let sym = buf[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            out.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}

/// The fixture pack (`tests/fixtures/lessons`): small, fixed lessons for screens.
pub fn fixture_lessons() -> Vec<Lesson> {
    contlab::lesson::catalog::load(Some(&super::fixtures().join("lessons")))
        .expect("the fixture pack loads")
}

/// The curriculum built into the binary.
pub fn curriculum() -> Vec<Lesson> {
    contlab::lesson::catalog::load(None).expect("the curriculum loads")
}

/// An app as a test draws it: no colour, syntax highlighting ready, `w`×`h` cells.
pub fn app(
    lessons: Vec<Lesson>,
    progress: Progress,
    mode: Mode,
    lang: &str,
    w: u16,
    h: u16,
) -> App {
    let opts = Options {
        mode,
        lang: lang.into(),
        color: false,
        reading_reason: None,
    };
    let mut a = App::new(lessons, progress, opts, (w, h));
    a.highlight_ready = true;
    a
}

/// An app on one lesson of the curriculum with a real lesson engine on its own thread:
/// keys go through `update`, and the engine's commands and messages are carried between
/// them as the lab's loop does.
pub struct EngineLab {
    pub app: App,
    pub engine: contlab::tui::worker::EngineHandle,
    pub rx: std::sync::mpsc::Receiver<contlab::tui::msg::Msg>,
}

impl EngineLab {
    /// The lab on `lesson`, live, 80×24, in `lang`.
    pub fn open(lesson: &str, lang: &str) -> EngineLab {
        let lessons = curriculum();
        let mut app = app(lessons, Progress::default(), Mode::Live, lang, 80, 24);
        let index = app
            .lessons
            .iter()
            .position(|l| l.id() == lesson)
            .expect("the lesson exists");
        let mut fx = Vec::new();
        contlab::tui::update::open_lesson(&mut app, index, &mut fx);
        let lesson = app.lessons[index].clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let engine = contlab::tui::worker::EngineHandle::spawn(lesson, tx, (6, 78))
            .expect("the engine starts");
        EngineLab { app, engine, rx }
    }

    /// Hands the app's engine commands to the engine; other effects do not matter here.
    pub fn carry_out(&self, fx: Vec<contlab::tui::msg::Effect>) {
        for e in fx {
            if let contlab::tui::msg::Effect::Engine(cmd) = e {
                self.engine.send(cmd);
            }
        }
    }

    /// Applies one message to the app.
    pub fn apply(&mut self, m: contlab::tui::msg::Msg) {
        let fx = contlab::tui::update::update(&mut self.app, m);
        self.carry_out(fx);
    }

    pub fn press(&mut self, code: crossterm::event::KeyCode) {
        let k = crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE);
        self.apply(contlab::tui::msg::Msg::Key(k));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(crossterm::event::KeyCode::Char(c));
        }
    }

    /// Applies the engine's messages, asking it for a panel sample whenever it is quiet
    /// for 250 ms (as the lab's timer does), until the screen shows every one of `want`
    /// and no "asking…" (the engine has answered the request on the form); fails with
    /// the last screen after `secs` seconds.
    pub fn until(&mut self, want: &[&str], secs: u64) -> String {
        use std::time::{Duration, Instant};
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = render(&mut self.app);
            if !screen.contains("asking…") && want.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {want:?}:\n{screen}");
            match self.rx.recv_timeout(left.min(Duration::from_millis(250))) {
                Ok(m) => self.apply(m),
                Err(_) => self.engine.send(contlab::tui::msg::EngineCmd::Sample),
            }
        }
    }

    /// Runs the step at `index` and applies messages until it has finished, within
    /// `secs` seconds.
    pub fn run_step(&mut self, index: usize, secs: u64) {
        use contlab::lesson::event::Event;
        use contlab::tui::msg::{EngineCmd, Msg};
        self.engine.send(EngineCmd::Run(index));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let m = self.rx.recv_timeout(left).expect("the step finishes");
            let done = matches!(&m, Msg::Event(Event::StepFinished { .. }));
            self.apply(m);
            if done {
                return;
            }
        }
    }

    /// Stops the engine, which tears the lesson down, and waits for its thread.
    pub fn quit(self) {
        use contlab::tui::msg::{EngineCmd, Msg};
        self.engine.send(EngineCmd::Quit);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while let Ok(m) = self
            .rx
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            if matches!(m, Msg::EngineStopped) {
                break;
            }
        }
        self.engine.join();
    }
}
