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

fn tr<'a>(app: &App, en: &'a str, ko: &'a str) -> &'a str {
    if app.ko() { ko } else { en }
}

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
        Span::styled(format!("{} ", tr(app, "Filter:", "거르기:")), pal.accent()),
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
    let mode = match app.opts.mode {
        Mode::Live => tr(app, "live", "라이브"),
        Mode::Reading => tr(app, "reading", "읽기"),
        Mode::Replay => tr(app, "replay", "재생"),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("contlab", pal.accent()),
        Span::raw(format!(
            " — {}  [{mode}]",
            tr(
                app,
                "containers from the kernel up",
                "커널부터 쌓아 올리는 컨테이너"
            )
        )),
    ])];
    if app.opts.mode == Mode::Reading {
        let text = tr(
            app,
            "Reading mode: live steps need root (quit and run `sudo contlab`). Opening a lesson replays a recorded real run of it, every pane as it was: space pauses, n/p move between steps.",
            "읽기 모드: 라이브 단계는 root가 필요합니다(종료하고 `sudo contlab`을 실행하세요). 레슨을 열면 그 레슨을 실제로 실행한 기록이 모든 패널 그대로 재생됩니다. space로 멈추고, n/p로 단계를 오갑니다.",
        );
        lines.extend(wrap(
            &[(text.to_string(), pal.warn())],
            w as usize,
            &[],
            &[],
        ));
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
        .title(format!(" {} ", tr(app, "Lessons", "레슨")));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let shown = app.filtered();
    if shown.is_empty() {
        let msg = if app.lessons.is_empty() {
            tr(
                app,
                "No lessons found. Point --lessons at a lesson pack.",
                "레슨이 없습니다. --lessons로 레슨 묶음을 지정하세요.",
            )
        } else {
            tr(
                app,
                "No lesson matches the filter (Esc clears it).",
                "필터에 맞는 레슨이 없습니다 (Esc로 지우기).",
            )
        };
        f.render_widget(Paragraph::new(Line::styled(msg, pal.dim())), inner);
        return;
    }
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
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
        let minutes = format!("{:>3} {}", l.file.minutes, tr(app, "min", "분"));
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
                tr(app, "min", "분"),
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
        "done" => tr(app, "done", "완료").to_string(),
        "started" => format!(
            "{} {}/{} · {} {}",
            tr(app, "passed", "통과"),
            passed,
            nsteps,
            tr(app, "Enter resumes at step", "Enter로 이어서: 단계"),
            resume + 1
        ),
        _ => format!(
            "{} {} {}",
            nsteps,
            tr(app, "steps", "단계"),
            tr(app, "· Enter opens", "· Enter로 열기")
        ),
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
