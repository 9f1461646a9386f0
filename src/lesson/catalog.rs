//! The lessons contlab knows: those embedded in the binary, or an instructor's pack.

use serde::Serialize;

/// One line of `contlab list`.
#[derive(Clone, Debug, Serialize)]
pub struct LessonSummary {
    pub id: String,
    pub title: String,
    pub track: String,
    pub topics: Vec<String>,
    /// `new`, `started` or `done`.
    pub status: String,
}

/// The embedded curriculum. The lesson format arrives with the lesson engine; until then
/// the binary carries no lessons.
pub fn embedded() -> Vec<LessonSummary> {
    Vec::new()
}
