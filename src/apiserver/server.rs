//! HTTPS on 127.0.0.1 (rustls, hyper's HTTP/1.1) and the path every request takes:
//! authenticate → authorize (and audit) → read the body (bounded) → discovery or the
//! resource's verb. Errors are kube-apiserver's `Status` objects. A client gets 10 s for
//! its TLS handshake and its headers, each connection is its own task, and a body over
//! 3 MiB is refused, so a slow or oversized client stalls no one else.

use super::authn::{Authenticator, Outcome};
use super::authz::{self, Authorizer};
use super::discovery;
use super::request::{self, Info};
use super::rest::Call;
use super::storage::Etcd;
use crate::rbac::{Request, ResourceAttributes, Target, UserInfo};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::Frame;
use hyper::body::Incoming;
use rustls::pki_types::CertificateDer;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The largest body the server reads (kube-apiserver's limit is 3 MiB too).
pub const MAX_BODY: usize = 3 * 1024 * 1024;
const HANDSHAKE: Duration = Duration::from_secs(10);

/// An answer: a status code and a JSON (or plain text) body.
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// A watch: JSON lines that follow `body`, until the sender is dropped.
    pub stream: Option<tokio::sync::mpsc::Receiver<Bytes>>,
}

impl Reply {
    pub fn json(code: u16, v: Value) -> Reply {
        Reply {
            code,
            body: v.to_string().into_bytes(),
            content_type: "application/json",
            stream: None,
        }
    }

    fn text(code: u16, s: &str) -> Reply {
        Reply {
            code,
            body: s.as_bytes().to_vec(),
            content_type: "text/plain; charset=utf-8",
            stream: None,
        }
    }
}

/// A failure as kube-apiserver sends it: a `Status` object.
pub fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Reply {
    let mut v = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(d) = details {
        v["details"] = d;
    }
    Reply::json(code, v)
}

/// kube-apiserver's 403 for a denied question.
fn forbidden(q: &Request) -> Reply {
    let details = match &q.target {
        Target::Resource(r) => {
            let mut d = json!({"kind": r.resource});
            if let Some(n) = &r.name {
                d["name"] = json!(n);
            }
            if !r.api_group.is_empty() {
                d["group"] = json!(r.api_group);
            }
            d
        }
        Target::NonResource { .. } => json!({}),
    };
    status(
        403,
        "Forbidden",
        &authz::forbidden_message(q),
        Some(details),
    )
}

/// A failure of the server or of etcd: a 500.
pub fn internal(e: anyhow::Error) -> Reply {
    status(
        500,
        "InternalError",
        &format!("Internal error occurred: {e:#}"),
        Some(json!({})),
    )
}

/// The 404 for a path or resource the server does not serve.
pub fn not_found_generic() -> Reply {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        Some(json!({})),
    )
}

/// What every connection shares.
pub struct Shared {
    pub etcd: Etcd,
    pub authn: Authenticator,
    pub authz: Authorizer,
    pub audit: Mutex<Option<std::fs::File>>,
    /// host:port, for `/api`'s serverAddressByClientCIDRs.
    pub address: String,
}

