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
    for (keys, en, ko) in crate::tui::keys::help() {
        let text = if app.ko() { ko } else { en };
        let first = [Span::styled(pad(keys, kw), pal.accent())];
        let rest = [Span::raw(" ".repeat(kw))];
        lines.extend(wrap(
            &[(text.to_string(), Default::default())],
            inner_w,
            &first,
            &rest,
        ));
    }
    lines.push(Line::default());
    let close = if app.ko() {
        "↑ ↓ PgUp PgDn: 스크롤 · 다른 키를 누르면 닫힙니다."
    } else {
        "↑ ↓ PgUp PgDn scroll · any other key closes this help."
    };
    lines.push(Line::styled(close, pal.dim()));
    let area = centered(f.area(), inner_w as u16 + 2, lines.len() as u16 + 2);
    // Scrolled no further than the last line.
    let room = area.height.saturating_sub(2) as usize;
    let skip = (app.help_scroll as usize).min(lines.len().saturating_sub(room));
    let more = skip + room < lines.len();
    let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
    let title = match (app.ko(), more) {
        (true, false) => " 도움말 — 키 ",
        (true, true) => " 도움말 — 키 (↓ 더 있음) ",
        (false, false) => " Help — keys ",
        (false, true) => " Help — keys (↓ more) ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(true))
        .title(title);
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn confirm(f: &mut Frame, app: &App, c: Confirm, pal: &Palette) {
    let (en, ko) = match c {
        Confirm::Quit => (
            "Quit? The lesson's containers will be stopped and removed.",
            "종료할까요? 레슨의 컨테이너를 멈추고 지웁니다.",
        ),
        Confirm::Leave => (
            "Back to the lessons? The lesson's containers will be stopped and removed.",
            "레슨 목록으로 갈까요? 레슨의 컨테이너를 멈추고 지웁니다.",
        ),
        Confirm::Reset => (
            "Reset this lesson? Its progress is cleared and its containers removed.",
            "이 레슨을 초기화할까요? 진행 기록을 지우고 컨테이너를 없앱니다.",
        ),
        Confirm::Solution => (
            "You have not passed this task yet. Show and run the solution?",
            "아직 이 과제를 통과하지 않았습니다. 풀이를 보고 실행할까요?",
        ),
    };
    let text = if app.ko() { ko } else { en };
    let area = centered(f.area(), 56, 7);
    let w = area.width.saturating_sub(2) as usize;
    let mut lines = wrap(&[(text.to_string(), Default::default())], w, &[], &[]);
    lines.push(Line::default());
    lines.push(Line::styled(
        if app.ko() {
            "y: 예   n/Esc: 아니오"
        } else {
            "y: yes   n/Esc: no"
        },
        pal.accent(),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.warn());
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
