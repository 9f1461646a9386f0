//! The catalogs agree with each other and with the source.

use super::*;
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Message id → the variables it uses, for one catalog.
fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let res = fluent_syntax::parser::parse(lang.catalog())
        .unwrap_or_else(|(_, e)| panic!("{lang}.ftl: {e:?}"));
    let mut out = BTreeMap::new();
    for entry in &res.body {
        match entry {
            ast::Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                let value = m
                    .value
                    .as_ref()
                    .unwrap_or_else(|| panic!("{lang}.ftl: {} has no value", m.id.name));
                walk_pattern(value, &mut |e| {
                    if let ast::InlineExpression::VariableReference { id } = e {
                        vars.insert(id.name.to_string());
                    }
                });
                let dup = out.insert(m.id.name.to_string(), vars);
                assert!(dup.is_none(), "{lang}.ftl: {} twice", m.id.name);
            }
            ast::Entry::Junk { content } => panic!("{lang}.ftl: cannot parse {content:?}"),
            _ => {}
        }
    }
    out
}

/// Calls `f` on every inline expression in a pattern, selectors and arguments included.
fn walk_pattern<'s>(p: &ast::Pattern<&'s str>, f: &mut dyn FnMut(&ast::InlineExpression<&'s str>)) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            walk_expression(expression, f);
        }
    }
}

fn walk_expression<'s>(
    e: &ast::Expression<&'s str>,
    f: &mut dyn FnMut(&ast::InlineExpression<&'s str>),
) {
    match e {
        ast::Expression::Select { selector, variants } => {
            walk_inline(selector, f);
            for v in variants {
                walk_pattern(&v.value, f);
            }
        }
        ast::Expression::Inline(i) => walk_inline(i, f),
    }
}

fn walk_inline<'s>(
    i: &ast::InlineExpression<&'s str>,
    f: &mut dyn FnMut(&ast::InlineExpression<&'s str>),
) {
    f(i);
    match i {
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                walk_inline(a, f);
            }
            for a in &arguments.named {
                walk_inline(&a.value, f);
            }
        }
        ast::InlineExpression::Placeable { expression } => walk_expression(expression, f),
        _ => {}
    }
}

#[test]
fn both_catalogs_hold_the_same_messages_with_the_same_variables() {
    let en = messages(Lang::En);
    let ko = messages(Lang::Ko);
    let only_en: Vec<&String> = en.keys().filter(|k| !ko.contains_key(*k)).collect();
    let only_ko: Vec<&String> = ko.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty(), "missing from ko.ftl: {only_en:?}");
    assert!(only_ko.is_empty(), "missing from en.ftl: {only_ko:?}");
    for (id, vars) in &en {
        assert_eq!(vars, &ko[id], "{id}: en and ko use different variables");
    }
}

/// Every `tr!(lang, "id", name = value, …)` in `src/`: (file, id, argument names).
fn calls() -> Vec<(PathBuf, String, BTreeSet<String>)> {
    fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                rs_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    rs_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    let mut out = Vec::new();
    // This file names the macro in its own strings.
    files.retain(|f| !f.ends_with("src/i18n/tests.rs"));
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read a source file");
        // Comments may show the macro with made-up ids.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (id, names) in said_calls(&code, &f) {
            out.push((f.clone(), id, names));
        }
        let mut rest = code.as_str();
        while let Some(at) = rest.find("tr!(") {
            // include_str!( ends in tr!( too.
            let word = rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            rest = &rest[at + 4..];
            if word {
                continue;
            }
            let parts = top_level_arguments(rest);
            let id = parts
                .get(1)
                .map(|p| p.trim())
                .filter(|p| p.starts_with('"') && p.ends_with('"'))
                .unwrap_or_else(|| panic!("{}: tr! needs a literal id: {parts:?}", f.display()));
            let names = argument_names(&parts[2..], &f);
            out.push((f.clone(), id.trim_matches('"').to_string(), names));
        }
    }
    out
}

