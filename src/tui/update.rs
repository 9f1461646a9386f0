//! How messages change the app: keys become state changes and effects; engine events
//! are applied to the state. Pure apart from the returned effects, so tests drive it
//! message by message.

use super::keys::{self, Action, Scope};
use super::msg::{Effect, EngineCmd, Msg};
use super::request::{RequestBuilder, Source};
use super::state::{App, Confirm, Focus, Mode, Overlay, Panel, Screen, StepMark};
use super::view::layout;
use crate::lesson::event::{Event, StepStatus};
use crate::lesson::format::StepKind;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Re-check an open task every this many ticks (ticks are 250 ms).
const RECHECK_TICKS: u32 = 4;

/// Applies one message; returns what the runner must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(k) => {
            // Key releases and repeats (kitty protocol) are not separate presses.
            if k.kind == KeyEventKind::Press || k.kind == KeyEventKind::Repeat {
                let had_message = app.message.take().is_some();
                key(app, k, &mut fx);
                app.dirty |= had_message;
            }
        }
        Msg::Resize(w, h) => {
            app.size = (w, h);
            app.dirty = true;
            resize_shell(app, &mut fx);
        }
        Msg::Event(e) => on_event(app, &e, &mut fx),
        Msg::Tick => tick(app, &mut fx),
        Msg::SyntaxReady => {
            app.highlight_ready = true;
            app.dirty = true;
        }
        Msg::Notice(s) => {
            app.message = Some(s);
            app.dirty = true;
        }
        Msg::EngineStopped => {
            fx.push(Effect::Ticking(false));
            if app.quitting {
                app.done = true;
                fx.push(Effect::Exit);
            }
        }
    }
    fx
}

fn on_event(app: &mut App, e: &Event, fx: &mut Vec<Effect>) {
    let changed = app.apply_event(e);
    app.dirty |= changed;
    match e {
        Event::StepStarted { .. } if app.opts.mode == Mode::Live => {
            fx.push(Effect::Ticking(true));
        }
        Event::StepFinished { status, .. } => {
            if app.opts.mode == Mode::Live {
                fx.push(Effect::SaveProgress);
            }
            // A task that passed hands the keys back to the lesson.
            if *status == StepStatus::Pass && app.focus == Focus::Shell {
                app.focus = Focus::Prose;
            }
        }
        _ => {}
    }
}

fn tick(app: &mut App, fx: &mut Vec<Effect>) {
    if app.opts.mode != Mode::Live {
        return;
    }
    let Some(ls) = app.lesson.as_mut() else {
        return;
    };
    fx.push(Effect::Engine(EngineCmd::Sample));
    ls.ticks += 1;
    let Some(active) = ls.active else {
        return;
    };
    let is_task = app
        .lessons
        .get(ls.index)
        .and_then(|l| l.file.steps.get(active))
        .is_some_and(|s| s.kind == StepKind::Task);
    if is_task && ls.ticks >= RECHECK_TICKS {
        ls.ticks = 0;
        fx.push(Effect::Engine(EngineCmd::Recheck(active)));
    }
}

/// Tells the shell (and its screen) the pane's new size.
fn resize_shell(app: &mut App, fx: &mut Vec<Effect>) {
    let (w, h) = app.size;
    let (rows, cols) = layout::shell_size(w, h);
    if let Some(ls) = app.lesson.as_mut() {
        ls.term.screen_mut().set_size(rows, cols);
        if app.opts.mode == Mode::Live {
            fx.push(Effect::Engine(EngineCmd::ShellResize(rows, cols)));
        }
    }
}

fn key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    match app.overlay {
        Overlay::Help => {
            // The help is taller than a small terminal: arrows scroll it.
            let most = 2 * keys::help().count() as i32;
            match keys::action(Scope::Help, &k) {
                Some(Action::Scroll(by)) => {
                    app.help_scroll = (app.help_scroll as i32 + by).clamp(0, most) as u16
                }
                _ => {
                    app.overlay = Overlay::None;
                    app.help_scroll = 0;
                }
            }
            app.dirty = true;
            return;
        }
        Overlay::Confirm(c) => {
            match keys::action(Scope::Confirm, &k) {
                Some(Action::Yes) => {
                    app.overlay = Overlay::None;
                    confirmed(app, c, fx);
                }
                Some(Action::No) => app.overlay = Overlay::None,
                _ => {}
            }
            app.dirty = true;
            return;
        }
        Overlay::None => {}
    }
    match app.screen {
        Screen::Browser => browser_key(app, k, fx),
        Screen::Lesson => lesson_key(app, k, fx),
    }
}

