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
        /// Recordings to check for staleness (`<lesson>.journal.jsonl`); default: the
        /// shipped reference recordings for the built-in curriculum, the pack's
        /// `recordings/` directory (if it has one) for a pack.
        #[arg(long, value_name = "DIR")]
        recordings: Option<PathBuf>,
    },
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Lint { dir, recordings } => lint(dir, recordings),
    }
}

fn lint(dir: Option<PathBuf>, recordings: Option<PathBuf>) -> Result<ExitCode> {
    let lessons = catalog::load(dir.as_deref())?;
    println!(
        "format: {} lessons valid in {}",
        lessons.len(),
        crate::lesson::format::LANGUAGES.join(" and ")
    );
    glossary(dir.as_deref())?;
    let recordings = recordings.or_else(|| {
        dir.as_ref()
            .map(|d| d.join("recordings"))
            .filter(|r| r.is_dir())
    });
    if recordings.is_some() || dir.is_none() {
        let stale = stale_recordings(&lessons, recordings.as_deref())?;
        if stale > 0 {
            anyhow::bail!(
                "{stale} recording(s) are older than their lesson: run scripts/record-references.sh"
            );
        }
    }
    if !nix::unistd::geteuid().is_root() {
        println!(
            "reverse validation skipped: it runs the lessons live and needs root (sudo contlab lesson lint)"
        );
        return Ok(ExitCode::SUCCESS);
    }
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

/// Prints the Korean glossary's warnings (another rendering of a term, a first use without
/// its English, a markdown span apart from its particle). They never fail the lint.
fn glossary(dir: Option<&std::path::Path>) -> Result<()> {
    use crate::lesson::glossary::{self, Glossary};
    let warnings = match dir {
        None => glossary::lint_files(
            &Glossary::builtin()?,
            "lessons",
            crate::lesson::load::LESSON_FILES.iter().copied(),
        ),
        Some(d) => {
            let files = glossary::pack_files(d)?;
            glossary::lint_files(
                &Glossary::for_pack(d)?,
                &d.display().to_string(),
                files.iter().map(|(p, t)| (p.as_str(), t.as_str())),
            )
        }
    };
    for w in &warnings {
        println!("warning: {w}");
    }
    match warnings.len() {
        0 => println!("glossary: the Korean prose follows it"),
        n => println!("glossary: {n} warning(s) in the Korean prose"),
    }
    Ok(())
}

/// Compares each recording's lesson hash with the lesson's files. A lesson without a
/// recording is noted and skipped (new lessons get theirs when the references are
/// regenerated); a recording of a changed lesson is a problem. Returns the stale count.
fn stale_recordings(
    lessons: &[crate::lesson::load::Lesson],
    dir: Option<&std::path::Path>,
) -> Result<usize> {
    let mut stale = 0;
    let mut missing = Vec::new();
    for l in lessons {
        let journal = match dir {
            Some(d) => {
                let p = d.join(format!("{}.journal.jsonl", l.id()));
                p.exists().then(|| crate::record::Journal::read(&p))
            }
            None => crate::record::reference(l.id()),
        };
        let Some(journal) = journal else {
            missing.push(l.id());
            continue;
        };
        let journal = journal?;
        if journal.header.lesson_hash != crate::record::lesson_hash(l) {
            println!(
                "{}: the lesson changed after its recording was made",
                l.id()
            );
            stale += 1;
        }
    }
    if !missing.is_empty() {
        println!(
            "recordings: none yet for {} (skipped): {}",
            missing.len(),
            missing.join(", ")
        );
    }
    if stale == 0 {
        println!("recordings: {} up to date", lessons.len() - missing.len());
    }
    Ok(stale)
}
