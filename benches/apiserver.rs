//! The API server's overhead over etcd, as ratios measured in the same run: a `get` of
//! one ConfigMap, a `list` of 100 and of 1,000, each through the API server (HTTPS,
//! a bearer token, RBAC on: the user is allowed by a RoleBinding to `view`, not by
//! `system:masters`) against the same read straight from etcd (its JSON gateway, the
//! client the server itself uses); and a watch event's delay after a write to etcd, seen
//! through the API server's watch against etcd's own watch. One keep-alive connection,
//! one request at a time. Run as root with `cargo bench --bench apiserver`; needs
//! Debian's `etcd-server`.

use contlab::apiserver::storage::{self, Etcd, Expect};
use contlab::apiserver::{Status, rest};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// `up` in a state directory of its own; `down` when dropped.
struct Server {
    state: tempfile::TempDir,
    status: Status,
}

impl Server {
    fn contlab(state: &std::path::Path) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_contlab"));
        c.env("CONTLAB_STATE_DIR", state)
            .env("CONTLAB_RUN_DIR", state.join("run"));
        c
    }

    fn up() -> Server {
        let state = tempfile::Builder::new()
            .prefix("contlab-apibench-")
            .tempdir()
            .unwrap();
        let out = Server::contlab(state.path())
            .args(["apiserver", "up"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "apiserver up: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let status: Status = serde_json::from_slice(
            &std::fs::read(state.path().join("apiserver/status.json")).unwrap(),
        )
        .unwrap();
        Server { state, status }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Server::contlab(self.state.path())
            .args(["apiserver", "down"])
            .output();
    }
}

/// A keep-alive HTTPS connection to the server, trusting its CA.
async fn connect(st: &Status) -> Sender {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(&st.ca).unwrap();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(&ca).unwrap())
        .unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let addr = st.url.trim_start_matches("https://").to_string();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await
        .unwrap();
    let (send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    send
}

async fn request(
    send: &mut Sender,
    token: &str,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, Bytes) {
    let req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    let code = resp.status().as_u16();
    (code, resp.into_body().collect().await.unwrap().to_bytes())
}

/// Median and 99th percentile.
fn spread(mut d: Vec<Duration>) -> (Duration, Duration) {
    d.sort();
    (d[d.len() / 2], d[(d.len() * 99 / 100).min(d.len() - 1)])
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn report(what: &str, api: Vec<Duration>, etcd: Vec<Duration>) {
    let (a50, a99) = spread(api);
    let (e50, e99) = spread(etcd);
    println!(
        "{what:<22} API server {} (p99 {})   etcd {} (p99 {})   ratio {:.2}×",
        ms(a50),
        ms(a99),
        ms(e50),
        ms(e99),
        a50.as_secs_f64() / e50.as_secs_f64()
    );
}

/// `n` ConfigMaps in namespace `ns`, written straight to etcd as the server stores them.
async fn fill(etcd: &Etcd, ns: &str, n: usize) {
    let mut obj =
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
    rest::stamp_new(&mut obj);
    etcd.put(
        &storage::key("namespaces", None, ns),
        obj.to_string().as_bytes(),
        Expect::Absent,
    )
    .await
    .unwrap();
    for i in 0..n {
        let name = format!("cm-{i}");
        let mut cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": "bench"}},
            "data": {"colour": "blue", "size": "large", "note": "x".repeat(200)}});
        rest::stamp_new(&mut cm);
        etcd.put(
            &storage::key("configmaps", Some(ns), &name),
            cm.to_string().as_bytes(),
            Expect::Absent,
        )
        .await
        .unwrap();
    }
}

/// Times `rounds` API requests and as many etcd reads, alternated.
async fn versus<F, G>(rounds: usize, mut api: F, mut etcd: G) -> (Vec<Duration>, Vec<Duration>)
where
    F: AsyncFnMut(),
    G: AsyncFnMut(),
{
    let (mut a, mut e) = (Vec::new(), Vec::new());
    for _ in 0..rounds / 10 {
        api().await;
        etcd().await;
    }
    for _ in 0..rounds {
        let t = Instant::now();
        api().await;
        a.push(t.elapsed());
        let t = Instant::now();
        etcd().await;
        e.push(t.elapsed());
    }
    (a, e)
}

