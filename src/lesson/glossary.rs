//! The Korean glossary (`lessons/glossary.toml`) and the lint that holds the Korean prose
//! to it: one rendering per concept, the English in parentheses at a lesson's first use,
//! and markdown spans that render with their particle (`**파드**(Pod)는`, not
//! `**파드(Pod)** 는`). Its findings are warnings: they never fail `contlab lesson lint`.

use anyhow::{Context, Result};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// The glossary's file name, beside the lesson directories (so the loader, which reads
/// only `DIR/FILE` paths, never takes it for a lesson).
pub const FILE: &str = "glossary.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    pub term: Vec<Term>,
}

/// One concept: its Korean term, its English, and the renderings to avoid.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub ko: String,
    pub en: String,
    #[serde(default)]
    pub avoid: Vec<String>,
}

/// One finding, with the file and line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl Glossary {
    pub fn parse(file: &str, text: &str) -> Result<Self> {
        toml::from_str(text).with_context(|| format!("{file}: not a valid glossary"))
    }

    /// The glossary built into this binary.
    pub fn builtin() -> Result<Self> {
        let text = super::load::LESSON_FILES
            .iter()
            .find(|(p, _)| *p == FILE)
            .map(|(_, t)| *t)
            .context("the built-in lessons have no glossary")?;
        Self::parse(&format!("lessons/{FILE}"), text)
    }

    /// A lesson pack's own glossary, or the built-in one when the pack has none.
    pub fn for_pack(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&path.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::builtin(),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

/// Lints every `*/ko.toml` among `files` (path below the lesson root, text).
pub fn lint_files<'a>(
    g: &Glossary,
    root: &str,
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<Warning> {
    files
        .into_iter()
        .filter(|(p, _)| p.ends_with("/ko.toml"))
        .flat_map(|(p, t)| lint_text(g, &format!("{root}/{p}"), t))
        .collect()
}

/// The Korean prose of a lesson pack on disk: `(DIR/ko.toml, text)` for each lesson.
pub fn pack_files(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let sub = entry?.path();
        let ko = sub.join("ko.toml");
        if sub.is_dir() && ko.is_file() {
            let name = sub.file_name().unwrap_or_default().to_string_lossy();
            let text = std::fs::read_to_string(&ko)
                .with_context(|| format!("cannot read {}", ko.display()))?;
            out.push((format!("{name}/ko.toml"), text));
        }
    }
    out.sort();
    Ok(out)
}

/// A stretch of prose from a ko.toml: one string value, with the line it starts on.
struct Prose {
    line: usize,
    text: String,
    /// A `title` or the `summary`: checked, but not a place for a first use.
    heading: bool,
}

/// The string values of a prose file, found line by line (the files are written in
/// one plain style: `key = "…"`, `key = '''` … `'''`, and `key = [ "…", … ]`).
fn prose_of(text: &str) -> Vec<Prose> {
    let mut out: Vec<Prose> = Vec::new();
    let mut open: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(delim) = open {
            let last = out.last_mut().expect("an open string has an entry");
            match line.find(delim) {
                Some(end) => {
                    last.text.push_str(&line[..end]);
                    open = None;
                }
                None => {
                    last.text.push_str(line);
                    last.text.push('\n');
                }
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') || trimmed.starts_with('#') {
            continue;
        }
        let is_key = |k: &str| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        };
        let (key, value) = match trimmed.split_once('=') {
            Some((k, v)) if is_key(k.trim()) => (k.trim(), v.trim_start()),
            // An array's continuation line: `  "…",`.
            _ => ("", trimmed),
        };
        let heading = key == "title" || key == "summary" || key.ends_with(".title");
        for delim in ["'''", "\"\"\""] {
            if let Some(rest) = value.strip_prefix(delim) {
                let rest = rest.strip_prefix('\n').unwrap_or(rest);
                let mut p = Prose {
                    line: i + 1 + usize::from(rest.is_empty()),
                    text: String::new(),
                    heading,
                };
                match rest.find(delim) {
                    Some(end) => p.text.push_str(&rest[..end]),
                    None => {
                        if !rest.is_empty() {
                            p.text.push_str(rest);
                            p.text.push('\n');
                        }
                        open = Some(delim);
                    }
                }
                out.push(p);
                break;
            }
        }
        if open.is_none() && !value.starts_with("'''") && !value.starts_with("\"\"\"") {
            out.push(Prose {
                line: i + 1,
                text: value.to_string(),
                heading,
            });
        }
    }
    out
}

