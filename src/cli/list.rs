use crate::lesson::catalog::{self, LessonSummary};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print a JSON array of objects with `id`, `title`, `track`, `topics`, `minutes`, `status`.
    #[arg(long)]
    json: bool,
    /// Read lessons from this directory instead of the built-in curriculum.
    #[arg(long, value_name = "DIR")]
    lessons: Option<PathBuf>,
    /// Language of the titles: en or ko.
    #[arg(long, default_value = "en", value_parser = ["en", "ko"])]
    lang: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lessons = catalog::load(args.lessons.as_deref())?;
    let progress =
        crate::lesson::progress::Progress::load(&crate::lesson::progress::default_path())?;
    let rows: Vec<LessonSummary> = lessons
        .iter()
        .map(|l| {
            let mut row = LessonSummary::of(l, &args.lang);
            row.status = progress.status(l.id()).to_string();
            row
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if rows.is_empty() {
        println!("No lessons found.");
    } else {
        for l in &rows {
            println!(
                "{:<30} {:<11} {:>3} min  {:<8} {}",
                l.id, l.track, l.minutes, l.status, l.title
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
