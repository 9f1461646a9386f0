//! Checks on observed state. Each check reads what the kernel shows (through a [`World`])
//! and says in one sentence what it saw and what it expected.

use super::event::CheckResult;
use super::format::{Check, Family};
use crate::i18n::Lang;
use crate::tr;
use anyhow::Result;

/// How a process (or the last command) ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ended {
    pub code: Option<i32>,
    /// The signal's name without `SIG` (`KILL`).
    pub signal: Option<String>,
}

impl Ended {
    /// How a process ended, from its exit status or its signal's number.
    pub fn of(code: Option<i32>, signal: Option<i32>) -> Ended {
        Ended {
            code,
            signal: signal.map(signal_name),
        }
    }
}

/// A signal's name without `SIG` (`KILL`), or its number when it has none.
fn signal_name(sig: i32) -> String {
    nix::sys::signal::Signal::try_from(sig)
        .map(|s| s.as_str().trim_start_matches("SIG").to_string())
        .unwrap_or_else(|_| sig.to_string())
}

impl Ended {
    /// How the process ended, as the end of a sentence in `lang` ("was killed by SIGKILL").
    pub fn sentence(&self, lang: Lang) -> String {
        self.said().in_lang(lang)
    }

    /// The same as a catalog sentence, for an error's chain.
    pub fn said(&self) -> crate::i18n::Said {
        match (&self.signal, self.code) {
            (Some(s), _) => crate::said!("ended-killed", signal = s),
            (None, Some(c)) => crate::said!("ended-exited", code = c),
            (None, None) => crate::said!("ended-running"),
        }
    }
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.said().fmt(f)
    }
}

