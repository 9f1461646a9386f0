//! The shell pane: the vt100 screen fed by the PTY's output, cell by cell.

use super::Palette;
use crate::lesson::format::ShellSide;
use crate::tui::state::{App, Focus, Mode};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

fn tr<'a>(app: &App, en: &'a str, ko: &'a str) -> &'a str {
    if app.ko() { ko } else { en }
}

fn color(c: vt100::Color) -> Color {
    match c {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(i) => Color::Indexed(i),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

pub fn draw(f: &mut Frame, app: &App, pal: &Palette, area: Rect) {
    let Some((l, ls)) = app.open() else { return };
    let focused = app.focus == Focus::Shell;
    let host = l
        .file
        .steps
        .get(ls.step)
        .is_some_and(|s| s.shell == ShellSide::Host);
    let title = if host && focused {
        tr(
            app,
            " HOST shell — not a container: typing runs on this machine · Ctrl-] or F6 leaves ",
            " 호스트 셸 — 컨테이너가 아닙니다: 입력이 이 머신에서 실행됩니다 · Ctrl-] 또는 F6로 나가기 ",
        )
    } else if host {
        tr(
            app,
            " HOST shell — the lesson's work directory · Tab to type here ",
            " 호스트 셸 — 레슨 작업 디렉터리 · Tab으로 여기에 입력 ",
        )
    } else if focused {
        tr(
            app,
            " Shell — typing goes to the container · Ctrl-] or F6 leaves ",
            " 셸 — 입력이 컨테이너로 갑니다 · Ctrl-] 또는 F6로 나가기 ",
        )
    } else {
        tr(
            app,
            " Shell — Tab to type here ",
            " 셸 — Tab으로 여기에 입력 ",
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(focused))
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if !ls.shell_seen {
        let msg = if app.opts.mode == Mode::Reading {
            tr(
                app,
                "The shell runs inside the lesson's container in live mode (sudo contlab).",
                "셸은 라이브 모드(sudo contlab)에서 레슨의 컨테이너 안에서 돕니다.",
            )
        } else {
            tr(
                app,
                "The shell opens inside the container once a step starts it.",
                "단계가 컨테이너를 시작하면 그 안에서 셸이 열립니다.",
            )
        };
        f.render_widget(Paragraph::new(Line::styled(msg, pal.dim())), inner);
        return;
    }
    let screen = ls.term.screen();
    render_screen(screen, f.buffer_mut(), inner, pal.color);
    if focused && !screen.hide_cursor() {
        let (row, col) = screen.cursor_position();
        if row < inner.height && col < inner.width {
            f.set_cursor_position(Position::new(inner.x + col, inner.y + row));
        }
    }
}

/// Copies the terminal screen into the frame's buffer.
fn render_screen(screen: &vt100::Screen, buf: &mut Buffer, area: Rect, with_color: bool) {
    let (rows, cols) = screen.size();
    for row in 0..rows.min(area.height) {
        for col in 0..cols.min(area.width) {
            let Some(cell) = screen.cell(row, col) else {
                continue;
            };
            if cell.is_wide_continuation() {
                continue;
            }
            let Some(out) = buf.cell_mut(Position::new(area.x + col, area.y + row)) else {
                continue;
            };
            let text = cell.contents();
            out.set_symbol(if text.is_empty() { " " } else { text });
            let mut style = Style::default();
            if with_color {
                style = style.fg(color(cell.fgcolor())).bg(color(cell.bgcolor()));
            }
            if cell.bold() {
                style = style.add_modifier(Modifier::BOLD);
            }
            if cell.underline() {
                style = style.add_modifier(Modifier::UNDERLINED);
            }
            if cell.inverse() {
                style = style.add_modifier(Modifier::REVERSED);
            }
            out.set_style(style);
        }
    }
}