impl Shared {
    fn audit(&self, line: &str) {
        use std::io::Write;
        if let Some(f) = self
            .audit
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// Accepts connections until the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    shared: Arc<Shared>,
) -> anyhow::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let (stream, _) = listener.accept().await?;
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await else {
                return;
            };
            let certs: Option<Arc<Vec<CertificateDer<'static>>>> = tls
                .get_ref()
                .1
                .peer_certificates()
                .map(|c| Arc::new(c.to_vec()));
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                let certs = certs.clone();
                async move {
                    let reply = handle(&shared, certs.as_deref().map(Vec::as_slice), req).await;
                    let body = match reply.stream {
                        None => Full::new(Bytes::from(reply.body)).boxed(),
                        Some(rx) => {
                            use futures::StreamExt;
                            let first = Bytes::from(reply.body);
                            let rest = futures::stream::unfold(rx, |mut rx| async move {
                                Some((rx.recv().await?, rx))
                            });
                            let frames = futures::stream::once(async move { first })
                                .chain(rest)
                                .map(|b| Ok::<_, std::convert::Infallible>(Frame::data(b)));
                            BodyExt::boxed(StreamBody::new(frames))
                        }
                    };
                    hyper::Response::builder()
                        .status(reply.code)
                        .header("content-type", reply.content_type)
                        .body(body)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HANDSHAKE)
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

async fn handle(
    shared: &Shared,
    certs: Option<&[CertificateDer<'static>]>,
    req: hyper::Request<Incoming>,
) -> Reply {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = request::query(req.uri().query());
    let info = request::parse(&method, &path, query.watch);
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let user = match shared
        .authn
        .authenticate(certs, header("authorization").as_deref())
    {
        Outcome::User(u) => u,
        Outcome::Unauthorized => {
            shared.audit(
                &json!({"time": super::now_rfc3339(), "path": path, "code": 401}).to_string(),
            );
            return status(401, "Unauthorized", "Unauthorized", None);
        }
    };
    let policy = match shared.authz.policy(&shared.etcd).await {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    // Impersonation (`kubectl --as`, `--as-group`): allowed when the caller may
    // `impersonate` that user and each group.
    let groups: Vec<String> = req
        .headers()
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let user = match header("impersonate-user") {
        Some(name) => {
            let mut asked = vec![("users", name.clone())];
            asked.extend(groups.iter().map(|g| ("groups", g.clone())));
            for (resource, name) in asked {
                let q = Request::new(
                    user.clone(),
                    "impersonate",
                    Target::Resource(ResourceAttributes {
                        namespace: None,
                        api_group: String::new(),
                        resource: resource.to_string(),
                        subresource: None,
                        name: Some(name),
                    }),
                );
                let d = policy.authorize(&q);
                if !d.allowed {
                    shared.audit(&authz::audit_line(&q, &d, 403));
                    return forbidden(&q);
                }
            }
            UserInfo::new(&name, &groups)
        }
        None if !groups.is_empty() => {
            return status(
                400,
                "BadRequest",
                "requested groups without a user to impersonate",
                None,
            );
        }
        None => user,
    };
    let question = authz::question(&user, &info);
    let decision = policy.authorize(&question);
    if !decision.allowed {
        shared.audit(&authz::audit_line(&question, &decision, 403));
        return forbidden(&question);
    }
    let content_type = header("content-type").unwrap_or_default();
    let accept = header("accept").unwrap_or_default();
    // A body declared too large is refused before a byte of it is read: the client that
    // waits for `100 Continue` gets the 413 at once instead of a reset mid-upload.
    let declared = header("content-length").and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return status(
            413,
            "RequestEntityTooLarge",
            &format!("Request entity too large: limit is {MAX_BODY}"),
            None,
        );
    }
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return status(
                413,
                "RequestEntityTooLarge",
                &format!("Request entity too large: limit is {MAX_BODY}"),
                None,
            );
        }
        Err(_) => {
            return status(
                400,
                "BadRequest",
                "the request body could not be read",
                None,
            );
        }
    };
    // client-go's typed clients (kubectl's `create` subcommands) send protobuf.
    let (body, content_type) = if content_type.starts_with("application/vnd.kubernetes.protobuf") {
        match super::proto::decode(&body) {
            Ok(v) => (Bytes::from(v.to_string()), "application/json".to_string()),
            Err(e) => {
                return status(
                    400,
                    "BadRequest",
                    &format!("cannot read the protobuf body: {e}"),
                    None,
                );
            }
        }
    } else {
        (body, content_type)
    };
    let mut asked = None;
    let reply = match &info {
        Info::NonResource { path, verb } => non_resource(shared, path, verb, &accept),
        Info::Resource(r) => match discovery::find(&r.group, &r.version, &r.resource) {
            None => not_found_generic(),
            Some(res) if res.is_review() => {
                match (r.verb, shared.authz.policy(&shared.etcd).await) {
                    ("create", Ok(policy)) => {
                        let (reply, q) = super::review::answer(res.kind, &policy, &user, &body);
                        asked = q;
                        reply
                    }
                    ("create", Err(e)) => internal(e),
                    _ => status(
                        405,
                        "MethodNotAllowed",
                        "the server does not allow this method on the requested resource",
                        None,
                    ),
                }
            }
            Some(res) => {
                let reply = Call {
                    etcd: &shared.etcd,
                    res,
                    info: r,
                    query: &query,
                    body: &body,
                    content_type: &content_type,
                }
                .run()
                .await;
                if authz::RBAC_RESOURCES.contains(&res.name) && r.verb != "get" && r.verb != "list"
                {
                    shared.authz.invalidate();
                }
                let table =
                    reply.code == 200 && r.subresource.is_none() && super::table::wanted(&accept);
                let include = query.include_object.clone();
                match r.verb {
                    "get" | "list" if table => as_table(reply, res.kind, include.as_deref()),
                    "watch" if table => watch_as_table(reply, res.kind, include),
                    _ => reply,
                }
            }
        },
    };
    shared.audit(&match &asked {
        Some(a) => authz::audit_review_line(&question, &decision, reply.code, a),
        None => authz::audit_line(&question, &decision, reply.code),
    });
    reply
}

