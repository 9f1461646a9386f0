//! A node's Ingress controller: an HTTP proxy that routes each request by its `Host`
//! header and its path, as an Ingress in `networking.k8s.io/v1` says, to the endpoints of
//! a Service (an L7 choice, where a Service's ClusterIP is an L4 one: it sees only the
//! address and port).
//!
//! ```text
//! client pod ── GET /api, Host: api.example ──► 10.244.1.1:80 (this proxy, node netns)
//!                      rules of ingress.yaml: host, then the longest matching path
//!                      └─► Service api's endpoint 10.244.1.3:80, as ingress-nginx
//!                          sends to endpoints, not through the ClusterIP
//! ```
//!
//! The rules come from a YAML (or JSON) file holding one Ingress, read by serde-saphyr
//! with each rule and path spanned, so that a refusal names `file:line`. A file that does
//! not parse or names what the node lacks (a Service, a port) is refused whole and the
//! proxy keeps the rules it had. The proxy watches the file, as a controller watches the
//! API server: an edit takes effect within a quarter of a second, and [`IngressProxy::sync`]
//! reads it at once (the lab's checks call it before their requests).
//!
//! HTTP is hyper's, on both sides. The server is a thread of contlab's own process that
//! entered the node's network namespace, running a current-thread tokio runtime, so its
//! listening socket and its connections to the pods all belong to the node: it ends with
//! contlab, SIGKILL included, and leaves nothing for `contlab cleanup`, like the cluster
//! DNS server. Every request is kept in a short log (method, host, path, the rule that
//! matched, the endpoint chosen, the status), the lesson's observation.

use super::trace::{TraceEvent, Tracer};
use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use k8s_openapi::api::networking::v1::IngressBackend;
use serde::Deserialize;
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};
use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The proxy's port on the node (an Ingress controller's HTTP port).
pub const PORT: u16 = 80;
/// How many requests the log keeps.
const LOG_LEN: usize = 256;
/// How often the proxy looks at its file.
const WATCH: Duration = Duration::from_millis(250);
/// How long the proxy waits for a pod.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);
/// The one API version an Ingress is served in since Kubernetes 1.22.
pub const API_VERSION: &str = "networking.k8s.io/v1";
/// The versions it was served in before.
const OLD_VERSIONS: &str = "extensions/v1beta1, networking.k8s.io/v1beta1";

/// How a path of a rule matches, as `networking.k8s.io/v1` defines `pathType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathType {
    /// The request's path equals the rule's, case-sensitively.
    Exact,
    /// The rule's path, split at `/`, is a prefix of the request's, element by element
    /// (`/api` matches `/api` and `/api/v1`, not `/apix`); a final `/` is ignored.
    Prefix,
    /// Up to the controller: this one matches it as `Prefix`.
    ImplementationSpecific,
}

impl PathType {
    fn name(self) -> &'static str {
        match self {
            PathType::Exact => "Exact",
            PathType::Prefix => "Prefix",
            PathType::ImplementationSpecific => "ImplementationSpecific",
        }
    }
}

/// A Service and the port of it a path sends to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub service: String,
    pub port: u16,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.service, self.port)
    }
}

/// One path of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPath {
    pub path: String,
    pub path_type: PathType,
    pub backend: Backend,
}

impl IngressPath {
    /// Whether the request's path `p` matches, and how long the match is.
    fn matches(&self, p: &str) -> bool {
        match self.path_type {
            PathType::Exact => p == self.path,
            PathType::Prefix | PathType::ImplementationSpecific => {
                let prefix = self.path.trim_end_matches('/');
                prefix.is_empty()
                    || p == prefix
                    || p.strip_prefix(prefix).is_some_and(|r| r.starts_with('/'))
            }
        }
    }

    /// Its precedence among the paths that match: the longest path first, then Exact
    /// before Prefix (the Ingress documentation's order).
    fn rank(&self) -> (usize, bool) {
        let len = match self.path_type {
            PathType::Exact => self.path.len(),
            _ => self.path.trim_end_matches('/').len(),
        };
        (len, self.path_type == PathType::Exact)
    }
}