fn browser_key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    let n = app.filtered().len();
    app.dirty = true;
    match keys::action(Scope::Browser, &k) {
        Some(Action::Up) => app.browser.selected = app.browser.selected.saturating_sub(1),
        Some(Action::Down) => {
            if app.browser.selected + 1 < n {
                app.browser.selected += 1;
            }
        }
        Some(Action::PageUp) => app.browser.selected = app.browser.selected.saturating_sub(10),
        Some(Action::PageDown) => {
            app.browser.selected = (app.browser.selected + 10).min(n.saturating_sub(1))
        }
        Some(Action::Open) => {
            if let Some(&i) = app.filtered().get(app.browser.selected) {
                open_lesson(app, i, fx);
            }
        }
        Some(Action::Back) if !app.browser.filter.is_empty() => {
            app.browser.filter.clear();
            app.browser.selected = 0;
        }
        Some(Action::Back) => quit(app, fx),
        Some(Action::Help) => app.overlay = Overlay::Help,
        Some(Action::Lang) => switch_lang(app, fx),
        // `q` quits only while nothing is typed, so ids with a q can still be filtered.
        Some(Action::Quit) if k.code != KeyCode::Char('q') || app.browser.filter.is_empty() => {
            quit(app, fx)
        }
        _ => match k.code {
            KeyCode::Backspace => {
                app.browser.filter.pop();
                app.browser.selected = 0;
            }
            KeyCode::Char(c) if !c.is_control() => {
                app.browser.filter.push(c);
                app.browser.selected = 0;
            }
            _ => app.dirty = false,
        },
    }
}

/// Opens lesson `i`, starting its engine in live mode.
pub fn open_lesson(app: &mut App, i: usize, fx: &mut Vec<Effect>) {
    app.open_lesson(i);
    if let Some(l) = app.lessons.get(i) {
        match app.opts.mode {
            Mode::Live => fx.push(Effect::StartEngine(l.id().to_string())),
            Mode::Reading => fx.push(Effect::Replay(l.id().to_string())),
            Mode::Replay => {}
        }
    }
    resize_shell(app, fx);
}

fn quit(app: &mut App, fx: &mut Vec<Effect>) {
    app.quitting = true;
    if app.opts.mode == Mode::Live && app.lesson.is_some() {
        // The engine tears the containers down, then reports EngineStopped.
        fx.push(Effect::Engine(EngineCmd::Quit));
    } else {
        app.done = true;
        fx.push(Effect::Exit);
    }
}

/// The language key: prose, panes and frame follow at once; the engine makes the next
/// check lines and notices in the new language (lines already shown stay as they were
/// said: making them again would mean observing again).
fn switch_lang(app: &mut App, fx: &mut Vec<Effect>) {
    let lang = match app.language() {
        crate::i18n::Lang::En => crate::i18n::Lang::Ko,
        crate::i18n::Lang::Ko => crate::i18n::Lang::En,
    };
    app.opts.lang = lang.code().to_string();
    if let Some(ls) = app.lesson.as_ref() {
        *ls.prose_cache.borrow_mut() = None;
    }
    if app.opts.mode == Mode::Live && app.lesson.is_some() {
        fx.push(Effect::Engine(EngineCmd::Lang(lang)));
    }
    app.message = Some(crate::tr!(lang, "tui-language-switched"));
}

fn leave_lesson(app: &mut App, fx: &mut Vec<Effect>) {
    if app.opts.mode == Mode::Live {
        fx.push(Effect::Engine(EngineCmd::Quit));
    }
    app.lesson = None;
    app.screen = Screen::Browser;
    app.focus = Focus::Prose;
}

fn confirmed(app: &mut App, c: Confirm, fx: &mut Vec<Effect>) {
    match c {
        Confirm::Quit => quit(app, fx),
        Confirm::Leave => leave_lesson(app, fx),
        Confirm::Reset => {
            let Some((id, index)) = app.open().map(|(l, ls)| (l.id().to_string(), ls.index)) else {
                return;
            };
            app.progress.reset(Some(&id));
            if app.opts.mode == Mode::Live {
                fx.push(Effect::Engine(EngineCmd::Reset));
                fx.push(Effect::SaveProgress);
            }
            app.open_lesson(index);
            resize_shell(app, fx);
            app.message = Some(crate::tr!(app.language(), "tui-lesson-reset"));
        }
        Confirm::Solution => solution(app, fx),
    }
}

