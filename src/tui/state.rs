//! The app's whole state, and how the event stream changes it. Nothing here touches the
//! terminal or the kernel: the view draws this state, the runner carries out effects.

use crate::lesson::event::{CheckResult, Event, StepStatus, Stream, TraceEvent, add_to_round};
use crate::lesson::format::{StepKind, StepText};
use crate::lesson::load::Lesson;
use crate::lesson::panel::{CgroupPanel, ClusterPanel, PanelData, ProcPanel};
use crate::lesson::progress::Progress;
use std::cell::RefCell;

/// Live runs steps on this kernel; reading shows the prose only (no root); replay plays
/// a recorded event stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Live,
    Reading,
    Replay,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Browser,
    Lesson,
}

/// Where keys go in the lesson view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Prose,
    Panels,
    Shell,
    /// The request builder of the RBAC Cluster panel: keys edit the request.
    Request,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Proc,
    Cgroup,
    Trace,
    Cluster,
    /// The networking track's node: links, routes, kube-proxy's rules, conntrack, DNS.
    Net,
}

impl Panel {
    pub const ALL: [Panel; 5] = [
        Panel::Proc,
        Panel::Cgroup,
        Panel::Trace,
        Panel::Cluster,
        Panel::Net,
    ];
}

/// A question the student must answer before something irreversible happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    Quit,
    /// Back to the browser (tears the lesson's containers down).
    Leave,
    Reset,
    Solution,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Confirm(Confirm),
}

/// A step's mark in the step list: not run, running, passed or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMark {
    Todo,
    Running,
    Pass,
    Fail,
}

#[derive(Clone, Debug)]
pub struct StepView {
    pub mark: StepMark,
    /// The last round of check results.
    pub checks: Vec<CheckResult>,
    /// How many hints the student has asked for.
    pub hints: usize,
    /// The quiz choice picked (by its id).
    pub chosen: Option<String>,
    /// What the step's commands printed (stdout and stderr).
    pub output: String,
}

/// The most trace events kept; older ones scroll away.
const TRACE_KEEP: usize = 2000;
/// Memory samples in the sparkline.
pub const MEM_HISTORY: usize = 120;

