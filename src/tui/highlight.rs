//! Code highlighting for lesson code blocks. The syntax definitions (syntect's and
//! two-face's extra ones: toml, protobuf …) come from precompiled dumps, loaded once on
//! a background thread so the first frame never waits for them; until they are ready,
//! code is drawn plain.

use ratatui::style::{Color, Modifier, Style};
use std::sync::OnceLock;
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme, ThemeSet};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

pub struct Highlighter {
    syntaxes: SyntaxSet,
    theme: Theme,
}

static HL: OnceLock<Highlighter> = OnceLock::new();

/// The highlighter, if it has finished loading.
pub fn get() -> Option<&'static Highlighter> {
    HL.get()
}

/// Loads the highlighter now (blocking) and returns it.
pub fn load() -> &'static Highlighter {
    HL.get_or_init(|| {
        let mut themes = ThemeSet::load_defaults();
        let theme = themes
            .themes
            .remove("base16-ocean.dark")
            .or_else(|| themes.themes.into_values().next())
            .unwrap_or_default();
        Highlighter {
            syntaxes: two_face::syntax::extra_newlines(),
            theme,
        }
    })
}

/// Loads the highlighter on a thread; `ready` runs once it is loaded.
pub fn warm_up(ready: impl FnOnce() + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("contlab-syntax".into())
        .spawn(move || {
            load();
            ready();
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot load syntaxes in the background: {e}");
    }
}

/// The syntax name a fence's language means.
fn token(lang: &str) -> &str {
    match lang.trim().to_ascii_lowercase().as_str() {
        "sh" | "shell" | "console" | "bash" => "bash",
        "protobuf" | "proto" | "proto3" => "proto",
        "yml" | "yaml" => "yaml",
        "rs" | "rust" => "rs",
        "golang" | "go" => "go",
        "json" => "json",
        "toml" => "toml",
        _ => "",
    }
}

impl Highlighter {
    /// The lines of `code`, each a list of styled pieces; `None` for a language it does not
    /// know (drawn plain).
    pub fn lines(&self, code: &str, lang: &str) -> Option<Vec<Vec<(String, Style)>>> {
        let tok = match token(lang) {
            "" => lang.trim(),
            t => t,
        };
        if tok.is_empty() {
            return None;
        }
        let syntax = self
            .syntaxes
            .find_syntax_by_token(tok)
            .or_else(|| self.syntaxes.find_syntax_by_extension(tok))?;
        let mut h = HighlightLines::new(syntax, &self.theme);
        let mut out = Vec::new();
        for line in LinesWithEndings::from(code) {
            let Ok(pieces) = h.highlight_line(line, &self.syntaxes) else {
                return None;
            };
            out.push(
                pieces
                    .into_iter()
                    .map(|(st, text)| {
                        let mut s = Style::default().fg(Color::Rgb(
                            st.foreground.r,
                            st.foreground.g,
                            st.foreground.b,
                        ));
                        if st.font_style.contains(FontStyle::BOLD) {
                            s = s.add_modifier(Modifier::BOLD);
                        }
                        if st.font_style.contains(FontStyle::ITALIC) {
                            s = s.add_modifier(Modifier::ITALIC);
                        }
                        (text.trim_end_matches(['\n', '\r']).to_string(), s)
                    })
                    .collect(),
            );
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lesson_language_is_known() {
        let h = load();
        for lang in ["bash", "json", "yaml", "toml", "protobuf", "rust", "go"] {
            let lines = h.lines("x = 1\n", lang);
            assert!(lines.is_some(), "no syntax for {lang}");
        }
        assert!(h.lines("x", "klingon").is_none());
    }
}