/// A container may be running: leaving or quitting asks first.
fn live_containers(app: &App) -> bool {
    app.opts.mode == Mode::Live && app.lesson.as_ref().is_some_and(|l| l.live_started)
}

fn lesson_key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    app.dirty = true;
    if app.focus == Focus::Shell {
        if keys::leaves_shell(&k) {
            app.focus = Focus::Prose;
            return;
        }
        let bytes = keys::to_bytes(&k);
        if !bytes.is_empty() {
            if k.code == KeyCode::Enter
                && let Some(ls) = app.lesson.as_mut()
            {
                // Check the task right after the command had a moment to run.
                ls.ticks = RECHECK_TICKS - 1;
            }
            fx.push(Effect::Engine(EngineCmd::ShellInput(bytes)));
        }
        app.dirty = false;
        return;
    }
    if app.focus == Focus::Request {
        request_key(app, k, fx);
        return;
    }
    if raft_key(app, &k, fx) {
        return;
    }
    let Some(ls) = app.lesson.as_ref() else {
        return;
    };
    let step = ls.step;
    let nsteps = ls.steps.len();
    let kind = app.step_kind(step).unwrap_or_default();
    match keys::action(Scope::Lesson, &k) {
        Some(Action::Quit) => ask_or(app, Confirm::Quit, fx),
        Some(Action::NextStep) => go(app, (step + 1).min(nsteps.saturating_sub(1))),
        Some(Action::PreviousStep) => go(app, step.saturating_sub(1)),
        Some(Action::Run) => run(app, step, kind, fx),
        Some(Action::Hint) => hint(app, fx),
        Some(Action::Solution) => {
            let passed = ls.steps.get(step).is_some_and(|s| s.mark == StepMark::Pass);
            let has = app
                .open()
                .and_then(|(l, _)| l.file.steps.get(step))
                .is_some_and(|s| !s.solution.is_empty());
            if !has {
                app.message = Some(crate::tr!(app.language(), "tui-no-solution"));
            } else if passed {
                solution(app, fx);
            } else {
                app.overlay = Overlay::Confirm(Confirm::Solution);
            }
        }
        Some(Action::Reset) => app.overlay = Overlay::Confirm(Confirm::Reset),
        Some(Action::FocusNext) => {
            app.focus = match app.focus {
                Focus::Prose => Focus::Panels,
                Focus::Panels if app.opts.mode == Mode::Live => Focus::Shell,
                _ => Focus::Prose,
            }
        }
        Some(Action::FocusPrevious) => {
            app.focus = match app.focus {
                Focus::Panels => Focus::Prose,
                Focus::Prose if app.opts.mode == Mode::Live => Focus::Shell,
                _ => Focus::Panels,
            }
        }
        Some(Action::Panel(i)) => {
            app.panel = Panel::ALL[i];
            if let Some(ls) = app.lesson.as_mut() {
                ls.panel_scroll = 0;
            }
        }
        Some(Action::Help) => app.overlay = Overlay::Help,
        Some(Action::Lang) => switch_lang(app, fx),
        Some(Action::Request) if builder_source(app).is_some() => open_request(app, fx),
        Some(Action::Back) => ask_or(app, Confirm::Leave, fx),
        Some(Action::Scroll(by)) => scroll(app, by),
        _ => match k.code {
            KeyCode::Char(c) if kind == StepKind::Quiz && c.is_ascii_lowercase() => {
                let choices = app
                    .open()
                    .and_then(|(l, _)| l.file.steps.get(step))
                    .map(|s| s.choices.clone())
                    .unwrap_or_default();
                let pos = (c as u8 - b'a') as usize;
                match choices.get(pos) {
                    Some(id) => {
                        if let Some(s) = app.lesson.as_mut().and_then(|ls| ls.steps.get_mut(step)) {
                            s.chosen = Some(id.clone());
                        }
                    }
                    None => app.dirty = false,
                }
            }
            _ => app.dirty = false,
        },
    }
}

/// What the request builder reads in the open lesson's Cluster panel snapshot: the RBAC
/// track's or the API server's, once the engine has sent one.
fn builder_source(app: &App) -> Option<Source> {
    Source::of(app.lesson.as_ref()?.cluster.as_ref()?)
}

