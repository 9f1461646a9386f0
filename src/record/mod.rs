//! The recorder: one more consumer of the lesson's event stream. It writes two files per
//! lesson into a directory: `<lesson>.journal.jsonl` (the events themselves, replayable
//! without root) and `<lesson>.cast` (asciicast v2 of the headless rendering, with a
//! marker at each step). It never calls the runtime; it only sees `Event`s.

pub mod cast;
pub mod export;
pub mod journal;

use crate::lesson::event::Event;
use crate::lesson::headless::Printer;
use crate::lesson::load::Lesson;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

include!(concat!(env!("OUT_DIR"), "/recordings.rs"));

/// The reference recording of a lesson shipped in the binary.
pub fn reference(lesson: &str) -> Option<Result<Journal>> {
    REFERENCE_RECORDINGS
        .iter()
        .find(|(id, _)| *id == lesson)
        .map(|(id, bytes)| {
            Journal::parse(
                &format!("assets/recordings/{id}.journal.jsonl"),
                &String::from_utf8_lossy(bytes),
            )
        })
}

/// The recording to replay for a lesson: a lesson pack's own
/// (`DIR/recordings/<lesson>.journal.jsonl`) when the lessons come from `DIR`, else the
/// reference recording that ships with contlab.
pub fn find(lessons_dir: Option<&Path>, lesson: &str) -> Option<Result<Journal>> {
    if let Some(dir) = lessons_dir {
        let path = dir
            .join("recordings")
            .join(format!("{lesson}.journal.jsonl"));
        if path.exists() {
            return Some(Journal::read(&path));
        }
    }
    reference(lesson)
}

/// The check both recorded formats (journal, progress export) open with: the document
/// names its `format`, and its `format_version` is one this contlab reads. `what` names
/// the format in messages (`journal`, `export`); `kind` is how a wrong file is called.
pub(crate) fn check_format(
    v: &serde_json::Value,
    format: &str,
    max_version: u32,
    what: &str,
    kind: &str,
) -> Result<(), String> {
    if v.get("format").and_then(|f| f.as_str()) != Some(format) {
        return Err(format!("not {kind} (no \"format\": \"{format}\")"));
    }
    let version = v
        .get("format_version")
        .and_then(|f| f.as_u64())
        .unwrap_or(0);
    if version > u64::from(max_version) {
        return Err(format!(
            "{what} format {version} is newer than this contlab reads ({max_version}); update contlab"
        ));
    }
    Ok(())
}

pub use journal::{Entry, Header, JOURNAL_VERSION, Journal};

/// The environment variable that makes every live session record into a directory.
pub const RECORD_ENV: &str = "CONTLAB_RECORD_DIR";

