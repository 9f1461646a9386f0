//! `contlab apiserver`: a Kubernetes-compatible API server in front of a real etcd, both
//! on 127.0.0.1, that authenticates as kube-apiserver does and authorizes every request
//! with contlab's RBAC authorizer (`crate::rbac`).
//!
//! `run` is the server in the foreground: it writes its ledger record (itself, the etcd
//! members, its directories) so that `contlab cleanup` can undo a SIGKILLed server,
//! starts etcd (`crate::etcd::Cluster`), makes the CA and the certificates, stores the
//! bootstrap RBAC objects and namespaces, writes the kubeconfig and `status.json`, and
//! serves. `up` starts `run` in its own session and returns once `status.json` says both
//! answer; `down` sends it SIGTERM, and the teardown service stops etcd and removes
//! everything.

pub mod authn;
pub mod authz;
pub mod client;
pub mod discovery;
pub mod pki;
pub mod proto;
pub mod request;
pub mod rest;
pub mod review;
pub mod satoken;
pub mod server;
pub mod smp;
pub mod storage;
pub mod table;

/// The fuzz-style tests' input maker: seeded xorshift, so a failure repeats.
#[cfg(test)]
pub(crate) struct Mutator(u64);

#[cfg(test)]
impl Mutator {
    pub(crate) fn new(seed: u64) -> Mutator {
        Mutator(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `seed` with up to `edits` removals, insertions (from `alphabet`) and cuts, none
    /// in its first `keep` bytes.
    pub(crate) fn mutate(
        &mut self,
        seed: &[u8],
        alphabet: &[u8],
        keep: usize,
        edits: u64,
    ) -> Vec<u8> {
        let mut s = seed.to_vec();
        for _ in 0..=(self.next() % edits) {
            let room = s.len().saturating_sub(keep) + 1;
            let at = keep.min(s.len()) + (self.next() as usize) % room;
            match self.next() % 3 {
                0 if at < s.len() => {
                    s.remove(at);
                }
                1 => s.insert(at, alphabet[(self.next() as usize) % alphabet.len()]),
                _ => s.truncate(at),
            }
        }
        s
    }
}

use crate::runtime::ledger::{self, Ledger, ProcessId};
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The ledger record's id.
const RECORD: &str = "contlab-apiserver";

/// How the server is started.
#[derive(Clone, Debug)]
pub struct Options {
    /// etcd members: 1 or 3.
    pub members: usize,
    /// Requests without credentials are `system:anonymous` (kube-apiserver's default);
    /// off, they are a 401.
    pub anonymous: bool,
    /// 0: a free port.
    pub port: u16,
}

/// What `status` reports, and `run` writes once both etcd and the server answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub pid: i32,
    pub url: String,
    pub etcd: Vec<String>,
    pub kubeconfig: PathBuf,
    pub ca: PathBuf,
    pub tokens: PathBuf,
    pub audit_log: PathBuf,
    pub dir: PathBuf,
}

/// The server's directory: certificates, kubeconfig, token file, logs, `status.json`.
pub fn dir() -> PathBuf {
    crate::paths::state_dir().join("apiserver")
}

fn status_file() -> PathBuf {
    dir().join("status.json")
}

fn record_path() -> PathBuf {
    ledger::records_dir().join(format!("{RECORD}.json"))
}

/// RFC 3339 in UTC, seconds precision, as Kubernetes writes timestamps.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the epoch in RFC 3339, UTC.
pub fn rfc3339(secs: i64) -> String {
    let (y, m, d) = crate::civil::date(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The running server, if `status.json` names a live process.
pub fn status() -> Option<Status> {
    let text = std::fs::read_to_string(status_file()).ok()?;
    let st: Status = serde_json::from_str(&text).ok()?;
    let rec = Ledger::open(&record_path()).ok()?;
    rec.record()
        .owner
        .filter(|o| o.pid == st.pid && o.is_alive())
        .map(|_| st)
}

/// Why `sign` or `token` could not answer.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the API server is not running")]
    NotRunning,
    #[error(transparent)]
    Sign(#[from] pki::SignError),
    #[error(transparent)]
    Token(#[from] satoken::TokenError),
}

/// The running server's file `name` (the CA's or the token key's).
fn server_file(name: &str) -> Result<String, IssueError> {
    let st = status().ok_or(IssueError::NotRunning)?;
    std::fs::read_to_string(st.dir.join(name)).map_err(|_| IssueError::NotRunning)
}

/// `apiserver sign`: the running server's CA signs a PEM CSR for `days` days.
pub fn sign(csr_pem: &str, days: u32) -> Result<String, IssueError> {
    let ca = pki::Pair {
        cert: server_file("ca.crt")?,
        key: server_file("ca.key")?,
    };
    Ok(pki::sign_csr(&ca, csr_pem, days)?)
}

/// `apiserver token`: a ServiceAccount token for `ns_sa` (`NAMESPACE/NAME`), valid
/// `secs` seconds, that the running server accepts.
pub fn service_account_token(ns_sa: &str, secs: i64) -> Result<String, IssueError> {
    let key = server_file("sa.key")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(satoken::issue(&key, ns_sa, now, secs)?)
}

/// Undoes what a dead server's record names. Returns an error when a live server owns it.
fn clean_stale() -> Result<()> {
    let path = record_path();
    let Ok(rec) = Ledger::open(&path) else {
        return Ok(());
    };
    if let Some(o) = rec.record().owner.filter(ProcessId::is_alive) {
        bail!("the API server is already running (pid {})", o.pid);
    }
    crate::runtime::teardown::undo(rec.record());
    rec.finish()
}

/// Directory and record of this process's server, removed by the teardown hook.
static LIVE: Mutex<Option<(PathBuf, PathBuf)>> = Mutex::new(None);

fn remove_live() {
    if let Some((dir, record)) = LIVE.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::remove_file(record);
    }
}

/// Writes `text` to a file only its owner may read (keys, tokens, kubeconfigs).
pub(crate) fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// A kubeconfig for `user`, with every certificate inline.
fn kubeconfig(url: &str, ca: &str, client: &pki::Pair, user: &str) -> String {
    use base64::Engine as _;
    let b = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: contlab\n  cluster:\n    server: {url}\n    \
         certificate-authority-data: {}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {}\n    \
         client-key-data: {}\ncontexts:\n- name: contlab\n  context:\n    cluster: contlab\n    user: {user}\n    \
         namespace: default\ncurrent-context: contlab\n",
        b(ca),
        b(&client.cert),
        b(&client.key)
    )
}

/// A random token for the token file.
fn token() -> String {
    let mut b = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut b);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The server in the foreground, until a signal ends it (the teardown service then
/// stops etcd and removes the directory and the record). Call from the main thread:
/// the etcd members die with the thread that started them.
pub fn run(opts: &Options) -> Result<()> {
    if !matches!(opts.members, 1 | 3) {
        bail!(
            "the API server's etcd has 1 or 3 members, not {}",
            opts.members
        );
    }
    clean_stale()?;
    let dir = dir();
    let mut record = Ledger::create(RECORD)?;
    record.update(|r| {
        r.processes.push(ProcessId::current());
        r.dirs.push(dir.clone());
    })?;
    *LIVE.lock().unwrap_or_else(|p| p.into_inner()) =
        Some((dir.clone(), record.path().to_path_buf()));
    crate::shutdown::register(crate::shutdown::Phase::Processes, "apiserver", remove_live);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cluster = crate::etcd::Cluster::start(opts.members)?;
    record.update(|r| {
        r.dirs.push(cluster.dir().to_path_buf());
        r.processes.extend(
            cluster
                .pids()
                .into_iter()
                .filter_map(|p| ProcessId::of(p as i32)),
        );
    })?;
    let endpoints: Vec<String> = (1..=cluster.len())
        .filter_map(|i| cluster.endpoint(i))
        .collect();

    let ca = pki::new_ca()?;
    let serving = pki::issue(&ca.key, pki::Leaf::Server)?;
    let admin = pki::issue(
        &ca.key,
        pki::Leaf::Client {
            user: "admin",
            groups: &[crate::rbac::SUPERUSER_GROUP.to_string()],
        },
    )?;
    std::fs::write(dir.join("ca.crt"), &ca.cert)?;
    write_private(&dir.join("ca.key"), &ca.key)?;
    write_private(&dir.join("sa.key"), &satoken::new_key()?)?;
    let tokens = dir.join("tokens.csv");
    write_private(
        &tokens,
        &format!(
            "# token,user,uid,\"group1,group2\" (kube-apiserver's --token-auth-file)\n{},student,1001,\"students\"\n",
            token()
        ),
    )?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .context("cannot listen on 127.0.0.1")?;
        let address = listener.local_addr()?.to_string();
        let url = format!("https://{address}");
        let etcd = storage::Etcd::new(&endpoints)?;
        authz::store_bootstrap(&etcd).await?;
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let mut obj = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns},
                                             "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
            rest::stamp_new(&mut obj);
            if let Some(m) = obj["metadata"].as_object_mut() {
                m.remove("generation");
            }
            etcd.put(&storage::key("namespaces", None, ns), obj.to_string().as_bytes(), storage::Expect::Absent)
                .await?;
        }
        let tls = tls_config(&ca, &serving)?;
        let roots = client_roots(&ca)?;
        let shared = Arc::new(server::Shared {
            etcd,
            authn: authn::Authenticator {
                verifier: roots,
                tokens: authn::parse_token_file(&std::fs::read_to_string(&tokens)?),
                service_accounts: Some(satoken::Verifier::new(&std::fs::read_to_string(dir.join("sa.key"))?)?),
                anonymous: opts.anonymous,
            },
            authz: authz::Authorizer::default(),
            audit: Mutex::new(
                std::fs::OpenOptions::new().create(true).append(true).open(dir.join("audit.log")).ok(),
            ),
            address,
        });
        let kc = dir.join("kubeconfig");
        write_private(&kc, &kubeconfig(&url, &ca.cert, &admin, "admin"))?;
        let st = Status {
            pid: std::process::id() as i32,
            url,
            etcd: endpoints.clone(),
            kubeconfig: kc,
            ca: dir.join("ca.crt"),
            tokens: tokens.clone(),
            audit_log: dir.join("audit.log"),
            dir: dir.clone(),
        };
        let tmp = dir.join("status.json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&st)?)?;
        std::fs::rename(&tmp, status_file())?;
        tracing::info!("API server at {} (etcd {})", st.url, endpoints.join(","));
        server::serve(listener, tls, shared).await
    })?;
    drop(cluster);
    Ok(())
}

