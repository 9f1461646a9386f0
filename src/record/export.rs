//! `contlab progress export`: one student's progress, in a stable schema an instructor
//! collects, and `contlab class report`, which reads many of them.
//!
//! Schema (format_version 1):
//! `{"format": "contlab-progress-export", "format_version": 1, "student", "exported_at_ms",
//!   "contlab_version", "lessons": [{"id", "status": new|started|done, "current_step",
//!   "current_index" (0-based, or null), "total_steps", "started_at_ms", "completed_at_ms",
//!   "steps": [{"id", "passed", "attempts", "first_attempt_ms", "passed_at_ms",
//!   "duration_ms", "solution_shown", "hints_used", "checks": [{"check", "pass", "sentence"}]}]}]}`
//! Times are ms since the Unix epoch. Readers accept unknown fields; a newer
//! format_version is refused with a clear message.

use crate::i18n::{Lang, pad};
use crate::lesson::event::CheckResult;
use crate::lesson::load::Lesson;
use crate::lesson::progress::Progress;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use crate::tr;

pub const EXPORT_VERSION: u32 = 1;
pub const EXPORT_FORMAT: &str = "contlab-progress-export";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub format: String,
    pub format_version: u32,
    pub student: String,
    pub exported_at_ms: u64,
    pub contlab_version: String,
    pub lessons: Vec<LessonExport>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LessonExport {
    pub id: String,
    pub status: String,
    pub current_step: Option<String>,
    pub current_index: Option<usize>,
    pub total_steps: Option<usize>,
    pub started_at_ms: Option<u64>,
    pub completed_at_ms: Option<u64>,
    pub steps: Vec<StepExport>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepExport {
    pub id: String,
    pub passed: bool,
    pub attempts: u32,
    pub first_attempt_ms: Option<u64>,
    pub passed_at_ms: Option<u64>,
    pub duration_ms: u64,
    pub solution_shown: bool,
    /// Hints revealed; absent in exports made before it was counted.
    #[serde(default)]
    pub hints_used: u32,
    pub checks: Vec<CheckResult>,
}

/// A lesson's status (`new`, `started`, `done`, as the schema and `--json` write it) as
/// a word in `lang`.
pub fn status_word(status: &str, lang: Lang) -> String {
    match status {
        "new" => tr!(lang, "status-new"),
        "started" => tr!(lang, "status-started"),
        "done" => tr!(lang, "status-done"),
        other => other.to_string(),
    }
}

/// The student's name: `--student`, else `$USER`, else `unknown`.
pub fn student_name(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Builds the export; steps follow the lesson's order when the lesson is known.
pub fn export(p: &Progress, lessons: &[Lesson], student: &str, now_ms: u64) -> Export {
    let mut out = Vec::new();
    for (id, lp) in &p.lessons {
        let lesson = lessons.iter().find(|l| l.id() == id);
        let order: Vec<String> = match lesson {
            Some(l) => l
                .file
                .steps
                .iter()
                .map(|s| s.id.get_ref().clone())
                .collect(),
            None => lp.steps.keys().cloned().collect(),
        };
        let steps = order
            .iter()
            .filter_map(|sid| {
                let s = lp.steps.get(sid)?;
                Some(StepExport {
                    id: sid.clone(),
                    passed: s.passed,
                    attempts: s.attempts,
                    first_attempt_ms: s.first_attempt_ms,
                    passed_at_ms: s.passed_at_ms,
                    duration_ms: s.duration_ms,
                    solution_shown: s.solution_shown,
                    hints_used: s.hints_used,
                    checks: s.last_checks.clone(),
                })
            })
            .collect();
        out.push(LessonExport {
            id: id.clone(),
            status: p.status(id).to_string(),
            current_index: lp
                .current_step
                .as_ref()
                .and_then(|c| order.iter().position(|s| s == c)),
            current_step: lp.current_step.clone(),
            total_steps: lesson.map(|l| l.file.steps.len()),
            started_at_ms: lp.started_at_ms,
            completed_at_ms: lp.completed_at_ms,
            steps,
        });
    }
    Export {
        format: EXPORT_FORMAT.into(),
        format_version: EXPORT_VERSION,
        student: student.into(),
        exported_at_ms: now_ms,
        contlab_version: env!("CARGO_PKG_VERSION").into(),
        lessons: out,
    }
}

/// Reads one export; a newer format version or another kind of file is a clear error.
pub fn read(path: &Path) -> Result<Export> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display();
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{name}:{}: not a progress export: {e}", e.line()))?;
    super::check_format(
        &v,
        EXPORT_FORMAT,
        EXPORT_VERSION,
        "export",
        "a progress export",
    )
    .map_err(|m| anyhow::anyhow!("{name}: {m}"))?;
    serde_json::from_value(v).map_err(|e| anyhow::anyhow!("{name}: bad progress export: {e}"))
}

/// A student's row in the class report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub student: String,
    /// The lesson worked on last, and the step to resume at.
    pub lesson: Option<String>,
    pub step: Option<String>,
    /// `3/7`: the current step's number and the lesson's steps.
    pub position: Option<String>,
    pub lessons_done: usize,
    /// The current step has not passed after `STUCK_ATTEMPTS` attempts or more.
    pub stuck: bool,
    pub last_activity_ms: Option<u64>,
}

