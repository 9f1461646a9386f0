//! `contlab runtime …`: a runc-compatible command line over OCI bundles, on contlab's
//! own runtime (`runtime::oci`).

use crate::runtime::Stdio;
use crate::runtime::oci::{self, CreateOptions, Runtime};
use crate::runtime::trace::Tracer;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(
    arg_required_else_help = true,
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
    /// Also write debug lines (each command and how it ended) to --log.
    #[arg(long, global = true)]
    debug: bool,
    /// runc's systemd cgroup driver: refused, contlab writes the cgroup file system itself.
    #[arg(long, global = true)]
    systemd_cgroup: bool,
    /// Print the version of contlab and of the runtime spec it follows.
    #[arg(long, short = 'v')]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

impl Args {
    /// Whether this command only reads and prints (`state`, `list`, `ps`, `spec`,
    /// `features`, the version): it owns nothing a signal must tear down, and a closed
    /// pipe (`contlab runtime state x | grep -q running`) may end it as it ends other
    /// Unix tools.
    pub fn only_prints(&self) -> bool {
        matches!(
            self.command,
            None | Some(
                Command::State { .. }
                    | Command::List { .. }
                    | Command::Ps { .. }
                    | Command::Spec { .. }
                    | Command::Features
            )
        )
    }
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
    /// Pass this many descriptors after stdio (3, 4, …) to the program.
    #[arg(long, default_value_t = 0, value_name = "N")]
    preserve_fds: u32,
    /// Enter the root file system without pivot_root(2), as runc's flag: moved onto `/`
    /// (MS_MOVE), then chroot(2). The host's tree stays mounted beneath the root.
    #[arg(long)]
    no_pivot: bool,
    /// Do not give the container a new session keyring: contlab never makes one, so
    /// this is how it always runs.
    #[arg(long)]
    no_new_keyring: bool,
}

impl FromBundle {
    /// The options, once the flags contlab cannot apply are refused.
    fn options(&self, detach: bool) -> Result<CreateOptions<'_>> {
        Ok(CreateOptions {
            pid_file: self.pid_file.as_deref(),
            console_socket: self.console_socket.as_deref(),
            detach,
            preserve_fds: self.preserve_fds,
            no_pivot: self.no_pivot,
        })
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
    /// List the processes of a container: a `ps` table (ARGS are ps's options, default
    /// -ef) or, with --format json, their pids.
    Ps {
        #[arg(long, short, default_value = "table", value_parser = ["table", "json"])]
        format: String,
        id: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        ps_args: Vec<String>,
    },
    /// Freeze every process of a running container.
    Pause { id: String },
    /// Thaw a paused container.
    Resume { id: String },
    /// Change a container's resource limits, as runc's `update` (values left out stay).
    Update {
        /// A resources JSON (`linux.resources` of a config.json), or - for stdin; the
        /// other flags are then ignored.
        #[arg(long, short = 'r', value_name = "FILE")]
        resources: Option<PathBuf>,
        #[command(flatten)]
        flags: Box<oci::update::UpdateFlags>,
        id: String,
    },
    /// Print what this runtime implements, as runc's `features` JSON.
    Features,
    /// Run a command in a running container.
    Exec {
        /// A process.json (the `process` object of a config.json): args, env, cwd, user.
        #[arg(long, short = 'p', value_name = "FILE")]
        process: Option<PathBuf>,
        /// Add a variable to the environment (repeatable).
        #[arg(long, short = 'e', value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// The working directory inside the container.
        #[arg(long)]
        cwd: Option<PathBuf>,
        /// UID[:GID] to run as.
        #[arg(long, short = 'u')]
        user: Option<String>,
        /// Add a capability to the process's sets (repeatable), e.g. CAP_NET_ADMIN.
        #[arg(long = "cap", short = 'c', value_name = "CAP")]
        caps: Vec<String>,
        /// Return once the command runs and leave it running (exit status 0).
        #[arg(long, short = 'd')]
        detach: bool,
        /// Write the command's pid (digits only) to this file.
        #[arg(long, value_name = "FILE")]
        pid_file: Option<PathBuf>,
        /// Give the command a terminal; its master goes to --console-socket.
        #[arg(long, short = 't')]
        tty: bool,
        /// A unix socket that receives the terminal's master fd (SCM_RIGHTS), with --tty.
        #[arg(long, value_name = "PATH")]
        console_socket: Option<PathBuf>,
        /// Pass this many descriptors after stdio (3, 4, …) to the command.
        #[arg(long, default_value_t = 0, value_name = "N")]
        preserve_fds: u32,
        /// Exec into a paused container too: the command waits, frozen, for `resume`.
        #[arg(long)]
        ignore_paused: bool,
        id: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cmd: Vec<String>,
    },
}

/// `lang`: the language of the error line on stderr; the `--log` record stays English,
/// for the tools that read it.
pub fn run(args: Args, lang: crate::i18n::Lang) -> Result<ExitCode> {
    let log = Log {
        path: args.log.clone(),
        json: args.log_format == "json",
        debug: args.debug,
    };
    let line: Vec<String> = std::env::args().skip(1).collect();
    log.write("debug", &format!("contlab {}", line.join(" ")));
    match dispatch(args, &log, lang) {
        Ok(code) => {
            log.write("debug", "done");
            Ok(code)
        }
        Err(e) => {
            // Where runc's callers look for a failure: a line with "error" on stderr, and
            // an error record in the --log file (a JSON object with --log-format json).
            let msg = format!("{e:#}");
            tracing::error!("{e:?}");
            log.write("error", &msg);
            let shown = crate::i18n::render(lang, &e);
            if log.json {
                eprintln!("{}", log.line("error", &shown));
            } else {
                eprintln!("contlab: error: {shown}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The `--log` file, written as runc writes its log (logrus's text or JSON lines).
struct Log {
    path: Option<PathBuf>,
    json: bool,
    debug: bool,
}

impl Log {
    fn line(&self, level: &str, msg: &str) -> String {
        let time = oci::state::now_rfc3339();
        if self.json {
            serde_json::json!({"level": level, "msg": msg, "time": time}).to_string()
        } else {
            format!("time=\"{time}\" level={level} msg={msg:?}")
        }
    }

    /// Appends one line; debug lines only with --debug.
    fn write(&self, level: &str, msg: &str) {
        use std::io::Write;
        let Some(path) = &self.path else { return };
        if level == "debug" && !self.debug {
            return;
        }
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{}", self.line(level, msg));
        }
    }
}

fn need_root() -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        bail!("containers need root: run `sudo contlab runtime …`");
    }
    Ok(())
}

fn dispatch(args: Args, log: &Log, lang: crate::i18n::Lang) -> Result<ExitCode> {
    if args.version {
        println!("contlab runtime version {}", env!("CARGO_PKG_VERSION"));
        println!("spec: {}", oci::state::OCI_VERSION);
        return Ok(ExitCode::SUCCESS);
    }
    if args.systemd_cgroup {
        bail!(
            "--systemd-cgroup is not supported: contlab manages cgroups through the cgroup file system; drop the flag (use the cgroupfs driver)"
        );
    }
    let Some(command) = args.command else {
        bail!("no command given: see `contlab runtime --help`");
    };
    let rt = Runtime::new(args.root);
    let t = trace_to_file();
    match command {
        Command::Spec { rootless, bundle } => {
            oci::write_spec(&bundle, rootless)?;
        }
        Command::Create { from, id } => {
            need_root()?;
            rt.create(&id, &from.bundle, from.options(true)?, Stdio::inherit(), &t)?;
        }
        Command::Start { id } => rt.start(&id, &t)?,
        Command::State { id } => {
            println!("{}", serde_json::to_string_pretty(&rt.state(&id)?)?);
        }
        Command::Kill { id, signal } => rt.kill(&id, oci::parse_signal(&signal)?, &t)?,
        Command::Delete { force, id } => rt.delete(&id, force)?,
        Command::Run { from, id } => {
            need_root()?;
            let exit = rt.run(
                &id,
                &from.bundle,
                from.options(false)?,
                Stdio::inherit(),
                &t,
            )?;
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
        Command::Ps {
            format,
            id,
            ps_args,
        } => {
            let pids = oci::state::Dir::peek(&rt.root, &id)?.load()?.pids();
            if format == "json" {
                println!("{}", serde_json::to_string(&pids)?);
            } else {
                print!("{}", ps_table(&pids, &ps_args)?);
            }
        }
        Command::Features => {
            println!("{}", oci::features::features());
        }
        Command::Pause { id } => rt.pause(&id)?,
        Command::Resume { id } => rt.resume(&id)?,
        Command::Update {
            resources,
            flags,
            id,
        } => {
            let request = match resources {
                Some(file) => oci::update::read_resources(&file)?,
                None => flags.to_request()?,
            };
            if request.kernel_memory_ignored {
                // runc 1.1's warning, word for word in the --log record.
                let warning = crate::said!("warning-update-kernel-memory");
                log.write("warning", &warning.to_string());
                eprintln!(
                    "contlab: warning: {}",
                    crate::i18n::render(lang, &anyhow::Error::new(warning))
                );
            }
            rt.update(&id, &request.update, &t)?;
        }
        Command::Exec {
            process,
            env,
            cwd,
            user,
            caps,
            detach,
            pid_file,
            tty,
            console_socket,
            preserve_fds,
            ignore_paused,
            id,
            cmd,
        } => {
            let opts = oci::ExecOptions {
                process,
                args: cmd,
                env,
                cwd,
                user,
                caps,
                detach,
                pid_file,
                tty,
                console_socket,
                preserve_fds,
                ignore_paused,
            };
            let out = rt.exec_with(&id, &opts, Stdio::inherit(), &t)?;
            return Ok(ExitCode::from(out.exit.status().clamp(0, 255) as u8));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// With `CONTLAB_TRACE_FILE` (a lesson's host shell, or the `contlab-runc` podman runs
/// there), the trace goes to that file as JSON lines, one `write` each, appended, which
/// the lesson hands to its trace panel; otherwise nowhere.
fn trace_to_file() -> Tracer {
    let Some(path) = std::env::var_os("CONTLAB_TRACE_FILE") else {
        return Tracer::null();
    };
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(f) => Tracer::to_fd(f.into()),
        Err(_) => Tracer::null(),
    }
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

/// runc's `ps` table: the header of `ps ARGS` (default `-ef`) and its lines whose PID
/// is one of `pids`.
fn ps_table(pids: &[i32], args: &[String]) -> Result<String> {
    let args: Vec<String> = if args.is_empty() {
        vec!["-ef".into()]
    } else {
        args.to_vec()
    };
    let out = std::process::Command::new("ps")
        .args(&args)
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run ps {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "ps {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    filter_ps(&String::from_utf8_lossy(&out.stdout), pids)
}

/// Keeps the header and the lines of `pids` from `ps` output.
fn filter_ps(text: &str, pids: &[i32]) -> Result<String> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let col = header
        .split_whitespace()
        .position(|h| h == "PID")
        .context("ps printed no PID column: give it options that do (e.g. -ef)")?;
    let mut out = format!("{header}\n");
    for l in lines {
        let pid = l.split_whitespace().nth(col).and_then(|p| p.parse().ok());
        if pid.is_some_and(|p: i32| pids.contains(&p)) {
            out.push_str(l);
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ps_keeps_the_header_and_the_containers_lines() {
        let text = "UID PID PPID C STIME TTY TIME CMD\n\
root 1 0 0 09:00 ? 00:00:01 /sbin/init\n\
root 42 1 0 09:00 ? 00:00:00 sleep 1000\n\
root 420 1 0 09:00 ? 00:00:00 other\n";
        let out = filter_ps(text, &[42]).unwrap();
        assert_eq!(
            out,
            "UID PID PPID C STIME TTY TIME CMD\nroot 42 1 0 09:00 ? 00:00:00 sleep 1000\n"
        );
        assert!(filter_ps("USER COMMAND\n", &[1]).is_err());
    }

    #[test]
    fn log_lines_look_like_runcs() {
        let log = Log {
            path: None,
            json: true,
            debug: false,
        };
        let v: serde_json::Value = serde_json::from_str(&log.line("error", "boom")).unwrap();
        assert_eq!(v["level"], "error");
        assert_eq!(v["msg"], "boom");
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
        let text = Log { json: false, ..log }.line("error", "a \"b\"");
        assert!(text.ends_with(r#"level=error msg="a \"b\"""#), "{text}");
    }
}
