//! The student's progress: which steps passed, when, after how many attempts, and the
//! last check results — so a lesson resumes where it was left, and an instructor can
//! collect a class's exports.

use super::event::{CheckResult, Event, StepStatus, add_to_round};
use super::load::Lesson;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema version of `progress.json` (and of `contlab progress export`).
pub const PROGRESS_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub format_version: u32,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
    /// Lessons that `contlab run` proved with their reference solutions: a record of the
    /// curriculum on this machine, never the student's own work, so kept apart from
    /// `lessons` and never counted as passed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub verified: BTreeMap<String, Verified>,
    /// The step the event stream is in, and its last round of check results.
    #[serde(skip)]
    open: Option<(usize, Vec<CheckResult>)>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The step to resume at.
    pub current_step: Option<String>,
    pub started_at_ms: Option<u64>,
    pub completed_at_ms: Option<u64>,
    #[serde(default)]
    pub steps: BTreeMap<String, StepProgress>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepProgress {
    pub passed: bool,
    pub attempts: u32,
    pub first_attempt_ms: Option<u64>,
    pub passed_at_ms: Option<u64>,
    /// Time spent in the step's attempts.
    pub duration_ms: u64,
    /// The check results of the last attempt.
    #[serde(default)]
    pub last_checks: Vec<CheckResult>,
    /// True when the student asked for the solution before passing.
    #[serde(default)]
    pub solution_shown: bool,
    /// How many hints the student revealed (`h`), over all attempts.
    #[serde(default)]
    pub hints_used: u32,
}

/// One headless run of a lesson with its reference solutions (`contlab run`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Verified {
    pub at_ms: u64,
    /// Steps that passed, of `steps`.
    pub passed: usize,
    pub steps: usize,
    pub lang: String,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Progress {
    /// Reads the progress file; a missing file is an empty progress.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let p: Progress = serde_json::from_str(&text).with_context(|| {
                    format!(
                        "{}: the progress file is damaged; move it away to start afresh",
                        path.display()
                    )
                })?;
                if p.format_version > PROGRESS_VERSION {
                    anyhow::bail!(
                        "{}: progress format {} is newer than this contlab reads ({PROGRESS_VERSION}); update contlab",
                        path.display(),
                        p.format_version
                    );
                }
                Ok(p)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Progress {
                format_version: PROGRESS_VERSION,
                ..Default::default()
            }),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Writes atomically: a crash leaves the old file or the new one.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Keeps progress from `lesson`'s event stream: the one place where the lab and
    /// `contlab run` count a step's attempt (with its last round of checks) and mark the
    /// lesson done when every step has passed.
    pub fn on_event(&mut self, lesson: &Lesson, e: &Event) {
        match e {
            Event::StepStarted { index, .. } => self.open = Some((*index, Vec::new())),
            Event::Check(c) => {
                if let Some((i, round)) = self.open.as_mut() {
                    let per_round = lesson.file.steps.get(*i).map_or(0, |s| s.checks.len());
                    add_to_round(round, c, per_round);
                }
            }
            Event::StepFinished {
                lesson: id,
                step,
                status,
                duration_ms,
            } => {
                let checks = self.open.take().map(|(_, c)| c).unwrap_or_default();
                self.record(id, step, *status, &checks, *duration_ms);
                let ids: Vec<&str> = lesson
                    .file
                    .steps
                    .iter()
                    .map(|s| s.id.get_ref().as_str())
                    .collect();
                self.complete_if_done(lesson.id(), &ids);
            }
            _ => {}
        }
    }

    /// Notes a headless run of `lesson` with its reference solutions; the student's own
    /// progress is left as it was.
    pub fn verified_by_reference(&mut self, lesson: &str, passed: usize, steps: usize, lang: &str) {
        self.verified.insert(
            lesson.to_string(),
            Verified {
                at_ms: now_ms(),
                passed,
                steps,
                lang: lang.to_string(),
            },
        );
    }

    /// Notes that the student revealed one more hint of a step, attempted or not.
    pub fn hint_used(&mut self, lesson: &str, step: &str) {
        let l = self.lessons.entry(lesson.to_string()).or_default();
        l.steps.entry(step.to_string()).or_default().hints_used += 1;
    }

    /// Notes that the student was shown a step's solution, once the step has an attempt.
    pub fn solution_shown(&mut self, lesson: &str, step: &str) {
        if let Some(p) = self
            .lessons
            .entry(lesson.to_string())
            .or_default()
            .steps
            .get_mut(step)
        {
            p.solution_shown = true;
        }
    }

    /// Records one attempt at a step.
    pub fn record(
        &mut self,
        lesson: &str,
        step: &str,
        status: StepStatus,
        checks: &[CheckResult],
        duration_ms: u64,
    ) {
        let now = now_ms();
        let l = self.lessons.entry(lesson.to_string()).or_default();
        l.started_at_ms.get_or_insert(now);
        l.current_step = Some(step.to_string());
        let s = l.steps.entry(step.to_string()).or_default();
        s.attempts += 1;
        s.first_attempt_ms.get_or_insert(now);
        s.duration_ms += duration_ms;
        s.last_checks = checks.to_vec();
        if status == StepStatus::Pass && !s.passed {
            s.passed = true;
            s.passed_at_ms = Some(now);
        }
    }

    /// Marks a lesson done when every one of `steps` has passed.
    pub fn complete_if_done(&mut self, lesson: &str, steps: &[&str]) -> bool {
        let Some(l) = self.lessons.get_mut(lesson) else {
            return false;
        };
        let done = steps
            .iter()
            .all(|s| l.steps.get(*s).is_some_and(|p| p.passed));
        if done && l.completed_at_ms.is_none() {
            l.completed_at_ms = Some(now_ms());
        }
        done
    }

    /// `new`, `started` or `done`.
    pub fn status(&self, lesson: &str) -> &'static str {
        match self.lessons.get(lesson) {
            None => "new",
            Some(l) if l.completed_at_ms.is_some() => "done",
            Some(_) => "started",
        }
    }

    pub fn reset(&mut self, lesson: Option<&str>) {
        match lesson {
            Some(id) => {
                self.lessons.remove(id);
            }
            None => self.lessons.clear(),
        }
    }
}