/// The directory to record into: `--record DIR`, else `$CONTLAB_RECORD_DIR`.
pub fn record_dir(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os(RECORD_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The content hash of a lesson: sha256 over `lesson.toml`, `en.toml` and `ko.toml`
/// (each preceded by its name and length), as `sha256:<hex>`.
pub fn hash_texts(lesson_toml: &str, en: &str, ko: &str) -> String {
    let mut h = Sha256::new();
    for (name, text) in [
        ("lesson.toml", lesson_toml),
        ("en.toml", en),
        ("ko.toml", ko),
    ] {
        h.update(format!("{name}\n{}\n", text.len()).as_bytes());
        h.update(text.as_bytes());
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The content hash of a loaded lesson, from the embedded files or its pack directory.
pub fn lesson_hash(lesson: &Lesson) -> Option<String> {
    let mut texts: BTreeMap<&str, String> = BTreeMap::new();
    if let Some(rest) = lesson.origin.strip_prefix("lessons/")
        && !Path::new(&lesson.origin).join("lesson.toml").is_file()
    {
        for (p, t) in crate::lesson::load::LESSON_FILES {
            if let Some((d, name)) = p.split_once('/')
                && d == rest
            {
                texts.insert(name, t.to_string());
            }
        }
    }
    if texts.is_empty() {
        for name in ["lesson.toml", "en.toml", "ko.toml"] {
            let t = std::fs::read_to_string(Path::new(&lesson.origin).join(name)).ok()?;
            texts.insert(name, t);
        }
    }
    Some(hash_texts(
        texts.get("lesson.toml")?,
        texts.get("en.toml")?,
        texts.get("ko.toml")?,
    ))
}

/// Where a recording's cast comes from.
enum CastSource<'a> {
    /// `contlab run`: what the headless printer prints.
    Printer(Box<Printer<'a, cast::Writer>>),
    /// The lab: its own screen, teed from the terminal (see [`cast::Screen`]).
    Screen(cast::Screen),
}

/// Records one lesson run: the journal, and the cast.
pub struct Recorder<'a> {
    journal: journal::Writer,
    cast: CastSource<'a>,
    start: Instant,
    last_panel: BTreeMap<&'static str, crate::lesson::event::PanelData>,
    pub journal_path: PathBuf,
    pub cast_path: PathBuf,
    /// The lesson being recorded.
    pub lesson: String,
}

impl<'a> Recorder<'a> {
    /// Creates `<dir>/<lesson>.journal.jsonl` and `<dir>/<lesson>.cast`, the cast of
    /// what `contlab run` prints.
    pub fn create(dir: &Path, lesson: &'a Lesson, lang: &'a str) -> Result<Self> {
        Self::make(dir, lesson, lang, None)
    }

    /// Like [`Recorder::create`], with the cast of the lab's screen.
    pub fn create_for_screen(
        dir: &Path,
        lesson: &'a Lesson,
        lang: &'a str,
        screen: &cast::Screen,
    ) -> Result<Self> {
        Self::make(dir, lesson, lang, Some(screen))
    }

    fn make(
        dir: &Path,
        lesson: &'a Lesson,
        lang: &'a str,
        screen: Option<&cast::Screen>,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let journal_path = dir.join(format!("{}.journal.jsonl", lesson.id()));
        let cast_path = dir.join(format!("{}.cast", lesson.id()));
        let start = Instant::now();
        let header = Header::new(lesson, lang);
        let journal = journal::Writer::create(&journal_path, &header)?;
        let title = lesson
            .text(lang)
            .map(|t| format!("contlab: {} — {}", lesson.id(), t.title))
            .unwrap_or_else(|| format!("contlab: {}", lesson.id()));
        let cast = match screen {
            Some(screen) => {
                screen.start(&cast_path, header.started_at_ms / 1000, &title)?;
                CastSource::Screen(screen.clone())
            }
            None => {
                let cast = cast::Writer::create(
                    &cast_path,
                    100,
                    30,
                    header.started_at_ms / 1000,
                    &title,
                    start,
                )?;
                let mut printer = Printer::new(cast, false, true, lesson, lang);
                printer.header();
                CastSource::Printer(Box::new(printer))
            }
        };
        Ok(Recorder {
            journal,
            cast,
            start,
            last_panel: BTreeMap::new(),
            journal_path,
            cast_path,
            lesson: lesson.id().to_string(),
        })
    }

    /// Records one event. Panel samples that did not change are left out, so a journal
    /// stays small however often the panes were sampled.
    pub fn on_event(&mut self, e: &Event) {
        if let Event::PanelSnapshot(p) = e {
            if self.last_panel.get(p.name()) == Some(p) {
                return;
            }
            self.last_panel.insert(p.name(), p.clone());
        }
        let t = self.start.elapsed().as_millis() as u64;
        if let Err(err) = self.journal.write(t, e) {
            tracing::warn!("recording: {err:#}");
        }
        match &mut self.cast {
            CastSource::Printer(printer) => {
                if let Event::StepStarted { step, .. } = e {
                    printer.out_mut().marker(&format!("step: {step}"));
                }
                printer.on_event(e);
            }
            CastSource::Screen(screen) => {
                if let Event::StepStarted { step, .. } = e {
                    screen.marker(&format!("step: {step}"));
                }
            }
        }
    }
}

/// Records a lab session: forwards every message from `rx` to `tx`, recording the
/// lesson events among them (`event_of` picks them out) into `dir`, one journal and cast
/// per lesson opened. Runs on its own thread. Messages keep their order, so whatever
/// follows the last event (the engine's stop) arrives after it is recorded.
pub fn spawn_recorder<M: Send + 'static>(
    dir: PathBuf,
    lessons: Vec<Lesson>,
    lang: String,
    rx: std::sync::mpsc::Receiver<M>,
    tx: std::sync::mpsc::Sender<M>,
    event_of: fn(&M) -> Option<&Event>,
    screen: cast::Screen,
) -> Result<()> {
    std::thread::Builder::new()
        .name("contlab-recorder".into())
        .spawn(move || {
            let mut cur: Option<Recorder<'_>> = None;
            for m in rx {
                if let Some(e) = event_of(&m) {
                    if let Event::StepStarted { lesson, .. } = e
                        && cur.as_ref().is_none_or(|r| &r.lesson != lesson)
                        && let Some(l) = lessons.iter().find(|l| l.id() == lesson)
                    {
                        cur = Recorder::create_for_screen(&dir, l, &lang, &screen)
                            .map_err(|e| tracing::warn!("recording: {e:#}"))
                            .ok();
                    }
                    if let Some(r) = cur.as_mut() {
                        r.on_event(e);
                    }
                }
                if tx.send(m).is_err() {
                    break;
                }
            }
        })
        .context("cannot start the recorder")?;
    Ok(())
}
