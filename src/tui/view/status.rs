//! The status bar: mode, lesson and step, progress, focus, and the last message.

use super::Palette;
use crate::tui::state::{App, Focus, Mode, StepMark};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, app: &App, pal: &Palette, area: Rect) {
    let ko = app.ko();
    let mode = match (app.opts.mode, ko) {
        (Mode::Live, false) => " LIVE ",
        (Mode::Live, true) => " 라이브 ",
        (Mode::Reading, false) => " READING ",
        (Mode::Reading, true) => " 읽기 ",
        (Mode::Replay, false) => " REPLAY ",
        (Mode::Replay, true) => " 재생 ",
    };
    let mut spans = vec![Span::styled(mode, pal.selected())];
    let mut text = String::new();
    if let Some((l, ls)) = app.open() {
        let passed = ls.steps.iter().filter(|s| s.mark == StepMark::Pass).count();
        let focus = match (app.focus, ko) {
            (Focus::Prose, false) => "lesson",
            (Focus::Prose, true) => "레슨",
            (Focus::Panels, false) => "panels",
            (Focus::Panels, true) => "패널",
            (Focus::Shell, false) => "shell",
            (Focus::Shell, true) => "셸",
            (Focus::Request, false) => "request",
            (Focus::Request, true) => "요청",
        };
        text = if ko {
            format!(
                " {} · 단계 {}/{} · 통과 {}/{} · 포커스: {focus} ",
                l.id(),
                ls.step + 1,
                ls.steps.len(),
                passed,
                ls.steps.len()
            )
        } else {
            format!(
                " {} · step {}/{} · {}/{} passed · focus: {focus} ",
                l.id(),
                ls.step + 1,
                ls.steps.len(),
                passed,
                ls.steps.len()
            )
        };
    }
    let keys = if ko {
        "? 도움말  q 종료"
    } else {
        "? help  q quit"
    };
    // A message takes the place of the step line until the next key.
    let middle = match &app.message {
        Some(m) => format!(" {m}"),
        None => text,
    };
    let room = (area.width as usize)
        .saturating_sub(crate::tui::text::width(mode) + crate::tui::text::width(keys) + 1);
    let style = if app.message.is_some() {
        pal.warn()
    } else {
        Default::default()
    };
    spans.push(Span::styled(crate::tui::text::pad(&middle, room), style));
    spans.push(Span::styled(format!(" {keys}"), pal.dim()));
    let line = Line::from(spans);
    f.render_widget(Paragraph::new(line), area);
}
