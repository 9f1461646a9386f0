use crate::lesson::catalog;
use crate::lesson::event::StepStatus;
use crate::lesson::headless;
use crate::lesson::progress::{self, Progress};
use anyhow::{Result, bail};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  sudo contlab run pid-namespace\n  sudo contlab run --all --lang ko\n  \
sudo contlab run --all --json | jq 'select(.status == \"fail\")'"
)]
pub struct Args {
    /// The lessons to run, by id (see `contlab list`).
    #[arg(value_name = "LESSON", required_unless_present = "all")]
    lessons: Vec<String>,
    /// Run every lesson.
    #[arg(long, conflicts_with = "lessons")]
    all: bool,
    /// Language of the step titles: en or ko.
    #[arg(long, default_value = "en", value_parser = ["en", "ko"])]
    lang: String,
    /// One JSON record per step: lesson, step, title, status (pass|fail), checks
    /// (each with check, pass, sentence), duration_ms.
    #[arg(long)]
    json: bool,
    /// Read lessons from this directory instead of the built-in curriculum.
    #[arg(long, value_name = "DIR")]
    lessons_dir: Option<PathBuf>,
    /// Record each lesson into DIR: `<lesson>.journal.jsonl` (replay with `contlab
    /// replay`) and `<lesson>.cast` (asciicast v2). Default: $CONTLAB_RECORD_DIR, if set.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let all = catalog::load(args.lessons_dir.as_deref())?;
    let chosen: Vec<_> = if args.all {
        all.iter().collect()
    } else {
        let mut v = Vec::new();
        for id in &args.lessons {
            match all.iter().find(|l| l.id() == id) {
                Some(l) => v.push(l),
                None => bail!("unknown lesson {id:?}; `contlab list` shows the lessons"),
            }
        }
        v
    };
    if !nix::unistd::geteuid().is_root() {
        bail!(
            "lessons run live and need root: run `sudo contlab run …` (or replay them without root)"
        );
    }
    let color =
        !args.json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let record_dir = crate::record::record_dir(args.record.as_deref());
    let progress_path = progress::default_path();
    let mut progress = Progress::load(&progress_path)?;
    let mut failed = 0;
    for lesson in chosen {
        let mut recorder = match &record_dir {
            Some(d) => Some(crate::record::Recorder::create(d, lesson, &args.lang)?),
            None => None,
        };
        let records = headless::run_lesson_observed(
            lesson,
            &args.lang,
            args.json,
            color,
            std::io::stdout().lock(),
            &mut |e| {
                if let Some(r) = recorder.as_mut() {
                    r.on_event(e);
                }
            },
        );
        if let Some(r) = &recorder {
            eprintln!("recorded {}", r.journal_path.display());
        }
        // Headless, every task's reference solution is applied: the run proves the
        // lesson, not the student, so it goes to its own record and the student's
        // progress stays as it was.
        let fails = records
            .iter()
            .filter(|r| r.status == StepStatus::Fail)
            .count();
        progress.verified_by_reference(
            lesson.id(),
            records.len() - fails,
            records.len(),
            &args.lang,
        );
        failed += fails;
    }
    progress.save(&progress_path)?;
    if failed > 0 {
        if !args.json {
            eprintln!("contlab: {failed} step(s) failed");
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
