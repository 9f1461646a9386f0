//! Every key the lab knows, in one table: the key dispatch (`update`) looks keys up in
//! it, and the help overlay is drawn from it, so the two cannot drift apart. Also the
//! bytes a key sends to the shell pane.

use crate::i18n::Lang;
use crate::raft::Control;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a key is pressed: each scope has its own bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Browser,
    /// The lesson view (prose or panels focused).
    Lesson,
    /// The shell pane: every key goes to the shell except the ones that leave it.
    Shell,
    /// The RBAC request builder on the Cluster panel.
    Builder,
    /// The Cluster panel's controls, on a Raft step.
    Raft,
    /// The same, with the Cluster panel focused: choosing the node.
    RaftNode,
    /// A yes/no question.
    Confirm,
    /// The help overlay.
    Help,
}

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    /// Open the chosen lesson.
    Open,
    /// Back: clear the browser's filter, leave a lesson, the builder or the shell.
    Back,
    NextStep,
    PreviousStep,
    /// Run the step (a quiz: submit the answer).
    Run,
    Hint,
    Solution,
    Reset,
    FocusNext,
    FocusPrevious,
    /// Show this panel (0: Proc, 1: Cgroup, 2: Trace, 3: Cluster).
    Panel(usize),
    /// Open the RBAC request builder.
    Request,
    /// Scroll the focused pane by this many lines.
    Scroll(i32),
    /// The builder: previous or next field, previous or next choice, verdict ⇄ who-can.
    Field(isize),
    Choice(isize),
    WhoCan,
    /// A control of the Raft cluster; one that acts on a node names node 0 here, and
    /// the selected node when it is sent (see [`for_node`]).
    Raft(Control),
    /// Select this Raft node (1-9), or the previous or next one.
    Node(u64),
    NodeStep(i8),
    Help,
    /// Switch the language (English ⇄ Korean), prose, panes and sentences alike.
    Lang,
    Quit,
    Yes,
    No,
}

/// One key in one scope. `mods: None` matches whatever modifiers come with it (as
/// terminals differ on Shift for `?`, `+`, `{`); `Some(m)` needs `m`.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub scope: Scope,
    pub code: KeyCode,
    pub mods: Option<KeyModifiers>,
    pub action: Action,
}

/// What a key does, in a language: a catalog message (`tui-key-…`).
pub type Says = fn(Lang) -> String;