/// Opens the request builder on the Cluster panel and asks its request at once.
fn open_request(app: &mut App, fx: &mut Vec<Effect>) {
    if app.opts.mode != Mode::Live {
        app.message = Some(crate::tr!(app.language(), "tui-request-needs-live"));
        return;
    }
    let Some(data) = builder_source(app) else {
        return;
    };
    let Some(ls) = app.lesson.as_mut() else {
        return;
    };
    let b = ls
        .request
        .get_or_insert_with(|| RequestBuilder::from_source(&data));
    fx.push(Effect::Engine(EngineCmd::RbacReview(b.ask())));
    ls.panel_scroll = 0;
    app.panel = Panel::Cluster;
    app.focus = Focus::Request;
}

/// Keys in the request builder: ↑/↓ (Tab) pick a field, ←/→ go through its choices,
/// typing edits it, Enter switches between the verdict and who-can, Esc leaves. Every
/// change is asked of the engine at once.
fn request_key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    let action = keys::action(Scope::Builder, &k);
    match action {
        Some(Action::Quit) => {
            ask_or(app, Confirm::Quit, fx);
            return;
        }
        Some(Action::Back) => {
            app.focus = Focus::Panels;
            return;
        }
        _ => {}
    }
    let data = builder_source(app).unwrap_or_default();
    let Some(ls) = app.lesson.as_mut() else {
        return;
    };
    let Some(b) = ls.request.as_mut() else {
        app.focus = Focus::Panels;
        return;
    };
    let before = b.ask();
    let ctrl_or_alt = k
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match action {
        Some(Action::Field(by)) => b.step_field(by),
        Some(Action::Choice(by)) => b.cycle(by, &data),
        Some(Action::WhoCan) => {
            b.who_can = !b.who_can;
            ls.panel_scroll = 0;
        }
        Some(Action::Scroll(by)) => {
            ls.panel_scroll = (ls.panel_scroll as i32 + by).clamp(0, 500) as u16
        }
        _ => match k.code {
            KeyCode::Backspace => b.backspace(),
            KeyCode::Char(c) if !ctrl_or_alt && !c.is_control() => b.type_char(c),
            _ => app.dirty = false,
        },
    }
    let after = b.ask();
    if after != before {
        fx.push(Effect::Engine(EngineCmd::RbacReview(after)));
    }
}

/// The Cluster panel's controls, while a Raft step is shown and the panel is on screen.
/// With the panel focused, digits and ←/→ select the node the controls act on. Returns
/// false when `k` is none of them, so that it keeps its usual meaning.
fn raft_key(app: &mut App, k: &KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let Some(step) = app.lesson.as_ref().map(|ls| ls.step) else {
        return false;
    };
    if app.panel != Panel::Cluster
        || !app.raft_step(step)
        || k.modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return false;
    }
    let nodes = app.raft_nodes();
    let selecting = app.focus == Focus::Panels && nodes > 0;
    let Some(ls) = app.lesson.as_mut() else {
        return false;
    };
    let node = ls.raft_node.clamp(1, nodes.max(1));
    if selecting {
        match keys::action(Scope::RaftNode, k) {
            Some(Action::Node(n)) if n <= nodes => {
                ls.raft_node = n;
                return true;
            }
            Some(Action::NodeStep(-1)) => {
                ls.raft_node = if node <= 1 { nodes } else { node - 1 };
                return true;
            }
            Some(Action::NodeStep(_)) => {
                ls.raft_node = node % nodes + 1;
                return true;
            }
            _ => {}
        }
    }
    let Some(Action::Raft(control)) = keys::action(Scope::Raft, k) else {
        return false;
    };
    let control = keys::for_node(control, node);
    if app.opts.mode == Mode::Live {
        fx.push(Effect::Engine(EngineCmd::Raft(control)));
    } else {
        app.message = Some(crate::tr!(app.language(), "tui-cluster-needs-live"));
    }
    true
}

fn ask_or(app: &mut App, c: Confirm, fx: &mut Vec<Effect>) {
    if live_containers(app) {
        app.overlay = Overlay::Confirm(c);
    } else {
        match c {
            Confirm::Leave => leave_lesson(app, fx),
            _ => quit(app, fx),
        }
    }
}

fn go(app: &mut App, step: usize) {
    if let Some(ls) = app.lesson.as_mut() {
        if ls.step != step {
            ls.prose_scroll = 0;
            ls.panel_scroll = 0;
        }
        ls.step = step;
    }
}

fn scroll(app: &mut App, by: i32) {
    let focus = app.focus;
    // The trace follows its newest line; its scroll counts back from the end, so Up
    // (older) moves the other way.
    let by = if focus == Focus::Panels && app.panel == Panel::Trace {
        -by
    } else {
        by
    };
    if let Some(ls) = app.lesson.as_mut() {
        // Bounded by what there is to scroll (the trace: two lines per call at most), so
        // that a key after Home moves at once.
        let (slot, max) = if focus == Focus::Panels {
            let max = if app.panel == Panel::Trace {
                2 * ls.step_trace().count()
            } else {
                500
            };
            (&mut ls.panel_scroll, max)
        } else {
            (&mut ls.prose_scroll, 2000)
        };
        *slot = (*slot as i32 + by).clamp(0, max as i32) as u16;
    }
}