/// The delay between a write to etcd and its event on a watch stream read line by line.
async fn watch_delays(
    etcd: &Etcd,
    rounds: usize,
    mut lines: tokio::sync::mpsc::Receiver<()>,
    key: &str,
) -> Vec<Duration> {
    let mut out = Vec::new();
    for i in 0..rounds {
        let mut cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": key.rsplit('/').next().unwrap(), "namespace": "watch"},
            "data": {"i": i.to_string()}});
        rest::stamp_new(&mut cm);
        let t = Instant::now();
        etcd.put(key, cm.to_string().as_bytes(), Expect::Present)
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(10), lines.recv())
            .await
            .expect("a watch event within 10 s")
            .expect("the watch stream is open");
        out.push(t.elapsed());
    }
    out
}

fn main() {
    if contlab::etcd::tools().is_none() {
        eprintln!("skipped: {}", contlab::etcd::MISSING);
        return;
    }
    let server = Server::up();
    let st = server.status.clone();
    let tokens = std::fs::read_to_string(&st.tokens).unwrap();
    let line = tokens.lines().find(|l| !l.starts_with('#')).unwrap();
    let (token, user) = {
        let mut f = line.split(',');
        (f.next().unwrap().to_string(), f.next().unwrap().to_string())
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let etcd = Etcd::new(&st.etcd).unwrap();
        fill(&etcd, "b100", 100).await;
        fill(&etcd, "b1000", 1000).await;
        fill(&etcd, "watch", 1).await;
        let mut send = connect(&st).await;
        // The token's user reads through a RoleBinding per namespace, as a student would.
        for ns in ["b100", "b1000", "watch"] {
            let binding = serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding", "metadata": {"name": "bench-view", "namespace": ns},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]});
            etcd.put(
                &storage::key("rolebindings", Some(ns), "bench-view"),
                binding.to_string().as_bytes(),
                Expect::Absent,
            )
            .await
            .unwrap();
        }
        let (code, body) = request(
            &mut send,
            &token,
            "GET",
            "/api/v1/namespaces/b1000/configmaps",
            "",
        )
        .await;
        assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["items"].as_array().map(Vec::len), Some(1000));

        println!("one request at a time, one keep-alive connection; medians");
        let get_key = storage::key("configmaps", Some("b100"), "cm-7");
        let (a, e) = versus(
            1000,
            async || {
                let (c, _) = request(
                    &mut send,
                    &token,
                    "GET",
                    "/api/v1/namespaces/b100/configmaps/cm-7",
                    "",
                )
                .await;
                assert_eq!(c, 200);
            },
            async || {
                etcd.get(&get_key).await.unwrap().unwrap();
            },
        )
        .await;
        report("get", a, e);
        for (n, rounds) in [(100, 300), (1000, 60)] {
            let path = format!("/api/v1/namespaces/b{n}/configmaps");
            let prefix = storage::prefix("configmaps", Some(&format!("b{n}")));
            let (a, e) = versus(
                rounds,
                async || {
                    let (c, _) = request(&mut send, &token, "GET", &path, "").await;
                    assert_eq!(c, 200);
                },
                async || {
                    assert_eq!(etcd.list(&prefix).await.unwrap().items.len(), n);
                },
            )
            .await;
            report(&format!("list {n}"), a, e);
        }

        // Watches: the API server's stream, and etcd's own, each told of the same kind
        // of write; a line (an event) is signalled as soon as it arrives.
        let key = storage::key("configmaps", Some("watch"), "cm-0");
        let rev = etcd.revision().await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let mut watcher = connect(&st).await;
        let token2 = token.clone();
        tokio::spawn(async move {
            let req = hyper::Request::get(format!(
                "/api/v1/namespaces/watch/configmaps?watch=1&resourceVersion={rev}"
            ))
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {token2}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
            let mut body = watcher.send_request(req).await.unwrap().into_body();
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data() {
                    for _ in data.iter().filter(|&&b| b == b'\n') {
                        if tx.send(()).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let api = watch_delays(&etcd, 100, rx, &key).await;
        let rev = etcd.revision().await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let watched = etcd.clone();
        tokio::spawn(async move {
            let prefix = storage::prefix("configmaps", Some("watch"));
            let _ = watched
                .watch(&prefix, rev + 1, |events| {
                    events.iter().all(|_| tx.try_send(()).is_ok())
                })
                .await;
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let own = watch_delays(&etcd, 100, rx, &key).await;
        report("watch event delay", api, own);
    });
    drop(server);
}
