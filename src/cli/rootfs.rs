use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Assemble a root filesystem from this machine (static busybox, or host binaries
    /// with their shared libraries), cached in contlab's state directory.
    #[command(
        after_help = "Examples:\n  sudo contlab rootfs build\n  sudo contlab rootfs build --from host --out /tmp/rootfs"
    )]
    Build(BuildArgs),
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Where the binaries come from: `busybox` (a static busybox and its applets) or
    /// `host` (this machine's binaries and the libraries they need). Default: busybox
    /// when a static busybox is found, else host.
    #[arg(long, value_parser = ["busybox", "host"])]
    from: Option<String>,
    /// Write the rootfs here instead of the cache (the directory must not exist yet).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Build(a) => {
            let path = crate::rootfs::build_cli(a.from.as_deref(), a.out.as_deref())?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
