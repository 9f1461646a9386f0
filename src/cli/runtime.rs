//! `contlab runtime …`: a runc-compatible command line over OCI bundles, on contlab's
//! own runtime (`runtime::oci`).

use crate::runtime::Stdio;
use crate::runtime::oci::{self, CreateOptions, Runtime};
use crate::runtime::trace::Tracer;
use anyhow::{Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mkdir -p demo && cd demo && sudo contlab rootfs build --out rootfs\n  \
contlab runtime spec\n  sudo contlab runtime create demo1 && sudo contlab runtime state demo1\n  \
sudo contlab runtime start demo1\n  sudo contlab runtime kill demo1 KILL && sudo contlab runtime delete demo1"
)]
pub struct Args {
    /// Directory holding the containers' state (default: under contlab's state directory).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Also write errors to this file (for callers that read runc's log).
    #[arg(long, global = true, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Format of --log: text or json.
    #[arg(long, global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

/// What `create` and `run` take besides the id.
#[derive(clap::Args, Debug)]
struct FromBundle {
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    bundle: PathBuf,
    /// Write the container's pid (digits only) to this file.
    #[arg(long, value_name = "FILE")]
    pid_file: Option<PathBuf>,
    /// With `process.terminal`: a unix socket that receives the terminal's master fd
    /// (SCM_RIGHTS), as runc's.
    #[arg(long, value_name = "PATH")]
    console_socket: Option<PathBuf>,
}

impl FromBundle {
    fn options(&self, detach: bool) -> CreateOptions<'_> {
        CreateOptions {
            pid_file: self.pid_file.as_deref(),
            console_socket: self.console_socket.as_deref(),
            detach,
        }
    }
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Write a default config.json into the bundle directory.
    Spec {
        /// A spec for a container run by an unprivileged user (a user namespace mapping
        /// you to root, no network namespace).
        #[arg(long)]
        rootless: bool,
        #[arg(long, short, default_value = ".", value_name = "DIR")]
        bundle: PathBuf,
    },
    /// Set a container up from a bundle and leave it waiting before the user's program.
    Create {
        #[command(flatten)]
        from: FromBundle,
        id: String,
    },
    /// Run the user's program in a created container.
    Start { id: String },
    /// Print a container's state as JSON.
    State { id: String },
    /// Send a signal (name like TERM or KILL, or a number; default TERM).
    Kill {
        id: String,
        #[arg(default_value = "TERM")]
        signal: String,
    },
    /// Remove a stopped container; --force kills a running one first.
    Delete {
        #[arg(long, short)]
        force: bool,
        id: String,
    },
    /// create + start + wait; the container's exit status becomes this command's.
    Run {
        #[command(flatten)]
        from: FromBundle,
        id: String,
    },
    /// List the containers.
    List {
        #[arg(long, short, default_value = "table", value_parser = ["table", "json"])]
        format: String,
        /// Print the ids only.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run a command in a running container.
    Exec {
        id: String,
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        cmd: Vec<String>,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    let log = args.log.clone();
    let json = args.log_format == "json";
    let res = dispatch(args);
    if let (Err(e), Some(path)) = (&res, log) {
        write_log(&path, json, &format!("{e:#}"));
    }
    res
}

/// Appends one error line to the `--log` file, as runc does for its callers.
fn write_log(path: &std::path::Path, json: bool, msg: &str) {
    use std::io::Write;
    let time = oci::state::now_rfc3339();
    let line = if json {
        serde_json::json!({"level": "error", "msg": msg, "time": time}).to_string()
    } else {
        format!("time=\"{time}\" level=error msg={msg:?}")
    };
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}

fn need_root() -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        bail!("containers need root: run `sudo contlab runtime …`");
    }
    Ok(())
}

fn dispatch(args: Args) -> Result<ExitCode> {
    let rt = Runtime::new(args.root);
    let t = Tracer::null();
    match args.command {
        Command::Spec { rootless, bundle } => {
            oci::write_spec(&bundle, rootless)?;
        }
        Command::Create { from, id } => {
            need_root()?;
            rt.create(&id, &from.bundle, from.options(true), Stdio::inherit(), &t)?;
        }
        Command::Start { id } => rt.start(&id, &t)?,
        Command::State { id } => {
            println!("{}", serde_json::to_string_pretty(&rt.state(&id)?)?);
        }
        Command::Kill { id, signal } => rt.kill(&id, oci::parse_signal(&signal)?, &t)?,
        Command::Delete { force, id } => rt.delete(&id, force)?,
        Command::Run { from, id } => {
            need_root()?;
            let exit = rt.run(&id, &from.bundle, from.options(false), Stdio::inherit(), &t)?;
            return Ok(ExitCode::from(exit.status().clamp(0, 255) as u8));
        }
        Command::List { format, quiet } => {
            let all = rt.list();
            if quiet {
                for s in &all {
                    println!("{}", s.id);
                }
            } else if format == "json" {
                println!("{}", serde_json::to_string(&all)?);
            } else {
                print!("{}", table(&all));
            }
        }
        Command::Exec { id, cmd } => {
            let out = rt.exec(&id, &cmd, Stdio::inherit(), &t)?;
            return Ok(ExitCode::from(out.exit.status().clamp(0, 255) as u8));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// runc's `list` table: ID, PID, STATUS, BUNDLE, CREATED, OWNER.
fn table(all: &[oci::state::OciState]) -> String {
    let mut rows = vec![[
        "ID".to_string(),
        "PID".into(),
        "STATUS".into(),
        "BUNDLE".into(),
        "CREATED".into(),
        "OWNER".into(),
    ]];
    for s in all {
        rows.push([
            s.id.clone(),
            s.pid.to_string(),
            s.status.to_string(),
            s.bundle.display().to_string(),
            s.created.clone(),
            if s.owner.is_empty() {
                "root".into()
            } else {
                s.owner.clone()
            },
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("   ").trim_end());
        out.push('\n');
    }
    out
}