/// A rule: a host (none: any host) and its paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressRule {
    pub host: Option<String>,
    pub paths: Vec<IngressPath>,
}

/// An Ingress as the proxy routes by it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ingress {
    pub name: String,
    pub rules: Vec<IngressRule>,
    pub default_backend: Option<Backend>,
}

/// What a request matched: the backend and the rule, written `HOST PATH (TYPE)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub backend: Backend,
    pub rule: String,
}

impl Ingress {
    /// The backend for a request to `host` (its `Host` header, any `:port` dropped) and
    /// `path`. The rules of the host itself come first, then those of a wildcard
    /// `*.domain` matching its first label, then the rules without a host; among the
    /// chosen rules' paths the longest match wins, Exact before Prefix on a tie. No path
    /// matching: the default backend, if the Ingress has one.
    pub fn route(&self, host: &str, path: &str) -> Option<Route> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let wildcard_of = |h: &str| {
            h.strip_prefix("*.").is_some_and(|domain| {
                host.split_once('.')
                    .is_some_and(|(first, rest)| !first.is_empty() && rest == domain)
            })
        };
        let exact: Vec<&IngressRule> = self
            .rules
            .iter()
            .filter(|r| r.host.as_deref() == Some(host.as_str()))
            .collect();
        let chosen = if !exact.is_empty() {
            exact
        } else {
            let wild: Vec<&IngressRule> = self
                .rules
                .iter()
                .filter(|r| r.host.as_deref().is_some_and(wildcard_of))
                .collect();
            if !wild.is_empty() {
                wild
            } else {
                self.rules.iter().filter(|r| r.host.is_none()).collect()
            }
        };
        let best = chosen
            .iter()
            .flat_map(|r| r.paths.iter().map(move |p| (r, p)))
            .filter(|(_, p)| p.matches(path))
            .max_by_key(|(_, p)| p.rank());
        match best {
            Some((r, p)) => Some(Route {
                backend: p.backend.clone(),
                rule: format!(
                    "{} {} ({})",
                    r.host.as_deref().unwrap_or("*"),
                    p.path,
                    p.path_type.name()
                ),
            }),
            None => self.default_backend.clone().map(|b| Route {
                backend: b,
                rule: "defaultBackend".to_string(),
            }),
        }
    }

    /// The rules, one line each: `HOST PATH (TYPE) → SERVICE:PORT`.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .rules
            .iter()
            .flat_map(|r| {
                r.paths.iter().map(|p| {
                    format!(
                        "{} {} ({}) → {}",
                        r.host.as_deref().unwrap_or("*"),
                        p.path,
                        p.path_type.name(),
                        p.backend
                    )
                })
            })
            .collect();
        out.extend(
            self.default_backend
                .as_ref()
                .map(|b| format!("defaultBackend → {b}")),
        );
        out
    }
}

/// A Service as the proxy sees it: its port (and the port's name) and its endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyService {
    pub port: u16,
    pub port_name: Option<String>,
    /// Pod name and address.
    pub endpoints: Vec<(String, Ipv4Addr)>,
}

/// The Services of the node, by name.
pub type Services = BTreeMap<String, ProxyService>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIngress {
    api_version: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    metadata: Option<RawMeta>,
    spec: Option<Spanned<RawSpec>>,
}

#[derive(Deserialize)]
struct RawMeta {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    default_backend: Option<Spanned<IngressBackend>>,
    rules: Option<Vec<Spanned<RawRule>>>,
}

#[derive(Deserialize)]
struct RawRule {
    host: Option<Spanned<String>>,
    http: Option<RawHttp>,
}

