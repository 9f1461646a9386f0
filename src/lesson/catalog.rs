//! The lessons contlab knows: those embedded in the binary, or an instructor's pack.

use super::load::{self, Lesson, LoadError};
use serde::Serialize;
use std::path::Path;

/// One line of `contlab list`.
#[derive(Clone, Debug, Serialize)]
pub struct LessonSummary {
    pub id: String,
    pub title: String,
    pub track: String,
    pub topics: Vec<String>,
    pub minutes: u32,
    /// `new`, `started` or `done`.
    pub status: String,
}

impl LessonSummary {
    pub fn of(l: &Lesson, lang: &str) -> Self {
        LessonSummary {
            id: l.id().to_string(),
            title: l.text(lang).map(|t| t.title.clone()).unwrap_or_default(),
            track: l.file.track.as_str().to_string(),
            topics: l.file.topics.iter().map(|t| t.get_ref().clone()).collect(),
            minutes: l.file.minutes,
            status: "new".to_string(),
        }
    }
}

/// The lessons from `dir`, or the embedded curriculum; every problem in one error.
pub fn load(dir: Option<&Path>) -> anyhow::Result<Vec<Lesson>> {
    let res = match dir {
        Some(d) => load::load_dir(d),
        None => load::embedded(),
    };
    res.map_err(|errors: Vec<LoadError>| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })
}