/// A check that fails, and for how many students.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailingCheck {
    pub lesson: String,
    pub step: String,
    pub check: String,
    pub students: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub students: Vec<Row>,
    pub failing_checks: Vec<FailingCheck>,
}

/// Attempts at one step without passing that count as stuck.
pub const STUCK_ATTEMPTS: u32 = 3;

fn last_activity(l: &LessonExport) -> Option<u64> {
    l.steps
        .iter()
        .flat_map(|s| [s.first_attempt_ms, s.passed_at_ms])
        .chain([l.started_at_ms, l.completed_at_ms])
        .flatten()
        .max()
}

pub fn report(exports: &[Export]) -> Report {
    let mut students = Vec::new();
    let mut fails: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for e in exports {
        let current = e.lessons.iter().max_by_key(|l| last_activity(l));
        let step = current.and_then(|l| {
            let id = l.current_step.as_ref()?;
            l.steps.iter().find(|s| &s.id == id)
        });
        students.push(Row {
            student: e.student.clone(),
            lesson: current.map(|l| l.id.clone()),
            step: current.and_then(|l| l.current_step.clone()),
            position: current
                .and_then(|l| Some(format!("{}/{}", l.current_index? + 1, l.total_steps?))),
            lessons_done: e.lessons.iter().filter(|l| l.status == "done").count(),
            stuck: step.is_some_and(|s| !s.passed && s.attempts >= STUCK_ATTEMPTS),
            last_activity_ms: current.and_then(last_activity),
        });
        for l in &e.lessons {
            for s in &l.steps {
                for c in s.checks.iter().filter(|c| !c.pass) {
                    *fails
                        .entry((l.id.clone(), s.id.clone(), c.check.clone()))
                        .or_default() += 1;
                }
            }
        }
    }
    students.sort_by(|a, b| a.student.cmp(&b.student));
    let mut failing_checks: Vec<FailingCheck> = fails
        .into_iter()
        .map(|((lesson, step, check), students)| FailingCheck {
            lesson,
            step,
            check,
            students,
        })
        .collect();
    failing_checks.sort_by_key(|c| std::cmp::Reverse(c.students));
    Report {
        students,
        failing_checks,
    }
}

