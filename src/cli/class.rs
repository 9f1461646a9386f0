use crate::i18n::{self, Lang};
use crate::record::export;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Read the students' exports (`contlab progress export --json > NAME.json`) in DIR and
    /// print who is on which step, who is stuck, and which checks fail most.
    #[command(after_help = "Examples:\n  contlab class report ./exports\n  \
contlab class report ./exports --json | jq '.students[] | select(.stuck)'")]
    Report {
        /// A directory of `*.json` progress exports.
        dir: PathBuf,
        /// The report as JSON: {students: [...], failing_checks: [...]}.
        #[arg(long)]
        json: bool,
        /// Language of the headings: en or ko (default: ko when LC_ALL, LC_MESSAGES or
        /// LANG starts with ko).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
}

/// `top`: the lab's own `--lang` (`contlab --lang ko class report DIR`).
pub fn run(cmd: Command, top: Option<Lang>) -> Result<ExitCode> {
    match cmd {
        Command::Report { dir, json, lang } => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("cannot read {}", dir.display()))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            let mut exports = Vec::new();
            let mut bad = 0;
            for f in &files {
                match export::read(f) {
                    Ok(e) => exports.push(e),
                    Err(e) => {
                        eprintln!("contlab: {e:#}");
                        bad += 1;
                    }
                }
            }
            let r = export::report(&exports);
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", export::render(&r, i18n::choose(lang.or(top))));
            }
            Ok(if bad > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
