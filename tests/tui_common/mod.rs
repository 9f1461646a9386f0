//! What the TUI suites share: the screen of a `TestBackend` run as text.

use contlab::tui::state::App;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The screen as text, one line per row; a wide character's second cell is skipped, so
/// each line is as wide as the terminal when everything is aligned.
pub fn render(app: &mut App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    contlab::tui::draw(&mut t, app).expect("draws");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut skip = 0;
        for x in 0..w {
            let sym = buf[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            out.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}
