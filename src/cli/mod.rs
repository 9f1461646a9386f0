//! The command line: parses arguments and calls the library. Each command is a few lines;
//! the knowledge lives in `runtime`, `rootfs`, `doctor`, `lesson` and `rbac`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod apiserver;
mod class;
mod cleanup;
mod doctor;
mod lesson;
mod list;
mod progress;
mod raft;
mod rbac;
mod replay;
mod rootfs;
mod run;
mod runtime;
mod sandbox;

#[derive(Parser, Debug)]
#[command(
    name = "contlab",
    version,
    about = "A terminal lab for the Linux and cluster foundations under Kubernetes",
    long_about = "contlab walks you through namespaces, cgroups, chroot and pivot_root, the OCI \
container lifecycle, Raft leader elections and Kubernetes RBAC. Every step runs live on your own \
kernel, and the real /proc entries, cgroup files and the runtime's trace are shown beside it.\n\n\
Live mode needs root: run `sudo contlab doctor` to see what works on this machine.",
    after_help = "Examples:\n  sudo contlab doctor          # can this machine run the lab live?\n  \
contlab list                 # the lessons\n  sudo contlab rootfs build    # the small root filesystem containers use\n  \
sudo contlab cleanup         # remove what a crashed run left behind"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Open the lab straight at this lesson (see `contlab list`).
    #[arg(long, value_name = "ID")]
    lesson: Option<String>,
    /// Read lessons from this directory (an instructor's pack) instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    lessons: Option<std::path::PathBuf>,
    /// Language of the lessons and of every sentence contlab prints: en or ko (default: ko
    /// when LC_ALL, LC_MESSAGES or LANG starts with ko). Every command that prints
    /// sentences takes it, before or after the command's name.
    #[arg(long, value_enum)]
    lang: Option<crate::i18n::Lang>,
    /// Record every live lesson into DIR (`<lesson>.journal.jsonl`, `<lesson>.cast`);
    /// setting CONTLAB_RECORD_DIR records always.
    #[arg(long, value_name = "DIR")]
    record: Option<std::path::PathBuf>,
    /// Projector layout for workshops: one large pane at a time, the step counter big.
    #[arg(long)]
    presenter: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the lessons with their track, topics and your progress.
    #[command(after_help = "Examples:\n  contlab list\n  contlab list --json | jq '.[].id'")]
    List(list::Args),
    /// Check whether live mode works on this machine, and how to fix what doesn't.
    Doctor(doctor::Args),
    /// Build the small root filesystems that lesson containers run in.
    #[command(subcommand)]
    Rootfs(rootfs::Command),
    /// Remove containers, cgroups, mounts, network namespaces and links that contlab
    /// created and a crash left behind. Touches nothing contlab did not create.
    Cleanup(cleanup::Args),
    /// Run a command in a container made by contlab's runtime, with a chosen set of
    /// namespaces, root filesystem and limits; print the runtime's trace with --trace.
    Sandbox(sandbox::Args),
    /// Run lessons headless: every step, each task's reference solution, every check;
    /// exit 0 only if all pass.
    Run(run::Args),
    /// Your progress through the lessons; reset one lesson or all.
    Progress(progress::Args),
    /// The Raft track: a simulated etcd-style cluster you can step, break and rewind,
    /// and a real etcd cluster beside it.
    #[command(subcommand)]
    Raft(raft::Command),
    /// An OCI runtime with runc's commands: spec, create, start, state, kill, delete,
    /// run, list, exec — on bundles that real runc runs too.
    Runtime(runtime::Args),
    /// Work on lessons (instructors and authors).
    #[command(subcommand)]
    Lesson(lesson::Command),
    /// Ask a Kubernetes RBAC authorizer about Roles and bindings in YAML files, offline:
    /// can-i, who-can, an access matrix, and escalation checks. Exit 2 on bad input.
    #[command(subcommand)]
    Rbac(rbac::Command),
    /// Replay a recorded lesson run (a journal, or a lesson's shipped reference
    /// recording) with every pane as it was: pause, step, seek, speed. Needs no root.
    Replay(replay::Args),
    /// A Kubernetes-compatible API server in front of a real etcd, on 127.0.0.1: up,
    /// status, down, run. kubectl works against it; contlab's RBAC authorizes it.
    #[command(subcommand)]
    Apiserver(apiserver::Command),
    /// Workshops: a report over many students' progress exports.
    #[command(subcommand)]
    Class(class::Command),
}

/// Parses the command line, runs the command, and turns its outcome into an exit code.
/// Errors are one sentence on stderr; details go to the log file.
/// Invoked as `contlab-runc` (a link that podman's `--runtime` or containerd's
/// `--runc-binary` can name), contlab is `contlab runtime`: runc's command line.
fn runc_argv(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let name = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .map(|n| n.to_os_string());
    if name.is_some_and(|n| n == "contlab-runc") {
        args.insert(1, "runtime".into());
    }
    args
}

