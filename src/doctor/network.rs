//! What the networking track needs: the `iptables` tool with a working nat table (the
//! Services' kube-proxy rules), conntrack (the replies un-NATed, the Net panel's
//! entries) and, optional, `nft`. The nat table is probed in a network namespace a
//! throw-away child makes, so the host's own tables are only listed, never changed.

use super::Check;
use crate::i18n::Lang;
use crate::tr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The checks, in the order printed: `net_iptables`, `net_nat`, `net_conntrack`, `net_nft`.
pub fn check(root: bool, lang: Lang) -> Vec<Check> {
    let iptables = which::which("iptables").ok();
    let version = iptables
        .as_deref()
        .and_then(|p| first_line(p, &["--version"]));
    let nat = match (&iptables, root) {
        (Some(p), true) => Some(nat_table_in_new_netns(p)),
        _ => None,
    };
    let conntrack = Path::new("/proc/net/nf_conntrack").exists()
        || Path::new("/proc/sys/net/netfilter/nf_conntrack_max").exists();
    let nft = which::which("nft").ok();
    vec![
        iptables_check(iptables.as_deref(), version.as_deref(), lang),
        nat_check(iptables.is_some(), nat, lang),
        conntrack_check(conntrack, which::which("conntrack").is_ok(), lang),
        nft_check(nft.as_deref(), lang),
    ]
}

/// The first line `path ARGS` prints, if it runs.
fn first_line(path: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .next()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
}

/// Lists the nat table of a new, empty network namespace: Ok, or what iptables said.
fn nat_table_in_new_netns(iptables: &Path) -> Result<(), String> {
    let mut cmd = Command::new(iptables);
    cmd.args(["-t", "nat", "-S"]).stdin(Stdio::null());
    // SAFETY: unshare is a plain system call, async-signal-safe; only the child leaves
    // the host's network namespace.
    unsafe {
        cmd.pre_exec(|| {
            if libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    match cmd.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn iptables_check(path: Option<&Path>, version: Option<&str>, lang: Lang) -> Check {
    let c = Check::new("net_iptables", "iptables", false);
    match path {
        Some(p) => c.ok(match version {
            Some(v) => format!("{} ({v})", p.display()),
            None => p.display().to_string(),
        }),
        None => c
            .absent(tr!(lang, "doctor-iptables-missing"))
            .with_fix("apt install iptables"),
    }
}

fn nat_check(tool: bool, nat: Option<Result<(), String>>, lang: Lang) -> Check {
    let c = Check::new("net_nat", tr!(lang, "doctor-title-nat"), false);
    match nat {
        Some(Ok(())) => c.ok(tr!(lang, "doctor-nat-ok")),
        Some(Err(said)) => c.fail(
            tr!(lang, "doctor-nat-failed", error = said),
            tr!(lang, "doctor-fix-nat"),
        ),
        None if tool => c.absent(tr!(lang, "doctor-nat-not-root")),
        None => c.absent(tr!(lang, "doctor-nat-no-iptables")),
    }
}

fn conntrack_check(kernel: bool, tool: bool, lang: Lang) -> Check {
    let c = Check::new("net_conntrack", "conntrack", false);
    match (kernel, tool) {
        (true, true) => c.ok(tr!(lang, "doctor-conntrack-ok-tool")),
        (true, false) => c.ok(tr!(lang, "doctor-conntrack-ok")),
        (false, _) => c
            .absent(tr!(lang, "doctor-conntrack-missing"))
            .with_fix("modprobe nf_conntrack"),
    }
}

fn nft_check(path: Option<&Path>, lang: Lang) -> Check {
    let c = Check::new("net_nft", "nft", false);
    match path {
        Some(p) => c.ok(p.display().to_string()),
        None => c
            .absent(tr!(lang, "doctor-nft-missing"))
            .with_fix("apt install nftables"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;

    #[test]
    fn a_missing_tool_says_what_to_install() {
        let c = iptables_check(None, None, Lang::En);
        assert_eq!(c.status, CheckStatus::Absent);
        assert_eq!(c.fix.as_deref(), Some("apt install iptables"));
        let c = nat_check(false, None, Lang::En);
        assert!(c.detail.contains("iptables"), "{}", c.detail);
        let c = nat_check(
            true,
            Some(Err("can't initialize iptables table `nat'".into())),
            Lang::En,
        );
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.fix.unwrap().contains("iptable_nat"));
        let c = conntrack_check(false, false, Lang::En);
        assert_eq!(c.fix.as_deref(), Some("modprobe nf_conntrack"));
        assert_eq!(
            nft_check(None, Lang::En).fix.as_deref(),
            Some("apt install nftables")
        );
    }
}
