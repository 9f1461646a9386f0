//! The terminal lab: what a student sees when they type `contlab`.
//!
//! One state (`state::App`), changed only by messages (`msg::Msg`: keys, the engine's
//! events, ticks) in `update`, drawn by a pure `view::draw`. Workers send messages: the
//! lesson engine on its own thread (`worker`), the panel timer, the input reader. The
//! loop is generic over ratatui's `Backend`, so tests run the whole app in a
//! `TestBackend`, and a replayed event stream can drive the same screens.

pub mod highlight;
pub mod keys;
pub mod markdown;
pub mod msg;
pub mod replay;
pub mod request;
pub mod state;
pub mod terminal;
pub mod text;
pub mod update;
pub mod view;
pub mod worker;

use anyhow::{Context, Result};
use msg::{Effect, Msg};
use ratatui::Terminal;
use ratatui::backend::Backend;
use state::{App, Mode, Options};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, Sender, channel};

/// How `contlab` was started.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    pub lessons_dir: Option<PathBuf>,
    pub lesson: Option<String>,
    pub lang: Option<String>,
    /// Record live lessons into this directory (`--record`, or $CONTLAB_RECORD_DIR).
    pub record: Option<PathBuf>,
    /// The projector layout.
    pub presenter: bool,
}

/// The language: `--lang`, else the locale (see [`crate::i18n::choose`]): the one
/// decision every command makes.
pub fn pick_lang(flag: Option<&str>) -> String {
    crate::i18n::choose(flag.and_then(crate::i18n::Lang::from_code))
        .code()
        .to_string()
}

/// Most messages handled before a frame is drawn, so a burst of events costs one frame
/// but input never waits long behind it.
const BATCH: usize = 256;

/// Draws one frame of `app`.
pub fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<()> {
    terminal
        .draw(|f| view::draw(f, app))
        .map_err(|e| anyhow::anyhow!("cannot draw: {e}"))?;
    app.frames += 1;
    app.dirty = false;
    Ok(())
}

/// The main loop: waits for messages (no timer of its own, so an idle lab costs
/// nothing), applies them, carries out effects, and redraws when something changed.
fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Msg>,
    runner: &mut Runner,
) -> Result<()> {
    if let Some(screen) = &runner.screen {
        screen.note_size(app.size.0, app.size.1);
    }
    draw(terminal, app)?;
    while let Ok(first) = rx.recv() {
        let mut fx = Vec::new();
        for m in std::iter::once(first).chain(rx.try_iter().take(BATCH)) {
            if !runner.intercept(app, &m) {
                fx.extend(update::update(app, m));
            }
        }
        for e in fx {
            runner.apply(app, e);
        }
        runner.settle(app);
        if app.done {
            break;
        }
        if let Some(screen) = &runner.screen {
            screen.note_size(app.size.0, app.size.1);
            if screen.take_repaint() {
                // A cast just started from a blank screen, while the terminal only gets
                // each frame's changes: the cast opens with the whole current frame.
                screen.first_frame(&full_frame(app)?);
            }
        }
        if app.dirty {
            draw(terminal, app)?;
        }
    }
    Ok(())
}

/// The escape sequences that draw the app's whole screen on a blank terminal.
fn full_frame(app: &mut App) -> Result<Vec<u8>> {
    use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
    let (w, h) = app.size;
    let mut off = Terminal::new(TestBackend::new(w, h))
        .map_err(|e| anyhow::anyhow!("cannot draw off screen: {e}"))?;
    off.draw(|f| view::draw(f, app))
        .map_err(|e| anyhow::anyhow!("cannot draw off screen: {e}"))?;
    let buf = off.backend().buffer().clone();
    let mut bytes = b"\x1b[2J\x1b[H".to_vec();
    {
        let mut out = CrosstermBackend::new(&mut bytes);
        let cells = buf.content.iter().enumerate().map(|(i, c)| {
            let (x, y) = buf.pos_of(i);
            (x, y, c)
        });
        out.draw(cells)?;
        Backend::flush(&mut out)?;
    }
    Ok(bytes)
}

