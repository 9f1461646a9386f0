//! The API server track's part of the engine: the lesson's etcd and API server
//! (`crate::apiserver`, started as this thread's child by `api-start`), the environment
//! that points the host shell's real `kubectl`, `etcdctl` and `curl` at them, and the
//! checks that read their state: `etcd-key` and `api-object` from etcd itself,
//! `api-verdict` from the live server (`kubectl auth can-i`), `audit` from its audit log.
//!
//! The server is `contlab apiserver run` with its ledger record, so a contlab killed with
//! SIGKILL takes it along (`PR_SET_PDEATHSIG`, whose SIGTERM runs its teardown) and
//! `contlab cleanup` finds whatever a killed server left.
//!
//! The TUI's request builder asks the live server too ([`ApiLab::review`]): the request
//! is kept, and the panel carries the server's SubjectAccessReview answer (posted as the
//! admin) with who-can from the RBAC objects in etcd. It is asked again when the request
//! changes or when an RBAC key in etcd does, so a `kubectl create rolebinding` in the
//! shell flips the verdict on screen without a key.

use super::checks::{World, result};
use super::event::CheckResult;
use super::format::{Check, RbacAsk};
use super::panel::{ApiKeyRow, ApiPanel, RbacObjectRow, RbacReview};
use crate::apiserver;
use crate::apiserver::client::Client;
use crate::i18n::Lang;
use crate::tr;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The lesson's server, once `api-start` made it. Dropping the lab stops it.
#[derive(Debug, Default)]
pub struct ApiLab {
    server: Option<Server>,
    /// The last panel and when it was read: the lab samples four times a second, and
    /// each sample is an `etcdctl` run.
    cache: Mutex<Option<(Instant, ApiPanel)>>,
    /// The request composed in the TUI's request builder.
    review: Option<RbacAsk>,
    /// What was last read for the builder, and the RBAC keys' state it was read at.
    live: Mutex<Option<Live>>,
}

#[derive(Debug)]
struct Server {
    child: Child,
    status: apiserver::Status,
    /// The admin's certificate and key as files, for `curl --cert --key`.
    cert: PathBuf,
    key: PathBuf,
    /// The admin's client of the server.
    client: Client,
}

/// The RBAC keys' count and newest revision: any write or delete changes it.
type Fingerprint = (usize, i64);

#[derive(Debug)]
struct Live {
    at: Fingerprint,
    /// Read again at the same fingerprint: the server drops its cached policy just after
    /// an RBAC write lands in etcd, so a review asked in between may have had the old one.
    settled: bool,
    rows: Vec<RbacObjectRow>,
    review: Option<RbacReview>,
}

/// A key as `etcdctl get -w json` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvSeen {
    pub value: String,
    pub version: i64,
    pub mod_revision: i64,
    pub lease: i64,
}

/// How long a panel sample stays good.
const PANEL_AGE: Duration = Duration::from_millis(900);

impl ApiLab {
    /// Starts etcd with `members` members and the API server; returns what to say.
    pub fn start(&mut self, members: usize) -> Result<String> {
        self.stop();
        if let Some(st) = apiserver::status() {
            crate::bail_said!("error-apiserver-busy", url = st.url, pid = st.pid);
        }
        let (child, status) = apiserver::start_attached(&apiserver::Options {
            members,
            anonymous: true,
            port: 0,
        })?;
        let (cert, key) = (status.dir.join("admin.crt"), status.dir.join("admin.key"));
        let client = apiserver::client::credentials(&status.kubeconfig).and_then(|(crt, pem)| {
            std::fs::write(&cert, &crt)?;
            apiserver::write_private(&key, &pem)?;
            Client::new(&status, &crt, &pem)
        });
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                // The server is stopped like a running one: `down`, then reaped.
                let _ = apiserver::down();
                let mut child = child;
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let s = self.server.insert(Server {
            child,
            status,
            cert,
            key,
            client,
        });
        Ok(format!(
            "API server {} · etcd {}\n",
            s.status.url,
            s.status.etcd.join(",")
        ))
    }

