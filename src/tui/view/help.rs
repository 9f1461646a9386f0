//! The help overlay (every key, from the keymap in `keys`) and the confirmation
//! questions.

use super::Palette;
use crate::tui::state::{App, Confirm};
use crate::tui::text::{pad, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn draw(f: &mut Frame, app: &App, pal: &Palette) {
    let inner_w = 74.min(f.area().width.saturating_sub(2)) as usize;
    let kw = 16.min(inner_w / 3);
    let mut lines = Vec::new();
    let lang = app.language();
    for (keys, says) in crate::tui::keys::help() {
        let text = says(lang);
        let first = [Span::styled(pad(keys, kw), pal.accent())];
        let rest = [Span::raw(" ".repeat(kw))];
        lines.extend(wrap(&[(text, Default::default())], inner_w, &first, &rest));
    }
    lines.push(Line::default());
    let close = crate::tr!(lang, "tui-help-close");
    lines.push(Line::styled(close, pal.dim()));
    let area = centered(f.area(), inner_w as u16 + 2, lines.len() as u16 + 2);
    // Scrolled no further than the last line.
    let room = area.height.saturating_sub(2) as usize;
    let skip = (app.help_scroll as usize).min(lines.len().saturating_sub(room));
    let more = skip + room < lines.len();
    let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
    let title = if more {
        crate::tr!(lang, "tui-help-title-more")
    } else {
        crate::tr!(lang, "tui-help-title")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(true))
        .title(format!(" {title} "));
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn confirm(f: &mut Frame, app: &App, c: Confirm, pal: &Palette) {
    let lang = app.language();
    let text = match c {
        Confirm::Quit => crate::tr!(lang, "tui-confirm-quit"),
        Confirm::Leave => crate::tr!(lang, "tui-confirm-leave"),
        Confirm::Reset => crate::tr!(lang, "tui-confirm-reset"),
        Confirm::Solution => crate::tr!(lang, "tui-confirm-solution"),
    };
    let area = centered(f.area(), 56, 7);
    let w = area.width.saturating_sub(2) as usize;
    let mut lines = wrap(&[(text, Default::default())], w, &[], &[]);
    lines.push(Line::default());
    lines.push(Line::styled(
        crate::tr!(lang, "tui-confirm-keys"),
        pal.accent(),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.warn());
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
