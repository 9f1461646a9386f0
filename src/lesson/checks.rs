//! Checks on observed state. Each check reads what the kernel shows (through a [`World`])
//! and says in one sentence what it saw and what it expected.

use super::event::CheckResult;
use super::format::{Check, Relation};
use anyhow::Result;

/// How a process (or the last command) ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ended {
    pub code: Option<i32>,
    /// The signal's name without `SIG` (`KILL`).
    pub signal: Option<String>,
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.signal, self.code) {
            (Some(s), _) => write!(f, "was killed by SIG{s}"),
            (None, Some(c)) => write!(f, "exited with status {c}"),
            (None, None) => f.write_str("is still running"),
        }
    }
}

/// What a check can observe. The engine implements it on the live kernel; tests and
/// replays implement it on recorded data.
pub trait World {
    /// The inode of `/proc/PID/ns/<ns>` for the container's main process, and the host's.
    fn ns_inode(&self, container: &str, ns: &str) -> Result<u64>;
    fn host_ns_inode(&self, ns: &str) -> Result<u64>;
    /// The processes visible inside the container (its `/proc`), as (pid, command).
    fn processes(&self, container: &str) -> Result<Vec<(i32, String)>>;
    /// The main process's pid inside its pid namespace.
    fn pid_inside(&self, container: &str) -> Result<i32>;
    fn hostname(&self, container: &str) -> Result<String>;
    fn host_hostname(&self) -> Result<String>;
    /// (uid inside, uid on the host) of the main process.
    fn uid(&self, container: &str) -> Result<(u32, u32)>;
    /// The file system type mounted at `path` inside the container, if any.
    fn mount_inside(&self, container: &str, path: &str) -> Result<Option<String>>;
    /// Whether the host's mount table has a mount of `fstype` at `path`.
    fn mount_on_host(&self, path: &str, fstype: &str) -> Result<bool>;
    /// A cgroup file of the container (translated to this machine's version): the file
    /// name actually read, and its value.
    fn cgroup_value(&self, container: &str, file: &str) -> Result<(String, String)>;
    fn cgroup_member(&self, container: &str) -> Result<bool>;
    fn oom_kills(&self, container: &str) -> Result<u64>;
    fn file_exists(&self, container: &str, path: &str) -> Result<bool>;
    fn last_ended(&self) -> Option<Ended>;
    fn last_output(&self) -> Option<String>;
    fn last_escape(&self) -> Option<bool>;
    /// The student's answer to the current quiz, and the right one.
    fn quiz(&self) -> Option<(Option<String>, String)>;
    /// The RBAC track's loaded policy, if a step loaded one.
    fn rbac(&self) -> Option<&super::rbac_step::RbacState> {
        None
    }
    /// An `expect` line of the Raft script language on the lesson's simulated cluster:
    /// whether it holds, and what was seen.
    fn raft_expect(&self, expect: &str) -> Result<(bool, String)> {
        anyhow::bail!("cannot check `expect {expect}`: this lesson has no Raft cluster")
    }
    /// The lesson's etcd cluster: the leader its live members agree on, and how many run.
    fn etcd_state(&self) -> Result<(Option<usize>, usize)> {
        anyhow::bail!("this lesson has no etcd cluster (start it first)")
    }
}

fn proc_ns_name(ns: &str) -> &str {
    match ns {
        "mount" => "mnt",
        other => other,
    }
}

fn result(check: &Check, pass: bool, sentence: String) -> CheckResult {
    CheckResult {
        check: check.kind().to_string(),
        pass,
        sentence,
    }
}

/// Whether `container`'s `name` namespace (inode `mine`) is the same as another's
/// (`other`, like "the host's", inode `theirs`), against `want_same`; and the sentence.
fn compare_ns(
    name: &str,
    container: &str,
    mine: u64,
    other: &str,
    theirs: u64,
    want_same: bool,
) -> (bool, String) {
    let same = mine == theirs;
    let pass = same == want_same;
    let sentence = match (same, pass) {
        (true, true) => format!("{name} namespace: {container} shares {other} ({name}:[{mine}])"),
        (false, true) => format!(
            "{name} namespace: {container} has its own ({name}:[{mine}]; {other} is {name}:[{theirs}])"
        ),
        (true, false) => format!(
            "expected {container}'s {name} namespace to differ from {other}, but both are {name}:[{mine}]"
        ),
        (false, false) => format!(
            "expected {container} to share {other} {name} namespace ({name}:[{theirs}]), but it has {name}:[{mine}]"
        ),
    };
    (pass, sentence)
}