    /// Stops the server and etcd, and reaps the server.
    pub fn stop(&mut self) {
        if let Some(mut s) = self.server.take() {
            if let Err(e) = apiserver::down() {
                tracing::warn!("stopping the lesson's API server: {e:#}");
            }
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.live.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.review = None;
    }

    /// Keeps the request composed in the TUI's request builder; the next panel, read at
    /// once, carries the live server's answer.
    pub fn review(&mut self, ask: RbacAsk) -> Result<()> {
        self.server()?;
        self.review = Some(ask);
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    pub fn running(&self) -> bool {
        self.server.is_some()
    }

    /// The host shell's environment: where kubectl, etcdctl and curl find the cluster.
    pub fn env(&self) -> Vec<(String, String)> {
        let Some(s) = &self.server else {
            return Vec::new();
        };
        let st = &s.status;
        let path = |p: &PathBuf| p.display().to_string();
        vec![
            ("KUBECONFIG".into(), path(&st.kubeconfig)),
            ("ETCDCTL_API".into(), "3".into()),
            ("ETCDCTL_ENDPOINTS".into(), st.etcd.join(",")),
            ("APISERVER".into(), st.url.clone()),
            ("CACERT".into(), path(&st.ca)),
            ("CERT".into(), path(&s.cert)),
            ("KEY".into(), path(&s.key)),
            ("AUDIT_LOG".into(), path(&st.audit_log)),
        ]
    }

    fn server(&self) -> Result<&Server> {
        self.server
            .as_ref()
            .with_context(|| crate::said!("error-no-apiserver"))
    }

    /// `sh -c cmd` on the host with the server's environment, in `dir`: (stdout, stderr,
    /// exit code).
    pub fn run(&self, cmd: &str, dir: &std::path::Path) -> Result<(Vec<u8>, Vec<u8>, i32)> {
        self.server()?;
        let out = Command::new("/bin/sh")
            .args(["-c", cmd])
            .current_dir(dir)
            .envs(self.env())
            .stdin(std::process::Stdio::null())
            .output()
            .context("cannot run /bin/sh")?;
        Ok((out.stdout, out.stderr, out.status.code().unwrap_or(-1)))
    }

    fn etcdctl(&self, args: &[&str]) -> Result<std::process::Output> {
        let s = self.server()?;
        let (_, etcdctl) = crate::etcd::tools().context(crate::etcd::MISSING)?;
        Command::new(etcdctl)
            .env("ETCDCTL_API", "3")
            .arg(format!("--endpoints={}", s.status.etcd.join(",")))
            .arg("--command-timeout=5s")
            .args(args)
            .output()
            .context("cannot run etcdctl")
    }

    /// One key of etcd (`None`: there is none).
    pub fn kv(&self, key: &str) -> Result<Option<KvSeen>> {
        let out = self.etcdctl(&["get", key, "-w", "json"])?;
        if !out.status.success() {
            crate::bail_said!(
                "error-etcdctl-failed",
                args = format!("get {key}"),
                output = String::from_utf8_lossy(&out.stderr).trim().to_string()
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let Some(kv) = v["kvs"].as_array().and_then(|a| a.first()) else {
            return Ok(None);
        };
        let num = |k: &str| kv[k].as_i64().unwrap_or(0);
        Ok(Some(KvSeen {
            value: decode(kv["value"].as_str().unwrap_or("")),
            version: num("version"),
            mod_revision: num("mod_revision"),
            lease: num("lease"),
        }))
    }

    /// Whether etcd refuses to read `key` at revision `rev` because it was compacted.
    pub fn compacted(&self, key: &str, rev: i64) -> Result<bool> {
        let out = self.etcdctl(&["get", key, &format!("--rev={rev}")])?;
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            return Ok(false);
        }
        if err.contains("compacted") {
            return Ok(true);
        }
        crate::bail_said!(
            "error-etcdctl-failed",
            args = format!("get {key} --rev={rev}"),
            output = err.trim().to_string()
        )
    }

    /// The live server's answer to `kubectl auth can-i`.
    pub fn can_i(&self, ask: &RbacAsk) -> Result<bool> {
        let s = self.server()?;
        let args = can_i_args(ask);
        let out = Command::new("kubectl")
            .env("KUBECONFIG", &s.status.kubeconfig)
            .args(&args)
            .output()
            .context("cannot run kubectl")?;
        // `no` may be followed by ` - ` and the server's reason.
        let said = String::from_utf8_lossy(&out.stdout);
        match said.split_whitespace().next().unwrap_or("") {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => crate::bail_said!(
                "error-kubectl-failed",
                args = args.join(" "),
                output = String::from_utf8_lossy(&out.stderr).trim().to_string()
            ),
        }
    }

    /// The audit log's lines, oldest first.
    pub fn audit(&self) -> Result<Vec<String>> {
        let s = self.server()?;
        let text = std::fs::read_to_string(&s.status.audit_log).unwrap_or_default();
        Ok(text.lines().map(str::to_string).collect())
    }

    /// The Cluster panel: etcd's keys (newest writes first) and the audit log's tail.
    pub fn panel(&self) -> Option<ApiPanel> {
        let s = self.server.as_ref()?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, p)) = cache.as_ref()
            && at.elapsed() < PANEL_AGE
        {
            return Some(p.clone());
        }
        let mut keys: Vec<ApiKeyRow> = self
            .etcdctl(&["get", "", "--prefix", "--keys-only", "-w", "json"])
            .ok()
            .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
            .and_then(|v| v["kvs"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|kv| ApiKeyRow {
                key: decode(kv["key"].as_str().unwrap_or("")),
                version: kv["version"].as_i64().unwrap_or(0),
                mod_revision: kv["mod_revision"].as_i64().unwrap_or(0),
            })
            .collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.mod_revision));
        let (rbac, review) = self.live(s, fingerprint(&keys));
        keys.truncate(40);
        let audit = self.audit().unwrap_or_default();
        let tail = audit
            .iter()
            .skip(audit.len().saturating_sub(12))
            .map(|l| audit_summary(l))
            .collect();
        let p = ApiPanel {
            url: s.status.url.clone(),
            etcd: s.status.etcd.clone(),
            keys,
            audit: tail,
            rbac,
            review,
        };
        *cache = Some((Instant::now(), p.clone()));
        Some(p)
    }