/// `text` with code (fenced blocks, inline spans) and ASCII-only parentheses (the
/// English glosses) blanked out. Every byte keeps its offset, so a position found here
/// is a position in `text`.
fn words_only(text: &str) -> String {
    let blank = |out: &mut String, c: char| {
        if c == '\n' {
            out.push('\n');
        } else {
            out.push_str(&" ".repeat(c.len_utf8()));
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut in_fence = false;
    for line in text.split_inclusive('\n') {
        let fence = line.trim_start().starts_with("```");
        in_fence ^= fence;
        if fence || in_fence {
            line.chars().for_each(|c| blank(&mut out, c));
            continue;
        }
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
                out.push(' ');
            } else if in_code {
                blank(&mut out, c);
            } else {
                out.push(c);
            }
        }
    }
    blank_ascii_parens(&out)
}

fn blank_ascii_parens(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        match after.find(')') {
            Some(close)
                if after[1..close]
                    .chars()
                    .all(|c| c.is_ascii() && c != '\n' && c != '(') =>
            {
                out.push_str(&" ".repeat(close + 1));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('(');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Byte offsets where `needle` occurs in `hay` as a word of its own: Latin renderings
/// must not touch Latin letters (`term` is not in `terminal`); Korean ones are matched
/// as they stand.
fn occurrences(hay: &str, needle: &str) -> Vec<usize> {
    let latin = needle.chars().next().is_some_and(|c| c.is_ascii());
    hay.match_indices(needle)
        .map(|(i, _)| i)
        .filter(|&i| {
            !latin
                || (!hay[..i].chars().next_back().is_some_and(is_word_char)
                    && !hay[i + needle.len()..]
                        .chars()
                        .next()
                        .is_some_and(is_word_char))
        })
        .collect()
}

/// What may follow a Korean noun in the same word: a particle, a copula, or
/// 하다/되다. Anything else (`인증서`, `인가기`) makes a different word.
const NOUN_FOLLOWERS: &str =
    "은는이가을를과와의에로으도만마까부처보나들뿐라랑하한할함해했합되된될됨돼됐됩입였";

/// Where the Korean term `ko` is used as a word: not glued to a preceding syllable
/// (`버전인가`), not running on into another noun, and not part of a longer glossary
/// term's use (`리더` in `리더 선출`).
fn uses(hay: &str, ko: &str, longer: &[&str]) -> Vec<usize> {
    let covered: Vec<(usize, usize)> = longer
        .iter()
        .flat_map(|l| hay.match_indices(*l).map(|(i, m)| (i, i + m.len())))
        .collect();
    hay.match_indices(ko)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before_ok = !hay[..i].chars().next_back().is_some_and(is_hangul);
            let after_ok = hay[i + ko.len()..]
                .chars()
                .next()
                .is_none_or(|c| !is_hangul(c) || NOUN_FOLLOWERS.contains(c));
            let inside_longer = covered.iter().any(|&(s, e)| s <= i && i + ko.len() <= e);
            before_ok && after_ok && !inside_longer
        })
        .collect()
}

/// Whether the use of `term` at `at` in `raw` is followed by its English in
/// parentheses, after any closing emphasis: `리더(leader)`, `**파드**(Pod)`.
fn glossed_at(raw: &str, at: usize, term: &Term) -> bool {
    let rest = raw[at + term.ko.len()..].trim_start_matches('*');
    let Some(inner) = rest.strip_prefix('(') else {
        return false;
    };
    let en = term.en.to_lowercase();
    let inner = inner.to_lowercase();
    inner.starts_with(&en)
        && inner[en.len()..]
            .chars()
            .next()
            .is_some_and(|c| matches!(c, ')' | ',' | ';' | ' '))
}

fn line_at(p: &Prose, offset: usize) -> usize {
    p.line + p.text[..offset].matches('\n').count()
}

/// Particles that a markdown span must touch: `**파드**는`, never `**파드** 는`.
const PARTICLES: &[&str] = &[
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "과",
    "와",
    "의",
    "에",
    "에서",
    "에게",
    "로",
    "으로",
    "도",
    "만",
    "까지",
    "부터",
    "처럼",
    "보다",
    "이다",
    "입니다",
    "라고",
    "라는",
];

/// Spans closed by `**`, `*` or `` ` `` and then a space before a particle.
fn spaced_particles(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut run_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '*' && c != '`' {
            continue;
        }
        if i == 0 || !text[..i].ends_with(c) {
            run_start = i;
        }
        if chars.peek().is_some_and(|&(_, n)| n == c) {
            continue;
        }
        // The run ends here; it closes a span when something other than a space
        // stands before it.
        let before = text[..run_start].chars().next_back();
        let Some(after) = text[i + 1..].strip_prefix(' ') else {
            continue;
        };
        if before.is_none_or(char::is_whitespace) {
            continue;
        }
        let particle = PARTICLES.iter().find(|p| {
            after.starts_with(**p) && !after[p.len()..].chars().next().is_some_and(is_hangul)
        });
        match particle {
            // `… 끝난다.** 이 둘은`: after a sentence, 이 is "this", not a particle.
            Some(&"이") if before.is_some_and(|c| ".!?".contains(c)) => {}
            Some(_) => found.push(run_start),
            None => {}
        }
    }
    found
}

