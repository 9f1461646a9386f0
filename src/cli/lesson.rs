use crate::lesson::{catalog, headless};
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Validate lessons: the format, both languages for every step, and (as root)
    /// reverse validation — each task's checks fail on its start state and pass after
    /// its reference solution.
    #[command(
        after_help = "Examples:\n  contlab lesson lint                 # the built-in curriculum\n  \
sudo contlab lesson lint ./my-pack   # an instructor's lesson pack, with reverse validation"
    )]
    Lint {
        /// A lesson pack directory; default: the built-in curriculum.
        dir: Option<PathBuf>,
    },
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Lint { dir } => lint(dir),
    }
}

fn lint(dir: Option<PathBuf>) -> Result<ExitCode> {
    let lessons = catalog::load(dir.as_deref())?;
    println!(
        "format: {} lessons valid in {}",
        lessons.len(),
        crate::lesson::format::LANGUAGES.join(" and ")
    );
    if !nix::unistd::geteuid().is_root() {
        println!(
            "reverse validation skipped: it runs the lessons live and needs root (sudo contlab lesson lint)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    crate::runtime::install_teardown_handlers()?;
    let mut problems = 0;
    for l in &lessons {
        let found = headless::reverse_validate(l);
        for p in &found {
            println!("{}/{}: {}", p.lesson, p.step, p.message);
        }
        problems += found.len();
    }
    if problems > 0 {
        anyhow::bail!("{problems} problem(s) found by reverse validation");
    }
    println!("reverse validation: every task fails before its solution and passes after it");
    Ok(ExitCode::SUCCESS)
}
