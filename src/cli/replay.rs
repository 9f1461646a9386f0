use crate::i18n::Lang;
use crate::lesson::catalog;
use crate::lesson::event::{Event, StepStatus};
use crate::lesson::headless::Printer;
use crate::record::Journal;
use crate::tr;
use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Keys: space pause/play · n/p next/previous step · [ ] seek 5 s · \
+/- speed · g/G start/end · 1-4 panes · Tab focus · q quit\n\n\
Examples:\n  contlab replay pid-namespace                 # the shipped reference recording\n  \
contlab replay rec/pid-namespace.journal.jsonl\n  \
contlab replay pid-namespace --headless      # steps and checks, as `contlab run` prints them"
)]
pub struct Args {
    /// A journal (`<lesson>.journal.jsonl` from `--record`), or a lesson id to replay
    /// its shipped reference recording. Needs no root.
    #[arg(value_name = "FILE|LESSON")]
    file: String,
    /// Print the steps and check results as `contlab run` does, instead of the lab.
    #[arg(long)]
    headless: bool,
    /// One JSON record per step (with --headless), as `contlab run --json`.
    #[arg(long, requires = "headless")]
    json: bool,
    /// Language of the prose and of what replay itself says (default: the recording's).
    /// The check sentences stay as they were recorded.
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// Read lessons from this directory (the pack the recording was made from).
    #[arg(long, value_name = "DIR")]
    lessons_dir: Option<PathBuf>,
    /// Projector layout: one large pane at a time, the step counter prominent.
    #[arg(long)]
    presenter: bool,
}

/// Reads a journal file, or the recording of a lesson id: the pack's own
/// (`DIR/recordings/`) with `--lessons-dir DIR`, else the shipped reference.
pub fn load(what: &str, lessons_dir: Option<&std::path::Path>) -> Result<Journal> {
    let path = PathBuf::from(what);
    if path.exists() || what.contains('/') || what.ends_with(".jsonl") {
        return Journal::read(&path);
    }
    crate::record::find(lessons_dir, what).with_context(|| {
        format!("{what:?} is neither a journal file nor a lesson with a reference recording")
    })?
}

/// `top`: the lab's own `--lang` (`contlab --lang ko replay …`).
pub fn run(args: Args, top: Option<Lang>) -> Result<ExitCode> {
    let journal = load(&args.file, args.lessons_dir.as_deref())?;
    let lessons = catalog::load(args.lessons_dir.as_deref())?;
    let id = journal.header.lesson.clone();
    let lesson = lessons.iter().find(|l| l.id() == id).with_context(|| {
        format!("the recording is of lesson {id:?}, which is not here (--lessons-dir?)")
    })?;
    let lang = match args.lang.or(top) {
        Some(l) => l.code().to_string(),
        None => journal.header.lang.clone(),
    };
    let said = Lang::from_code(&lang).unwrap_or_default();
    if let Some(h) = &journal.header.lesson_hash
        && crate::record::lesson_hash(lesson).as_ref() != Some(h)
    {
        eprintln!(
            "contlab: {}",
            tr!(said, "replay-lesson-changed", id = id.as_str())
        );
    }
    if args.headless {
        let color =
            !args.json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let mut printer = Printer::new(std::io::stdout().lock(), args.json, color, lesson, &lang);
        printer.header();
        for e in &journal.entries {
            printer.on_event(&e.event);
        }
        let failed = printer
            .records
            .iter()
            .filter(|r| r.status == StepStatus::Fail)
            .count();
        let mut unfinished = false;
        for e in &journal.entries {
            match e.event {
                Event::StepStarted { .. } => unfinished = true,
                Event::StepFinished { .. } => unfinished = false,
                _ => {}
            }
        }
        if let Some(d) = &journal.damage {
            let at = d.to_string();
            eprintln!("contlab: {}", tr!(said, "replay-stopped", at = at));
            return Ok(ExitCode::FAILURE);
        }
        if unfinished {
            // A session that ended (or was recorded) while a step was still open.
            eprintln!("contlab: {}", tr!(said, "replay-unfinished"));
        }
        return Ok(if failed > 0 {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let damage = journal.damage.clone();
    let opts = crate::tui::replay::options(lang);
    let mut app = crate::tui::state::App::new(
        lessons,
        crate::lesson::progress::Progress::default(),
        opts,
        (80, 24),
    );
    app.presenter = args.presenter;
    crate::tui::replay::run(app, journal)?;
    if let Some(d) = damage {
        let at = d.to_string();
        eprintln!("contlab: {}", tr!(said, "replay-stopped", at = at));
    }
    Ok(ExitCode::SUCCESS)
}
