use crate::lesson::catalog;
use crate::lesson::progress::{self, Progress};
use anyhow::{Result, bail};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  contlab progress\n  contlab progress --json\n  \
contlab progress reset pid-namespace\n  contlab progress reset --all --yes"
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Print the progress file's content as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Your progress and check results with timestamps, for your instructor (a stable
    /// schema: format "contlab-progress-export", format_version 1; see
    /// `contlab class report`).
    #[command(after_help = "Examples:\n  contlab progress export\n  \
contlab progress export --json > \"$USER.json\"\n  \
contlab progress export --json --student kim > kim.json")]
    Export {
        /// The name to put in the export (default: $USER).
        #[arg(long, value_name = "NAME")]
        student: Option<String>,
        /// The export in its stable JSON schema, the file an instructor collects
        /// (without it: the same, readable).
        #[arg(long)]
        json: bool,
    },
    /// Forget the progress of one lesson, or of all.
    Reset {
        /// The lesson to reset.
        #[arg(required_unless_present = "all")]
        lesson: Option<String>,
        /// Reset every lesson.
        #[arg(long, conflicts_with = "lesson")]
        all: bool,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    let path = progress::default_path();
    let mut p = Progress::load(&path)?;
    match args.command {
        None => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&p)?);
                return Ok(ExitCode::SUCCESS);
            }
            let lessons = catalog::load(None)?;
            for l in &lessons {
                let done = p
                    .lessons
                    .get(l.id())
                    .map(|lp| lp.steps.values().filter(|s| s.passed).count())
                    .unwrap_or(0);
                println!(
                    "{:<30} {:<8} {done}/{} steps",
                    l.id(),
                    p.status(l.id()),
                    l.file.steps.len()
                );
            }
        }
        Some(Command::Export { student, json }) => {
            let lessons = catalog::load(None).unwrap_or_default();
            let e = crate::record::export::export(
                &p,
                &lessons,
                &crate::record::export::student_name(student.as_deref()),
                progress::now_ms(),
            );
            if json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                print!("{}", crate::record::export::render_text(&e));
            }
        }
        Some(Command::Reset { lesson, all, yes }) => {
            let what = match &lesson {
                Some(id) => format!("the progress of {id}"),
                None => "all your progress".to_string(),
            };
            if let Some(id) = &lesson
                && !p.lessons.contains_key(id)
            {
                bail!("there is no progress for {id:?} to reset");
            }
            if !yes {
                if !std::io::stdin().is_terminal() {
                    bail!("resetting {what} needs confirmation: add --yes");
                }
                eprint!("Reset {what}? [y/N] ");
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    println!("Nothing was reset.");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            p.reset(if all { None } else { lesson.as_deref() });
            p.save(&path)?;
            println!("Reset {what}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
