//! Loading lessons — from the binary or from an instructor's directory — with errors that
//! name the file, the line and the field.

use super::format::{Check, FORMAT_VERSION, LANGUAGES, LessonFile, LessonText, StepKind, TOPICS};
use crate::suggest::edit_distance;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// A lesson with its prose in every language.
#[derive(Clone, Debug)]
pub struct Lesson {
    pub file: LessonFile,
    /// Language → prose.
    pub texts: BTreeMap<String, LessonText>,
    /// Where it came from, for messages (`lessons/pid-namespace`).
    pub origin: String,
    /// The lesson's other files (the RBAC track's `*.yaml`), by name in its directory.
    pub files: BTreeMap<String, String>,
}

impl Lesson {
    pub fn id(&self) -> &str {
        self.file.id.get_ref()
    }

    /// The prose in `lang`, falling back to English.
    pub fn text(&self, lang: &str) -> Option<&LessonText> {
        self.texts.get(lang).or_else(|| self.texts.get("en"))
    }
}

/// One problem with a lesson file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

pub(super) fn err(
    file: &str,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: String,
) -> LoadError {
    LoadError {
        file: file.to_string(),
        line: span.map(|s| line_of(text, s.start)),
        message,
    }
}

fn from_toml(file: &str, text: &str, e: toml::de::Error) -> LoadError {
    err(file, text, e.span(), with_suggestion(e.message().trim()))
}

/// Adds `did you mean "x"?` to serde's "unknown variant/field `y`, expected one of …".
fn with_suggestion(message: &str) -> String {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let is_unknown = message.starts_with("unknown variant") || message.starts_with("unknown field");
    if !is_unknown || quoted.len() < 2 {
        return message.to_string();
    }
    let wrong = quoted[0];
    // Compare with `_` spelled `-`, and accept a candidate that the word starts with
    // (`ns_differs` → `ns`), since lesson authors often fold an argument into the name.
    let norm = wrong.to_ascii_lowercase().replace('_', "-");
    let best = quoted[1..]
        .iter()
        .map(|c| {
            let d = if norm.starts_with(&format!("{c}-")) {
                0
            } else {
                edit_distance(&norm, c)
            };
            (d, *c)
        })
        .min()
        .filter(|(d, c)| *d <= 3.max(c.len() / 3));
    let kind = if message.starts_with("unknown field") {
        "field"
    } else {
        "value"
    };
    match best {
        Some((_, c)) => format!("unknown {kind} \"{wrong}\"; did you mean \"{c}\"?"),
        None => format!(
            "unknown {kind} \"{wrong}\"; expected one of {}",
            quoted[1..].join(", ")
        ),
    }
}

/// Parses `lesson.toml` text.
pub fn parse_lesson(file: &str, text: &str) -> Result<LessonFile, LoadError> {
    toml::from_str(text).map_err(|e| from_toml(file, text, e))
}

