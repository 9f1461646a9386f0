//! Lesson prose: Markdown (pulldown-cmark) into wrapped, styled lines, with code blocks
//! highlighted when the syntaxes are loaded.

use super::highlight::Highlighter;
use super::text::wrap;
use super::view::Palette;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// Renders `md` into lines at most `width` columns wide.
pub fn render(md: &str, width: u16, pal: &Palette, hl: Option<&Highlighter>) -> Vec<Line<'static>> {
    let width = width.max(8) as usize;
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut pieces: Vec<(String, Style)> = Vec::new();
    let mut styles: Vec<Style> = vec![Style::default()];
    // Nesting of lists: Some(next number) for ordered lists.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut item_prefix: Option<String> = None;
    let mut quote = 0usize;
    let mut code: Option<(String, String)> = None;
    let mut link: Option<String> = None;

    let indent = |lists: &Vec<Option<u64>>, quote: usize| -> String {
        let mut s = "│ ".repeat(quote);
        s.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
        s
    };
    let flush = |out: &mut Vec<Line<'static>>,
                 pieces: &mut Vec<(String, Style)>,
                 item_prefix: &mut Option<String>,
                 lists: &Vec<Option<u64>>,
                 quote: usize| {
        if pieces.is_empty() && item_prefix.is_none() {
            return;
        }
        let base = indent(lists, quote);
        let (first, rest) = match item_prefix.take() {
            Some(p) => {
                let hang = " ".repeat(super::text::width(&p));
                (format!("{base}{p}"), format!("{base}{hang}"))
            }
            None if !lists.is_empty() => {
                let hang = format!("{base}  ");
                (hang.clone(), hang)
            }
            None => (base.clone(), base),
        };
        let first = [Span::styled(first, pal.dim())];
        let rest = [Span::styled(rest, pal.dim())];
        out.extend(wrap(pieces, width, &first, &rest));
        pieces.clear();
    };
    let blank = |out: &mut Vec<Line<'static>>| {
        if out
            .last()
            .is_some_and(|l| !l.spans.is_empty() && l.width() > 0)
        {
            out.push(Line::default());
        }
    };

    for ev in Parser::new_ext(md, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES) {
        match ev {
            Event::Start(Tag::Paragraph) => {}
            Event::End(TagEnd::Paragraph) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                if lists.is_empty() {
                    blank(&mut out);
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                blank(&mut out);
                let s = match level {
                    HeadingLevel::H1 | HeadingLevel::H2 => pal.heading(),
                    _ => pal.heading().remove_modifier(Modifier::UNDERLINED),
                };
                styles.push(s);
            }
            Event::End(TagEnd::Heading(_)) => {
                styles.pop();
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                out.push(Line::default());
            }
            Event::Start(Tag::BlockQuote(_)) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                quote += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                quote = quote.saturating_sub(1);
                blank(&mut out);
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                lists.pop();
                if lists.is_empty() {
                    blank(&mut out);
                }
            }
            Event::Start(Tag::Item) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                item_prefix = Some(match lists.last_mut() {
                    Some(Some(n)) => {
                        let p = format!("{n}. ");
                        *n += 1;
                        p
                    }
                    _ => "• ".to_string(),
                });
            }
            Event::End(TagEnd::Item) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => {
                        l.split(',').next().unwrap_or("").trim().to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, text)) = code.take() {
                    let base = indent(&lists, quote);
                    code_block(&mut out, &text, &lang, &base, width, pal, hl);
                    blank(&mut out);
                }
            }
            Event::Start(Tag::Emphasis) => styles.push(top(&styles).add_modifier(Modifier::ITALIC)),
            Event::Start(Tag::Strong) => styles.push(top(&styles).add_modifier(Modifier::BOLD)),
            Event::Start(Tag::Strikethrough) => {
                styles.push(top(&styles).add_modifier(Modifier::CROSSED_OUT))
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                styles.push(pal.link());
                link = Some(dest_url.to_string());
            }
            Event::End(TagEnd::Link) => {
                styles.pop();
                if let Some(url) = link.take()
                    && !url.starts_with('#')
                {
                    pieces.push((format!(" ({url})"), pal.dim()));
                }
            }
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => {
                styles.pop();
            }
            Event::Text(t) => match &mut code {
                Some((_, buf)) => buf.push_str(&t),
                None => pieces.push((t.to_string(), top(&styles))),
            },
            Event::Code(t) => pieces.push((t.to_string(), pal.inline_code())),
            Event::SoftBreak => pieces.push((" ".into(), top(&styles))),
            Event::HardBreak => pieces.push(("\n".into(), top(&styles))),
            Event::Rule => {
                flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
                out.push(Line::styled("─".repeat(width.min(40)), pal.dim()));
            }
            Event::Html(t) | Event::InlineHtml(t) => pieces.push((t.to_string(), pal.dim())),
            _ => {}
        }
    }
    flush(&mut out, &mut pieces, &mut item_prefix, &lists, quote);
    while out.last().is_some_and(|l| l.width() == 0) {
        out.pop();
    }
    out
}

fn top(styles: &[Style]) -> Style {
    styles.last().copied().unwrap_or_default()
}

/// A code block: not wrapped (commands must stay whole), cut at the pane's edge, with a
/// gutter so it stands apart without colour.
fn code_block(
    out: &mut Vec<Line<'static>>,
    text: &str,
    lang: &str,
    base: &str,
    width: usize,
    pal: &Palette,
    hl: Option<&Highlighter>,
) {
    let gutter = format!("{base}▏ ");
    let room = width.saturating_sub(super::text::width(&gutter));
    let highlighted = if pal.color {
        hl.and_then(|h| h.lines(text, lang))
    } else {
        None
    };
    match highlighted {
        Some(lines) => {
            for pieces in lines {
                let mut spans = vec![Span::styled(gutter.clone(), pal.dim())];
                let mut used = 0;
                for (t, s) in pieces {
                    let left = room.saturating_sub(used);
                    let t = if super::text::width(&t) > left {
                        super::text::cut(&t, left)
                    } else {
                        t
                    };
                    used += super::text::width(&t);
                    spans.push(Span::styled(t, s));
                }
                out.push(Line::from(spans));
            }
        }
        None => {
            for l in text.lines() {
                out.push(Line::from(vec![
                    Span::styled(gutter.clone(), pal.dim()),
                    Span::styled(super::text::cut(l, room), pal.code()),
                ]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(md: &str, w: u16) -> Vec<String> {
        let pal = Palette { color: false };
        render(md, w, &pal, None)
            .iter()
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn paragraphs_lists_and_code() {
        let md = "# Title\n\nA *new* `pid` namespace.\n\n- one\n- two words here\n\n```bash\nunshare --pid --fork sh\n```\n";
        let lines = plain(md, 14);
        assert_eq!(
            lines,
            [
                "Title",
                "",
                "A new pid",
                "namespace.",
                "",
                "• one",
                "• two words",
                "  here",
                "",
                "▏ unshare --p…",
            ]
        );
    }
}
