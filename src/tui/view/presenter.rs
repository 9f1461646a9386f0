//! The presenter layout (`--presenter`) for a projector: the step counter large across
//! the top, then one pane filling the screen — the focused one (Tab switches; 1–5 pick a
//! state pane) — and the status bar. n/p (→/←) advance as in the normal layout.

use super::Palette;
use crate::tui::state::{App, Focus, StepMark};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, app: &App, pal: &Palette) {
    let Some((l, ls)) = app.open() else {
        return;
    };
    let [top, body, status] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let title = app
        .step_text(ls.step)
        .map(|t| t.title.clone())
        .unwrap_or_default();
    let mark = match ls.steps.get(ls.step).map(|s| s.mark) {
        Some(StepMark::Pass) => " ✓",
        Some(StepMark::Fail) => " ✗",
        Some(StepMark::Running) => " …",
        _ => "",
    };
    let counter = crate::tr!(
        app.language(),
        "tui-presenter-step",
        step = ls.step + 1,
        steps = ls.steps.len()
    );
    let counter = format!(" {counter} ");
    let lines = vec![
        Line::from(vec![
            Span::styled(counter, pal.selected().add_modifier(Modifier::BOLD)),
            Span::styled(format!("  {title}{mark}"), pal.heading()),
        ]),
        Line::from(Span::styled(
            format!(
                " {} · {}",
                l.text(app.lang()).map(|t| t.title.as_str()).unwrap_or(""),
                crate::tr!(app.language(), "tui-presenter-keys")
            ),
            pal.dim(),
        )),
    ];
    f.render_widget(Paragraph::new(lines), top);
    match app.focus {
        Focus::Prose => super::lesson::prose(f, app, ls, pal, body),
        Focus::Panels | Focus::Request => super::panels::draw(f, app, pal, body, None),
        Focus::Shell => super::shell::draw(f, app, pal, body),
    }
    super::status::draw(f, app, pal, status);
}
