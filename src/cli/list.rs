use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print a JSON array of objects with `id`, `title`, `track`, `topics`, `status`.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lessons = crate::lesson::catalog::embedded();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&lessons)?);
    } else if lessons.is_empty() {
        println!("No lessons found.");
    } else {
        for l in &lessons {
            println!("{:<28} {:<12} {:<8} {}", l.id, l.track, l.status, l.title);
        }
    }
    Ok(ExitCode::SUCCESS)
}
