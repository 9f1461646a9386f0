//! A client of the running API server, as a holder of a client certificate (the lesson
//! engine uses the admin's): HTTPS to the server's 127.0.0.1 address, trusting only its
//! CA, one connection per call. The lesson engine asks the live server its
//! SubjectAccessReviews with it ([`access_review`]) and reads the RBAC objects it
//! authorizes with straight from etcd ([`live_policy`]), the way the server does.

use super::Status;
use super::authz::Authorizer;
use super::storage::Etcd;
use crate::rbac::{Policy, Request, Target};
use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How long one call may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Client {
    /// host:port
    addr: String,
    tls: Arc<rustls::ClientConfig>,
    etcd: Vec<String>,
}

/// The server's answer to a SubjectAccessReview: the verdict, the authorizer's reason
/// and its whole explanation (the first line is the reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewAnswer {
    pub allowed: bool,
    pub reason: String,
    pub explain: Vec<String>,
}

impl Client {
    /// A client of the server `status` names, with the certificate and key (PEM).
    pub fn new(status: &Status, cert_pem: &str, key_pem: &str) -> Result<Client> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let ca = std::fs::read(&status.ca)
            .with_context(|| format!("cannot read {}", status.ca.display()))?;
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(&ca)?)?;
        let chain = vec![CertificateDer::from_pem_slice(cert_pem.as_bytes())?];
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())?;
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)?;
        let addr = status
            .url
            .strip_prefix("https://")
            .ok_or_else(|| anyhow!("not an https URL: {}", status.url))?
            .trim_end_matches('/')
            .to_string();
        Ok(Client {
            addr,
            tls: Arc::new(tls),
            etcd: status.etcd.clone(),
        })
    }

    /// Runs `f` on a runtime of this thread, within [`TIMEOUT`].
    fn block_on<T>(&self, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async {
            tokio::time::timeout(TIMEOUT, f)
                .await
                .map_err(|_| anyhow!("no answer within {} s", TIMEOUT.as_secs()))?
        })
    }

    /// POSTs `body` (JSON) to `path`: the status code and the JSON answer.
    pub fn post(&self, path: &str, body: &Value) -> Result<(u16, Value)> {
        self.block_on(async {
            let tcp = tokio::net::TcpStream::connect(&self.addr)
                .await
                .with_context(|| format!("cannot reach the API server at {}", self.addr))?;
            let name = rustls::pki_types::ServerName::try_from("127.0.0.1")?;
            let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
                .connect(name, tcp)
                .await
                .context("TLS handshake with the API server")?;
            let (mut send, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            let req = hyper::Request::post(path)
                .header("host", &self.addr)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))?;
            let resp = send.send_request(req).await?;
            let code = resp.status().as_u16();
            let bytes = resp.into_body().collect().await?.to_bytes();
            let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            Ok((code, v))
        })
    }

    /// Asks the server whether `req`'s user and groups, exactly as given, may do what
    /// `req` asks: a SubjectAccessReview. A refusal of the review itself (a 4xx) is an
    /// error carrying the server's message.
    pub fn access_review(&self, req: &Request) -> Result<ReviewAnswer> {
        let (code, v) = self.post(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            &review_body(req),
        )?;
        if code != 201 {
            let message = v["message"].as_str().unwrap_or("").to_string();
            return Err(anyhow!("HTTP {code}: {message}"));
        }
        let reason = v["status"]["reason"].as_str().unwrap_or("").to_string();
        let explain = v["metadata"]["annotations"][super::review::EXPLANATION]
            .as_str()
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_else(|| vec![reason.clone()]);
        Ok(ReviewAnswer {
            allowed: v["status"]["allowed"].as_bool().unwrap_or(false),
            reason,
            explain,
        })
    }

    /// The policy of the RBAC objects now in etcd, read as the server reads them.
    pub fn live_policy(&self) -> Result<Arc<Policy>> {
        let etcd = Etcd::new(&self.etcd)?;
        self.block_on(async { Authorizer::default().policy(&etcd).await })
    }
}

/// The SubjectAccessReview that asks `req`.
pub fn review_body(req: &Request) -> Value {
    let mut spec = json!({"user": req.user.name, "groups": req.user.groups});
    match &req.target {
        Target::Resource(r) => {
            let mut a = json!({"verb": req.verb, "group": r.api_group, "resource": r.resource});
            for (k, v) in [
                ("namespace", &r.namespace),
                ("subresource", &r.subresource),
                ("name", &r.name),
            ] {
                if let Some(v) = v {
                    a[k] = json!(v);
                }
            }
            spec["resourceAttributes"] = a;
        }
        Target::NonResource { path } => {
            spec["nonResourceAttributes"] = json!({"verb": req.verb, "path": path});
        }
    }
    json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec})
}

/// The client certificate and key (PEM) of a kubeconfig `apiserver::run` wrote (the
/// admin's).
pub fn credentials(kubeconfig: &std::path::Path) -> Result<(String, String)> {
    use base64::Engine as _;
    let text = std::fs::read_to_string(kubeconfig)
        .with_context(|| format!("cannot read {}", kubeconfig.display()))?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .ok()
            })
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .filter(|v| !v.is_empty())
            .with_context(|| format!("{} has no {name}", kubeconfig.display()))
    };
    Ok((
        field("client-certificate-data:")?,
        field("client-key-data:")?,
    ))
}