/// A row of the table: the keys as the help shows them, what they do (no help line when
/// `help` is `None`), and the bindings behind it.
pub struct Row {
    pub help: Option<(&'static str, Says)>,
    pub bind: &'static [Binding],
}

const fn b(scope: Scope, code: KeyCode, action: Action) -> Binding {
    Binding {
        scope,
        code,
        mods: None,
        action,
    }
}

const fn ctrl(scope: Scope, code: KeyCode, action: Action) -> Binding {
    Binding {
        scope,
        code,
        mods: Some(KeyModifiers::CONTROL),
        action,
    }
}

const fn c(ch: char) -> KeyCode {
    KeyCode::Char(ch)
}

use Action as A;
use KeyCode as K;
use Scope as S;

/// Every key, in the order the help lists them.
pub const KEYMAP: &[Row] = &[
    Row {
        help: Some(("↑ ↓  Enter", |l| crate::tr!(l, "tui-key-browse"))),
        bind: &[
            b(S::Browser, K::Up, A::Up),
            b(S::Browser, K::Down, A::Down),
            b(S::Browser, K::Enter, A::Open),
            b(S::Browser, K::PageUp, A::PageUp),
            b(S::Browser, K::PageDown, A::PageDown),
        ],
    },
    Row {
        help: Some(("type", |l| crate::tr!(l, "tui-key-filter"))),
        bind: &[],
    },
    Row {
        help: Some(("Esc", |l| crate::tr!(l, "tui-key-esc"))),
        bind: &[
            b(S::Browser, K::Esc, A::Back),
            b(S::Lesson, K::Esc, A::Back),
        ],
    },
    Row {
        help: Some(("n  →", |l| crate::tr!(l, "tui-key-next"))),
        bind: &[
            b(S::Lesson, c('n'), A::NextStep),
            b(S::Lesson, K::Right, A::NextStep),
        ],
    },
    Row {
        help: Some(("p  ←", |l| crate::tr!(l, "tui-key-previous"))),
        bind: &[
            b(S::Lesson, c('p'), A::PreviousStep),
            b(S::Lesson, K::Left, A::PreviousStep),
        ],
    },
    Row {
        help: Some(("Enter", |l| crate::tr!(l, "tui-key-run"))),
        bind: &[b(S::Lesson, K::Enter, A::Run)],
    },
    Row {
        help: Some(("a b c …", |l| crate::tr!(l, "tui-key-quiz"))),
        bind: &[],
    },
    Row {
        help: Some(("h", |l| crate::tr!(l, "tui-key-hint"))),
        bind: &[b(S::Lesson, c('h'), A::Hint)],
    },
    Row {
        help: Some(("s", |l| crate::tr!(l, "tui-key-solution"))),
        bind: &[b(S::Lesson, c('s'), A::Solution)],
    },
    Row {
        help: Some(("r", |l| crate::tr!(l, "tui-key-reset"))),
        bind: &[b(S::Lesson, c('r'), A::Reset)],
    },
    Row {
        help: Some(("Tab", |l| crate::tr!(l, "tui-key-focus"))),
        bind: &[
            b(S::Lesson, K::Tab, A::FocusNext),
            b(S::Lesson, K::BackTab, A::FocusPrevious),
        ],
    },
    Row {
        help: Some(("Ctrl-]  F6", |l| crate::tr!(l, "tui-key-leave-shell"))),
        bind: &[
            // Terminals send Ctrl-] as 0x1d, which crossterm reports as Ctrl-5.
            ctrl(S::Shell, c(']'), A::Back),
            ctrl(S::Shell, c('5'), A::Back),
            b(S::Shell, K::F(6), A::Back),
            ctrl(S::Builder, c(']'), A::Back),
            ctrl(S::Builder, c('5'), A::Back),
            b(S::Builder, K::F(6), A::Back),
        ],
    },
    Row {
        help: Some(("1 2 3 4 5", |l| crate::tr!(l, "tui-key-panels"))),
        bind: &[
            b(S::Lesson, c('1'), A::Panel(0)),
            b(S::Lesson, c('2'), A::Panel(1)),
            b(S::Lesson, c('3'), A::Panel(2)),
            b(S::Lesson, c('4'), A::Panel(3)),
            b(S::Lesson, c('5'), A::Panel(4)),
        ],
    },
    Row {
        help: Some(("i", |l| crate::tr!(l, "tui-key-rbac-request"))),
        bind: &[
            // `i` as in `kubectl auth can-i`; quiz choices stop well before it.
            b(S::Lesson, c('i'), A::Request),
        ],
    },
    Row {
        help: Some(("↑↓ ←→ Enter", |l| crate::tr!(l, "tui-key-builder"))),
        bind: &[
            b(S::Builder, K::Up, A::Field(-1)),
            b(S::Builder, K::BackTab, A::Field(-1)),
            b(S::Builder, K::Down, A::Field(1)),
            b(S::Builder, K::Tab, A::Field(1)),
            b(S::Builder, K::Left, A::Choice(-1)),
            b(S::Builder, K::Right, A::Choice(1)),
            b(S::Builder, K::Enter, A::WhoCan),
            b(S::Builder, K::Esc, A::Back),
        ],
    },
    Row {
        help: Some(("↑ ↓ PgUp PgDn", |l| crate::tr!(l, "tui-key-scroll"))),
        bind: &[
            b(S::Lesson, K::Up, A::Scroll(-1)),
            b(S::Lesson, K::Down, A::Scroll(1)),
            b(S::Lesson, K::PageUp, A::Scroll(-10)),
            b(S::Lesson, K::PageDown, A::Scroll(10)),
            b(S::Lesson, K::Home, A::Scroll(-10_000)),
            b(S::Builder, K::PageUp, A::Scroll(-5)),
            b(S::Builder, K::PageDown, A::Scroll(5)),
        ],
    },
    Row {
        help: Some(("Space", |l| crate::tr!(l, "tui-key-raft-play"))),
        bind: &[b(S::Raft, c(' '), A::Raft(Control::PlayPause))],
    },
    Row {
        help: Some((".  ,", |l| crate::tr!(l, "tui-key-raft-tick"))),
        bind: &[
            b(S::Raft, c('.'), A::Raft(Control::StepTick)),
            b(S::Raft, c(','), A::Raft(Control::StepMessage)),
        ],
    },
    Row {
        help: Some(("+  -", |l| crate::tr!(l, "tui-key-raft-speed"))),
        bind: &[
            b(S::Raft, c('+'), A::Raft(Control::Faster)),
            b(S::Raft, c('='), A::Raft(Control::Faster)),
            b(S::Raft, c('-'), A::Raft(Control::Slower)),
        ],
    },
    Row {
        help: Some(("[  ]", |l| crate::tr!(l, "tui-key-raft-scrub"))),
        bind: &[
            b(S::Raft, c('['), A::Raft(Control::Back)),
            b(S::Raft, c(']'), A::Raft(Control::Forward)),
        ],
    },
    Row {
        help: Some(("{  }", |l| crate::tr!(l, "tui-key-raft-jump"))),
        bind: &[
            b(S::Raft, c('{'), A::Raft(Control::PreviousMark)),
            b(S::Raft, c('}'), A::Raft(Control::NextMark)),
        ],
    },
    Row {
        help: Some(("c", |l| crate::tr!(l, "tui-key-raft-crash"))),
        bind: &[b(S::Raft, c('c'), A::Raft(Control::CrashOrRestart(0)))],
    },
    Row {
        help: Some(("i", |l| crate::tr!(l, "tui-key-raft-isolate"))),
        bind: &[b(S::Raft, c('i'), A::Raft(Control::IsolateOrHeal(0)))],
    },
    Row {
        help: Some(("x", |l| crate::tr!(l, "tui-key-raft-drop"))),
        bind: &[b(S::Raft, c('x'), A::Raft(Control::DropNext(0)))],
    },
    Row {
        help: Some(("w", |l| crate::tr!(l, "tui-key-raft-propose"))),
        bind: &[b(S::Raft, c('w'), A::Raft(Control::Propose(0)))],
    },
    Row {
        help: Some(("v", |l| crate::tr!(l, "tui-key-raft-split-vote"))),
        bind: &[b(S::Raft, c('v'), A::Raft(Control::SplitVote))],
    },
    Row {
        help: Some(("e", |l| crate::tr!(l, "tui-key-raft-campaign"))),
        bind: &[b(S::Raft, c('e'), A::Raft(Control::Campaign(0)))],
    },
    Row {
        help: Some(("1-9  ← →", |l| crate::tr!(l, "tui-key-raft-select"))),
        bind: &[
            b(S::RaftNode, c('1'), A::Node(1)),
            b(S::RaftNode, c('2'), A::Node(2)),
            b(S::RaftNode, c('3'), A::Node(3)),
            b(S::RaftNode, c('4'), A::Node(4)),
            b(S::RaftNode, c('5'), A::Node(5)),
            b(S::RaftNode, c('6'), A::Node(6)),
            b(S::RaftNode, c('7'), A::Node(7)),
            b(S::RaftNode, c('8'), A::Node(8)),
            b(S::RaftNode, c('9'), A::Node(9)),
            b(S::RaftNode, K::Left, A::NodeStep(-1)),
            b(S::RaftNode, K::Right, A::NodeStep(1)),
        ],
    },
    Row {
        help: Some(("?", |l| crate::tr!(l, "tui-key-help"))),
        bind: &[
            b(S::Browser, c('?'), A::Help),
            b(S::Lesson, c('?'), A::Help),
        ],
    },
    Row {
        help: Some(("L  F2", |l| crate::tr!(l, "tui-key-language"))),
        bind: &[
            // F2 in the browser, where letters type into the filter.
            b(S::Browser, K::F(2), A::Lang),
            b(S::Lesson, K::F(2), A::Lang),
            b(S::Lesson, c('L'), A::Lang),
        ],
    },
    Row {
        help: Some(("q  Ctrl-C", |l| crate::tr!(l, "tui-key-quit"))),
        bind: &[
            ctrl(S::Browser, c('c'), A::Quit),
            ctrl(S::Lesson, c('c'), A::Quit),
            ctrl(S::Builder, c('c'), A::Quit),
            b(S::Browser, c('q'), A::Quit),
            b(S::Lesson, c('q'), A::Quit),
        ],
    },
    // Keys of the overlays, which the help does not list.
    Row {
        help: None,
        bind: &[
            b(S::Confirm, c('y'), A::Yes),
            b(S::Confirm, c('Y'), A::Yes),
            b(S::Confirm, K::Enter, A::Yes),
            b(S::Confirm, c('n'), A::No),
            b(S::Confirm, c('N'), A::No),
            b(S::Confirm, K::Esc, A::No),
            b(S::Help, K::Down, A::Scroll(1)),
            b(S::Help, K::PageDown, A::Scroll(10)),
            b(S::Help, K::Up, A::Scroll(-1)),
            b(S::Help, K::PageUp, A::Scroll(-10)),
        ],
    },
];

/// The help overlay's lines: (keys, what they do).
pub fn help() -> impl Iterator<Item = (&'static str, Says)> {
    KEYMAP.iter().filter_map(|r| r.help)
}

/// What `k` does in `scope`, if anything. Bindings that need a modifier (Ctrl-C) come
/// before those that take any.
pub fn action(scope: Scope, k: &KeyEvent) -> Option<Action> {
    let bindings = || {
        KEYMAP
            .iter()
            .flat_map(|r| r.bind.iter())
            .filter(move |b| b.scope == scope && b.code == k.code)
    };
    bindings()
        .find(|b| b.mods.is_some_and(|m| k.modifiers.contains(m)))
        .or_else(|| bindings().find(|b| b.mods.is_none()))
        .map(|b| b.action)
}

/// A Raft control aimed at `node` when it acts on one.
pub fn for_node(c: Control, node: u64) -> Control {
    match c {
        Control::CrashOrRestart(_) => Control::CrashOrRestart(node),
        Control::IsolateOrHeal(_) => Control::IsolateOrHeal(node),
        Control::DropNext(_) => Control::DropNext(node),
        Control::Propose(_) => Control::Propose(node),
        Control::Campaign(_) => Control::Campaign(node),
        other => other,
    }
}

/// True for the keys that leave the shell pane: Ctrl-] and F6.
pub fn leaves_shell(k: &KeyEvent) -> bool {
    action(Scope::Shell, k) == Some(Action::Back)
}

/// The bytes a terminal would send for `k`, for the shell's PTY.
pub fn to_bytes(k: &KeyEvent) -> Vec<u8> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    let mut out = Vec::new();
    if alt {
        out.push(0x1b);
    }
    match k.code {
        KeyCode::Char(c) if ctrl => {
            let b = c.to_ascii_lowercase() as u32;
            match c {
                'a'..='z' | 'A'..='Z' => out.push((b as u8) & 0x1f),
                ' ' | '@' | '2' => out.push(0),
                '[' | '3' => out.push(0x1b),
                '\\' | '4' => out.push(0x1c),
                '^' | '6' => out.push(0x1e),
                '_' | '7' => out.push(0x1f),
                _ => {}
            }
        }
        KeyCode::Char(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        KeyCode::Enter => out.push(b'\r'),
        KeyCode::Backspace => out.push(0x7f),
        KeyCode::Tab => out.push(b'\t'),
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Esc => out.push(0x1b),
        KeyCode::Up => out.extend_from_slice(b"\x1b[A"),
        KeyCode::Down => out.extend_from_slice(b"\x1b[B"),
        KeyCode::Right => out.extend_from_slice(b"\x1b[C"),
        KeyCode::Left => out.extend_from_slice(b"\x1b[D"),
        KeyCode::Home => out.extend_from_slice(b"\x1b[H"),
        KeyCode::End => out.extend_from_slice(b"\x1b[F"),
        KeyCode::Delete => out.extend_from_slice(b"\x1b[3~"),
        KeyCode::Insert => out.extend_from_slice(b"\x1b[2~"),
        KeyCode::PageUp => out.extend_from_slice(b"\x1b[5~"),
        KeyCode::PageDown => out.extend_from_slice(b"\x1b[6~"),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn keys_become_terminal_bytes() {
        assert_eq!(
            to_bytes(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            [3]
        );
        assert_eq!(to_bytes(&key(KeyCode::Enter, KeyModifiers::NONE)), b"\r");
        assert_eq!(
            to_bytes(&key(KeyCode::Char('한'), KeyModifiers::NONE)),
            "한".as_bytes()
        );
        assert_eq!(to_bytes(&key(KeyCode::Up, KeyModifiers::NONE)), b"\x1b[A");
        assert!(leaves_shell(&key(
            KeyCode::Char(']'),
            KeyModifiers::CONTROL
        )));
        assert!(leaves_shell(&key(KeyCode::F(6), KeyModifiers::NONE)));
        assert!(!leaves_shell(&key(KeyCode::Char(']'), KeyModifiers::NONE)));
    }

    #[test]
    fn the_table_dispatches_by_scope_and_modifier() {
        let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action(Scope::Lesson, &ctrl_c), Some(Action::Quit));
        assert_eq!(
            action(Scope::Raft, &key(KeyCode::Char('c'), KeyModifiers::NONE)),
            Some(Action::Raft(Control::CrashOrRestart(0)))
        );
        assert_eq!(
            action(Scope::Lesson, &key(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        // Shift comes with `?` on some terminals.
        assert_eq!(
            action(
                Scope::Browser,
                &key(KeyCode::Char('?'), KeyModifiers::SHIFT)
            ),
            Some(Action::Help)
        );
        // Every binding in the help's rows is reachable: no earlier row shadows it.
        for b in KEYMAP.iter().flat_map(|r| r.bind.iter()) {
            let k = key(b.code, b.mods.unwrap_or(KeyModifiers::NONE));
            assert_eq!(action(b.scope, &k), Some(b.action), "{b:?}");
        }
    }
}