/// Parses `en.toml` / `ko.toml` text.
pub fn parse_text(file: &str, text: &str) -> Result<LessonText, LoadError> {
    toml::from_str(text).map_err(|e| from_toml(file, text, e))
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Checks what parsing cannot: ids, topics, steps present in every language, quizzes,
/// tasks. `dir` is the lesson's directory name; `texts` maps a language to its file text.
fn validate(
    dir: &str,
    file_name: &str,
    text: &str,
    lesson: &LessonFile,
    texts: &BTreeMap<String, (String, LessonText)>,
) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let mut e =
        |span: std::ops::Range<usize>, m: String| errors.push(err(file_name, text, Some(span), m));
    if *lesson.format_version.get_ref() > FORMAT_VERSION {
        e(
            lesson.format_version.span(),
            format!(
                "format_version {} is newer than this contlab reads ({FORMAT_VERSION}); update contlab",
                lesson.format_version.get_ref()
            ),
        );
    }
    let id = lesson.id.get_ref();
    if !is_kebab(id) {
        e(
            lesson.id.span(),
            format!("id \"{id}\" must be kebab-case (lowercase letters, digits and '-')"),
        );
    } else if id != dir {
        e(
            lesson.id.span(),
            format!("id \"{id}\" must match its directory name \"{dir}\""),
        );
    }
    for t in &lesson.topics {
        if !TOPICS.contains(&t.get_ref().as_str()) {
            let best = TOPICS
                .iter()
                .min_by_key(|c| edit_distance(t.get_ref(), c))
                .copied()
                .unwrap_or("");
            e(
                t.span(),
                format!(
                    "unknown topic \"{}\"; did you mean \"{best}\"?",
                    t.get_ref()
                ),
            );
        }
    }
    if lesson.steps.is_empty() {
        errors.push(err(
            file_name,
            text,
            None,
            "a lesson needs at least one [[step]]".into(),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut errs2 = Vec::new();
    for s in &lesson.steps {
        let sid = s.id.get_ref();
        let mut e = |m: String| errs2.push(err(file_name, text, Some(s.id.span()), m));
        if !is_kebab(sid) {
            e(format!("step id \"{sid}\" must be kebab-case"));
        }
        if !seen.insert(sid.clone()) {
            e(format!("step id \"{sid}\" is used twice"));
        }
        match s.kind {
            StepKind::Task if s.solution.is_empty() && s.solution_files.is_empty() => {
                e(format!("task \"{sid}\" needs a solution"))
            }
            StepKind::Task | StepKind::Run if s.checks.is_empty() && s.kind == StepKind::Task => {
                e(format!("task \"{sid}\" needs at least one check"))
            }
            StepKind::Quiz => {
                match &s.answer {
                    None => e(format!("quiz \"{sid}\" needs an answer")),
                    Some(a) if !s.choices.contains(a) => e(format!(
                        "quiz \"{sid}\": answer \"{a}\" is not one of its choices"
                    )),
                    _ => {}
                }
                if !s
                    .checks
                    .iter()
                    .any(|c| matches!(c.get_ref(), Check::Answer))
                {
                    e(format!("quiz \"{sid}\" needs an `answer` check"));
                }
            }
            _ => {}
        }
        for problem in super::raft_step::validate(s) {
            e(format!("step \"{sid}\": {problem}"));
        }
        for c in &s.checks {
            if let Check::Output { matches, .. } = c.get_ref()
                && let Err(re) = regex::Regex::new(matches)
            {
                errs2.push(err(
                    file_name,
                    text,
                    Some(c.span()),
                    format!("bad regular expression: {re}"),
                ));
            }
            if let Some(problem) = super::net_step::validate_dns_check(c.get_ref()) {
                errs2.push(err(file_name, text, Some(c.span()), problem));
            }
        }
        for (lang, (tfile, t)) in texts {
            match t.steps.get(sid) {
                None => errs2.push(LoadError {
                    file: tfile.clone(),
                    line: None,
                    message: format!("no [step.{sid}] for step \"{sid}\" ({lang})"),
                }),
                Some(st) => {
                    for c in &s.choices {
                        if !st.choices.contains_key(c) {
                            errs2.push(LoadError {
                                file: tfile.clone(),
                                line: None,
                                message: format!(
                                    "step \"{sid}\": no text for choice \"{c}\" ({lang})"
                                ),
                            });
                        }
                    }
                }
            }
        }
    }
    errors.extend(errs2);
    errors.extend(hint_levels_in_both_languages(texts));
    for (lang, (tfile, t)) in texts {
        for sid in t.steps.keys() {
            if !seen.contains(sid) {
                errors.push(LoadError {
                    file: tfile.clone(),
                    line: None,
                    message: format!("[step.{sid}] has no step \"{sid}\" in lesson.toml ({lang})"),
                });
            }
        }
    }
    errors
}

/// A levelled hint (`hint.concept`, `hint.where`, `hint.command`) written in one
/// language must be written in every other: a Korean student gets the same help.
fn hint_levels_in_both_languages(texts: &BTreeMap<String, (String, LessonText)>) -> Vec<LoadError> {
    let mut errors = Vec::new();
    for (lang, (tfile, t)) in texts {
        for (sid, st) in &t.steps {
            for (key, text) in st.hint.levels() {
                if text.is_none() {
                    continue;
                }
                for (other, (ofile, o)) in texts.iter().filter(|(l, _)| *l != lang) {
                    let theirs = o.steps.get(sid).map(|os| os.hint.levels());
                    let missing = theirs
                        .is_some_and(|levels| levels.iter().any(|(k, h)| *k == key && h.is_none()));
                    if missing {
                        errors.push(LoadError {
                            file: ofile.clone(),
                            line: None,
                            message: format!(
                                "step \"{sid}\": no {key} ({other}), but {tfile} has one ({lang})"
                            ),
                        });
                    }
                }
            }
        }
    }
    errors
}

/// Loads lessons from (path below the lessons root, text) pairs.
pub fn load_files<'a>(
    root: &str,
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<Lesson>, Vec<LoadError>> {
    let mut by_dir: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for (path, text) in files {
        if let Some((dir, name)) = path.split_once('/') {
            by_dir.entry(dir).or_default().insert(name, text);
        }
    }
    let mut lessons = Vec::new();
    let mut errors = Vec::new();
    for (dir, files) in by_dir {
        let origin = format!("{root}/{dir}");
        let lesson_name = format!("{origin}/lesson.toml");
        let Some(text) = files.get("lesson.toml") else {
            errors.push(LoadError {
                file: lesson_name,
                line: None,
                message: "missing lesson.toml".into(),
            });
            continue;
        };
        let file = match parse_lesson(&lesson_name, text) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut texts = BTreeMap::new();
        for lang in LANGUAGES {
            let tname = format!("{origin}/{lang}.toml");
            match files.get(format!("{lang}.toml").as_str()) {
                None => errors.push(LoadError {
                    file: tname,
                    line: None,
                    message: format!("missing the {lang} prose"),
                }),
                Some(t) => match parse_text(&tname, t) {
                    Ok(t) => {
                        texts.insert(lang.to_string(), (tname, t));
                    }
                    Err(e) => errors.push(e),
                },
            }
        }
        let mut problems = validate(dir, &lesson_name, text, &file, &texts);
        let extra: BTreeMap<String, String> = files
            .iter()
            .filter(|(n, _)| n.ends_with(".yaml"))
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        problems.extend(super::rbac_step::validate_files(
            &origin,
            &lesson_name,
            text,
            &file,
            &extra,
        ));
        if file.track == super::format::Track::Net {
            problems.extend(super::net_step::validate_files(
                &origin,
                &lesson_name,
                text,
                &file,
                &extra,
            ));
        }
        if problems.is_empty() && texts.len() == LANGUAGES.len() {
            lessons.push(Lesson {
                file,
                texts: texts.into_iter().map(|(l, (_, t))| (l, t)).collect(),
                origin,
                files: extra,
            });
        }
        errors.extend(problems);
    }
    // Prerequisites must name lessons of the same set.
    let ids: BTreeSet<String> = lessons.iter().map(|l| l.id().to_string()).collect();
    for l in &lessons {
        for p in &l.file.prerequisites {
            if !ids.contains(p.get_ref()) {
                errors.push(LoadError {
                    file: format!("{}/lesson.toml", l.origin),
                    line: None,
                    message: format!("prerequisite \"{}\" is not a lesson here", p.get_ref()),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    lessons.sort_by(|a, b| {
        (a.file.track, a.file.order, a.id()).cmp(&(b.file.track, b.file.order, b.id()))
    });
    Ok(lessons)
}

/// The lessons built into this binary.
pub fn embedded() -> Result<Vec<Lesson>, Vec<LoadError>> {
    load_files("lessons", LESSON_FILES.iter().copied())
}

/// An instructor's lesson pack: a directory with one subdirectory per lesson.
pub fn load_dir(dir: &Path) -> Result<Vec<Lesson>, Vec<LoadError>> {
    let root = dir.display().to_string();
    let mut owned = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(|e| {
        vec![LoadError {
            file: root.clone(),
            line: None,
            message: format!("cannot read the lesson directory: {e}"),
        }]
    })?;
    for entry in rd.filter_map(|e| e.ok()) {
        let sub = entry.path();
        if !sub.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(&sub)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
        {
            let fname = f.file_name().to_string_lossy().into_owned();
            if fname.ends_with(".toml") || fname.ends_with(".yaml") {
                match std::fs::read_to_string(f.path()) {
                    Ok(t) => owned.push((format!("{name}/{fname}"), t)),
                    Err(e) => {
                        return Err(vec![LoadError {
                            file: f.path().display().to_string(),
                            line: None,
                            message: format!("cannot read: {e}"),
                        }]);
                    }
                }
            }
        }
    }
    load_files(&root, owned.iter().map(|(p, t)| (p.as_str(), t.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LESSON: &str = r#"format_version = 1
id = "demo"
track = "containers"
order = 1
minutes = 5
topics = ["pid-ns"]

[[step]]
id = "start"
action = { do = "start", namespaces = "pid" }
checks = [{ check = "ns", ns = "pid", host = "differs" }]
"#;

    const EN: &str =
        "title = \"Demo\"\nsummary = \"s\"\n[step.start]\ntitle = \"Start\"\nbody = \"b\"\n";

    fn load(lesson: &str, en: &str, ko: &str) -> Result<Vec<Lesson>, Vec<LoadError>> {
        load_files(
            "lessons",
            [
                ("demo/lesson.toml", lesson),
                ("demo/en.toml", en),
                ("demo/ko.toml", ko),
            ],
        )
    }

    #[test]
    fn a_good_lesson_loads() {
        let l = load(LESSON, EN, EN).unwrap();
        assert_eq!(l[0].id(), "demo");
        assert_eq!(l[0].file.steps[0].checks[0].get_ref().kind(), "ns");
    }

    #[test]
    fn a_levelled_hint_is_read_in_order_and_needs_both_languages() {
        let en = format!(
            "{EN}hint.concept = \"A pid namespace numbers its own processes.\"\n\
             hint.where = \"Look at NSpid in /proc/self/status.\"\n\
             hint.command = \"unshare --pid --fork sh\"\nhints = [\"more\"]\n"
        );
        let l = load(LESSON, &en, &en).unwrap();
        let text = &l[0].text("ko").unwrap().steps["start"];
        assert_eq!(
            text.tiered_hints(),
            [
                "A pid namespace numbers its own processes.",
                "Look at NSpid in /proc/self/status.",
                "unshare --pid --fork sh",
                "more"
            ]
        );
        let ko = format!("{EN}hint.concept = \"pid 네임스페이스\"\n");
        let e = load(LESSON, &en, &ko).unwrap_err();
        let msgs: Vec<&str> = e.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(e.len(), 2, "{msgs:?}");
        assert!(msgs.iter().all(|m| m.contains("(ko)")), "{msgs:?}");
        assert!(msgs[0].contains("no hint.where"), "{msgs:?}");
        assert!(msgs[1].contains("no hint.command"), "{msgs:?}");
        let typo = format!("{EN}hint.comand = \"x\"\n");
        assert!(load(LESSON, &typo, &typo).is_err());
    }

    #[test]
    fn unknown_check_names_file_line_and_suggests() {
        let bad = LESSON.replace("check = \"ns\"", "check = \"ns_differs\"");
        let e = load(&bad, EN, EN).unwrap_err();
        assert_eq!(e[0].file, "lessons/demo/lesson.toml");
        assert_eq!(e[0].line, Some(11));
        assert!(e[0].message.contains("\"ns_differs\""), "{}", e[0].message);
        assert!(
            e[0].message.contains("did you mean \"ns\""),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn unknown_topic_and_missing_translation() {
        let bad = LESSON.replace("pid-ns", "pid-namespace");
        let e = load(&bad, EN, "title = \"x\"\nsummary = \"s\"\n").unwrap_err();
        let all: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(
            all.iter()
                .any(|m| m.starts_with("lessons/demo/lesson.toml:6: unknown topic")),
            "{all:?}"
        );
        assert!(
            all.iter()
                .any(|m| m.contains("ko.toml") && m.contains("no [step.start]")),
            "{all:?}"
        );
    }

    #[test]
    fn a_dns_check_on_a_name_that_is_not_one_is_refused_with_its_line() {
        let bad = LESSON.replace(
            "checks = [{ check = \"ns\", ns = \"pid\", host = \"differs\" }]",
            "checks = [{ check = \"dns-resolve\", name = \"web..default\", nxdomain = true }]",
        );
        let e = load(&bad, EN, EN).unwrap_err();
        assert_eq!(e[0].line, Some(11), "{}", e[0]);
        assert!(
            e[0].message
                .starts_with("\"web..default\" is not a DNS name"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn syntax_error_has_a_line() {
        let bad = LESSON.replace("minutes = 5", "minutes = ");
        let e = load(&bad, EN, EN).unwrap_err();
        assert_eq!(e[0].line, Some(5), "{}", e[0]);
    }

    #[test]
    fn newer_format_is_refused() {
        let bad = LESSON.replace("format_version = 1", "format_version = 9");
        let e = load(&bad, EN, EN).unwrap_err();
        assert!(
            e[0].message.contains("newer than this contlab reads"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn suggestion_helper() {
        assert_eq!(
            with_suggestion("unknown field `namespace`, expected one of `name`, `namespaces`"),
            "unknown field \"namespace\"; did you mean \"namespaces\"?"
        );
    }
}