/// Everything about the open lesson.
pub struct LessonState {
    /// Index into `App::lessons`.
    pub index: usize,
    /// The step on screen.
    pub step: usize,
    pub steps: Vec<StepView>,
    /// The step the event stream is in (between StepStarted and StepFinished), and the
    /// one trace events and checks belong to.
    pub active: Option<usize>,
    /// Trace events with the step they happened in.
    pub trace: Vec<(usize, TraceEvent)>,
    pub proc: Option<ProcPanel>,
    pub cgroup: Option<CgroupPanel>,
    pub mem_history: Vec<u64>,
    pub cluster: Option<ClusterPanel>,
    /// The shell pane's screen, fed with the PTY's bytes.
    pub term: vt100::Parser,
    /// Some PTY output arrived: a shell runs (or ran).
    pub shell_seen: bool,
    pub prose_scroll: u16,
    pub panel_scroll: u16,
    /// Rendered prose, reused until the step, width or highlighting changes.
    pub prose_cache: RefCell<Option<(ProseKey, std::rc::Rc<Vec<ratatui::text::Line<'static>>>)>>,
    /// A container may be running (a live step has run since the last reset).
    pub live_started: bool,
    /// Ticks since the last task re-check.
    pub ticks: u32,
    /// The RBAC request builder, once opened (kept while the lesson is open).
    pub request: Option<super::request::RequestBuilder>,
    /// The Raft cluster's node the Cluster panel's keys act on (crash, isolate, propose…).
    pub raft_node: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProseKey {
    pub step: usize,
    pub width: u16,
    pub highlighted: bool,
    pub hints: usize,
    pub checks: u64,
    pub output_len: usize,
    pub chosen: Option<String>,
    pub mark: u8,
}

impl LessonState {
    pub fn new(index: usize, lesson: &Lesson, step: usize) -> Self {
        let n = lesson.file.steps.len();
        LessonState {
            index,
            step: step.min(n.saturating_sub(1)),
            steps: (0..n)
                .map(|_| StepView {
                    mark: StepMark::Todo,
                    checks: Vec::new(),
                    hints: 0,
                    chosen: None,
                    output: String::new(),
                })
                .collect(),
            active: None,
            trace: Vec::new(),
            proc: None,
            cgroup: None,
            mem_history: Vec::new(),
            cluster: None,
            term: vt100::Parser::new(8, 80, 500),
            shell_seen: false,
            prose_scroll: 0,
            panel_scroll: 0,
            prose_cache: RefCell::new(None),
            live_started: false,
            ticks: 0,
            request: None,
            raft_node: 1,
        }
    }

    /// The trace of the step on screen (or of the running one).
    pub fn step_trace(&self) -> impl Iterator<Item = &TraceEvent> {
        let s = self.step;
        self.trace
            .iter()
            .filter(move |(i, _)| *i == s)
            .map(|(_, t)| t)
    }
}

/// Browser state: the filter typed so far and the selected row among the matches.
#[derive(Clone, Debug, Default)]
pub struct BrowserState {
    pub filter: String,
    pub selected: usize,
}

/// Options the app starts with.
#[derive(Clone, Debug)]
pub struct Options {
    pub mode: Mode,
    pub lang: String,
    pub color: bool,
    /// Why live mode is off, when it is.
    pub reading_reason: Option<String>,
}

/// The app.
pub struct App {
    pub opts: Options,
    pub lessons: Vec<Lesson>,
    pub progress: Progress,
    pub screen: Screen,
    pub browser: BrowserState,
    pub lesson: Option<LessonState>,
    pub focus: Focus,
    pub panel: Panel,
    pub overlay: Overlay,
    /// A one-line message in the status bar, until the next key.
    pub message: Option<String>,
    /// Columns and rows of the terminal.
    pub size: (u16, u16),
    /// Something changed since the last frame.
    pub dirty: bool,
    /// Frames drawn (for the idle benchmark).
    pub frames: u64,
    /// The syntax sets are loaded.
    pub highlight_ready: bool,
    /// Quitting: waiting for the engine to stop.
    pub quitting: bool,
    /// Set once the app should end.
    pub done: bool,
    /// The projector layout (`--presenter`): one large pane at a time.
    pub presenter: bool,
    /// How far the help overlay is scrolled (it is taller than a small terminal).
    pub help_scroll: u16,
}

impl App {
    pub fn new(lessons: Vec<Lesson>, progress: Progress, opts: Options, size: (u16, u16)) -> Self {
        let mut lessons = lessons;
        lessons.sort_by(|a, b| {
            (a.file.track, a.file.order, a.id()).cmp(&(b.file.track, b.file.order, b.id()))
        });
        App {
            opts,
            lessons,
            progress,
            screen: Screen::Browser,
            browser: BrowserState::default(),
            lesson: None,
            focus: Focus::Prose,
            panel: Panel::Proc,
            overlay: Overlay::None,
            message: None,
            size,
            dirty: true,
            frames: 0,
            highlight_ready: false,
            quitting: false,
            done: false,
            presenter: false,
            help_scroll: 0,
        }
    }

    pub fn lang(&self) -> &str {
        &self.opts.lang
    }

    /// The language as the message catalog names it.
    pub fn language(&self) -> crate::i18n::Lang {
        crate::i18n::Lang::from_code(&self.opts.lang).unwrap_or_default()
    }

    pub fn ko(&self) -> bool {
        self.opts.lang == "ko"
    }

    /// The open lesson and its state.
    pub fn open(&self) -> Option<(&Lesson, &LessonState)> {
        let ls = self.lesson.as_ref()?;
        Some((self.lessons.get(ls.index)?, ls))
    }

    /// The prose of step `i` of the open lesson.
    pub fn step_text(&self, i: usize) -> Option<&StepText> {
        let (l, _) = self.open()?;
        let id = l.file.steps.get(i)?.id.get_ref();
        l.text(self.lang()).and_then(|t| t.steps.get(id))
    }

    /// Whether step `i` drives the Raft track's simulated cluster (a `raft` action or
    /// `raft` checks) or its real etcd cluster (`etcd` ones): then the Cluster panel's keys
    /// control that cluster.
    pub fn raft_step(&self, i: usize) -> bool {
        use crate::lesson::format::{Action, Check};
        let Some(step) = self.open().and_then(|(l, _)| l.file.steps.get(i)) else {
            return false;
        };
        step.action
            .as_ref()
            .is_some_and(|a| matches!(a.get_ref(), Action::Raft { .. } | Action::Etcd { .. }))
            || step
                .checks
                .iter()
                .any(|c| matches!(c.get_ref(), Check::Raft { .. } | Check::Etcd { .. }))
    }

    /// How many nodes (or etcd members) the Cluster panel's cluster has (0 when it shows
    /// none).
    pub fn raft_nodes(&self) -> u64 {
        self.lesson
            .as_ref()
            .and_then(|ls| ls.cluster.as_ref())
            .map_or(0, |c| match c {
                ClusterPanel::Raft(r) => r.view.nodes.len() as u64,
                ClusterPanel::Etcd { members } => members.len() as u64,
                _ => 0,
            })
    }

    pub fn step_kind(&self, i: usize) -> Option<StepKind> {
        let (l, _) = self.open()?;
        l.file.steps.get(i).map(|s| s.kind)
    }

    /// Indices of the lessons the browser's filter matches, in display order.
    pub fn filtered(&self) -> Vec<usize> {
        let f = self.browser.filter.to_lowercase();
        self.lessons
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                if f.is_empty() {
                    return true;
                }
                let title = l.text(self.lang()).map(|t| t.title.to_lowercase());
                l.id().contains(&f)
                    || l.file.track.as_str().contains(&f)
                    || title.is_some_and(|t| t.contains(&f))
                    || l.file.topics.iter().any(|t| t.get_ref().contains(&f))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The step a lesson resumes at: the one progress last recorded, else the first.
    pub fn resume_step(&self, lesson: &Lesson) -> usize {
        let Some(p) = self.progress.lessons.get(lesson.id()) else {
            return 0;
        };
        let Some(cur) = &p.current_step else {
            return 0;
        };
        let Some(i) = lesson.file.steps.iter().position(|s| s.id.get_ref() == cur) else {
            return 0;
        };
        // A passed step resumes at the next one.
        let passed = p.steps.get(cur).is_some_and(|s| s.passed);
        if passed && i + 1 < lesson.file.steps.len() {
            i + 1
        } else {
            i
        }
    }

    /// Opens lesson `index` (into `lessons`) at its resume point, with marks from progress.
    pub fn open_lesson(&mut self, index: usize) {
        let Some(lesson) = self.lessons.get(index) else {
            return;
        };
        let start = self.resume_step(lesson);
        let mut ls = LessonState::new(index, lesson, start);
        if let Some(p) = self.progress.lessons.get(lesson.id()) {
            for (i, s) in lesson.file.steps.iter().enumerate() {
                if let Some(sp) = p.steps.get(s.id.get_ref()) {
                    ls.steps[i].mark = if sp.passed {
                        StepMark::Pass
                    } else {
                        StepMark::Todo
                    };
                }
            }
        }
        // The Raft track happens in the Cluster panel, the networking track in the Net one.
        match lesson.file.track {
            crate::lesson::format::Track::Raft => self.panel = Panel::Cluster,
            crate::lesson::format::Track::Net => self.panel = Panel::Net,
            _ => {}
        }
        self.lesson = Some(ls);
        self.screen = Screen::Lesson;
        self.focus = Focus::Prose;
        self.dirty = true;
    }

    /// Applies one event of the stream. Returns true when something on screen changed.
    pub fn apply_event(&mut self, e: &Event) -> bool {
        if let Event::Notice { message } = e {
            self.message = Some(message.clone());
            return true;
        }
        let expected_checks: Vec<usize> = self
            .open()
            .map(|(l, _)| l.file.steps.iter().map(|s| s.checks.len()).collect())
            .unwrap_or_default();
        if self.opts.mode == Mode::Live
            && let Some(ls) = &self.lesson
            && let Some(l) = self.lessons.get(ls.index)
        {
            self.progress.on_event(l, e);
        }
        let Some(ls) = self.lesson.as_mut() else {
            return false;
        };
        match e {
            Event::StepStarted { index, .. } => {
                if let Some(s) = ls.steps.get_mut(*index) {
                    s.mark = StepMark::Running;
                    s.checks.clear();
                    s.output.clear();
                }
                ls.active = Some(*index);
                ls.live_started = true;
                true
            }
            Event::Trace(t) => {
                let at = ls.active.unwrap_or(ls.step);
                ls.trace.push((at, t.clone()));
                if ls.trace.len() > TRACE_KEEP {
                    ls.trace.drain(..ls.trace.len() - TRACE_KEEP);
                }
                true
            }
            Event::Output { stream, data } => {
                match stream {
                    Stream::Pty => {
                        ls.term.process(data.as_bytes());
                        ls.shell_seen = true;
                    }
                    Stream::Stdout | Stream::Stderr => {
                        let at = ls.active.unwrap_or(ls.step);
                        if let Some(s) = ls.steps.get_mut(at) {
                            s.output.push_str(data);
                            // Keep the last few kilobytes: the pane shows only the end.
                            if s.output.len() > 8192 {
                                let cut = s.output.len() - 8192;
                                let cut = (cut..s.output.len())
                                    .find(|i| s.output.is_char_boundary(*i))
                                    .unwrap_or(s.output.len());
                                s.output.drain(..cut);
                            }
                        }
                    }
                }
                true
            }
            Event::PanelSnapshot(p) => match p {
                PanelData::Proc(data) => replace_if_changed(&mut ls.proc, data),
                PanelData::Cgroup(data) => {
                    if let Some(u) = data.memory_current() {
                        ls.mem_history.push(u);
                        if ls.mem_history.len() > MEM_HISTORY {
                            ls.mem_history.remove(0);
                        }
                    }
                    replace_if_changed(&mut ls.cgroup, data)
                }
                PanelData::Cluster(data) => replace_if_changed(&mut ls.cluster, data),
            },
            Event::Check(c) => {
                let at = ls.active.unwrap_or(ls.step);
                let want = expected_checks.get(at).copied().unwrap_or(0);
                match ls.steps.get_mut(at) {
                    Some(s) => {
                        add_to_round(&mut s.checks, c, want);
                        true
                    }
                    None => false,
                }
            }
            Event::StepFinished { status, .. } => {
                let at = ls.active.take().unwrap_or(ls.step);
                if let Some(s) = ls.steps.get_mut(at) {
                    s.mark = match status {
                        StepStatus::Pass => StepMark::Pass,
                        StepStatus::Fail => StepMark::Fail,
                    };
                }
                true
            }
            Event::Notice { .. } => false,
        }
    }
}

fn replace_if_changed<T: Clone + PartialEq>(slot: &mut Option<T>, data: &T) -> bool {
    if slot.as_ref() == Some(data) {
        return false;
    }
    *slot = Some(data.clone());
    true
}