/// What a check can observe: plain data, so that the engine implements it on the live
/// kernel and a replay or a test implements it on recorded data (see the tests below,
/// which check a recorded run again from its panel snapshots).
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
    /// A link of the container's network namespace (`None`: no such link).
    fn link(&self, container: &str, link: &str) -> Result<Option<super::container_step::LinkSeen>> {
        crate::bail_said!("error-unobserved-link", link = link, container = container)
    }
    /// The processes named `comm` that the container's `/proc` shows.
    fn process(
        &self,
        container: &str,
        comm: &str,
    ) -> Result<Vec<super::container_step::ProcessSeen>> {
        crate::bail_said!(
            "error-unobserved-process",
            comm = comm,
            container = container
        )
    }
    /// The permissions (octal) of the System V message queues in the IPC namespace of
    /// `container`, or of the host when `None`.
    fn sysv_queues(&self, container: Option<&str>) -> Result<Vec<String>> {
        crate::bail_said!(
            "error-unobserved-queues",
            container = container.unwrap_or("host")
        )
    }
    /// A cgroup made by hand in the lesson's lab cgroup (`None`: it does not exist).
    fn hand_cgroup(&self, name: &str) -> Result<Option<super::container_step::HandCgroupSeen>> {
        crate::bail_said!("error-unobserved-cgroup", name = name)
    }
    /// The RBAC track's policy, read from the work files as they are now.
    fn rbac_policy(&self) -> Result<crate::rbac::Policy> {
        crate::bail_said!("error-rbac-not-loaded")
    }
    /// One RBAC object of the work files (for `rbac-create`).
    fn rbac_object(&self, file: &str) -> Result<crate::rbac::RbacObject> {
        crate::bail_said!("error-rbac-not-loaded-file", file = file)
    }
    /// An `expect` line of the Raft script language on the lesson's simulated cluster:
    /// whether it holds, and what was seen.
    fn raft_expect(&self, expect: &str) -> Result<(bool, String)> {
        crate::bail_said!("error-no-raft-cluster", expect = expect)
    }
    /// The lesson's etcd cluster: the leader its live members agree on, and how many run.
    fn etcd_state(&self) -> Result<(Option<usize>, usize)> {
        crate::bail_said!("error-no-etcd-cluster")
    }
    /// A real request from pod `from` to pod `to`: `to`'s address and the body answered.
    fn net_reach(&self, from: &str, to: &str) -> Result<(std::net::Ipv4Addr, Option<String>)> {
        crate::bail_said!("error-no-node-request", from = from, to = to)
    }
    /// A link of the node's namespace (`None`: no such link).
    fn net_link(&self, link: &str) -> Result<Option<super::net_step::LinkState>> {
        crate::bail_said!("error-no-node-link", link = link)
    }
    /// `n` requests from pod `from` to a Service (its ClusterIP, or with `node_port` the
    /// node's address at its node port): the endpoints' names, and how many answers each
    /// name gave (a missing answer counts under "").
    fn net_spread(
        &self,
        from: &str,
        service: &str,
        n: u32,
        _node_port: bool,
    ) -> Result<super::net_step::Spread> {
        crate::bail_said!(
            "error-no-node-requests",
            n = n,
            from = from,
            service = service
        )
    }
    /// The node's nat table, as `iptables -t nat -S` lists it.
    fn net_rules(&self) -> Result<Vec<String>> {
        crate::bail_said!("error-no-node-rules")
    }
    /// The real HTTP requests `ask` names, after the Ingress proxy read its file if it
    /// changed.
    fn net_http(&self, ask: &super::net_step::HttpAsk) -> Result<super::net_step::HttpSeen> {
        crate::bail_said!("error-no-node-request", from = ask.from, to = ask.to)
    }
    /// The status of container `id` under the lesson's runtime root, as `runtime state`
    /// reports it (`None`: the runtime knows no such container).
    fn oci_status(&self, id: &str) -> Result<Option<String>> {
        crate::bail_said!("error-no-oci-bundle-state", id = id)
    }
    /// The bundle's `config.json`, as it is now.
    fn oci_config(&self) -> Result<serde_json::Value> {
        crate::bail_said!("error-no-oci-bundle")
    }
    /// The lesson's podman container `name`, if podman knows it.
    fn podman(&self, name: &str) -> Result<Option<super::oci_step::PodmanSeen>> {
        let _ = name;
        crate::bail_said!("error-no-oci-bundle")
    }
    /// A question to the node's cluster DNS server, asked from inside the node.
    fn dns_query(&self, name: &str, qtype: &str) -> Result<crate::runtime::dns::Answer> {
        crate::bail_said!("error-no-cluster-dns-query", name = name, qtype = qtype)
    }
    /// The node's cluster DNS server's log, oldest first.
    fn dns_log(&self) -> Result<Vec<crate::runtime::dns::DnsQuery>> {
        crate::bail_said!("error-no-cluster-dns-log")
    }
    /// A key of the lesson's etcd (`None`: there is none).
    fn etcd_kv(&self, key: &str) -> Result<Option<super::api_step::KvSeen>> {
        crate::bail_said!("error-no-apiserver-key", key = key)
    }
    /// Whether etcd refuses a read of `key` at `rev` as compacted.
    fn etcd_compacted(&self, key: &str, rev: i64) -> Result<bool> {
        let _ = rev;
        crate::bail_said!("error-no-apiserver-key", key = key)
    }
    /// The live API server's `kubectl auth can-i` answer.
    fn api_can_i(&self, ask: &super::format::RbacAsk) -> Result<bool> {
        let _ = ask;
        crate::bail_said!("error-no-apiserver")
    }
    /// The API server's audit log, oldest line first.
    fn audit_log(&self) -> Result<Vec<String>> {
        crate::bail_said!("error-no-apiserver")
    }
}

/// A check's result with its sentence.
pub(super) fn result(check: &Check, pass: bool, sentence: String) -> CheckResult {
    CheckResult {
        check: check.kind().to_string(),
        pass,
        sentence,
    }
}

