use crate::i18n::Lang;
use std::process::ExitCode;

const JSON_KEYS: &str = "\
Exit status: 0 when live mode is available, 1 when it is not.

JSON (--json): one object; keys are stable, new ones may be added.
  live_mode          bool: every required check is ok
  checks             array, in the order printed; each:
    id               string: root, capabilities, cap_sys_resource, kernel,
                     ns_cgroup, ns_ipc, ns_mnt, ns_net, ns_pid, ns_time, ns_user,
                     ns_uts, cgroup, cgroup_memory, cgroup_cpu, cgroup_pids,
                     overlayfs, busybox, runc, crun, etcd, etcdctl,
                     net_iptables, net_nat, net_conntrack, net_nft,
                     terminal_size, color, utf8
    title            string: the name printed in the human report (in --lang)
    status           \"ok\" | \"fail\" | \"absent\" (optional thing missing, or n/a)
    required         bool: live mode needs this check to be ok
    detail           string: what was found (a sentence in --lang)
    fix              string | null: one line saying what to do (in --lang)
  kernel             string: the release, as `uname -r` prints it
  privileges         {uid, root, CapEff, CapBnd, missing}; CapEff and CapBnd are
                     {mask: 16 hex digits, names: [\"CAP_CHOWN\", …], unknown: [bit]};
                     missing lists needed capabilities absent from CapEff
  namespaces         {cgroup, ipc, mnt, net, pid, time, user, uts}: bool, whether
                     unshare(2) created one in a child process
  cgroup             {mode: \"v1\" | \"hybrid\" | \"v2\" | \"none\",
                      v1: [{controllers, mount, root}],
                      unified: {mount, root, controllers} | null,
                      controllers: {memory, cpu, pids: {usable: bool,
                        version: \"v1\" | \"v2\" | null, mount: string | null}}}
  tools              {busybox, runc, crun, etcd, etcdctl}: null when not on PATH,
                     else {path, version: first line | null, static: bool | null}
  terminal           {tty, columns, rows, term, no_color, color, locale, utf8}

Examples:
  sudo contlab doctor
  sudo contlab doctor --json | jq '.checks[] | select(.status == \"fail\")'";

#[derive(clap::Args, Debug)]
#[command(after_long_help = JSON_KEYS)]
pub struct Args {
    /// Print the report as JSON (see `contlab doctor --help` for the keys).
    #[arg(long)]
    json: bool,
    /// Language of the report: en or ko (default: ko when LC_ALL, LC_MESSAGES or LANG
    /// starts with ko).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
}

/// `top`: the lab's own `--lang` (`contlab --lang ko doctor`).
pub fn run(args: Args, top: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = crate::i18n::choose(args.lang.or(top));
    let report = crate::doctor::run(lang);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render(crate::doctor::Style::detect(), lang));
    }
    Ok(if report.live_mode {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
