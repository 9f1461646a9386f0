//! `contlab sandbox`: an `unshare`-like command that runs one command in a container
//! made by contlab's own runtime, optionally printing every kernel operation.

use crate::runtime::cgroup::{self, Limits};
use crate::runtime::trace::{TraceEvent, Tracer};
use crate::runtime::{Container, ContainerSpec, IdMap, Namespace, Namespaces, RootfsMode};
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
The root filesystem mode defaults to pivot when a mount namespace is requested, else host.
With --ns user and no --map-root the container's user is unmapped (it shows as nobody),
as with `unshare --user`: the setup holds the capabilities the new user namespace gives
its creator, the command none of them.

Examples:
  sudo contlab sandbox --ns pid,mount -- ps              # PID 1 is ps itself
  sudo contlab sandbox --ns pid,mount --init -- ps       # PID 1 is contlab's init, ps is 2
  sudo contlab sandbox --ns uts --hostname lab -- hostname
  sudo contlab sandbox --ns all --map-root --trace -- id # every syscall, with its shell twin
  sudo contlab sandbox --ns all -- id -u                 # 65534: unmapped, like unshare --user
  sudo contlab sandbox --ns mount --rootfs chroot -- ls /
  sudo contlab sandbox --memory 32M -- dd if=/dev/zero of=/dev/null bs=100M count=1")]
pub struct Args {
    /// Namespaces to create: a comma-separated list of pid, net, mount, uts, ipc, user,
    /// cgroup, or "all".
    #[arg(long = "ns", value_name = "LIST", default_value = "none")]
    ns: String,
    /// How the container sees the file system: host (unchanged), chroot, or pivot
    /// (pivot_root, needs the mount namespace).
    #[arg(long, value_name = "MODE")]
    rootfs: Option<String>,
    /// The directory to use as the container's root filesystem instead of the cached
    /// default (`contlab rootfs build`).
    #[arg(long, value_name = "DIR")]
    rootfs_dir: Option<PathBuf>,
    /// The hostname inside (needs the uts namespace).
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Memory limit, e.g. 64M or 1G.
    #[arg(long, value_name = "SIZE")]
    memory: Option<String>,
    /// CPU limit in CPUs, e.g. 0.5.
    #[arg(long, value_name = "CPUS")]
    cpus: Option<String>,
    /// Maximum number of processes.
    #[arg(long, value_name = "N")]
    pids: Option<String>,
    /// Make a user namespace in which root is the unprivileged uid/gid 100000 outside
    /// (map 0 100000 65536).
    #[arg(long)]
    map_root: bool,
    /// Keep every capability instead of the OCI default set (e.g. to mount inside).
    #[arg(long)]
    all_caps: bool,
    /// Keep contlab's init as PID 1, reaping orphans and forwarding signals, with the
    /// command as its child (like `docker run --init`). Without it the command itself
    /// is PID 1, as with runc.
    #[arg(long)]
    init: bool,
    /// Print each kernel operation to stderr: op, arguments, result, duration, and the
    /// equivalent shell command.
    #[arg(long)]
    trace: bool,
    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    cmd: Vec<String>,
}

fn print_event(e: &TraceEvent) {
    let shell = e
        .shell
        .as_deref()
        .map(|s| format!("  $ {s}"))
        .unwrap_or_default();
    eprintln!(
        "[trace] {:>6} {}({}) = {} ({} µs){shell}",
        e.pid, e.op, e.args, e.result, e.duration_us
    );
}

/// `lang`: the language of the sentences about limits that were hit.
pub fn run(a: Args, lang: crate::i18n::Lang) -> Result<ExitCode> {
    let mut ns = Namespaces::parse(&a.ns)?;
    if a.map_root {
        ns.insert(Namespace::User);
    }
    let limits = Limits {
        memory: a.memory.as_deref().map(cgroup::parse_memory).transpose()?,
        cpu: a.cpus.as_deref().map(cgroup::parse_cpus).transpose()?,
        pids: a.pids.as_deref().map(cgroup::parse_pids).transpose()?,
        devices: None,
        freezer: false,
        cpuset: None,
        ..Default::default()
    };
    let rootfs = match &a.rootfs {
        Some(m) => RootfsMode::parse(m)?,
        None => RootfsMode::default_for(ns),
    };
    let args: Vec<&str> = a.cmd.iter().map(String::as_str).collect();
    let mut spec = ContainerSpec::new(ns, &args);
    spec.rootfs = rootfs;
    spec.rootfs_dir = a.rootfs_dir.clone();
    spec.hostname = a.hostname.clone();
    spec.limits = limits;
    spec.user_map = a.map_root.then(IdMap::unprivileged_root);
    spec.init = a.init;
    if a.all_caps {
        spec.capabilities = crate::runtime::Capabilities::All;
    }

    let (tracer, printer) = if a.trace {
        let (t, rx) = Tracer::channel();
        let h = std::thread::spawn(move || {
            for e in rx {
                print_event(&e);
            }
        });
        (t, Some(h))
    } else {
        (Tracer::null(), None)
    };
    let result = (|| -> Result<(crate::runtime::ExitInfo, Option<u64>)> {
        let mut c = Container::start(spec, &tracer)?;
        let exit = c.wait()?;
        let refused = c.cgroup().and_then(|cg| cg.pids_refused());
        c.teardown();
        Ok((exit, refused))
    })();
    drop(tracer);
    if let Some(h) = printer {
        let _ = h.join();
    }
    let (exit, refused) = result?;
    if exit.oom_killed {
        let said = match a.memory.as_deref() {
            Some(limit) => crate::tr!(lang, "sandbox-oom-limit", limit = limit),
            None => crate::tr!(lang, "sandbox-oom"),
        };
        eprintln!("contlab: {said}");
    }
    if let (Some(n), Some(max)) = (refused.filter(|n| *n > 0), &a.pids) {
        let said = crate::tr!(lang, "sandbox-pids-hit", max = max.as_str(), refused = n);
        eprintln!("contlab: {said}");
    }
    Ok(ExitCode::from(exit.status().clamp(0, 255) as u8))
}