    /// The live RBAC objects (besides the bootstrap ones) and the answer to the builder's
    /// request, read again only when the request or an RBAC key changed since.
    fn live(&self, s: &Server, at: Fingerprint) -> (Vec<RbacObjectRow>, Option<RbacReview>) {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        let same = live.as_ref().is_some_and(|l| {
            l.at == at && l.review.as_ref().map(|r| &r.ask) == self.review.as_ref()
        });
        let settled = live.as_ref().is_some_and(|l| l.at == at);
        if !same || !live.as_ref().is_some_and(|l| l.settled) {
            let policy = s.client.live_policy();
            let rows = match &policy {
                Ok(p) => super::rbac_step::object_rows_where(p, |o| !bootstrap(o)),
                Err(e) => {
                    tracing::warn!("reading the RBAC objects from etcd: {e:#}");
                    Vec::new()
                }
            };
            let review = self.review.as_ref().map(|ask| {
                super::rbac_step::review_of(ask, |req| {
                    // The identity as the authenticators would make it (with
                    // `system:authenticated`), as `kubectl --as` gets it.
                    let a = s.client.access_review(req)?;
                    Ok((a.allowed, a.explain, policy.ok()))
                })
            });
            *live = Some(Live {
                at,
                settled,
                rows,
                review,
            });
        }
        let l = live.as_ref().expect("just read");
        (l.rows.clone(), l.review.clone())
    }
}