fn tls_config(ca: &pki::Pair, serving: &pki::Pair) -> Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(authn::AnyClientCert(client_roots(ca)?));
    let chain = vec![CertificateDer::from_pem_slice(serving.cert.as_bytes())?];
    let key = PrivateKeyDer::from_pem_slice(serving.key.as_bytes())?;
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    Ok(Arc::new(cfg))
}

/// The verifier of client certificates: chains to the CA, for client authentication.
fn client_roots(ca: &pki::Pair) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(ca.cert.as_bytes())?)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .allow_unauthenticated()
        .build()
        .map_err(|e| anyhow!("cannot build the client certificate verifier: {e}"))
}

/// Starts `contlab apiserver run` in its own session and waits until it answers.
pub fn up(opts: &Options) -> Result<Status> {
    start(opts, false).map(|(_, st)| st)
}

/// Starts `contlab apiserver run` as this thread's child for a lesson, and waits until it
/// answers: it gets SIGTERM when the thread ends (`PR_SET_PDEATHSIG`), SIGKILL of
/// contlab included, and its own teardown then stops etcd and removes its directory.
/// `down` stops it; the caller reaps the returned child.
pub fn start_attached(opts: &Options) -> Result<(std::process::Child, Status)> {
    start(opts, true)
}

fn start(opts: &Options, attached: bool) -> Result<(std::process::Child, Status)> {
    if let Some(st) = status() {
        bail!(
            "the API server is already running at {} (pid {})",
            st.url,
            st.pid
        );
    }
    clean_stale()?;
    let _ = std::fs::remove_file(status_file());
    let dir = dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let log_path = dir.join("server.log");
    let log = std::fs::File::create(&log_path)?;
    let exe = crate::runtime::process::contlab_binary()
        .context("cannot find contlab's own executable")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["apiserver", "run", "--members", &opts.members.to_string()])
        .arg(format!("--port={}", opts.port))
        .arg(format!("--anonymous-auth={}", opts.anonymous))
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid(2), setpgid(2) and prctl(2) are async-signal-safe. Detached, the
    // server leaves the terminal's session so a Ctrl-C there does not reach it; attached,
    // it leaves only the process group (contlab's own teardown stops it) and dies with
    // the thread that started it.
    unsafe {
        cmd.pre_exec(move || {
            let failed = if attached {
                libc::setpgid(0, 0) < 0
                    || libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) < 0
            } else {
                libc::setsid() < 0
            };
            if failed {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().context("cannot start the API server")?;
    let start = Instant::now();
    loop {
        if let Some(st) = status().filter(|s| s.pid == child.id() as i32) {
            return Ok((child, st));
        }
        if let Some(code) = child.try_wait()? {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            let _ = clean_stale();
            let _ = std::fs::remove_dir_all(&dir);
            bail!(
                "the API server ended ({code}) before it answered: {}",
                text.trim()
            );
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            let _ = clean_stale();
            bail!(
                "the API server did not answer within 60 s (log: {})",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops the server and etcd, and removes the directory. False when none was running.
pub fn down() -> Result<bool> {
    let Ok(rec) = Ledger::open(&record_path()) else {
        let _ = std::fs::remove_dir_all(dir());
        return Ok(false);
    };
    let Some(owner) = rec.record().owner.filter(ProcessId::is_alive) else {
        clean_stale()?;
        return Ok(false);
    };
    // SAFETY: kill(2) on the server's own pid, checked alive a moment ago.
    unsafe { libc::kill(owner.pid, libc::SIGTERM) };
    let start = Instant::now();
    while owner.is_alive() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Whatever the server did not remove (or a server that ignored SIGTERM) goes now.
    if let Ok(rec) = Ledger::open(&record_path()) {
        crate::runtime::teardown::undo(rec.record());
        rec.finish()?;
    }
    Ok(true)
}
