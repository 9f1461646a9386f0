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
    let lang = app.language();
    let title = if host && focused {
        crate::tr!(lang, "tui-shell-title-host-focused")
    } else if host {
        crate::tr!(lang, "tui-shell-title-host")
    } else if focused {
        crate::tr!(lang, "tui-shell-title-focused")
    } else {
        crate::tr!(lang, "tui-shell-title")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(focused))
        .title(format!(" {title} "));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if !ls.shell_seen {
        let msg = if app.opts.mode == Mode::Reading {
            crate::tr!(lang, "tui-shell-reading")
        } else {
            crate::tr!(lang, "tui-shell-not-started")
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
