//! Where the panes go, from 80×24 up: at small sizes the panels collapse into tabs; from
//! 140×40 the trace gets a tile of its own beside the selected panel.

use ratatui::layout::{Constraint, Layout, Rect};

/// True when the trace has its own tile.
pub fn wide(w: u16, h: u16) -> bool {
    w >= 140 && h >= 40
}

fn shell_height(h: u16) -> u16 {
    if h < 30 { 8 } else { (h / 4).clamp(8, 16) }
}

/// Rows and columns inside the shell pane's border.
pub fn shell_size(w: u16, h: u16) -> (u16, u16) {
    (
        shell_height(h).saturating_sub(2).max(1),
        w.saturating_sub(2).max(1),
    )
}

pub struct LessonLayout {
    pub prose: Rect,
    pub steps: Rect,
    /// The tabbed panel.
    pub panel: Rect,
    /// The trace tile, on wide screens.
    pub trace: Option<Rect>,
    pub shell: Rect,
    pub status: Rect,
}

pub fn lesson(area: Rect, nsteps: usize) -> LessonLayout {
    let [body, shell, status] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(shell_height(area.height)),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = wide(area.width, area.height);
    let left_pct = if wide { 45 } else { 50 };
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(left_pct),
        Constraint::Percentage(100 - left_pct),
    ])
    .areas(body);
    let steps_h = (nsteps as u16 + 2).min(body.height / 3).max(3);
    let [prose, steps] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(steps_h)]).areas(left);
    let (panel, trace) = if wide {
        let [a, b] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
        (a, Some(b))
    } else {
        (right, None)
    };
    LessonLayout {
        prose,
        steps,
        panel,
        trace,
        shell,
        status,
    }
}
