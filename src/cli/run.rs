use crate::i18n::{self, Lang};
use crate::lesson::catalog;
use crate::lesson::event::StepStatus;
use crate::lesson::headless;
use crate::lesson::progress::{self, Progress};
use crate::tr;
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
    /// Language of the step titles, the check sentences and the summary: en or ko
    /// (default: ko when LC_ALL, LC_MESSAGES or LANG starts with ko).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
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

/// `top`: the lab's own `--lang` (`contlab --lang ko run --all`).
pub fn run(args: Args, top: Option<Lang>) -> Result<ExitCode> {
    let lang = i18n::choose(args.lang.or(top));
    let all = catalog::load(args.lessons_dir.as_deref())?;
    let chosen: Vec<_> = if args.all {
        all.iter().collect()
    } else {
        let mut v = Vec::new();
        for id in &args.lessons {
            match all.iter().find(|l| l.id() == id) {
                Some(l) => v.push(l),
                None => bail!(
                    "{}",
                    tr!(lang, "run-unknown-lesson", id = format!("{id:?}"))
                ),
            }
        }
        v
    };
    if !nix::unistd::geteuid().is_root() {
        bail!("{}", tr!(lang, "run-needs-root"));
    }
    let color =
        !args.json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let record_dir = crate::record::record_dir(args.record.as_deref());
    let progress_path = progress::default_path();
    let mut progress = Progress::load(&progress_path)?;
    let mut failed = 0;
    for lesson in chosen {
        let mut recorder = match &record_dir {
            Some(d) => Some(crate::record::Recorder::create(d, lesson, lang.code())?),
            None => None,
        };
        let records = headless::run_lesson_observed(
            lesson,
            lang.code(),
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
            let path = r.journal_path.display().to_string();
            eprintln!("{}", tr!(lang, "run-recorded", path = path));
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
            lang.code(),
        );
        failed += fails;
    }
    progress.save(&progress_path)?;
    if failed > 0 {
        if !args.json {
            eprintln!("contlab: {}", tr!(lang, "run-failed", count = failed));
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