#[derive(Deserialize)]
struct RawHttp {
    paths: Option<Vec<Spanned<RawPath>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPath {
    path: Option<Spanned<String>>,
    path_type: Option<Spanned<String>>,
    backend: Option<Spanned<IngressBackend>>,
}

/// The line of a spanned value, or the fallback when the parser gave none.
fn line_of<T>(s: &Spanned<T>, fallback: u64) -> u64 {
    match s.referenced.line() {
        0 => fallback,
        l => l,
    }
}

/// Reads the Ingress in `text` (`file` names it in errors), checking it as the API
/// server would and its backends against the node's `services`. Every refusal is one
/// catalog sentence starting with `file:line`.
pub fn parse(text: &str, file: &str, services: &Services) -> Result<Ingress> {
    let options = serde_saphyr::options! { with_snippet: false };
    let raw: Spanned<RawIngress> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(0).max(1);
            let detail: String = UserMessageFormatter
                .format_message(&e)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            anyhow::Error::new(crate::said!(
                "ingress-error-yaml",
                file = file,
                line = line,
                detail = detail
            ))
        })?;
    let top = line_of(&raw, 1);
    let raw = raw.value;
    let at = |line: u64| format!("{file}:{}", line.max(1));
    match &raw.api_version {
        Some(v) if v.value == API_VERSION => {}
        Some(v) => crate::bail_said!(
            "ingress-error-api-version",
            at = at(line_of(v, top)),
            found = v.value.as_str(),
            want = API_VERSION,
            old = OLD_VERSIONS
        ),
        None => crate::bail_said!(
            "ingress-error-api-version",
            at = at(top),
            found = "(none)",
            want = API_VERSION,
            old = OLD_VERSIONS
        ),
    }
    match &raw.kind {
        Some(k) if k.value == "Ingress" => {}
        Some(k) => crate::bail_said!(
            "ingress-error-kind",
            at = at(line_of(k, top)),
            found = k.value.as_str()
        ),
        None => crate::bail_said!("ingress-error-kind", at = at(top), found = "(none)"),
    }
    let name = raw.metadata.and_then(|m| m.name).unwrap_or_default();
    let Some(spec) = raw.spec else {
        crate::bail_said!("ingress-error-empty", at = at(top));
    };
    let spec_line = line_of(&spec, top);
    let spec = spec.value;
    let backend = |b: &Spanned<IngressBackend>, fallback: u64| -> Result<Backend> {
        let line = line_of(b, fallback);
        let Some(svc) = &b.value.service else {
            crate::bail_said!("ingress-error-backend", at = at(line));
        };
        let Some(s) = services.get(&svc.name) else {
            let known: Vec<&str> = services.keys().map(String::as_str).collect();
            crate::bail_said!(
                "ingress-error-service",
                at = at(line),
                service = svc.name.as_str(),
                services = known.join(", ")
            );
        };
        let port = svc.port.as_ref();
        let (number, pname) = (
            port.and_then(|p| p.number),
            port.and_then(|p| p.name.clone()),
        );
        let given = match (number, &pname) {
            (Some(n), _) => n.to_string(),
            (None, Some(n)) => n.clone(),
            (None, None) => crate::bail_said!("ingress-error-backend", at = at(line)),
        };
        let ok = number.is_some_and(|n| n == i32::from(s.port))
            || (number.is_none() && pname.is_some() && pname == s.port_name);
        if !ok {
            let has = match &s.port_name {
                Some(n) => format!("{} ({n})", s.port),
                None => s.port.to_string(),
            };
            crate::bail_said!(
                "ingress-error-port",
                at = at(line),
                service = svc.name.as_str(),
                port = given,
                ports = has
            );
        }
        Ok(Backend {
            service: svc.name.clone(),
            port: s.port,
        })
    };
    let default_backend = spec
        .default_backend
        .as_ref()
        .map(|b| backend(b, spec_line))
        .transpose()?;
    let mut rules = Vec::new();
    for r in spec.rules.into_iter().flatten() {
        let rline = line_of(&r, spec_line);
        let host = match &r.value.host {
            Some(h) => {
                let hl = line_of(h, rline);
                if !host_ok(&h.value) {
                    crate::bail_said!("ingress-error-host", at = at(hl), host = h.value.as_str());
                }
                Some(h.value.clone())
            }
            None => None,
        };
        let raw_paths = r.value.http.and_then(|h| h.paths).unwrap_or_default();
        if raw_paths.is_empty() {
            crate::bail_said!("ingress-error-no-paths", at = at(rline));
        }
        let mut paths = Vec::new();
        for p in raw_paths {
            let pline = line_of(&p, rline);
            let path = match &p.value.path {
                Some(s) if s.value.starts_with('/') => s.value.clone(),
                Some(s) => crate::bail_said!(
                    "ingress-error-path",
                    at = at(line_of(s, pline)),
                    path = s.value.as_str()
                ),
                None => "/".to_string(),
            };
            let path_type = match p.value.path_type.as_ref().map(|t| (t.value.as_str(), t)) {
                Some(("Exact", _)) => PathType::Exact,
                Some(("Prefix", _)) => PathType::Prefix,
                Some(("ImplementationSpecific", _)) => PathType::ImplementationSpecific,
                Some((other, t)) => crate::bail_said!(
                    "ingress-error-path-type",
                    at = at(line_of(t, pline)),
                    found = other,
                    want = API_VERSION
                ),
                None => crate::bail_said!(
                    "ingress-error-path-type",
                    at = at(pline),
                    found = "(none)",
                    want = API_VERSION
                ),
            };
            let Some(b) = &p.value.backend else {
                crate::bail_said!("ingress-error-backend", at = at(pline));
            };
            paths.push(IngressPath {
                path,
                path_type,
                backend: backend(b, pline)?,
            });
        }
        rules.push(IngressRule { host, paths });
    }
    if rules.is_empty() && default_backend.is_none() {
        crate::bail_said!("ingress-error-empty", at = at(spec_line));
    }
    Ok(Ingress {
        name,
        rules,
        default_backend,
    })
}