/// The state of the RBAC keys among `keys`.
fn fingerprint(keys: &[ApiKeyRow]) -> Fingerprint {
    let rbac = keys.iter().filter(|k| {
        crate::apiserver::authz::RBAC_RESOURCES.iter().any(|r| {
            k.key
                .starts_with(&crate::apiserver::storage::prefix(r, None))
        })
    });
    rbac.fold((0, 0), |(n, rev), k| (n + 1, rev.max(k.mod_revision)))
}

/// One of the objects kube-apiserver bootstraps (`kubernetes.io/bootstrapping:
/// rbac-defaults`).
fn bootstrap(o: &crate::rbac::RbacObject) -> bool {
    o.metadata()
        .labels
        .as_ref()
        .and_then(|l| l.get("kubernetes.io/bootstrapping"))
        .is_some_and(|v| v == "rbac-defaults")
}

impl Drop for ApiLab {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `kubectl`'s arguments for one `auth can-i` question: a namespace, or every one.
fn can_i_args(ask: &RbacAsk) -> Vec<String> {
    let mut args: Vec<String> = ["auth", "can-i", &ask.verb, &ask.resource, "--as", &ask.user]
        .map(String::from)
        .into();
    match &ask.namespace {
        Some(ns) => args.extend(["-n".to_string(), ns.clone()]),
        None => args.push("--all-namespaces".into()),
    }
    for g in &ask.groups {
        args.extend(["--as-group".to_string(), g.clone()]);
    }
    args
}

/// An audit line in one short row: code, user, verb, target.
fn audit_summary(line: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
        return line.to_string();
    };
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    let mut line = format!(
        "{} {} {} {}",
        v["code"].as_u64().unwrap_or(0),
        s("user"),
        s("verb"),
        s("target")
    );
    // A SubjectAccessReview: the question it asked and the answer.
    let r = &v["review"];
    if r.is_object() {
        let answer = if r["allowed"].as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        };
        let f = |k: &str| r[k].as_str().unwrap_or("");
        line.push_str(&format!(
            " → {} {} {}: {answer}",
            f("as"),
            f("verb"),
            f("target")
        ));
    }
    line
}