/// Carries out the app's effects: the engine, the timer, the progress file.
struct Runner {
    tx: Sender<Msg>,
    /// Where the engine sends its events (through the recorder when recording).
    engine_tx: Option<Sender<Msg>>,
    engine: Option<worker::EngineHandle>,
    stopping: Vec<worker::EngineHandle>,
    ticker: worker::Ticker,
    progress_path: PathBuf,
    /// Where the lessons come from (`--lessons`), to find a pack's own recordings.
    lessons_dir: Option<PathBuf>,
    /// Without live mode, the recorded run of the open lesson, playing.
    replay: Option<Replaying>,
    /// The clock that moves a replay on, made at the first replay and kept.
    replay_clock: Option<worker::Ticker>,
    /// The screen as recorded (see `record::cast::Screen`).
    screen: Option<crate::record::cast::Screen>,
}

/// A replay inside the lab (reading mode).
struct Replaying {
    player: replay::ReplayPlayer,
    last: std::time::Instant,
}

impl Runner {
    fn new(tx: Sender<Msg>, engine_tx: Option<Sender<Msg>>, launch: &Launch) -> Result<Self> {
        Ok(Runner {
            engine_tx,
            engine: None,
            stopping: Vec::new(),
            ticker: worker::Ticker::spawn(tx.clone())?,
            progress_path: crate::lesson::progress::default_path(),
            lessons_dir: launch.lessons_dir.clone(),
            replay: None,
            replay_clock: None,
            screen: None,
            tx,
        })
    }

    /// Sees each message before the app does; true when a replay consumed it (its keys).
    fn intercept(&mut self, app: &mut App, m: &Msg) -> bool {
        self.settle(app);
        let Some(r) = self.replay.as_mut() else {
            return false;
        };
        let consumed = match m {
            // Esc leaves the lesson as it always does, rather than ending a replay app.
            Msg::Key(k) if k.code != crossterm::event::KeyCode::Esc => r.player.key(app, k),
            _ => false,
        };
        let now = std::time::Instant::now();
        r.player.advance(app, (now - r.last).as_secs_f64() * 1000.0);
        r.last = now;
        if let Some(c) = &self.replay_clock {
            // Paused or at its end, a replay costs nothing until the next key.
            c.set(r.player.playing);
        }
        app.message = Some(r.player.status(app.language()));
        app.dirty = true;
        consumed
    }

    /// Ends the replay once the student has left its lesson: back to reading, ready to
    /// replay another.
    fn settle(&mut self, app: &mut App) {
        if self.replay.is_some() && app.lesson.is_none() {
            if let Some(c) = &self.replay_clock {
                c.set(false);
            }
            self.replay = None;
            app.opts.mode = Mode::Reading;
            app.message = None;
            app.dirty = true;
        }
    }

    /// Starts the replay of lesson `id` in reading mode, or says why there is none.
    fn start_replay(&mut self, app: &mut App, id: &str) {
        let journal = match crate::record::find(self.lessons_dir.as_deref(), id) {
            Some(Ok(j)) => j,
            Some(Err(e)) => {
                app.message = Some(crate::i18n::render(app.language(), &e));
                return;
            }
            None => {
                app.message = Some(crate::tr!(app.language(), "tui-replay-none"));
                return;
            }
        };
        let mut player = replay::ReplayPlayer::new(journal);
        app.opts.mode = Mode::Replay;
        if let Err(e) = player.open(app) {
            app.opts.mode = Mode::Reading;
            app.message = Some(crate::i18n::render(app.language(), &e));
            return;
        }
        if self.replay_clock.is_none() {
            match worker::Ticker::every(self.tx.clone(), replay::FRAME) {
                Ok(c) => self.replay_clock = Some(c),
                Err(e) => {
                    app.opts.mode = Mode::Reading;
                    let error = crate::i18n::render(app.language(), &e);
                    app.message = Some(crate::tr!(
                        app.language(),
                        "notice-replay-clock-failed",
                        error = error
                    ));
                    return;
                }
            }
        }
        if let Some(c) = &self.replay_clock {
            c.set(true);
        }
        app.message = Some(player.status(app.language()));
        self.replay = Some(Replaying {
            player,
            last: std::time::Instant::now(),
        });
    }

