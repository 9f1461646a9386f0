//! The lesson browser: tracks and lessons with progress and time, a filter typed as you
//! go, and the selected lesson's summary and resume point.

use super::Palette;
use crate::tui::state::{App, Mode};
use crate::tui::text::{cut, pad, width, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(f: &mut Frame, app: &App, pal: &Palette) {
    let area = f.area();
    let banner = banner(app, pal, area.width);
    let [head, filter, body, status] = Layout::vertical([
        Constraint::Length(banner.len() as u16),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(banner), head);
    let filter_line = Line::from(vec![
        Span::styled(
            format!("{} ", crate::tr!(app.language(), "tui-browser-filter")),
            pal.accent(),
        ),
        Span::raw(app.browser.filter.clone()),
        Span::styled("▏", pal.dim()),
    ]);
    f.render_widget(Paragraph::new(filter_line), filter);
    let wide = area.width >= 110;
    let (list_area, detail_area) = if wide {
        let [a, b] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
            .areas(body);
        (a, b)
    } else {
        let [a, b] = Layout::vertical([Constraint::Min(3), Constraint::Length(7)]).areas(body);
        (a, b)
    };
    list(f, app, pal, list_area);
    detail(f, app, pal, detail_area);
    super::status::draw(f, app, pal, status);
}

fn banner(app: &App, pal: &Palette, w: u16) -> Vec<Line<'static>> {
    let lang = app.language();
    let mode = match app.opts.mode {
        Mode::Live => crate::tr!(lang, "tui-mode-live"),
        Mode::Reading => crate::tr!(lang, "tui-mode-reading"),
        Mode::Replay => crate::tr!(lang, "tui-mode-replay"),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("contlab", pal.accent()),
        Span::raw(format!(
            " — {}  [{mode}]",
            crate::tr!(lang, "tui-browser-tagline")
        )),
    ])];
    if app.opts.mode == Mode::Reading {
        let text = crate::tr!(lang, "tui-browser-reading-mode");
        lines.extend(wrap(&[(text, pal.warn())], w as usize, &[], &[]));
    }
    lines
}

fn mark(status: &str, pal: &Palette) -> Span<'static> {
    match status {
        "done" => Span::styled("✓", pal.ok()),
        "started" => Span::styled("◐", pal.warn()),
        _ => Span::styled("·", pal.dim()),
    }
}

fn list(f: &mut Frame, app: &App, pal: &Palette, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(true))
        .title(format!(
            " {} ",
            crate::tr!(app.language(), "tui-browser-lessons")
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let shown = app.filtered();
    if shown.is_empty() {
        let msg = if app.lessons.is_empty() {
            crate::tr!(app.language(), "tui-browser-no-lessons")
        } else {
            crate::tr!(app.language(), "tui-browser-no-match")
        };
        f.render_widget(Paragraph::new(Line::styled(msg, pal.dim())), inner);
        return;
    }
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    let min = crate::tr!(app.language(), "tui-browser-minutes");
    let mut track = None;
    for (row, &i) in shown.iter().enumerate() {
        let Some(l) = app.lessons.get(i) else {
            continue;
        };
        if track != Some(l.file.track) {
            track = Some(l.file.track);
            lines.push(Line::styled(
                l.file.track.as_str().to_uppercase(),
                pal.accent().add_modifier(Modifier::UNDERLINED),
            ));
        }
        let status = app.progress.status(l.id());
        let title = l
            .text(app.lang())
            .map(|t| t.title.as_str())
            .unwrap_or(l.id());
        let minutes = format!("{:>3} {}", l.file.minutes, min);
        let title_w = w.saturating_sub(4 + width(&minutes) + 1);
        let style = if row == app.browser.selected {
            pal.selected()
        } else {
            Default::default()
        };
        if row == app.browser.selected {
            selected_line = lines.len();
        }
        lines.push(Line::from(vec![
            Span::styled(
                if row == app.browser.selected {
                    "▶ "
                } else {
                    "  "
                },
                style,
            ),
            mark(status, pal),
            Span::styled(" ", style),
            Span::styled(pad(title, title_w), style),
            Span::styled(format!(" {minutes}"), pal.dim()),
        ]));
    }
    // Keep the selection in view.
    let h = inner.height as usize;
    let scroll = selected_line.saturating_sub(h.saturating_sub(1));
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}

fn detail(f: &mut Frame, app: &App, pal: &Palette, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(false));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(&i) = app.filtered().get(app.browser.selected) else {
        return;
    };
    let Some(l) = app.lessons.get(i) else { return };
    let w = inner.width as usize;
    let text = l.text(app.lang());
    let lang = app.language();
    let mut lines = vec![Line::from(vec![Span::styled(
        cut(text.map(|t| t.title.as_str()).unwrap_or(""), w),
        pal.accent(),
    )])];
    lines.push(Line::styled(
        cut(
            &format!(
                "{} · {} · {} {} · {}",
                l.id(),
                l.file.track.as_str(),
                l.file.minutes,
                crate::tr!(lang, "tui-browser-minutes"),
                l.file
                    .topics
                    .iter()
                    .map(|t| t.get_ref().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            w,
        ),
        pal.dim(),
    ));
    let resume = app.resume_step(l);
    let nsteps = l.file.steps.len();
    let passed = app
        .progress
        .lessons
        .get(l.id())
        .map_or(0, |p| p.steps.values().filter(|s| s.passed).count());
    let state = match app.progress.status(l.id()) {
        "done" => crate::tr!(lang, "tui-browser-done"),
        "started" => crate::tr!(
            lang,
            "tui-browser-started",
            passed = passed,
            steps = nsteps,
            step = resume + 1
        ),
        _ => crate::tr!(lang, "tui-browser-new", steps = nsteps),
    };
    lines.push(Line::styled(cut(&state, w), pal.ok()));
    lines.push(Line::default());
    if let Some(t) = text {
        lines.extend(wrap(
            &[(t.summary.trim().to_string(), Default::default())],
            w,
            &[],
            &[],
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
