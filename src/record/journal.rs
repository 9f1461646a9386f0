//! The journal: JSON lines. The first line is a [`Header`]; every other line is an
//! [`Entry`] `{"t": <ms since the start>, "event": <Event>}`.

use crate::lesson::event::Event;
use crate::lesson::load::Lesson;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The journal format this contlab writes and reads.
pub const JOURNAL_VERSION: u32 = 1;

/// The first line of a journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always `contlab-journal`.
    pub format: String,
    pub format_version: u32,
    pub lesson: String,
    /// [`super::hash_texts`] of the lesson's files when it was recorded.
    pub lesson_hash: Option<String>,
    pub contlab_version: String,
    pub lang: String,
    /// Wall-clock start, ms since the Unix epoch.
    pub started_at_ms: u64,
}

impl Header {
    pub fn new(lesson: &Lesson, lang: &str) -> Self {
        Header {
            format: "contlab-journal".into(),
            format_version: JOURNAL_VERSION,
            lesson: lesson.id().to_string(),
            lesson_hash: super::lesson_hash(lesson),
            contlab_version: env!("CARGO_PKG_VERSION").into(),
            lang: lang.into(),
            started_at_ms: crate::lesson::progress::now_ms(),
        }
    }
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Milliseconds since the recording started.
    pub t: u64,
    pub event: Event,
}

/// Appends entries, one flushed line each, so a crash loses at most the last line.
pub struct Writer {
    out: std::io::BufWriter<std::fs::File>,
}

impl Writer {
    pub fn create(path: &Path, header: &Header) -> Result<Self> {
        let f = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = Writer {
            out: std::io::BufWriter::new(f),
        };
        w.line(&serde_json::to_string(header)?)?;
        Ok(w)
    }

    fn line(&mut self, s: &str) -> Result<()> {
        writeln!(self.out, "{s}")?;
        self.out.flush()?;
        Ok(())
    }

    pub fn write(&mut self, t: u64, event: &Event) -> Result<()> {
        let s = serde_json::to_string(&Entry {
            t,
            event: event.clone(),
        })?;
        self.line(&s)
    }
}

/// A journal read back: everything up to the first damaged line.
#[derive(Clone, Debug)]
pub struct Journal {
    pub header: Header,
    pub entries: Vec<Entry>,
    /// `FILE:LINE: what is wrong` when the file is truncated or corrupt after the header.
    pub damage: Option<String>,
}

impl Journal {
    /// Reads a journal file. A bad header is an error; a bad line later ends the journal
    /// there, and `damage` says where.
    pub fn read(path: &Path) -> Result<Journal> {
        let text =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&path.display().to_string(), &String::from_utf8_lossy(&text))
    }

    pub fn parse(name: &str, text: &str) -> Result<Journal> {
        let mut lines = text.split_inclusive('\n').enumerate();
        let Some((_, first)) = lines.next() else {
            anyhow::bail!("{name}:1: empty file: not a contlab journal");
        };
        let v: serde_json::Value = serde_json::from_str(first.trim_end())
            .map_err(|e| anyhow::anyhow!("{name}:1: not a contlab journal: {e}"))?;
        super::check_format(
            &v,
            "contlab-journal",
            JOURNAL_VERSION,
            "journal",
            "a contlab journal",
        )
        .map_err(|m| anyhow::anyhow!("{name}:1: {m}"))?;
        let header: Header = serde_json::from_value(v)
            .map_err(|e| anyhow::anyhow!("{name}:1: bad journal header: {e}"))?;
        let mut entries = Vec::new();
        let mut damage = None;
        for (i, line) in lines {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            if !line.ends_with('\n') {
                damage = Some(format!("{name}:{n}: the journal is truncated here"));
                break;
            }
            match serde_json::from_str::<Entry>(line.trim_end()) {
                Ok(e) => entries.push(e),
                Err(e) => {
                    damage = Some(format!("{name}:{n}: corrupt entry: {e}"));
                    break;
                }
            }
        }
        Ok(Journal {
            header,
            entries,
            damage,
        })
    }
}