/// A rule's host as the API server accepts it: a lowercase DNS name (RFC 1123
/// subdomain), optionally `*.` and such a name, and not an IP address.
pub fn host_ok(host: &str) -> bool {
    let name = host.strip_prefix("*.").unwrap_or(host);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(label_ok)
        && name.parse::<Ipv4Addr>().is_err()
}

/// One request the proxy answered.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProxyRequest {
    /// Milliseconds since the proxy started.
    pub at_ms: u64,
    /// The client's address.
    pub client: String,
    pub method: String,
    pub host: String,
    pub path: String,
    /// The rule that matched (`api.example / (Prefix)`), `defaultBackend`, or "" for none.
    pub rule: String,
    /// `SERVICE → POD IP:PORT`, or "" when nothing was chosen.
    pub backend: String,
    pub status: u16,
}

/// What the proxy routes by, and the file it reads it from.
struct Shared {
    file: PathBuf,
    shown: String,
    ingress: RwLock<Ingress>,
    services: RwLock<Services>,
    /// The file's bytes when last read (loaded or refused).
    seen: Mutex<Option<Vec<u8>>>,
    /// Why the last read of the file was refused (the rules in force are older).
    refused: Mutex<Option<Arc<anyhow::Error>>>,
    log: Mutex<VecDeque<ProxyRequest>>,
    next: AtomicUsize,
    start: Instant,
}

