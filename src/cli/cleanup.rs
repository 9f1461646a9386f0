use crate::runtime::cleanup;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  sudo contlab cleanup\n  sudo contlab cleanup --all --json")]
pub struct Args {
    /// Also tear down containers whose contlab process is still running, and detached
    /// (OCI) containers.
    #[arg(long)]
    all: bool,
    /// Print what was removed as JSON: {"removed": [{"kind", "what", "error"}], "kept": [ids]}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let report = cleanup::sweep(cleanup::Options {
        all: args.all,
        quick: false,
    });
    let failed = report.failures().count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for r in &report.removed {
            match &r.error {
                None => println!("removed {} {}", r.kind, r.what),
                Some(e) => println!("could not remove {} {}: {e}", r.kind, r.what),
            }
        }
        for id in &report.kept {
            println!("kept container {id}: its contlab process is still running (use --all)");
        }
        if report.removed.is_empty() && report.kept.is_empty() {
            println!("Nothing to clean up.");
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} leftover(s) could not be removed (see above); are you root?");
    }
    Ok(ExitCode::SUCCESS)
}
