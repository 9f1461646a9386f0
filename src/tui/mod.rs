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

/// The language: `--lang`, else Korean when `LANG` starts with `ko`, else English.
pub fn pick_lang(flag: Option<&str>, env_lang: Option<&str>) -> String {
    match flag {
        Some(l) => l.to_string(),
        None if env_lang.is_some_and(|l| l.starts_with("ko")) => "ko".into(),
        None => "en".into(),
    }
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
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Msg>,
    mut effect: impl FnMut(&App, Effect),
) -> Result<()> {
    draw(terminal, app)?;
    while let Ok(first) = rx.recv() {
        let mut fx = update::update(app, first);
        for m in rx.try_iter().take(BATCH) {
            fx.extend(update::update(app, m));
        }
        for e in fx {
            effect(app, e);
        }
        if app.done {
            break;
        }
        if app.dirty {
            draw(terminal, app)?;
        }
    }
    Ok(())
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
}

impl Runner {
    fn apply(&mut self, app: &App, e: Effect) {
        match e {
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
                    Ok(h) => self.engine = Some(h),
                    Err(e) => {
                        let _ = self.tx.send(Msg::Notice(format!(
                            "cannot start the lesson engine: {e:#}"
                        )));
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
                    let _ = self.tx.send(Msg::Notice(format!("{e:#}")));
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
    let lang = pick_lang(
        launch.lang.as_deref(),
        std::env::var("LANG").ok().as_deref(),
    );
    let start_at =
        match &launch.lesson {
            Some(id) => Some(lessons.iter().position(|l| l.id() == id).with_context(|| {
                format!("unknown lesson {id:?}; `contlab list` shows the lessons")
            })?),
            None => None,
        };
    let root = nix::unistd::geteuid().is_root();
    let mode = if root { Mode::Live } else { Mode::Reading };
    let progress_path = crate::lesson::progress::default_path();
    let mut notice = None;
    let progress = match crate::lesson::progress::Progress::load(&progress_path) {
        Ok(p) => p,
        Err(e) => {
            // A damaged progress file must not keep a student out of the lab.
            tracing::warn!("{e:#}");
            notice = Some(format!("{e:#}"));
            crate::lesson::progress::Progress::default()
        }
    };
    if mode == Mode::Live {
        crate::runtime::install_teardown_handlers()?;
    }
    terminal::install_signal_handlers()?;
    terminal::install_panic_hook();
    let opts = Options {
        mode,
        lang,
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        reading_reason: (!root).then(|| "not root".to_string()),
    };
    let guard = terminal::TerminalGuard::enter()?;
    let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
    let mut term = Terminal::new(backend).context("cannot use the terminal")?;
    let size = term.size().map(|s| (s.width, s.height)).unwrap_or((80, 24));
    let mut app = App::new(lessons, progress, opts, size);
    app.message = notice;
    let (tx, rx) = channel();
    app.presenter = launch.presenter;
    let engine_tx = match crate::record::record_dir(launch.record.as_deref()) {
        Some(dir) if mode == Mode::Live => {
            let (rtx, rrx) = channel();
            crate::record::spawn_tui_recorder(
                dir,
                app.lessons.clone(),
                app.opts.lang.clone(),
                rrx,
                tx.clone(),
            )?;
            Some(rtx)
        }
        _ => None,
    };
    if mode == Mode::Reading && app.message.is_none() {
        app.message = Some(if app.ko() {
            "라이브 모드는 root가 필요합니다. `contlab replay <레슨>`으로 실제 실행 기록을 재생할 수 있습니다".into()
        } else {
            "live mode needs root; `contlab replay <lesson>` replays a recorded real run".into()
        });
    }
    let mut runner = Runner {
        engine_tx,
        tx: tx.clone(),
        engine: None,
        stopping: Vec::new(),
        ticker: worker::Ticker::spawn(tx.clone())?,
        progress_path,
    };
    if let Some(i) = start_at {
        // Sorting in App::new moved the lessons: find it again by id.
        let id = launch.lesson.clone().unwrap_or_default();
        let i = app.lessons.iter().position(|l| l.id() == id).unwrap_or(i);
        let mut fx = Vec::new();
        update::open_lesson(&mut app, i, &mut fx);
        for e in fx {
            runner.apply(&app, e);
        }
    }
    spawn_input(tx.clone())?;
    let ready = tx.clone();
    highlight::warm_up(move || {
        let _ = ready.send(Msg::SyntaxReady);
    });
    let res = run_loop(&mut term, &mut app, &rx, |app, e| runner.apply(app, e));
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