/// `contlab sandbox …` and `contlab runtime …` (an OCI lifecycle runs contlab four times
/// or more) are parsed by their own subcommand's parser: building the whole command tree
/// costs about 0.4 M instructions and 50 page faults at each start. Whatever that parser
/// does not accept (help, an option of contlab's own, a mistake) goes to the full parser,
/// which answers as always.
fn parse_fast(args: &[std::ffi::OsString]) -> Option<Cli> {
    use clap::{Args as _, FromArgMatches};
    let name = args.get(1)?.to_str()?;
    let parser = match name {
        "sandbox" => sandbox::Args::augment_args(clap::Command::new("sandbox")),
        "runtime" => runtime::Args::augment_args(clap::Command::new("runtime")),
        _ => return None,
    };
    let m = parser
        .no_binary_name(true)
        .try_get_matches_from(&args[2..])
        .ok()?;
    let command = match name {
        "sandbox" => Command::Sandbox(sandbox::Args::from_arg_matches(&m).ok()?),
        _ => Command::Runtime(runtime::Args::from_arg_matches(&m).ok()?),
    };
    Some(Cli {
        command: Some(command),
        lesson: None,
        lessons: None,
        lang: None,
        record: None,
        presenter: false,
    })
}

pub fn main() -> ExitCode {
    let args = runc_argv(std::env::args_os().collect());
    let cli = match parse_fast(&args) {
        Some(cli) => cli,
        None => Cli::parse_from(args),
    };
    let _log = crate::logging::init(match cli.command {
        None => crate::logging::Writer::Background,
        Some(_) => crate::logging::Writer::Inline,
    });
    // Commands that only print die quietly of SIGPIPE, like other Unix tools, when their
    // reader goes away (`contlab list | head`). Commands that own containers keep it
    // ignored, so a closed pipe can never skip a teardown.
    let only_prints = matches!(
        cli.command,
        Some(
            Command::List(_)
                | Command::Doctor(_)
                | Command::Progress(_)
                | Command::Cleanup(_)
                | Command::Rootfs(_)
        )
    ) || matches!(&cli.command, Some(Command::Runtime(a)) if a.only_prints());
    if only_prints {
        // SAFETY: SIG_DFL installs no handler of ours; the disposition is process-wide.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    } else if let Err(e) = crate::shutdown::install() {
        // The others may own a terminal, containers or etcd members: a signal or a panic
        // must give them back (see `crate::shutdown`).
        tracing::error!("{e:?}");
        eprintln!("contlab: {e:#}");
        return ExitCode::FAILURE;
    }
    // Errors are printed in the language the student chose (or the locale's).
    let lang = crate::i18n::choose(cli.lang);
    let result = match cli.command {
        None => crate::tui::run(crate::tui::Launch {
            lessons_dir: cli.lessons,
            lesson: cli.lesson,
            lang: cli.lang.map(|l| l.code().to_string()),
            record: cli.record,
            presenter: cli.presenter,
        }),
        Some(Command::List(a)) => list::run(a, cli.lang),
        Some(Command::Doctor(a)) => doctor::run(a, cli.lang),
        Some(Command::Rootfs(c)) => rootfs::run(c),
        Some(Command::Cleanup(a)) => cleanup::run(a),
        Some(Command::Sandbox(a)) => sandbox::run(a, lang),
        Some(Command::Run(a)) => run::run(a, cli.lang),
        Some(Command::Lesson(c)) => lesson::run(c),
        Some(Command::Progress(a)) => progress::run(a, cli.lang),
        Some(Command::Rbac(c)) => rbac::run(c),
        Some(Command::Raft(c)) => raft::run(c),
        Some(Command::Replay(a)) => replay::run(a, cli.lang),
        Some(Command::Class(c)) => class::run(c, cli.lang),
        Some(Command::Runtime(a)) => runtime::run(a, lang),
        Some(Command::Apiserver(c)) => apiserver::run(c, cli.lang),
    };
    // Whatever a command did not give back (it should have) goes now.
    crate::shutdown::at_exit();
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:?}");
            eprintln!("contlab: {}", crate::i18n::render(lang, &e));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once("contlab")
            .chain(args.iter().copied())
            .map(Into::into)
            .collect()
    }

    /// The subcommand's own parser gives what the full one gives, and leaves help, the
    /// top-level options and mistakes to the full one.
    #[test]
    fn the_fast_parse_agrees_with_the_full_one() {
        let same: &[&[&str]] = &[
            &["sandbox", "--", "/bin/true"],
            &["sandbox", "--ns", "all", "--map-root", "--", "/bin/true"],
            &[
                "sandbox",
                "--ns",
                "pid,mount",
                "--init",
                "--memory",
                "32M",
                "ps",
                "-ef",
            ],
            &[
                "sandbox",
                "--trace",
                "--hostname",
                "lab",
                "--ns",
                "uts",
                "hostname",
            ],
            &["runtime", "--root", "/tmp/r", "create", "c1"],
            &[
                "runtime",
                "create",
                "--bundle",
                ".",
                "--pid-file",
                "p",
                "c1",
            ],
            &["runtime", "state", "c1", "--root", "/tmp/r"],
            &[
                "runtime",
                "--log",
                "l",
                "--log-format",
                "json",
                "delete",
                "--force",
                "c1",
            ],
            &["runtime", "-v"],
        ];
        for args in same {
            let fast = parse_fast(&argv(args)).unwrap_or_else(|| panic!("{args:?} not parsed"));
            let full = Cli::try_parse_from(argv(args)).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{args:?}");
        }
        let refused: &[&[&str]] = &[
            &["sandbox"],
            &["sandbox", "--help"],
            &["sandbox", "--lang", "ko", "--", "true"],
            &["sandbox", "--no-such-option", "true"],
            &["runtime"],
            &["runtime", "--help"],
            &["runtime", "create", "--help"],
            &["--lang", "ko", "sandbox", "true"],
            &["list"],
        ];
        for args in refused {
            assert!(parse_fast(&argv(args)).is_none(), "{args:?}");
        }
    }
}