/// The report as plain text, its headings and words in `lang`.
pub fn render(r: &Report, lang: Lang) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let head = |id: &str| match id {
        "student" => tr!(lang, "class-col-student"),
        "lesson" => tr!(lang, "class-col-lesson"),
        "step" => tr!(lang, "class-col-step"),
        "at" => tr!(lang, "class-col-at"),
        "done" => tr!(lang, "class-col-done"),
        _ => tr!(lang, "class-col-stuck"),
    };
    let right = |text: String, width: usize| {
        use unicode_width::UnicodeWidthStr;
        format!("{}{text}", " ".repeat(width.saturating_sub(text.width())))
    };
    let _ = writeln!(
        s,
        "{} {} {} {} {}  {}",
        pad(&head("student"), 16),
        pad(&head("lesson"), 26),
        pad(&head("step"), 22),
        right(head("at"), 5),
        right(head("done"), 5),
        head("stuck")
    );
    for row in &r.students {
        let _ = writeln!(
            s,
            "{:<16} {:<26} {:<22} {:>5} {:>5}  {}",
            row.student,
            row.lesson.as_deref().unwrap_or("-"),
            row.step.as_deref().unwrap_or("-"),
            row.position.as_deref().unwrap_or("-"),
            row.lessons_done,
            if row.stuck {
                tr!(lang, "class-stuck")
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(s, "\n{}", tr!(lang, "class-failing-heading"));
    if r.failing_checks.is_empty() {
        let _ = writeln!(s, "  {}", tr!(lang, "class-failing-none"));
    }
    for c in r.failing_checks.iter().take(10) {
        let students = tr!(lang, "class-failing-students", count = c.students);
        let _ = writeln!(
            s,
            "  {}  {}/{}: {}",
            right(students, 14),
            c.lesson,
            c.step,
            c.check
        );
    }
    s
}

/// `2026-11-29 14:05 UTC` for a time in ms since the Unix epoch.
pub fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let (h, m) = (secs % 86_400 / 3600, secs % 3600 / 60);
    let (y, mo, d) = crate::civil::date(days);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02} UTC")
}

/// The export as a student reads it, in `lang`: each lesson with its status, and each
/// step with its attempts, when it passed and the checks that failed last. The checks'
/// sentences are shown as they were recorded.
pub fn render_text(e: &Export, lang: Lang) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}",
        tr!(
            lang,
            "export-heading",
            student = e.student.as_str(),
            exported = utc(e.exported_at_ms),
            version = e.contlab_version.as_str()
        )
    );
    if e.lessons.is_empty() {
        let _ = writeln!(s, "\n{}", tr!(lang, "export-no-lesson"));
    }
    for l in &e.lessons {
        let passed = l.steps.iter().filter(|st| st.passed).count();
        let total = l
            .total_steps
            .map_or_else(|| "?".to_string(), |t| t.to_string());
        let steps = tr!(lang, "export-steps", passed = passed, total = total);
        let status = status_word(&l.status, lang);
        let _ = write!(s, "\n{}  {status}  {steps}", l.id);
        if let Some(t) = l.started_at_ms {
            let _ = write!(s, "  {}", tr!(lang, "export-started", time = utc(t)));
        }
        if let Some(t) = l.completed_at_ms {
            let _ = write!(s, "  {}", tr!(lang, "export-done", time = utc(t)));
        }
        s.push('\n');
        for st in &l.steps {
            let mark = if st.passed { '✓' } else { '✗' };
            let tries = tr!(lang, "export-attempts", count = st.attempts);
            let _ = write!(s, "  {mark} {:<24} {tries}", st.id);
            if let Some(t) = st.passed_at_ms {
                let _ = write!(s, ", {}", tr!(lang, "export-passed", time = utc(t)));
            }
            if st.solution_shown {
                let _ = write!(s, ", {}", tr!(lang, "export-solution-shown"));
            }
            s.push('\n');
            if !st.passed {
                for c in st.checks.iter().filter(|c| !c.pass) {
                    let _ = writeln!(s, "      ✗ {}", c.sentence);
                }
            }
        }
    }
    let _ = write!(
        s,
        "\n{}\n",
        tr!(lang, "export-for-instructor", student = e.student.as_str())
    );
    s
}