/// Emphasis markers that CommonMark leaves as literal text, such as `**인증(authentication)**은`:
/// a `**` after punctuation and before a letter cannot close.
fn unrendered_emphasis(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut in_code_block = false;
    let mut last_star_end = usize::MAX;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(t) if !in_code_block && t.contains('*') => {
                // pulldown-cmark hands out each stray marker as its own text event.
                if range.start != last_star_end {
                    found.push(range.start);
                }
                last_star_end = range.end;
            }
            _ => {}
        }
    }
    found
}

/// Lints one ko.toml's text.
pub fn lint_text(g: &Glossary, file: &str, text: &str) -> Vec<Warning> {
    let prose = prose_of(text);
    let plain: Vec<String> = prose.iter().map(|p| words_only(&p.text)).collect();
    let mut out = Vec::new();
    let mut warn = |p: &Prose, at: usize, message: String| {
        out.push(Warning {
            file: file.to_string(),
            line: line_at(p, at),
            message,
        })
    };
    for (p, words) in prose.iter().zip(&plain) {
        for t in &g.term {
            for a in &t.avoid {
                for at in occurrences(words, a) {
                    warn(
                        p,
                        at,
                        format!("\"{a}\": the glossary writes {}({})", t.ko, t.en),
                    );
                }
            }
        }
        for at in spaced_particles(&p.text) {
            warn(
                p,
                at,
                "a space between a markdown span and its particle: write `**용어**(term)는`, \
                 with no space"
                    .into(),
            );
        }
        for at in unrendered_emphasis(&p.text) {
            warn(
                p,
                at,
                "this `**` does not render: CommonMark cannot close it after punctuation \
                 when a letter follows; write `**용어**(term)는`"
                    .into(),
            );
        }
    }
    for t in &g.term {
        let longer: Vec<&str> = g
            .term
            .iter()
            .map(|o| o.ko.as_str())
            .filter(|o| o.len() > t.ko.len() && o.contains(t.ko.as_str()))
            .collect();
        let first = prose
            .iter()
            .zip(&plain)
            .filter(|(p, _)| !p.heading)
            .find_map(|(p, words)| uses(words, &t.ko, &longer).first().map(|&at| (p, at)));
        if let Some((p, at)) = first
            && !glossed_at(&p.text, at, t)
        {
            warn(
                p,
                at,
                format!(
                    "the lesson's first use of {} needs its English: {}({})",
                    t.ko, t.ko, t.en
                ),
            );
        }
    }
    out.sort_by(|a, b| (a.line, &a.message).cmp(&(b.line, &b.message)));
    // A stray pair of markers, or two slips of one kind, make one warning per line.
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glossary() -> Glossary {
        Glossary::parse(
            "test",
            r#"
[[term]]
ko = "리더"
en = "leader"
avoid = ["leader"]

[[term]]
ko = "리더 선출"
en = "leader election"

[[term]]
ko = "호스트명"
en = "hostname"
avoid = ["호스트 이름"]

[[term]]
ko = "인가"
en = "authorization"
"#,
        )
        .unwrap()
    }

    fn messages(text: &str) -> Vec<String> {
        lint_text(&glossary(), "x/ko.toml", text)
            .into_iter()
            .map(|w| w.to_string())
            .collect()
    }

    #[test]
    fn a_clean_lesson_has_no_warning() {
        let text = "title = \"leader 없이\"\n\
                    [step.a]\nbody = '''\n\
                    노드 하나가 **리더**(leader)가 됩니다. 리더는 `leader` 줄에 나옵니다.\n\
                    ```text\nleader 1 term 1\n```\n\
                    '''\n\
                    [step.b]\nbody = \"호스트명(hostname)은 바뀝니다. 어느 버전인가요?\"\n";
        // The title's Latin "leader" is a heading's, and headings are linted too.
        assert_eq!(
            messages(text),
            ["x/ko.toml:1: \"leader\": the glossary writes 리더(leader)"]
        );
        let clean = text.replace("leader 없이", "리더 없이");
        assert_eq!(messages(&clean), Vec::<String>::new());
    }

    #[test]
    fn text_on_the_opening_line_of_a_long_string_is_read() {
        let text = "[step.a]\nbody = '''leader 하나.\n호스트 이름.\n'''\n";
        assert_eq!(
            messages(text),
            [
                "x/ko.toml:2: \"leader\": the glossary writes 리더(leader)",
                "x/ko.toml:3: \"호스트 이름\": the glossary writes 호스트명(hostname)",
            ]
        );
    }

    #[test]
    fn another_rendering_is_a_warning_with_its_line() {
        let text = "[step.a]\nbody = '''\n리더(leader)가 있습니다.\n\
                    이제 leader가 바뀝니다. 호스트 이름(hostname)도 바뀝니다.\n'''\n";
        assert_eq!(
            messages(text),
            [
                "x/ko.toml:4: \"leader\": the glossary writes 리더(leader)",
                "x/ko.toml:4: \"호스트 이름\": the glossary writes 호스트명(hostname)",
            ]
        );
    }

    #[test]
    fn the_first_use_needs_its_english_and_a_longer_term_is_its_own() {
        let text = "[step.a]\nbody = \"리더 선출(leader election)에서 리더가 정해집니다.\"\n\
                    [step.b]\nbody = \"리더(leader)는 하나입니다.\"\n";
        assert_eq!(
            messages(text),
            ["x/ko.toml:2: the lesson's first use of 리더 needs its English: 리더(leader)"]
        );
        // A word that only contains the term is not a use of it.
        assert_eq!(
            messages("[step.a]\nbody = \"버전인가요? 인가기가 답합니다.\"\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_span_spaced_from_its_particle_is_a_warning() {
        let text = "[step.a]\nbody = '''\n1. **인가(authorization)** 는 묻습니다.\n\
                    2. **`upper`와 `work`는 쓰이지 않습니다.** 이 둘은 남습니다.\n\
                    3. `ls` 를 실행합니다.\n'''\n";
        assert_eq!(
            messages(text),
            [
                "x/ko.toml:3: a space between a markdown span and its particle: write `**용어**(term)는`, with no space",
                "x/ko.toml:5: a space between a markdown span and its particle: write `**용어**(term)는`, with no space",
            ]
        );
    }

    #[test]
    fn emphasis_that_cannot_close_is_a_warning() {
        let text = "[step.a]\nbody = '''\n**인가(authorization)**는 묻습니다.\n'''\n";
        let m = messages(text);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].starts_with("x/ko.toml:3: this `**` does not render"),
            "{m:?}"
        );
        let fixed = "[step.a]\nbody = '''\n**인가**(authorization)는 묻습니다.\n'''\n";
        assert_eq!(messages(fixed), Vec::<String>::new());
    }

    #[test]
    fn the_shipped_lessons_follow_the_glossary() {
        let g = Glossary::builtin().unwrap();
        let warnings = lint_files(
            &g,
            "lessons",
            super::super::load::LESSON_FILES.iter().copied(),
        );
        let shown: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        assert!(shown.is_empty(), "{}", shown.join("\n"));
    }

    /// The message catalog speaks the glossary's terms too: no rendering it avoids, in
    /// the text of a Korean message (values and `code` aside).
    #[test]
    fn the_korean_catalog_uses_the_glossary_terms() {
        use fluent_syntax::ast;
        let g = Glossary::builtin().expect("the glossary");
        let ftl = include_str!("../../lessons/messages/ko.ftl");
        let res = fluent_syntax::parser::parse(ftl).expect("ko.ftl parses");
        let mut found = Vec::new();
        for entry in &res.body {
            let ast::Entry::Message(m) = entry else {
                continue;
            };
            let text: String = m
                .value
                .iter()
                .flat_map(|p| &p.elements)
                .map(|el| match el {
                    ast::PatternElement::TextElement { value } => value.to_string(),
                    ast::PatternElement::Placeable { .. } => " ".to_string(),
                })
                .collect();
            let words = words_only(&text);
            for t in &g.term {
                for a in &t.avoid {
                    if !occurrences(&words, a).is_empty() {
                        found.push(format!(
                            "{}: \"{a}\" (the glossary writes {})",
                            m.id.name, t.ko
                        ));
                    }
                }
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