    fn apply(&mut self, app: &mut App, e: Effect) {
        match e {
            Effect::Replay(id) => self.start_replay(app, &id),
            Effect::StartEngine(id) => {
                if let Some(old) = self.engine.take() {
                    old.send(msg::EngineCmd::Quit);
                    self.stopping.push(old);
                }
                let Some(lesson) = app.lessons.iter().find(|l| l.id() == id).cloned() else {
                    return;
                };
                let size = view::layout::shell_size(app.size.0, app.size.1);
                let tx = self.engine_tx.clone().unwrap_or_else(|| self.tx.clone());
                match worker::EngineHandle::spawn(lesson, tx, size) {
                    Ok(h) => {
                        h.send(msg::EngineCmd::Lang(app.language()));
                        self.engine = Some(h);
                    }
                    Err(e) => {
                        let error = crate::i18n::render(app.language(), &e);
                        let said =
                            crate::tr!(app.language(), "notice-engine-failed", error = error);
                        let _ = self.tx.send(Msg::Notice(said));
                    }
                }
            }
            Effect::Engine(cmd) => match (&self.engine, cmd) {
                (Some(_), msg::EngineCmd::Quit) => {
                    if let Some(h) = self.engine.take() {
                        h.send(msg::EngineCmd::Quit);
                        self.stopping.push(h);
                    }
                }
                (None, msg::EngineCmd::Quit) => {
                    let _ = self.tx.send(Msg::EngineStopped);
                }
                (Some(h), cmd) => h.send(cmd),
                (None, _) => {}
            },
            Effect::Ticking(on) => self.ticker.set(on),
            Effect::SaveProgress => {
                if let Err(e) = app.progress.save(&self.progress_path) {
                    tracing::warn!("{e:#}");
                    let _ = self
                        .tx
                        .send(Msg::Notice(crate::i18n::render(app.language(), &e)));
                }
            }
            Effect::Exit => {}
        }
    }

    /// Stops every engine and waits for their teardown.
    fn shutdown(&mut self) {
        if let Some(h) = self.engine.take() {
            h.send(msg::EngineCmd::Quit);
            self.stopping.push(h);
        }
        for h in self.stopping.drain(..) {
            h.join();
        }
        self.ticker.set(false);
    }
}