impl Shared {
    /// Reads the file when its bytes changed since the last read (always, with `force`):
    /// loads its rules, or keeps the old ones and remembers why it was refused.
    fn reload(&self, force: bool) -> Result<()> {
        let bytes = std::fs::read(&self.file).with_context(|| {
            crate::said!("ingress-error-read", file = self.file.display().to_string())
        });
        let mut seen = self.seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                *seen = None;
                return Err(e);
            }
        };
        if !force && seen.as_deref() == Some(bytes.as_slice()) {
            return Ok(());
        }
        *seen = Some(bytes.clone());
        let parsed = String::from_utf8(bytes)
            .map_err(|_| anyhow::Error::new(crate::said!("ingress-error-utf8", file = &self.shown)))
            .and_then(|text| {
                let services = self
                    .services
                    .read()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?;
                parse(&text, &self.shown, &services)
            });
        let mut refused = self
            .refused
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        match parsed {
            Ok(ing) => {
                *self
                    .ingress
                    .write()
                    .map_err(|_| anyhow::anyhow!("poisoned"))? = ing;
                *refused = None;
                Ok(())
            }
            Err(e) => {
                let e = Arc::new(e);
                *refused = Some(e.clone());
                Err(anyhow::Error::new(Refused(e)))
            }
        }
    }

    /// The route of a request and the endpoint chosen (round robin over the Service's
    /// endpoints): rule, backend, and the endpoint's pod and address.
    fn choose(&self, host: &str, path: &str) -> Option<(Route, Option<(String, SocketAddr)>)> {
        let route = self.ingress.read().ok()?.route(host, path)?;
        let services = self.services.read().ok()?;
        let ep = services.get(&route.backend.service).and_then(|s| {
            if s.endpoints.is_empty() {
                return None;
            }
            let i = self.next.fetch_add(1, Ordering::Relaxed) % s.endpoints.len();
            let (pod, ip) = &s.endpoints[i];
            Some((pod.clone(), SocketAddr::from((*ip, route.backend.port))))
        });
        Some((route, ep))
    }

    fn record(&self, r: ProxyRequest) {
        if let Ok(mut l) = self.log.lock() {
            if l.len() == LOG_LEN {
                l.pop_front();
            }
            l.push_back(r);
        }
    }
}

/// A refused file, shared between the error returned and the one the proxy keeps.
#[derive(Debug)]
struct Refused(Arc<anyhow::Error>);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for Refused {}

/// The node's Ingress controller: a thread serving HTTP on one address.
pub struct IngressProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for IngressProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngressProxy")
            .field("addr", &self.addr)
            .field("file", &self.shared.file)
            .finish()
    }
}

