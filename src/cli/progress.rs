use crate::i18n::{self, Lang, pad};
use crate::lesson::catalog;
use crate::lesson::progress::{self, Progress};
use anyhow::{Result, bail};
use std::io::IsTerminal;
use std::process::ExitCode;

use crate::record::export::status_word;
use crate::tr;

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
    /// Language of what is printed: en or ko (default: ko when LC_ALL, LC_MESSAGES or
    /// LANG starts with ko).
    // Its own id: the top-level --lang of the lab is another argument.
    #[arg(long = "lang", id = "progress_lang", value_enum, global = true)]
    lang: Option<Lang>,
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

/// `top`: the lab's own `--lang` (`contlab --lang ko progress`).
pub fn run(args: Args, top: Option<Lang>) -> Result<ExitCode> {
    let path = progress::default_path();
    let mut p = Progress::load(&path)?;
    let lang = i18n::choose(args.lang.or(top));
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
                let steps = tr!(
                    lang,
                    "progress-steps",
                    done = done,
                    total = l.file.steps.len()
                );
                println!(
                    "{:<30} {} {steps}",
                    l.id(),
                    pad(&status_word(p.status(l.id()), lang), 8)
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
                print!("{}", crate::record::export::render_text(&e, lang));
            }
        }
        Some(Command::Reset { lesson, all, yes }) => {
            // One sentence for one lesson and one for all, so each reads whole in Korean.
            let say = |one: fn(Lang, &str) -> String, every: fn(Lang) -> String| match &lesson {
                Some(id) => one(lang, id),
                None => every(lang),
            };
            if let Some(id) = &lesson
                && !p.lessons.contains_key(id)
            {
                bail!("{}", tr!(lang, "progress-reset-nothing", id = id.as_str()));
            }
            if !yes {
                if !std::io::stdin().is_terminal() {
                    bail!(
                        "{}",
                        say(
                            |lang, id| tr!(lang, "progress-reset-needs-yes-one", id = id),
                            |lang| tr!(lang, "progress-reset-needs-yes-all")
                        )
                    );
                }
                eprint!(
                    "{} [y/N] ",
                    say(
                        |lang, id| tr!(lang, "progress-reset-ask-one", id = id),
                        |lang| tr!(lang, "progress-reset-ask-all")
                    )
                );
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    println!("{}", tr!(lang, "progress-reset-declined"));
                    return Ok(ExitCode::SUCCESS);
                }
            }
            p.reset(if all { None } else { lesson.as_deref() });
            p.save(&path)?;
            println!(
                "{}",
                say(
                    |lang, id| tr!(lang, "progress-reset-done-one", id = id),
                    |lang| tr!(lang, "progress-reset-done-all")
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