fn hint(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(ls) = app.lesson.as_ref() else {
        return;
    };
    let step = ls.step;
    let available = super::view::lesson::hints_for(app, step).len();
    let shown = ls.steps.get(step).map_or(0, |s| s.hints);
    if shown >= available {
        app.message = Some(if available == 0 {
            crate::tr!(app.language(), "tui-no-hints")
        } else {
            crate::tr!(app.language(), "tui-last-hint")
        });
        return;
    }
    if let Some(s) = app.lesson.as_mut().and_then(|ls| ls.steps.get_mut(step)) {
        s.hints += 1;
    }
    if app.opts.mode != Mode::Live {
        return;
    }
    let id = step_id(app, step);
    if let Some((lesson, sid)) = id {
        app.progress.hint_used(&lesson, &sid);
        fx.push(Effect::SaveProgress);
    }
}

/// The open lesson's id and the id of its step `step`, as progress keys them.
fn step_id(app: &App, step: usize) -> Option<(String, String)> {
    app.open().and_then(|(l, _)| {
        Some((
            l.id().to_string(),
            l.file.steps.get(step)?.id.get_ref().clone(),
        ))
    })
}

fn solution(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(step) = app.lesson.as_ref().map(|l| l.step) else {
        return;
    };
    let id = step_id(app, step);
    if let Some(s) = app.lesson.as_mut().and_then(|ls| ls.steps.get_mut(step)) {
        s.hints = usize::MAX / 2;
    }
    if app.opts.mode != Mode::Live {
        return;
    }
    if let Some((lesson, sid)) = id {
        app.progress.solution_shown(&lesson, &sid);
    }
    fx.push(Effect::Engine(EngineCmd::Solution(step)));
}

fn run(app: &mut App, step: usize, kind: StepKind, fx: &mut Vec<Effect>) {
    let Some(ls) = app.lesson.as_mut() else {
        return;
    };
    if app.opts.mode != Mode::Live {
        // Reading mode: prose-only steps and quizzes work without the kernel.
        match kind {
            StepKind::Read => {
                if let Some(s) = ls.steps.get_mut(step) {
                    s.mark = StepMark::Pass;
                }
            }
            StepKind::Quiz => {
                let right = app
                    .lessons
                    .get(ls.index)
                    .and_then(|l| l.file.steps.get(step))
                    .and_then(|s| s.answer.clone());
                if let Some(s) = ls.steps.get_mut(step) {
                    match &s.chosen {
                        Some(c) => {
                            s.mark = if Some(c) == right.as_ref() {
                                StepMark::Pass
                            } else {
                                StepMark::Fail
                            };
                        }
                        None => {
                            app.message =
                                Some(crate::tr!(app.language(), "tui-choose-answer-first"));
                        }
                    }
                }
            }
            StepKind::Run | StepKind::Task => {
                app.message = Some(crate::tr!(app.language(), "tui-live-unavailable"));
            }
        }
        return;
    }
    if ls.active.is_some_and(|a| a != step) {
        app.message = Some(crate::tr!(app.language(), "tui-step-still-running"));
        return;
    }
    match kind {
        StepKind::Quiz => match ls.steps.get(step).and_then(|s| s.chosen.clone()) {
            Some(c) => fx.push(Effect::Engine(EngineCmd::Answer(step, c))),
            None => app.message = Some(crate::tr!(app.language(), "tui-choose-answer-first")),
        },
        StepKind::Read => fx.push(Effect::Engine(EngineCmd::Read(step))),
        StepKind::Run => fx.push(Effect::Engine(EngineCmd::Run(step))),
        StepKind::Task => {
            if ls.active == Some(step) {
                fx.push(Effect::Engine(EngineCmd::Recheck(step)));
            } else {
                fx.push(Effect::Engine(EngineCmd::Run(step)));
            }
            // The student works in the shell now; on the Raft track, with the Cluster
            // panel's keys.
            let raft = (app.lessons.get(ls.index))
                .is_some_and(|l| l.file.track == crate::lesson::format::Track::Raft);
            app.focus = if raft { Focus::Panels } else { Focus::Shell };
        }
    }
}
