//! What the TUI tests share: the lessons, an app built on them, and its screen drawn in
//! a `TestBackend`, as text.

use contlab::lesson::load::Lesson;
use contlab::lesson::progress::Progress;
use contlab::tui::state::{App, Mode, Options};
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

/// The fixture pack (`tests/fixtures/lessons`): small, fixed lessons for screens.
pub fn fixture_lessons() -> Vec<Lesson> {
    contlab::lesson::catalog::load(Some(&super::fixtures().join("lessons")))
        .expect("the fixture pack loads")
}

/// The curriculum built into the binary.
pub fn curriculum() -> Vec<Lesson> {
    contlab::lesson::catalog::load(None).expect("the curriculum loads")
}

/// An app as a test draws it: no colour, syntax highlighting ready, `w`×`h` cells.
pub fn app(
    lessons: Vec<Lesson>,
    progress: Progress,
    mode: Mode,
    lang: &str,
    w: u16,
    h: u16,
) -> App {
    let opts = Options {
        mode,
        lang: lang.into(),
        color: false,
        reading_reason: None,
    };
    let mut a = App::new(lessons, progress, opts, (w, h));
    a.highlight_ready = true;
    a
}