/// The progress file for this user.
pub fn default_path() -> PathBuf {
    crate::paths::progress_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_and_resets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p/progress.json");
        let mut p = Progress::load(&path).unwrap();
        assert_eq!(p.status("uts"), "new");
        p.record("uts", "start", StepStatus::Fail, &[], 10);
        p.hint_used("uts", "start");
        p.record("uts", "start", StepStatus::Pass, &[], 5);
        assert!(p.complete_if_done("uts", &["start"]));
        p.save(&path).unwrap();
        let mut again = Progress::load(&path).unwrap();
        let s = &again.lessons["uts"].steps["start"];
        assert_eq!((s.attempts, s.passed, s.duration_ms), (2, true, 15));
        assert_eq!(s.hints_used, 1);
        assert_eq!(again.status("uts"), "done");
        again.reset(Some("uts"));
        assert_eq!(again.status("uts"), "new");
    }

    #[test]
    fn a_reference_run_is_kept_apart_from_the_students_progress() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        let mut p = Progress::load(&path).unwrap();
        p.verified_by_reference("uts", 3, 3, "en");
        assert_eq!(p.status("uts"), "new");
        assert!(p.lessons.is_empty());
        p.save(&path).unwrap();
        let again = Progress::load(&path).unwrap();
        assert_eq!(
            (again.verified["uts"].passed, again.verified["uts"].steps),
            (3, 3)
        );
        assert_eq!(again.status("uts"), "new");
        // A file written before the record existed still reads.
        std::fs::write(&path, r#"{"format_version": 1, "lessons": {}}"#).unwrap();
        assert!(Progress::load(&path).unwrap().verified.is_empty());
    }

    #[test]
    fn damaged_or_newer_files_are_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        std::fs::write(&path, "{not json").unwrap();
        assert!(format!("{:#}", Progress::load(&path).unwrap_err()).contains("damaged"));
        std::fs::write(&path, r#"{"format_version": 99}"#).unwrap();
        assert!(format!("{:#}", Progress::load(&path).unwrap_err()).contains("newer"));
    }
}