impl IngressProxy {
    /// Starts the proxy on `addr` inside the network namespace `ns` (named `ns_name` in
    /// the trace), routing by the Ingress in `file` (shown as `shown` in errors) over
    /// `services`. A file that is refused starts nothing.
    pub fn start(
        ns: BorrowedFd<'_>,
        ns_name: &str,
        addr: SocketAddr,
        file: &Path,
        shown: &str,
        services: Services,
        tracer: &Tracer,
    ) -> Result<IngressProxy> {
        let shared = Arc::new(Shared {
            file: file.to_path_buf(),
            shown: shown.to_string(),
            ingress: RwLock::new(Ingress::default()),
            services: RwLock::new(services),
            seen: Mutex::new(None),
            refused: Mutex::new(None),
            log: Mutex::new(VecDeque::new()),
            next: AtomicUsize::new(0),
            start: Instant::now(),
        });
        shared.reload(true)?;
        let ns: OwnedFd = ns
            .try_clone_to_owned()
            .context("cannot duplicate the node's namespace fd")?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr>>();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let started = Instant::now();
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("contlab-ingress".into())
                .spawn(move || {
                    let bound = (|| -> Result<(tokio::runtime::Runtime, std::net::TcpListener)> {
                        nix::sched::setns(ns.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET)
                            .context("cannot enter the node's network namespace")?;
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .context("cannot start the proxy's runtime")?;
                        let l = std::net::TcpListener::bind(addr)
                            .with_context(|| format!("cannot bind the Ingress proxy to {addr}"))?;
                        l.set_nonblocking(true)?;
                        Ok((rt, l))
                    })();
                    let (rt, listener) = match bound {
                        Ok(x) => x,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(listener.local_addr().map_err(Into::into));
                    rt.block_on(serve(listener, shared, stop_rx));
                })
                .context("cannot start the Ingress proxy's thread")?
        };
        let bound = ready_rx
            .recv()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the Ingress proxy's thread ended")));
        tracer.emit(TraceEvent {
            pid: std::process::id() as i32,
            op: "bind".to_string(),
            args: format!("tcp {addr} in {ns_name}"),
            ok: bound.is_ok(),
            result: match &bound {
                Ok(_) => "0".to_string(),
                Err(e) => format!("{e:#}"),
            },
            duration_us: started.elapsed().as_micros() as u64,
            shell: None,
        });
        let addr = match bound {
            Ok(a) => a,
            Err(e) => {
                let _ = thread.join();
                return Err(e);
            }
        };
        Ok(IngressProxy {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The address it serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The file it reads its rules from, as errors name it.
    pub fn file(&self) -> &str {
        &self.shared.shown
    }

    /// Reads the file again now, even unchanged: its rules, or the sentence refusing
    /// it (the proxy then keeps the rules it had).
    pub fn reload(&self) -> Result<()> {
        self.shared.reload(true)
    }

    /// Reads the file if it changed since the proxy last read it. Errors only when the
    /// file cannot be read; a refused file is [`IngressProxy::refused`].
    pub fn sync(&self) -> Result<()> {
        match self.shared.reload(false) {
            Err(e) if e.downcast_ref::<Refused>().is_some() => Ok(()),
            other => other,
        }
    }

    /// Why the file as it is now was refused, if it was.
    pub fn refused(&self) -> Option<Arc<anyhow::Error>> {
        self.shared.refused.lock().ok()?.clone()
    }

    /// The Ingress it routes by.
    pub fn ingress(&self) -> Ingress {
        self.shared
            .ingress
            .read()
            .map(|i| i.clone())
            .unwrap_or_default()
    }

    /// The node's Services changed: route to their endpoints from now on.
    pub fn set_services(&self, services: Services) {
        if let Ok(mut s) = self.shared.services.write() {
            *s = services;
        }
    }

    /// The requests answered, oldest first (the last 256).
    pub fn log(&self) -> Vec<ProxyRequest> {
        self.shared
            .log
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Stops the thread, closing its socket and connections. Idempotent; also on drop.
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for IngressProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The proxy's loop: accepts connections and reads the file when it changes, until told
/// to stop.
async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let mut tick = tokio::time::interval(WATCH);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {
                let _ = shared.reload(false);
            }
            accepted = listener.accept() => {
                let Ok((stream, client)) = accepted else { continue };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, std::convert::Infallible>(handle(&shared, client, req).await) }
                    });
                    // `nc` and other simple clients shut their write side once the
                    // request is sent: still answer them.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .half_close(true)
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(UPSTREAM_TIMEOUT)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// Headers that belong to one hop, not passed on (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn reply(status: u16, body: &str) -> hyper::Response<Full<Bytes>> {
    let mut r = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    r
}

/// Routes one request and passes it to the chosen endpoint, logging it.
async fn handle(
    shared: &Shared,
    client: SocketAddr,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let host_header = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(String::from)
        .or_else(|| req.uri().host().map(String::from))
        .unwrap_or_default();
    // `Host: api.example:80` routes as `api.example`.
    let host = match host_header.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
        _ => host_header.clone(),
    };
    let path = req.uri().path().to_string();
    let mut entry = ProxyRequest {
        at_ms: shared.start.elapsed().as_millis() as u64,
        client: client.to_string(),
        method: req.method().to_string(),
        host: host.clone(),
        path: path.clone(),
        rule: String::new(),
        backend: String::new(),
        status: 0,
    };
    let resp = match shared.choose(&host, &path) {
        // ingress-nginx's default backend answers what no rule takes.
        None => reply(404, "default backend - 404\n"),
        Some((route, ep)) => {
            entry.rule = route.rule;
            match ep {
                None => {
                    entry.backend = format!("{} → (no endpoints)", route.backend.service);
                    reply(503, "503 Service Temporarily Unavailable\n")
                }
                Some((pod, to)) => {
                    entry.backend = format!("{} → {pod} {to}", route.backend.service);
                    match forward(req, to, client).await {
                        Ok(r) => r,
                        Err(_) => reply(502, "502 Bad Gateway\n"),
                    }
                }
            }
        }
    };
    entry.status = resp.status().as_u16();
    shared.record(entry);
    resp
}

/// Passes a request to `to` over a new HTTP/1.1 connection and returns its response,
/// with the `X-Forwarded-*` headers a controller adds and the hop-by-hop ones left out.
async fn forward(
    req: hyper::Request<hyper::body::Incoming>,
    to: SocketAddr,
    client: SocketAddr,
) -> Result<hyper::Response<Full<Bytes>>> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let stream = tokio::time::timeout(UPSTREAM_TIMEOUT, tokio::net::TcpStream::connect(to))
        .await
        .context("timed out")??;
    let (mut send, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let mut out = hyper::Request::builder().method(parts.method).uri(uri);
    for (k, v) in &parts.headers {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            out = out.header(k, v);
        }
    }
    if !parts.headers.contains_key(hyper::header::HOST) {
        out = out.header(hyper::header::HOST, to.to_string());
    }
    let out = out
        .header("x-forwarded-for", client.ip().to_string())
        .header("x-forwarded-proto", "http")
        .body(Full::new(body))?;
    let resp = tokio::time::timeout(UPSTREAM_TIMEOUT, send.send_request(out))
        .await
        .context("timed out")??;
    let (parts, body) = resp.into_parts();
    let body = tokio::time::timeout(UPSTREAM_TIMEOUT, body.collect())
        .await
        .context("timed out")??
        .to_bytes();
    let mut r = hyper::Response::new(Full::new(body));
    *r.status_mut() = parts.status;
    for (k, v) in &parts.headers {
        if !HOP_BY_HOP.contains(&k.as_str()) && k != hyper::header::CONTENT_LENGTH {
            r.headers_mut().append(k, v.clone());
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> Services {
        let svc = |ip: &str, name: &str| ProxyService {
            port: 80,
            port_name: Some("http".into()),
            endpoints: vec![(name.to_string(), ip.parse().unwrap())],
        };
        [
            ("web".to_string(), svc("10.244.1.2", "web")),
            ("api".to_string(), svc("10.244.1.3", "api")),
        ]
        .into_iter()
        .collect()
    }

    fn ingress(rules: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\nspec:\n{rules}"
        )
    }

    fn path(p: &str, t: &str, svc: &str) -> String {
        format!(
            "      - path: {p}\n        pathType: {t}\n        backend:\n          service:\n            name: {svc}\n            port:\n              number: 80\n"
        )
    }

    fn to(i: &Ingress, host: &str, p: &str) -> Option<String> {
        i.route(host, p).map(|r| r.backend.service)
    }

    #[test]
    fn the_longest_prefix_wins_element_by_element() {
        let text = ingress(&format!(
            "  rules:\n  - http:\n      paths:\n{}{}",
            path("/", "Prefix", "web"),
            path("/api/", "Prefix", "api")
        ));
        let i = parse(&text, "ingress.yaml", &services()).unwrap();
        assert_eq!(to(&i, "x", "/").as_deref(), Some("web"));
        assert_eq!(to(&i, "x", "/api").as_deref(), Some("api"));
        assert_eq!(to(&i, "x", "/api/v1/items").as_deref(), Some("api"));
        // A prefix matches whole path elements: /apix is not under /api.
        assert_eq!(to(&i, "x", "/apix").as_deref(), Some("web"));
        assert_eq!(
            i.route("x", "/api/v1").unwrap().rule,
            "* /api/ (Prefix)".to_string()
        );
    }

    #[test]
    fn exact_matches_only_itself_and_beats_an_equal_prefix() {
        let text = ingress(&format!(
            "  rules:\n  - http:\n      paths:\n{}{}{}",
            path("/api", "Prefix", "web"),
            path("/api", "Exact", "api"),
            path("/login", "Exact", "api")
        ));
        let i = parse(&text, "ingress.yaml", &services()).unwrap();
        assert_eq!(to(&i, "x", "/api").as_deref(), Some("api"));
        assert_eq!(to(&i, "x", "/api/").as_deref(), Some("web"));
        assert_eq!(to(&i, "x", "/login").as_deref(), Some("api"));
        // Exact is case-sensitive and takes no trailing slash; nothing else matches.
        assert_eq!(to(&i, "x", "/Login"), None);
        assert_eq!(to(&i, "x", "/login/"), None);
    }

    #[test]
    fn the_host_picks_the_rules_before_the_path() {
        let text = ingress(&format!(
            "  defaultBackend:\n    service:\n      name: web\n      port:\n        name: http\n  rules:\n  - host: api.example\n    http:\n      paths:\n{}  - host: \"*.example\"\n    http:\n      paths:\n{}",
            path("/", "Prefix", "api"),
            path("/v2", "Prefix", "web")
        ));
        let i = parse(&text, "ingress.yaml", &services()).unwrap();
        assert_eq!(to(&i, "API.example.", "/anything").as_deref(), Some("api"));
        // The wildcard covers one label; its host's rules have no `/`: default backend.
        assert_eq!(to(&i, "shop.example", "/v2/x").as_deref(), Some("web"));
        assert_eq!(i.route("shop.example", "/").unwrap().rule, "defaultBackend");
        assert_eq!(
            i.route("a.b.example", "/v2").unwrap().rule,
            "defaultBackend"
        );
        assert_eq!(
            i.describe()[0],
            "api.example / (Prefix) → api:80".to_string()
        );
    }

    fn refused(text: &str) -> String {
        format!(
            "{:#}",
            parse(text, "ingress.yaml", &services()).unwrap_err()
        )
    }

    #[test]
    fn bad_input_is_one_sentence_at_its_line() {
        let old = "apiVersion: extensions/v1beta1\nkind: Ingress\nspec: {}\n";
        let e = refused(old);
        assert!(e.starts_with("ingress.yaml:1: "), "{e}");
        assert!(e.contains("networking.k8s.io/v1"), "{e}");
        let e = refused(&ingress(&format!(
            "  rules:\n  - http:\n      paths:\n{}",
            path("/", "Prefix", "nosuch")
        )));
        // The line of the backend's service.
        assert!(e.starts_with("ingress.yaml:12: "), "{e}");
        assert!(e.contains("nosuch") && e.contains("api, web"), "{e}");
        let e = refused(&ingress(&format!(
            "  rules:\n  - http:\n      paths:\n{}",
            path("api", "Prefix", "api")
        )));
        assert!(
            e.starts_with("ingress.yaml:9: ") && e.contains("\"api\""),
            "{e}"
        );
        let e = refused(&ingress(&format!(
            "  rules:\n  - host: Bad_Host\n    http:\n      paths:\n{}",
            path("/", "Prefix", "api")
        )));
        assert!(
            e.starts_with("ingress.yaml:7: ") && e.contains("Bad_Host"),
            "{e}"
        );
        let e = refused(&ingress(&format!(
            "  rules:\n  - host: 10.0.0.1\n    http:\n      paths:\n{}",
            path("/", "Prefix", "api")
        )));
        assert!(e.contains("10.0.0.1"), "{e}");
        let e = refused(&ingress(&format!(
            "  rules:\n  - http:\n      paths:\n{}",
            path("/", "Sometimes", "api")
        )));
        assert!(
            e.starts_with("ingress.yaml:10: ") && e.contains("Sometimes"),
            "{e}"
        );
        let e = refused(&ingress(&format!(
            "  rules:\n  - http:\n      paths:\n{}",
            path("/", "Prefix", "api").replace("number: 80", "number: 8080")
        )));
        assert!(e.contains("8080"), "{e}");
        let e = refused("kind: Ingress\n  bad: [indent\n");
        assert!(e.starts_with("ingress.yaml:"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn hosts_are_dns_names() {
        for ok in ["api.example", "*.example", "a-b.c1"] {
            assert!(host_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "API.example",
            "a_b",
            "*.",
            "-a.b",
            "1.2.3.4",
            "a..b",
            "*",
        ] {
            assert!(!host_ok(bad), "{bad}");
        }
    }
}
