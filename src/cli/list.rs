use crate::i18n::{self, Lang, pad};
use crate::lesson::catalog::{self, LessonSummary};
use crate::record::export::status_word;
use crate::tr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print a JSON array of objects with `id`, `title`, `track`, `topics`, `minutes`,
    /// `status` (`new`, `started` or `done`, in English whatever the language).
    #[arg(long)]
    json: bool,
    /// Read lessons from this directory instead of the built-in curriculum.
    #[arg(long, value_name = "DIR")]
    lessons: Option<PathBuf>,
    /// Language of the titles and status words: en or ko (default: ko when LC_ALL,
    /// LC_MESSAGES or LANG starts with ko).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
}

/// `top`: the lab's own `--lang` (`contlab --lang ko list`).
pub fn run(args: Args, top: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = i18n::choose(args.lang.or(top));
    let lessons = catalog::load(args.lessons.as_deref())?;
    let progress =
        crate::lesson::progress::Progress::load(&crate::lesson::progress::default_path())?;
    let rows: Vec<LessonSummary> = lessons
        .iter()
        .map(|l| {
            let mut row = LessonSummary::of(l, lang.code());
            row.status = progress.status(l.id()).to_string();
            row
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if rows.is_empty() {
        println!("{}", tr!(lang, "list-none"));
    } else {
        for l in &rows {
            let minutes = tr!(lang, "list-minutes", minutes = format!("{:>3}", l.minutes));
            println!(
                "{:<30} {:<11} {minutes}  {} {}",
                l.id,
                l.track,
                pad(&status_word(&l.status, lang), 8),
                l.title
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