fn decode(b64: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Joins what a check expected and did not see into one sentence.
fn verdict(check: &Check, lang: Lang, seen: String, missed: Vec<String>) -> Result<CheckResult> {
    if missed.is_empty() {
        return Ok(result(check, true, seen));
    }
    let expected = missed.join(", ");
    Ok(result(
        check,
        false,
        format!("{seen} {}", tr!(lang, "api-expected", expected = expected)),
    ))
}

/// The verdict on a key or object that is not there: right when `absent` was asked.
fn missing(
    check: &Check,
    lang: Lang,
    seen: String,
    absent: bool,
    want: String,
) -> Result<CheckResult> {
    let missed = if absent { vec![] } else { vec![want] };
    verdict(check, lang, seen, missed)
}

pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    match check {
        Check::EtcdKey {
            key,
            value,
            absent,
            versions_at_least,
            leased,
            history_compacted,
        } => {
            let Some(kv) = w.etcd_kv(key)? else {
                let seen = tr!(lang, "api-key-absent", key = key.as_str());
                return missing(check, lang, seen, *absent, tr!(lang, "api-want-key"));
            };
            let mut seen = tr!(
                lang,
                "api-key-seen",
                key = key.as_str(),
                value = kv.value.as_str(),
                version = kv.version,
                rev = kv.mod_revision
            );
            let mut missed = Vec::new();
            if *absent {
                missed.push(tr!(lang, "api-want-no-key"));
            }
            if let Some(v) = value
                && *v != kv.value
            {
                missed.push(tr!(lang, "api-want-value", value = v.as_str()));
            }
            if let Some(n) = versions_at_least
                && kv.version < *n
            {
                missed.push(tr!(lang, "api-want-versions", n = *n));
            }
            if let Some(l) = leased {
                let has = kv.lease != 0;
                seen.push(' ');
                seen.push_str(&if has {
                    tr!(lang, "api-key-leased", lease = format!("{:x}", kv.lease))
                } else {
                    tr!(lang, "api-key-unleased")
                });
                if has != *l {
                    missed.push(if *l {
                        tr!(lang, "api-want-leased")
                    } else {
                        tr!(lang, "api-want-unleased")
                    });
                }
            }
            if let Some(c) = history_compacted {
                let gone = w.etcd_compacted(key, kv.mod_revision - 1)?;
                seen.push(' ');
                seen.push_str(&if gone {
                    tr!(lang, "api-key-compacted", rev = kv.mod_revision - 1)
                } else {
                    tr!(lang, "api-key-history", rev = kv.mod_revision - 1)
                });
                if gone != *c {
                    missed.push(if *c {
                        tr!(lang, "api-want-compacted")
                    } else {
                        tr!(lang, "api-want-history")
                    });
                }
            }
            verdict(check, lang, seen, missed)
        }
        Check::ApiObject {
            resource,
            namespace,
            name,
            absent,
            pointer,
            equals,
        } => {
            let key = crate::apiserver::storage::key(resource, namespace.as_deref(), name);
            let Some(kv) = w.etcd_kv(&key)? else {
                let seen = tr!(lang, "api-object-absent", key = key.as_str());
                return missing(check, lang, seen, *absent, tr!(lang, "api-want-object"));
            };
            let mut seen = tr!(lang, "api-object-seen", key = key.as_str());
            let mut missed = Vec::new();
            if *absent {
                missed.push(tr!(lang, "api-want-no-object"));
            }
            if let Some(p) = pointer {
                let obj: serde_json::Value =
                    serde_json::from_str(&kv.value).unwrap_or(serde_json::Value::Null);
                let at = obj.pointer(p);
                seen.push(' ');
                seen.push_str(&match at {
                    Some(v) => tr!(
                        lang,
                        "api-object-field",
                        pointer = p.as_str(),
                        value = v.to_string()
                    ),
                    None => tr!(lang, "api-object-no-field", pointer = p.as_str()),
                });
                if let Some(want) = equals
                    && at != Some(want)
                {
                    missed.push(tr!(
                        lang,
                        "api-want-field",
                        pointer = p.as_str(),
                        value = want.to_string()
                    ));
                }
            }
            verdict(check, lang, seen, missed)
        }
        Check::ApiVerdict {
            verb,
            resource,
            namespace,
            user,
            groups,
            allowed,
        } => {
            let ask = RbacAsk {
                verb: verb.clone(),
                resource: resource.clone(),
                name: None,
                namespace: namespace.clone(),
                cluster: namespace.is_none(),
                user: user.clone(),
                groups: groups.clone(),
            };
            let yes = w.api_can_i(&ask)?;
            let asked = format!("kubectl {}", can_i_args(&ask).join(" "));
            let answer = if yes { "yes" } else { "no" };
            let seen = tr!(lang, "api-verdict-seen", asked = asked, answer = answer);
            let missed = if yes == *allowed {
                vec![]
            } else {
                vec![if *allowed { "yes" } else { "no" }.to_string()]
            };
            verdict(check, lang, seen, missed)
        }
        Check::Audit { matches, negate } => {
            let re = regex::Regex::new(matches)?;
            let lines = w.audit_log()?;
            let hit = lines.iter().rev().find(|l| re.is_match(l));
            let pattern = matches.as_str();
            let (pass, sentence) = match (hit, negate) {
                (Some(l), false) => (
                    true,
                    tr!(
                        lang,
                        "api-audit-found",
                        pattern = pattern,
                        line = audit_summary(l)
                    ),
                ),
                (Some(l), true) => (
                    false,
                    tr!(
                        lang,
                        "api-audit-unwanted",
                        pattern = pattern,
                        line = audit_summary(l)
                    ),
                ),
                (None, n) => (
                    *n,
                    tr!(lang, "api-audit-none", pattern = pattern, n = lines.len()),
                ),
            };
            Ok(result(check, pass, sentence))
        }
        other => anyhow::bail!("not an API server check: {}", other.kind()),
    }
}