/// Evaluates one check, its sentence in `lang`. An observation that fails (the container
/// is gone, a file is missing) fails the check with that reason.
pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> CheckResult {
    match evaluate_inner(check, w, lang) {
        Ok(r) => r,
        Err(e) => result(
            check,
            false,
            tr!(
                lang,
                "check-could-not-observe",
                error = crate::i18n::render(lang, &e)
            ),
        ),
    }
}

fn evaluate_inner(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    match check.family() {
        Family::Container => super::container_step::evaluate(check, w, lang),
        Family::Rbac => super::rbac_step::evaluate(check, w, lang),
        Family::Raft => super::raft_step::evaluate(check, w, lang),
        Family::Net => super::net_step::evaluate(check, w, lang),
        Family::Oci => super::oci_step::evaluate(check, w, lang),
        Family::Api => super::api_step::evaluate(check, w, lang),
        Family::Common => common(check, w, lang),
    }
}

/// The checks of the last command, whatever the track ran it, and of a quiz.
fn common(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    Ok(match check {
        Check::Exit { code, signal } => {
            let Some(ended) = w.last_ended() else {
                return Ok(result(check, false, tr!(lang, "check-exit-none")));
            };
            let mut problems = Vec::new();
            if let Some(c) = code
                && (ended.code != Some(*c) || ended.signal.is_some())
            {
                problems.push(tr!(
                    lang,
                    "check-exit-want-code",
                    code = c.to_string(),
                    ended = ended.sentence(lang)
                ));
            }
            if let Some(s) = signal {
                let want = s.trim_start_matches("SIG");
                if ended.signal.as_deref() != Some(want) {
                    problems.push(tr!(
                        lang,
                        "check-exit-want-signal",
                        signal = want,
                        ended = ended.sentence(lang)
                    ));
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    tr!(lang, "check-exit-ok", ended = ended.sentence(lang)),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Output { matches, negate } => {
            let out = w.last_output().unwrap_or_default();
            let re = regex::Regex::new(matches)?;
            let found = re.is_match(&out);
            let pass = found != *negate;
            let shown = abbreviate(&out, lang);
            let pattern = matches.as_str();
            let sentence = match (found, pass) {
                (true, true) => tr!(lang, "check-output-matches", pattern = pattern),
                (false, true) => tr!(lang, "check-output-not-matches", pattern = pattern),
                (false, false) => tr!(
                    lang,
                    "check-output-want-match",
                    pattern = pattern,
                    shown = shown
                ),
                (true, false) => tr!(
                    lang,
                    "check-output-want-no-match",
                    pattern = pattern,
                    shown = shown
                ),
            };
            result(check, pass, sentence)
        }
        Check::Answer => match w.quiz() {
            None => result(check, false, tr!(lang, "check-answer-no-question")),
            Some((None, _)) => result(check, false, tr!(lang, "check-answer-none")),
            Some((Some(a), right)) if a == right => {
                result(check, true, tr!(lang, "check-answer-right", answer = a))
            }
            Some((Some(a), _)) => result(check, false, tr!(lang, "check-answer-wrong", answer = a)),
        },
        other => anyhow::bail!("`{}` is not a check of the last command", other.kind()),
    })
}

fn abbreviate(s: &str, lang: Lang) -> String {
    let t = s.trim();
    if t.is_empty() {
        return tr!(lang, "check-output-none");
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
    use crate::lesson::format::Relation;
    use anyhow::{Context, bail};

    /// The English sentences, which these tests read.
    fn evaluate(check: &Check, w: &dyn World) -> CheckResult {
        super::evaluate(check, w, Lang::En)
    }

    #[derive(Default)]
    struct Fake {
        pid_ns: u64,
        out: Option<String>,
        ended: Option<Ended>,
        /// The answers to a Service `web` whose endpoints are web-a and web-b, by body.
        answers: Vec<(&'static str, u32)>,
        /// The OCI containers under the lesson's root, with their status.
        oci: Vec<(&'static str, &'static str)>,
        config: Option<serde_json::Value>,
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
        fn net_spread(
            &self,
            _: &str,
            _: &str,
            _: u32,
            _: bool,
        ) -> Result<crate::lesson::net_step::Spread> {
            let counts = self
                .answers
                .iter()
                .map(|(b, n)| (b.to_string(), *n))
                .collect();
            Ok((vec!["web-a".into(), "web-b".into()], counts))
        }
        fn net_http(
            &self,
            _: &crate::lesson::net_step::HttpAsk,
        ) -> Result<crate::lesson::net_step::HttpSeen> {
            // The same answers; a refusal of the Ingress file when `pid_ns` is 1.
            Ok(crate::lesson::net_step::HttpSeen {
                counts: self
                    .answers
                    .iter()
                    .map(|(b, n)| (b.to_string(), *n))
                    .collect(),
                refused: (self.pid_ns == 1).then(|| {
                    std::sync::Arc::new(anyhow::Error::new(crate::said!(
                        "ingress-error-path",
                        at = "ingress.yaml:16",
                        path = "api"
                    )))
                }),
            })
        }
        fn oci_status(&self, id: &str) -> Result<Option<String>> {
            let found = self.oci.iter().find(|(i, _)| *i == id);
            Ok(found.map(|(_, s)| s.to_string()))
        }
        fn oci_config(&self) -> Result<serde_json::Value> {
            self.config.clone().context("no config.json")
        }
    }

    /// The check fails, and its sentence says `text`.
    fn fails_saying(check: &Check, w: &Fake, text: &str) {
        let r = evaluate(check, w);
        assert!(!r.pass && r.sentence.contains(text), "{}", r.sentence);
    }

    fn spread(endpoints: Option<&[&str]>) -> Check {
        Check::NetSpread {
            from: "client".into(),
            service: "web".into(),
            requests: 40,
            endpoints: endpoints.map(|e| e.iter().map(|s| s.to_string()).collect()),
            node_port: false,
            exact: false,
        }
    }

    #[test]
    fn a_spread_over_fewer_endpoints_fails_on_any_answer_of_another_pod() {
        let answers = |a: Vec<(&'static str, u32)>| Fake {
            answers: a,
            ..Default::default()
        };
        let both = answers(vec![("web-a", 19), ("web-b", 21)]);
        let only_a = answers(vec![("web-a", 40)]);
        let half = answers(vec![("web-a", 20), ("", 20)]);
        assert!(evaluate(&spread(None), &both).pass);
        assert!(!evaluate(&spread(None), &only_a).pass);
        let a = Some(&["web-a"][..]);
        fails_saying(&spread(a), &both, "web-b 21");
        assert!(evaluate(&spread(a), &only_a).pass);
        // web-b's rule gone but web-a's probability left: half the requests get no pod.
        fails_saying(&spread(a), &half, "20 unanswered");
        // A round robin's shares are exact: a fair random 19/21 is not one.
        let mut rr = spread(None);
        if let Check::NetSpread { exact, .. } = &mut rr {
            *exact = true;
        }
        fails_saying(&rr, &both, "exactly 20");
        assert!(evaluate(&rr, &answers(vec![("web-a", 20), ("web-b", 20)])).pass);
    }

    #[test]
    fn an_http_check_asks_every_answer_from_its_backends_and_no_refusal() {
        let check = Check::NetHttp {
            from: "client".into(),
            to: "10.244.1.1".into(),
            port: 80,
            path: "/api".into(),
            host: Some("api.example".into()),
            requests: 4,
            backends: vec!["api".into()],
        };
        let w = |a: Vec<(&'static str, u32)>, refused: bool| Fake {
            answers: a,
            pid_ns: u64::from(refused),
            ..Default::default()
        };
        let r = evaluate(&check, &w(vec![("api", 4)], false));
        assert!(r.pass, "{}", r.sentence);
        assert!(
            r.sentence
                .contains("GET /api with Host: api.example from client to 10.244.1.1:80: api 4."),
            "{}",
            r.sentence
        );
        fails_saying(&check, &w(vec![("web", 4)], false), "web 4.");
        fails_saying(
            &check,
            &w(vec![("api", 2), ("HTTP 404", 2)], false),
            "HTTP 404 2",
        );
        fails_saying(&check, &w(vec![("api", 3), ("", 1)], false), "1 unanswered");
        // The old rules still answer, but the file as it is now was refused: say so.
        fails_saying(
            &check,
            &w(vec![("api", 4)], true),
            "keeps its previous rules: ingress.yaml:16: the path \"api\"",
        );
    }

    #[test]
    fn oci_checks_read_the_state_and_config_json_as_data() {
        use crate::lesson::format::{NsEntry, OciStatus};
        let w = Fake {
            oci: vec![("demo", "created")],
            config: Some(serde_json::json!({
                "hostname": "pod",
                "process": {"args": ["sleep", "3600"]},
                "linux": {"namespaces": [{"type": "pid"}, {"type": "uts", "path": "/proc/7/ns/uts"}]},
                "mounts": [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}],
            })),
            ..Default::default()
        };
        let state = |id: &str, status| Check::OciState {
            id: id.into(),
            status,
        };
        assert!(evaluate(&state("demo", OciStatus::Created), &w).pass);
        fails_saying(
            &state("demo", OciStatus::Running),
            &w,
            "reports created; expected running",
        );
        assert!(evaluate(&state("gone", OciStatus::Absent), &w).pass);
        assert!(!evaluate(&state("gone", OciStatus::Stopped), &w).pass);

        let config = |pointer: &str, equals: Option<serde_json::Value>, absent| Check::OciConfig {
            pointer: pointer.into(),
            equals,
            absent,
        };
        let args = Some(serde_json::json!(["sleep", "3600"]));
        assert!(evaluate(&config("/process/args", args, false), &w).pass);
        fails_saying(
            &config("/hostname", Some("demo".into()), false),
            &w,
            r#"is "pod"; expected "demo""#,
        );
        assert!(!evaluate(&config("/hostname", None, true), &w).pass);
        assert!(evaluate(&config("/linux/seccomp", None, true), &w).pass);
        assert!(!evaluate(&config("/linux/seccomp", None, false), &w).pass);

        let ns = |ns: &str, entry| Check::OciNamespace {
            ns: ns.into(),
            entry,
        };
        assert!(evaluate(&ns("pid", NsEntry::New), &w).pass);
        assert!(evaluate(&ns("network", NsEntry::Absent), &w).pass);
        fails_saying(&ns("uts", NsEntry::New), &w, "/proc/7/ns/uts");
        let mount = |d: &str, listed| Check::OciMount {
            destination: d.into(),
            listed,
        };
        assert!(evaluate(&mount("/scratch", true), &w).pass);
        assert!(!evaluate(&mount("/data", true), &w).pass);
        assert!(evaluate(&mount("/data", false), &w).pass);
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

    /// Every check of the curriculum, evaluated in Korean on two made-up worlds (so that
    /// both verdicts of many checks show), says its sentence in Korean.
    #[test]
    fn every_check_of_the_curriculum_speaks_korean() {
        let lessons = crate::lesson::catalog::load(None).expect("the lessons");
        let worlds = [
            Fake::default(),
            Fake {
                pid_ns: 4026532451,
                out: Some("ok".into()),
                ended: Some(Ended {
                    code: Some(0),
                    signal: None,
                }),
                answers: vec![("web-a", 20), ("web-b", 20)],
                oci: vec![("fields", "running"), ("pause", "running")],
                config: Some(serde_json::json!({
                    "hostname": "lab",
                    "linux": {"namespaces": [{"type": "pid", "path": "/proc/1/ns/pid"}]},
                })),
            },
        ];
        let mut seen = 0;
        for l in &lessons {
            for s in &l.file.steps {
                for c in &s.checks {
                    for w in &worlds {
                        let r = super::evaluate(c.get_ref(), w, Lang::Ko);
                        if let Some(p) = crate::i18n::lint::not_korean(&r.sentence) {
                            panic!("{} step {}: {p}", l.id(), s.id.get_ref());
                        }
                        seen += 1;
                    }
                }
            }
        }
        assert!(seen > 200, "only {seen} checks");
    }

    /// The particle after a value follows the value's last sound (영→으로, 일→로, 1→을).
    #[test]
    fn korean_sentences_put_the_particle_the_value_needs() {
        let killed = Fake {
            ended: Some(Ended {
                code: None,
                signal: Some("KILL".into()),
            }),
            ..Default::default()
        };
        let exit = |code| Check::Exit {
            code: Some(code),
            signal: None,
        };
        let r = super::evaluate(&exit(0), &killed, Lang::Ko);
        assert_eq!(
            r.sentence,
            "종료 상태 0을 기대했지만, 명령은 SIGKILL로 종료되었습니다"
        );
        let exited = |code| Fake {
            ended: Some(Ended::of(Some(code), None)),
            ..Default::default()
        };
        let r = super::evaluate(&exit(2), &exited(0), Lang::Ko);
        assert_eq!(
            r.sentence,
            "종료 상태 2를 기대했지만, 명령은 종료 상태 0으로 끝났습니다"
        );
        let r = super::evaluate(&exit(1), &exited(1), Lang::Ko);
        assert_eq!(r.sentence, "명령이 종료 상태 1로 끝났습니다");
        let uid = Check::Uid {
            container: "main".into(),
            inside: 1,
            outside: None,
        };
        let r = super::evaluate(&uid, &Fake::default(), Lang::Ko);
        assert_eq!(r.sentence, "main 안에서 uid 1을 기대했지만, uid 0입니다");
        let r = super::evaluate(&ns(Relation::Same), &Fake::default(), Lang::Ko);
        assert!(
            r.sentence.starts_with("main이 호스트의 pid 네임스페이스를"),
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

    /// A world read from a recording: the last `proc` panel snapshot (of one container)
    /// and the last output, as a replay would hold them.
    #[derive(Default)]
    struct Recorded {
        proc: serde_json::Value,
        output: String,
    }

    impl Recorded {
        fn snapshot(&self, container: &str) -> Result<&serde_json::Value> {
            if self.proc["container"] != container {
                bail!("the recording's Proc panel shows another container");
            }
            Ok(&self.proc["snapshot"])
        }

        fn ns(&self, container: Option<&str>, ns: &str) -> Result<u64> {
            let snap =
                self.snapshot(container.unwrap_or(self.proc["container"].as_str().unwrap_or("")))?;
            let field = if container.is_some() {
                "inode"
            } else {
                "host_inode"
            };
            snap["namespaces"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|n| n["name"] == ns)
                .and_then(|n| n[field].as_u64())
                .with_context(|| format!("no {ns} namespace in the recording"))
        }
    }

    impl World for Recorded {
        fn ns_inode(&self, container: &str, ns: &str) -> Result<u64> {
            self.ns(Some(container), ns)
        }
        fn host_ns_inode(&self, ns: &str) -> Result<u64> {
            self.ns(None, ns)
        }
        fn processes(&self, _: &str) -> Result<Vec<(i32, String)>> {
            bail!("not recorded")
        }
        fn pid_inside(&self, container: &str) -> Result<i32> {
            self.snapshot(container)?["status"]["NSpid"]
                .as_array()
                .and_then(|p| p.last())
                .and_then(|p| p.as_i64())
                .map(|p| p as i32)
                .context("no NSpid in the recording")
        }
        fn hostname(&self, container: &str) -> Result<String> {
            let h = &self.snapshot(container)?["hostname"];
            h.as_str().map(str::to_string).context("no hostname")
        }
        fn host_hostname(&self) -> Result<String> {
            let h = &self.proc["snapshot"]["host_hostname"];
            h.as_str().map(str::to_string).context("no host hostname")
        }
        fn uid(&self, _: &str) -> Result<(u32, u32)> {
            bail!("not recorded")
        }
        fn mount_inside(&self, _: &str, _: &str) -> Result<Option<String>> {
            bail!("not recorded")
        }
        fn mount_on_host(&self, _: &str, _: &str) -> Result<bool> {
            bail!("not recorded")
        }
        fn cgroup_value(&self, _: &str, _: &str) -> Result<(String, String)> {
            bail!("not recorded")
        }
        fn cgroup_member(&self, _: &str) -> Result<bool> {
            bail!("not recorded")
        }
        fn oom_kills(&self, _: &str) -> Result<u64> {
            bail!("not recorded")
        }
        fn file_exists(&self, _: &str, _: &str) -> Result<bool> {
            bail!("not recorded")
        }
        fn last_ended(&self) -> Option<Ended> {
            None
        }
        fn last_output(&self) -> Option<String> {
            Some(self.output.clone())
        }
        fn last_escape(&self) -> Option<bool> {
            None
        }
        fn quiz(&self) -> Option<(Option<String>, String)> {
            None
        }
    }

    /// Checks a recorded run again from its own events: each check the recording can
    /// answer (namespaces, pid, hostname from the Proc panel; output) gives the verdict and
    /// sentence the live run gave.
    #[test]
    fn a_recorded_run_checks_again_from_its_panel_snapshots() {
        use crate::lesson::event::{Event, PanelData};
        let lessons = crate::lesson::catalog::load(None).expect("the lessons");
        let (mut compared, mut current) = (0, 0);
        for (id, text) in [
            (
                "pid-namespace",
                include_str!("../../assets/recordings/pid-namespace.journal.jsonl"),
            ),
            (
                "uts-namespace",
                include_str!("../../assets/recordings/uts-namespace.journal.jsonl"),
            ),
        ] {
            let lesson = lessons.iter().find(|l| l.id() == id).expect("the lesson");
            // Only a recording of the lesson as it is now can be checked again step by
            // step (`contlab lesson lint` reports the others as out of date).
            let header: serde_json::Value =
                serde_json::from_str(text.lines().next().unwrap_or("")).expect("a header");
            if header["lesson_hash"].as_str() != crate::record::lesson_hash(lesson).as_deref() {
                continue;
            }
            current += 1;
            let mut w = Recorded::default();
            let (mut step, mut nth) = (0, 0);
            for line in text.lines().skip(1) {
                let v: serde_json::Value = serde_json::from_str(line).expect("a journal line");
                let e: Event = serde_json::from_value(v["event"].clone()).expect("an event");
                match e {
                    Event::StepStarted { index, .. } => {
                        (step, nth, w.output) = (index, 0, String::new())
                    }
                    Event::PanelSnapshot(PanelData::Proc(p)) => {
                        w.proc = serde_json::to_value(p).expect("a proc panel")
                    }
                    Event::Output { data, .. } => w.output.push_str(&data),
                    Event::Check(recorded) => {
                        let check = lesson.file.steps[step].checks[nth].get_ref();
                        nth += 1;
                        assert_eq!(check.kind(), recorded.check);
                        let again = match check.family() {
                            Family::Container => {
                                super::super::container_step::evaluate(check, &w, Lang::En)
                            }
                            _ if check.kind() == "output" => common(check, &w, Lang::En),
                            _ => continue,
                        };
                        if let Ok(again) = again {
                            assert_eq!(again, recorded, "{id} step {step}");
                            compared += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        assert!(current > 0, "no recording of these lessons is current");
        assert!(
            compared >= 4 * current,
            "only {compared} checks of {current} recording(s) could be compared"
        );
    }
}
