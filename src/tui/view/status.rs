//! The status bar: mode, lesson and step, progress, focus, and the last message.

use super::Palette;
use crate::tui::state::{App, Focus, Mode, StepMark};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, app: &App, pal: &Palette, area: Rect) {
    let lang = app.language();
    let mode = match app.opts.mode {
        Mode::Live => crate::tr!(lang, "tui-status-live"),
        Mode::Reading => crate::tr!(lang, "tui-status-reading"),
        Mode::Replay => crate::tr!(lang, "tui-status-replay"),
    };
    let mode = format!(" {mode} ");
    let mut spans = vec![Span::styled(mode.clone(), pal.selected())];
    let mut text = String::new();
    if let Some((l, ls)) = app.open() {
        let passed = ls.steps.iter().filter(|s| s.mark == StepMark::Pass).count();
        let focus = match app.focus {
            Focus::Prose => crate::tr!(lang, "tui-focus-lesson"),
            Focus::Panels => crate::tr!(lang, "tui-focus-panels"),
            Focus::Shell => crate::tr!(lang, "tui-focus-shell"),
            Focus::Request => crate::tr!(lang, "tui-focus-request"),
        };
        let line = crate::tr!(
            lang,
            "tui-status-step",
            lesson = l.id(),
            step = ls.step + 1,
            steps = ls.steps.len(),
            passed = passed,
            focus = focus
        );
        text = format!(" {line} ");
    }
    let keys = crate::tr!(lang, "tui-status-keys");
    // A message takes the place of the step line until the next key.
    let middle = match &app.message {
        Some(m) => format!(" {m}"),
        None => text,
    };
    let room = (area.width as usize)
        .saturating_sub(crate::tui::text::width(&mode) + crate::tui::text::width(&keys) + 1);
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
