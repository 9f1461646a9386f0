//! Wrapping and cutting styled text by display width, so that Korean (two columns per
//! syllable) wraps and aligns like Latin text.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of a string in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| width(&s.content)).sum()
}

/// Splits text into runs of whitespace and runs of anything else.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let space = first.is_whitespace();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace() != space)
            .map_or(rest.len(), |(i, _)| i);
        let (tok, r) = rest.split_at(end);
        rest = r;
        Some(tok)
    })
}

fn push(line: &mut Vec<Span<'static>>, text: &str, style: Style) {
    if let Some(last) = line.last_mut()
        && last.style == style
    {
        last.content.to_mut().push_str(text);
        return;
    }
    line.push(Span::styled(text.to_string(), style));
}

fn finish(line: Vec<Span<'static>>) -> Line<'static> {
    let mut line = line;
    // Spaces at the end of a wrapped line only pad it.
    if let Some(last) = line.last_mut() {
        let trimmed = last.content.trim_end().len();
        last.content.to_mut().truncate(trimmed);
    }
    Line::from(line)
}

/// Wraps styled pieces to `width` columns at spaces (breaking words longer than a line),
/// starting the first line with `first` and every other line with `rest`.
pub fn wrap(
    pieces: &[(String, Style)],
    width_cols: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<Line<'static>> {
    let max = width_cols.max(1);
    let mut lines = Vec::new();
    let mut cur: Vec<Span<'static>> = first.to_vec();
    let mut cur_w = spans_width(first);
    let rest_w = spans_width(rest);
    let mut at_start = true;
    let mut newline = |cur: &mut Vec<Span<'static>>, cur_w: &mut usize, at_start: &mut bool| {
        lines.push(finish(std::mem::replace(cur, rest.to_vec())));
        *cur_w = rest_w;
        *at_start = true;
    };
    for (text, style) in pieces {
        for tok in tokens(text) {
            if tok.contains('\n') {
                // A hard line break inside a piece.
                for _ in 0..tok.matches('\n').count() {
                    newline(&mut cur, &mut cur_w, &mut at_start);
                }
                continue;
            }
            let tw = width(tok);
            if tok.starts_with(char::is_whitespace) {
                if at_start {
                    continue;
                }
                if cur_w + tw > max {
                    newline(&mut cur, &mut cur_w, &mut at_start);
                    continue;
                }
                push(&mut cur, tok, *style);
                cur_w += tw;
                continue;
            }
            if cur_w + tw > max && !at_start {
                newline(&mut cur, &mut cur_w, &mut at_start);
            }
            if cur_w + tw <= max {
                push(&mut cur, tok, *style);
                cur_w += tw;
                at_start = false;
                continue;
            }
            for ch in tok.chars() {
                let cw = ch.width().unwrap_or(0);
                if cur_w + cw > max && !at_start {
                    newline(&mut cur, &mut cur_w, &mut at_start);
                }
                let mut b = [0u8; 4];
                push(&mut cur, ch.encode_utf8(&mut b), *style);
                cur_w += cw;
                at_start = false;
            }
        }
    }
    if !at_start || lines.is_empty() {
        lines.push(finish(cur));
    }
    lines
}

/// Cuts `s` to at most `cols` columns, ending with `…` when something was cut.
pub fn cut(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = ch.width().unwrap_or(0);
        if w + cw + 1 > cols {
            break;
        }
        out.push(ch);
        w += cw;
    }
    if cols > 0 {
        out.push('…');
    }
    out
}

/// Pads `s` with spaces to `cols` columns (cutting it first if needed).
pub fn pad(s: &str, cols: usize) -> String {
    let mut out = cut(s, cols);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn korean_wraps_by_columns_not_characters() {
        let text = "네임스페이스는 프로세스가 보는 것을 나눕니다".to_string();
        let lines = wrap(&[(text, Style::default())], 16, &[], &[]);
        for l in plain(&lines) {
            assert!(width(&l) <= 16, "{l:?} is {} columns", width(&l));
        }
        assert_eq!(plain(&lines)[0], "네임스페이스는");
    }

    #[test]
    fn long_words_break_and_prefixes_hang() {
        let lines = wrap(
            &[("aaaaaaaaaa bb".to_string(), Style::default())],
            6,
            &[Span::raw("• ")],
            &[Span::raw("  ")],
        );
        assert_eq!(plain(&lines), ["• aaaa", "  aaaa", "  aa", "  bb"]);
    }

    #[test]
    fn cut_and_pad_count_columns() {
        assert_eq!(cut("한국어입니다", 7), "한국어…");
        assert_eq!(width(&pad("한", 4)), 4);
    }
}