/// Every `said!("id", name = value, …)` and `bail_said!(…)` in `code`: the id comes
/// first.
fn said_calls(code: &str, f: &Path) -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("said!(") {
        let before = &rest[..at];
        let word = before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !before.ends_with("bail_");
        rest = &rest[at + 6..];
        // The macros' own definitions.
        if word || before.ends_with("macro_rules! ") {
            continue;
        }
        let parts = top_level_arguments(rest);
        let first = parts[0].trim();
        if first.starts_with('$') {
            continue;
        }
        assert!(
            first.starts_with('"') && first.ends_with('"'),
            "{}: said! needs a literal id: {parts:?}",
            f.display()
        );
        let names = argument_names(&parts[1..], f);
        out.push((first.trim_matches('"').to_string(), names));
    }
    out
}

/// The names of a macro call's `name = value` arguments.
fn argument_names(parts: &[String], f: &Path) -> BTreeSet<String> {
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (name, _) = p
                .split_once('=')
                .unwrap_or_else(|| panic!("{}: {p:?} is not name = value", f.display()));
            name.trim().to_string()
        })
        .collect()
}

/// The comma-separated arguments of a macro call whose `(` was just read.
fn top_level_arguments(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let cur = parts.last_mut().expect("one part");
                cur.push(c);
                while let Some(c) = chars.next() {
                    cur.push(c);
                    match c {
                        '\\' => cur.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => break,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("one part").push(c);
    }
    parts
}

#[test]
fn every_message_the_source_uses_exists_with_its_arguments() {
    let en = messages(Lang::En);
    let calls = calls();
    assert!(
        calls.len() > 20,
        "the scan found only {} calls",
        calls.len()
    );
    for (file, id, names) in &calls {
        let vars = en
            .get(id)
            .unwrap_or_else(|| panic!("{}: no message {id:?} in the catalogs", file.display()));
        assert_eq!(
            names,
            vars,
            "{}: {id} is given other arguments than it uses",
            file.display()
        );
    }
    let used: BTreeSet<&str> = calls.iter().map(|(_, id, _)| id.as_str()).collect();
    let unused: Vec<&String> = en.keys().filter(|k| !used.contains(k.as_str())).collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
}

fn has_hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// Message id → the literal text of its value (every variant's), values left out.
fn texts(lang: Lang) -> BTreeMap<String, String> {
    fn collect(p: &ast::Pattern<&str>, out: &mut String) {
        for el in &p.elements {
            match el {
                ast::PatternElement::TextElement { value } => out.push_str(value),
                ast::PatternElement::Placeable {
                    expression: ast::Expression::Select { variants, .. },
                } => variants.iter().for_each(|v| collect(&v.value, out)),
                ast::PatternElement::Placeable { .. } => out.push('\u{FFFC}'),
            }
        }
    }
    let res = fluent_syntax::parser::parse(lang.catalog()).expect("parses");
    res.body
        .iter()
        .filter_map(|e| match e {
            ast::Entry::Message(m) => {
                let mut s = String::new();
                collect(m.value.as_ref()?, &mut s);
                Some((m.id.name.to_string(), s))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn korean_messages_are_korean_and_english_ones_english() {
    let en = texts(Lang::En);
    for (id, text) in &en {
        assert!(!has_hangul(text), "en.ftl {id} holds Hangul: {text}");
    }
    // A Korean message without Hangul is one that is only values and symbols, the same
    // in both languages ("{ $cols }×{ $rows }").
    for (id, text) in texts(Lang::Ko) {
        assert!(
            has_hangul(&text) || en.get(&id) == Some(&text),
            "ko.ftl {id} holds no Hangul and differs from English: {text}"
        );
    }
}

#[test]
fn josa_calls_name_a_variable_and_a_known_pair() {
    for lang in Lang::ALL {
        let res = fluent_syntax::parser::parse(lang.catalog()).expect("parses");
        for entry in &res.body {
            let ast::Entry::Message(m) = entry else {
                continue;
            };
            let Some(value) = &m.value else { continue };
            walk_pattern(value, &mut |e| {
                let ast::InlineExpression::FunctionReference { id, arguments } = e else {
                    return;
                };
                assert_eq!(
                    id.name, "JOSA",
                    "{lang} {}: only JOSA is defined",
                    m.id.name
                );
                assert_eq!(lang, Lang::Ko, "{}: JOSA in English", m.id.name);
                let ok = matches!(
                    arguments.positional.as_slice(),
                    [
                        ast::InlineExpression::VariableReference { .. },
                        ast::InlineExpression::StringLiteral { value }
                    ] if josa::Particle::parse(value).is_some()
                );
                assert!(ok, "{}: JOSA($variable, \"이/가\")", m.id.name);
            });
        }
    }
}

#[test]
fn values_get_their_particle_and_no_isolation_marks() {
    let s = tr!(Lang::Ko, "doctor-root-uid", uid = 1000);
    assert_eq!(s, "uid 1000으로 실행 중이며 root가 아닙니다");
    let s = tr!(Lang::Ko, "doctor-root-uid", uid = 7);
    assert!(s.starts_with("uid 7로 "), "{s}");
    let s = tr!(Lang::En, "doctor-root-uid", uid = 1000);
    assert_eq!(s, "running as uid 1000, not root");
    for lang in Lang::ALL {
        let s = tr!(lang, "doctor-root-uid", uid = "x");
        assert!(!s.contains(['\u{2068}', '\u{2069}']), "{s:?}");
    }
}

#[test]
fn the_locale_picks_the_language_in_posix_order() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(from_locale(&env(&[("LANG", "ko_KR.UTF-8")])), Lang::Ko);
    assert_eq!(from_locale(&env(&[("LANG", "en_US.UTF-8")])), Lang::En);
    assert_eq!(from_locale(&env(&[])), Lang::En);
    assert_eq!(
        from_locale(&env(&[("LC_ALL", "C"), ("LANG", "ko_KR.UTF-8")])),
        Lang::En,
        "LC_ALL wins"
    );
    assert_eq!(
        from_locale(&env(&[("LC_MESSAGES", "ko_KR"), ("LANG", "C")])),
        Lang::Ko
    );
    assert_eq!(
        from_locale(&env(&[
            ("LC_ALL", ""),
            ("LC_MESSAGES", "C"),
            ("LANG", "ko")
        ])),
        Lang::En,
        "an empty LC_ALL is unset; LC_MESSAGES comes next"
    );
    assert_eq!(choose(Some(Lang::Ko)), Lang::Ko);
    assert_eq!(Lang::from_code("ko"), Some(Lang::Ko));
    assert_eq!(Lang::from_code("de"), None);
}

#[test]
fn the_catalog_folder_is_not_taken_for_a_lesson() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let lessons = crate::lesson::load::load_dir(&dir).expect("the curriculum loads from disk");
    assert!(lessons.iter().all(|l| l.id() != "messages"));
    let embedded = crate::lesson::catalog::load(None).expect("the embedded curriculum");
    assert_eq!(embedded.len(), lessons.len());
}

#[test]
fn padding_counts_terminal_columns() {
    assert_eq!(pad("done", 8), "done    ");
    assert_eq!(pad("완료", 8), "완료    ");
    assert_eq!(pad("진행 중", 4), "진행 중");
}

#[test]
fn particles_written_after_latin_words_are_the_ones_josa_picks() {
    // A particle the catalog writes by hand after a Latin word or a number ("contlab을",
    // "root로"), read the way JOSA reads values. A parenthesis between them is skipped,
    // as Korean spelling skips it: "unshare(…)가".
    let re = regex::Regex::new(
        r"([A-Za-z0-9_./\-]*[A-Za-z0-9])(?:\([^)]*\))?(으로|은|는|이|가|을|를|와|과|로)(?:[\s,.]|$)",
    )
    .expect("a valid regex");
    let mut checked = 0;
    for (id, text) in texts(Lang::Ko) {
        for c in re.captures_iter(&text) {
            let (word, written) = (&c[1], &c[2]);
            let pair = match written {
                "은" | "는" => "은/는",
                "이" | "가" => "이/가",
                "을" | "를" => "을/를",
                "와" | "과" => "와/과",
                _ => "으로/로",
            };
            let p = josa::Particle::parse(pair).expect("a known pair");
            assert_eq!(
                josa::particle(word, p),
                written,
                "ko.ftl {id}: {word}{written} should take the other form"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} particles found");
}