/// A `get` or `list` reply as the Table `kubectl get` asked for.
fn as_table(reply: Reply, kind: &str, include: Option<&str>) -> Reply {
    let Ok(v) = serde_json::from_slice::<Value>(&reply.body) else {
        return reply;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Reply::json(200, super::table::table(kind, &v, include, now))
}

/// A watch whose Accept asks for a Table (`kubectl get -w`): each event's object a
/// one-row Table, the column definitions in the first event only, as kube-apiserver's
/// watch encoder does.
fn watch_as_table(mut reply: Reply, kind: &'static str, include: Option<String>) -> Reply {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    };
    let mut headers = true;
    let mut first = Vec::new();
    for line in reply.body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        first.extend(super::table::watch_event(
            kind,
            line,
            include.as_deref(),
            now(),
            headers,
        ));
        headers = false;
    }
    reply.body = first;
    if let Some(mut events) = reply.stream.take() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
        tokio::spawn(async move {
            while let Some(line) = events.recv().await {
                let t = super::table::watch_event(kind, &line, include.as_deref(), now(), headers);
                headers = false;
                if tx.send(Bytes::from(t)).await.is_err() {
                    // The client left: dropping `events` ends the etcd watch too.
                    return;
                }
            }
        });
        reply.stream = Some(rx);
    }
    reply
}

fn non_resource(shared: &Shared, path: &str, verb: &str, accept: &str) -> Reply {
    if verb != "get" {
        return status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            None,
        );
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if matches!(parts.as_slice(), ["api"] | ["apis"]) && discovery::wants_aggregated(accept) {
        let mut r = Reply::json(200, discovery::aggregated(parts == ["api"]));
        r.content_type = discovery::AGGREGATED;
        return r;
    }
    let doc = match parts.as_slice() {
        ["healthz"] | ["livez"] | ["readyz"] => return Reply::text(200, "ok"),
        ["version"] => Some(discovery::version()),
        ["api"] => Some(discovery::core_versions(&shared.address)),
        ["api", v] => discovery::resource_list("", v),
        ["apis"] => Some(discovery::group_list()),
        ["apis", g] => discovery::group(g),
        ["apis", g, v] => discovery::resource_list(g, v),
        ["openapi", "v3"] => Some(discovery::openapi_root()),
        ["openapi", "v3", gv @ ..] => discovery::openapi_gv(&gv.join("/")),
        _ => None,
    };
    match doc {
        Some(d) => Reply::json(200, d),
        None => not_found_generic(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bodies_have_kube_apiservers_shape() {
        let r = status(401, "Unauthorized", "Unauthorized", None);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            v,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
        );
        assert_eq!(not_found_generic().code, 404);
    }
}