/// `contlab` with no command: the interactive lab.
pub fn run(launch: Launch) -> Result<ExitCode> {
    let lessons = crate::lesson::catalog::load(launch.lessons_dir.as_deref())?;
    let lang = pick_lang(launch.lang.as_deref());
    let start_at =
        match &launch.lesson {
            Some(id) => Some(lessons.iter().position(|l| l.id() == id).with_context(|| {
                format!("unknown lesson {id:?}; `contlab list` shows the lessons")
            })?),
            None => None,
        };
    let root = nix::unistd::geteuid().is_root();
    let mode = if root { Mode::Live } else { Mode::Reading };
    let mut notice = None;
    let progress =
        match crate::lesson::progress::Progress::load(&crate::lesson::progress::default_path()) {
            Ok(p) => p,
            Err(e) => {
                // A damaged progress file must not keep a student out of the lab.
                tracing::warn!("{e:#}");
                notice = Some(format!("{e:#}"));
                crate::lesson::progress::Progress::default()
            }
        };
    let opts = Options {
        mode,
        lang,
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        reading_reason: (!root).then(|| "not root".to_string()),
    };
    let guard = terminal::TerminalGuard::enter()?;
    // Every frame goes through the screen tee, which copies it into the cast of the
    // lesson being recorded (if any), so a TUI session's cast is what the student saw.
    let screen = crate::record::cast::Screen::default();
    let backend = ratatui::backend::CrosstermBackend::new(screen.tee(std::io::stdout()));
    let mut term = Terminal::new(backend).context("cannot use the terminal")?;
    let size = term.size().map(|s| (s.width, s.height)).unwrap_or((80, 24));
    let mut app = App::new(lessons, progress, opts, size);
    app.message = notice;
    let (tx, rx) = channel();
    app.presenter = launch.presenter;
    let engine_tx = match crate::record::record_dir(launch.record.as_deref()) {
        Some(dir) if mode == Mode::Live => {
            let (rtx, rrx) = channel();
            crate::record::spawn_recorder(
                dir,
                app.lessons.clone(),
                app.opts.lang.clone(),
                rrx,
                tx.clone(),
                Msg::event,
                screen.clone(),
            )?;
            Some(rtx)
        }
        _ => None,
    };
    if mode == Mode::Reading && app.message.is_none() {
        app.message = Some(crate::tr!(app.language(), "tui-reading-start"));
    }
    let mut runner = Runner::new(tx.clone(), engine_tx, &launch)?;
    runner.screen = Some(screen);
    if let Some(i) = start_at {
        // Sorting in App::new moved the lessons: find it again by id.
        let id = launch.lesson.clone().unwrap_or_default();
        let i = app.lessons.iter().position(|l| l.id() == id).unwrap_or(i);
        let mut fx = Vec::new();
        update::open_lesson(&mut app, i, &mut fx);
        for e in fx {
            runner.apply(&mut app, e);
        }
    }
    spawn_input(tx.clone())?;
    let ready = tx.clone();
    highlight::warm_up(move || {
        let _ = ready.send(Msg::SyntaxReady);
    });
    let res = run_loop(&mut term, &mut app, &rx, &mut runner);
    runner.shutdown();
    drop(guard);
    if let Ok(path) = std::env::var("CONTLAB_TUI_STATS") {
        // For benches/tui.rs: how many frames this run drew.
        let _ = std::fs::write(path, format!("{{\"frames\": {}}}\n", app.frames));
    }
    res?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the terminal's keys and size changes on a thread of its own.
pub(crate) fn spawn_input(tx: Sender<Msg>) -> Result<()> {
    std::thread::Builder::new()
        .name("contlab-input".into())
        .spawn(move || {
            loop {
                let msg = match crossterm::event::read() {
                    Ok(crossterm::event::Event::Key(k)) => Msg::Key(k),
                    Ok(crossterm::event::Event::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        })
        .context("cannot start the input reader")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    /// Feeds `m` through the runner and the app, as the main loop does.
    fn feed(runner: &mut Runner, app: &mut App, m: Msg) {
        if !runner.intercept(app, &m) {
            for e in update::update(app, m) {
                runner.apply(app, e);
            }
        }
        runner.settle(app);
    }

    #[test]
    fn without_root_opening_a_lesson_replays_its_recorded_run() {
        let lessons = crate::lesson::catalog::load(None).expect("lessons");
        let opts = Options {
            mode: Mode::Reading,
            lang: "en".into(),
            color: false,
            reading_reason: Some("not root".into()),
        };
        let mut app = App::new(lessons, Default::default(), opts, (120, 40));
        let (tx, _rx) = channel();
        let mut runner = Runner::new(tx, None, &Launch::default()).expect("runner");
        let i = app
            .lessons
            .iter()
            .position(|l| l.id() == "pid-namespace")
            .expect("the lesson");
        let mut fx = Vec::new();
        update::open_lesson(&mut app, i, &mut fx);
        for e in fx {
            runner.apply(&mut app, e);
        }
        assert_eq!(app.opts.mode, Mode::Replay);
        assert!(runner.replay.is_some());
        // To the end of the recording: every pane holds what the live run showed.
        feed(&mut runner, &mut app, key(KeyCode::End));
        let ls = app.lesson.as_ref().expect("the lesson is open");
        assert!(ls.proc.is_some(), "the Proc pane is empty after the replay");
        assert!(
            !ls.trace.is_empty(),
            "the Trace pane is empty after the replay"
        );
        assert!(
            ls.steps.iter().any(|s| s.mark == state::StepMark::Pass),
            "no step shows its recorded pass"
        );
        assert!(app.message.as_deref().is_some_and(|m| m.starts_with('■')));
        // Keys that would run something do nothing in a replay.
        let before = ls.trace.len();
        feed(&mut runner, &mut app, key(KeyCode::Char('r')));
        assert_eq!(app.lesson.as_ref().map(|l| l.trace.len()), Some(before));
        // Esc leaves the lesson, and the lab is back to reading, ready for another.
        feed(&mut runner, &mut app, key(KeyCode::Esc));
        assert!(app.lesson.is_none());
        assert_eq!(app.opts.mode, Mode::Reading);
        assert!(runner.replay.is_none());
    }

    #[test]
    fn a_lesson_without_a_recording_is_read_only_and_says_so() {
        let lessons = crate::lesson::catalog::load(None).expect("lessons");
        let opts = Options {
            mode: Mode::Reading,
            lang: "en".into(),
            color: false,
            reading_reason: None,
        };
        let mut app = App::new(lessons, Default::default(), opts, (120, 40));
        let (tx, _rx) = channel();
        let mut runner = Runner::new(tx, None, &Launch::default()).expect("runner");
        runner.apply(&mut app, Effect::Replay("no-such-lesson".into()));
        assert_eq!(app.opts.mode, Mode::Reading);
        assert!(runner.replay.is_none());
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| m.contains("no recorded run")),
            "{:?}",
            app.message
        );
    }
}