/// Evaluates one check. An observation that fails (the container is gone, a file is
/// missing) fails the check with that reason.
pub fn evaluate(check: &Check, w: &dyn World) -> CheckResult {
    match evaluate_inner(check, w) {
        Ok(r) => r,
        Err(e) => result(check, false, format!("could not observe: {e:#}")),
    }
}

fn evaluate_inner(check: &Check, w: &dyn World) -> Result<CheckResult> {
    Ok(match check {
        Check::Rbac { .. } | Check::RbacCreate { .. } => {
            super::rbac_step::evaluate(check, w.rbac())
        }
        Check::Ns {
            container,
            ns,
            host,
        } => {
            let name = proc_ns_name(ns);
            let inside = w.ns_inode(container, name)?;
            let outside = w.host_ns_inode(name)?;
            let (pass, sentence) = compare_ns(
                name,
                container,
                inside,
                "the host's",
                outside,
                *host == Relation::Same,
            );
            result(check, pass, sentence)
        }
        Check::NsShared {
            container,
            with,
            ns,
            shared,
        } => {
            let name = proc_ns_name(ns);
            let mine = w.ns_inode(container, name)?;
            let theirs = w.ns_inode(with, name)?;
            let (pass, sentence) =
                compare_ns(name, container, mine, &format!("{with}'s"), theirs, *shared);
            result(check, pass, sentence)
        }
        Check::Processes {
            container,
            count,
            max,
            pid1,
        } => {
            let procs = w.processes(container)?;
            let n = procs.len() as u32;
            let first = procs.iter().find(|(p, _)| *p == 1).map(|(_, c)| c.clone());
            let mut problems = Vec::new();
            if let Some(c) = count
                && n != *c
            {
                problems.push(format!(
                    "expected {c} processes visible inside {container}, saw {n}"
                ));
            }
            if let Some(m) = max
                && n > *m
            {
                problems.push(format!(
                    "expected at most {m} processes visible inside {container}, saw {n}"
                ));
            }
            if let Some(want) = pid1 {
                match &first {
                    Some(c) if c == want => {}
                    Some(c) => problems.push(format!(
                        "expected pid 1 inside {container} to be {want}, it is {c}"
                    )),
                    None => problems.push(format!(
                        "expected pid 1 inside {container} to be {want}, but no pid 1 is visible"
                    )),
                }
            }
            if problems.is_empty() {
                let p1 = first.map(|c| format!("; pid 1 is {c}")).unwrap_or_default();
                result(
                    check,
                    true,
                    format!("{n} processes visible inside {container}{p1}"),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Pid { container, inside } => {
            let p = w.pid_inside(container)?;
            if p == *inside {
                result(
                    check,
                    true,
                    format!("{container}'s main process is pid {p} inside its pid namespace"),
                )
            } else {
                result(
                    check,
                    false,
                    format!(
                        "expected {container}'s main process to be pid {inside} inside, it is pid {p}"
                    ),
                )
            }
        }
        Check::Hostname {
            container,
            equals,
            host,
        } => {
            let inside = w.hostname(container)?;
            let mut problems = Vec::new();
            if let Some(want) = equals
                && &inside != want
            {
                problems.push(format!(
                    "expected the hostname inside {container} to be {want:?}, it is {inside:?}"
                ));
            }
            if let Some(rel) = host {
                let h = w.host_hostname()?;
                let same = h == inside;
                if same != (*rel == Relation::Same) {
                    problems.push(if same {
                        format!("expected {container}'s hostname to differ from the host's, but both are {h:?}")
                    } else {
                        format!("expected {container}'s hostname to be the host's {h:?}, it is {inside:?}")
                    });
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    format!("the hostname inside {container} is {inside:?}"),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Uid {
            container,
            inside,
            outside,
        } => {
            let (i, o) = w.uid(container)?;
            let mut problems = Vec::new();
            if i != *inside {
                problems.push(format!(
                    "expected uid {inside} inside {container}, saw uid {i}"
                ));
            }
            if let Some(rel) = outside {
                let same = i == o;
                if same != (*rel == Relation::Same) {
                    problems.push(if same {
                        format!("expected uid {i} inside to be another uid on the host, but it is uid {o} there too")
                    } else {
                        format!("expected the same uid inside and on the host, saw {i} inside and {o} outside")
                    });
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    format!("uid {i} inside {container} is uid {o} on the host"),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Mount {
            container,
            path,
            on_host,
        } => {
            let Some(fstype) = w.mount_inside(container, path)? else {
                return Ok(result(
                    check,
                    false,
                    format!("nothing is mounted at {path} inside {container}"),
                ));
            };
            let seen = w.mount_on_host(path, &fstype)?;
            let pass = seen == *on_host;
            let sentence = match (seen, pass) {
                (false, true) => {
                    format!("{fstype} at {path} inside {container} does not show on the host")
                }
                (true, true) => {
                    format!("{fstype} at {path} inside {container} shows on the host too")
                }
                (true, false) => format!(
                    "expected {fstype} at {path} to stay inside {container}, but the host sees it"
                ),
                (false, false) => {
                    format!("expected {fstype} at {path} to show on the host, but it does not")
                }
            };
            result(check, pass, sentence)
        }
        Check::Cgroup {
            container,
            file,
            equals,
            at_least,
        } => {
            let (name, value) = w.cgroup_value(container, file)?;
            let value = value.trim().to_string();
            let mut problems = Vec::new();
            if let Some(want) = equals
                && value != want.trim()
            {
                problems.push(format!("expected {name} to be {want:?}, it is {value:?}"));
            }
            if let Some(min) = at_least {
                match value.parse::<u64>() {
                    Ok(v) if v >= *min => {}
                    Ok(v) => {
                        problems.push(format!("expected {name} to be at least {min}, it is {v}"))
                    }
                    Err(_) => problems.push(format!(
                        "expected {name} to be a number of at least {min}, it is {value:?}"
                    )),
                }
            }
            if problems.is_empty() {
                result(check, true, format!("{name} is {value}"))
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::CgroupMember { container } => {
            if w.cgroup_member(container)? {
                result(
                    check,
                    true,
                    format!("{container}'s main process is in its own cgroup"),
                )
            } else {
                result(
                    check,
                    false,
                    format!("expected {container}'s main process in its cgroup, but it is not"),
                )
            }
        }
        Check::Oom { container, killed } => {
            let n = w.oom_kills(container)?;
            let pass = (n > 0) == *killed;
            let sentence = match (n > 0, pass) {
                (true, true) => {
                    format!("the OOM killer killed {n} process(es) in {container}'s cgroup")
                }
                (false, true) => format!("no OOM kill in {container}'s cgroup"),
                (false, false) => format!(
                    "expected the OOM killer to kill a process in {container}, but the oom_kill count is 0"
                ),
                (true, false) => {
                    format!("expected no OOM kill in {container}, but the oom_kill count is {n}")
                }
            };
            result(check, pass, sentence)
        }
        Check::Exit { code, signal } => {
            let Some(ended) = w.last_ended() else {
                return Ok(result(check, false, "no command has ended yet".into()));
            };
            let mut problems = Vec::new();
            if let Some(c) = code
                && (ended.code != Some(*c) || ended.signal.is_some())
            {
                problems.push(format!("expected exit status {c}, but the command {ended}"));
            }
            if let Some(s) = signal {
                let want = s.trim_start_matches("SIG");
                if ended.signal.as_deref() != Some(want) {
                    problems.push(format!(
                        "expected the command to be killed by SIG{want}, but it {ended}"
                    ));
                }
            }
            if problems.is_empty() {
                result(check, true, format!("the command {ended}"))
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Output { matches, negate } => {
            let out = w.last_output().unwrap_or_default();
            let re = regex::Regex::new(matches)?;
            let found = re.is_match(&out);
            let pass = found != *negate;
            let shown = abbreviate(&out);
            let sentence = match (found, pass) {
                (true, true) => format!("the output matches /{matches}/"),
                (false, true) => format!("the output does not match /{matches}/"),
                (false, false) => format!("expected the output to match /{matches}/, got {shown}"),
                (true, false) => {
                    format!("expected the output not to match /{matches}/, got {shown}")
                }
            };
            result(check, pass, sentence)
        }
        Check::File {
            container,
            path,
            exists,
        } => {
            let e = w.file_exists(container, path)?;
            let pass = e == *exists;
            let sentence = match (e, pass) {
                (true, true) => format!("{path} exists inside {container}"),
                (false, true) => format!("{path} does not exist inside {container}"),
                (false, false) => {
                    format!("expected {path} inside {container}, but it does not exist")
                }
                (true, false) => format!("expected no {path} inside {container}, but it exists"),
            };
            result(check, pass, sentence)
        }
        Check::Escape { escaped } => {
            let Some(e) = w.last_escape() else {
                return Ok(result(
                    check,
                    false,
                    "no breakout has been tried yet".into(),
                ));
            };
            let pass = e == *escaped;
            let sentence = match (e, pass) {
                (true, true) => "the breakout reached the host's root directory".to_string(),
                (false, true) => "the breakout stayed inside the container's root".to_string(),
                (false, false) => {
                    "expected the breakout to reach the host's root, but it stayed inside"
                        .to_string()
                }
                (true, false) => {
                    "expected the breakout to fail, but it reached the host's root directory"
                        .to_string()
                }
            };
            result(check, pass, sentence)
        }
        Check::Raft { expect } => {
            let (pass, detail) = w.raft_expect(expect)?;
            let sentence = if pass {
                format!("expect {expect}: {detail}")
            } else {
                format!("expected {expect}, but {detail}")
            };
            result(check, pass, sentence)
        }
        Check::Etcd { leader, members_up } => {
            let (l, up) = w.etcd_state()?;
            let mut problems = Vec::new();
            if let Some(want) = leader
                && l.is_some() != *want
            {
                problems.push(match l {
                    Some(l) => format!("expected no agreed etcd leader, but member {l} leads"),
                    None => "expected the etcd members to agree on a leader, but they do not"
                        .to_string(),
                });
            }
            if let Some(n) = members_up
                && up != *n
            {
                problems.push(format!("expected {n} etcd members running, saw {up}"));
            }
            let seen = match l {
                Some(l) => format!("{up} etcd members run; member {l} leads"),
                None => format!("{up} etcd members run; no agreed leader"),
            };
            if problems.is_empty() {
                result(check, true, seen)
            } else {
                result(check, false, format!("{} ({seen})", problems.join("; ")))
            }
        }
        Check::Answer => match w.quiz() {
            None => result(check, false, "this step has no question".into()),
            Some((None, _)) => result(check, false, "no answer chosen yet".into()),
            Some((Some(a), right)) if a == right => {
                result(check, true, format!("\"{a}\" is right"))
            }
            Some((Some(a), _)) => result(check, false, format!("\"{a}\" is not the right answer")),
        },
    })
}

fn abbreviate(s: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        return "no output".into();
    }
    let first: String = t.chars().take(120).collect();
    if first.len() < t.len() {
        format!("{first:?}…")
    } else {
        format!("{first:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::bail;

    #[derive(Default)]
    struct Fake {
        pid_ns: u64,
        out: Option<String>,
        ended: Option<Ended>,
    }

    impl World for Fake {
        fn ns_inode(&self, _: &str, ns: &str) -> Result<u64> {
            if ns == "pid" { Ok(self.pid_ns) } else { Ok(1) }
        }
        fn host_ns_inode(&self, _: &str) -> Result<u64> {
            Ok(1)
        }
        fn processes(&self, _: &str) -> Result<Vec<(i32, String)>> {
            Ok(vec![(1, "sh".into()), (7, "ps".into())])
        }
        fn pid_inside(&self, _: &str) -> Result<i32> {
            Ok(1)
        }
        fn hostname(&self, _: &str) -> Result<String> {
            Ok("lab".into())
        }
        fn host_hostname(&self) -> Result<String> {
            Ok("vm".into())
        }
        fn uid(&self, _: &str) -> Result<(u32, u32)> {
            Ok((0, 100000))
        }
        fn mount_inside(&self, _: &str, p: &str) -> Result<Option<String>> {
            Ok((p == "/mnt").then(|| "tmpfs".into()))
        }
        fn mount_on_host(&self, _: &str, _: &str) -> Result<bool> {
            Ok(false)
        }
        fn cgroup_value(&self, _: &str, f: &str) -> Result<(String, String)> {
            match f {
                "memory.max" => Ok(("memory.limit_in_bytes".into(), "33554432\n".into())),
                _ => bail!("no such cgroup file {f}"),
            }
        }
        fn cgroup_member(&self, _: &str) -> Result<bool> {
            Ok(true)
        }
        fn oom_kills(&self, _: &str) -> Result<u64> {
            Ok(1)
        }
        fn file_exists(&self, _: &str, _: &str) -> Result<bool> {
            Ok(true)
        }
        fn last_ended(&self) -> Option<Ended> {
            self.ended.clone()
        }
        fn last_output(&self) -> Option<String> {
            self.out.clone()
        }
        fn last_escape(&self) -> Option<bool> {
            Some(false)
        }
        fn quiz(&self) -> Option<(Option<String>, String)> {
            Some((Some("b".into()), "b".into()))
        }
    }

    fn ns(host: Relation) -> Check {
        Check::Ns {
            container: "main".into(),
            ns: "pid".into(),
            host,
        }
    }

    #[test]
    fn ns_check_both_ways_with_sentences() {
        let w = Fake {
            pid_ns: 4026532451,
            ..Default::default()
        };
        let r = evaluate(&ns(Relation::Differs), &w);
        assert!(r.pass, "{}", r.sentence);
        assert!(r.sentence.contains("pid:[4026532451]"));
        let r = evaluate(&ns(Relation::Same), &w);
        assert!(!r.pass);
        assert!(
            r.sentence.starts_with("expected main to share"),
            "{}",
            r.sentence
        );
        let same = Fake {
            pid_ns: 1,
            ..Default::default()
        };
        let r = evaluate(&ns(Relation::Differs), &same);
        assert!(
            !r.pass && r.sentence.contains("but both are pid:[1]"),
            "{}",
            r.sentence
        );
    }

    #[test]
    fn cgroup_uses_the_real_file_name() {
        let c = Check::Cgroup {
            container: "main".into(),
            file: "memory.max".into(),
            equals: Some("33554432".into()),
            at_least: None,
        };
        let r = evaluate(&c, &Fake::default());
        assert!(r.pass);
        assert_eq!(r.sentence, "memory.limit_in_bytes is 33554432");
        let bad = Check::Cgroup {
            container: "main".into(),
            file: "nope".into(),
            equals: None,
            at_least: Some(1),
        };
        let r = evaluate(&bad, &Fake::default());
        assert!(
            !r.pass && r.sentence.contains("no such cgroup file"),
            "{}",
            r.sentence
        );
    }

    #[test]
    fn exit_and_output() {
        let w = Fake {
            ended: Some(Ended {
                code: None,
                signal: Some("KILL".into()),
            }),
            out: Some("dd: can't fork".into()),
            ..Default::default()
        };
        assert!(
            evaluate(
                &Check::Exit {
                    code: None,
                    signal: Some("SIGKILL".into())
                },
                &w
            )
            .pass
        );
        let r = evaluate(
            &Check::Exit {
                code: Some(0),
                signal: None,
            },
            &w,
        );
        assert_eq!(
            r.sentence,
            "expected exit status 0, but the command was killed by SIGKILL"
        );
        assert!(
            evaluate(
                &Check::Output {
                    matches: "fork".into(),
                    negate: false
                },
                &w
            )
            .pass
        );
        let r = evaluate(
            &Check::Output {
                matches: "^ok$".into(),
                negate: false,
            },
            &w,
        );
        assert!(!r.pass && r.sentence.contains("dd: can't fork"));
    }

    #[test]
    fn processes_and_pid1() {
        let c = Check::Processes {
            container: "main".into(),
            count: None,
            max: Some(1),
            pid1: Some("init".into()),
        };
        let r = evaluate(&c, &Fake::default());
        assert!(!r.pass);
        assert!(
            r.sentence.contains("at most 1") && r.sentence.contains("it is sh"),
            "{}",
            r.sentence
        );
    }
}
