use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the report as JSON (see `contlab doctor --help` for the keys).
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let report = crate::doctor::run();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render(crate::doctor::Style::detect()));
    }
    Ok(if report.live_mode {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
