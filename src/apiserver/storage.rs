//! Objects in etcd, laid out as kube-apiserver lays them out: one key per object,
//! `/registry/<resource>/<namespace>/<name>` (cluster-scoped: `/registry/<resource>/<name>`),
//! the value the object's JSON. contlab talks to etcd through etcd's own JSON gateway
//! (`/v3/kv/range`, `/v3/kv/txn`, `/v3/kv/deleterange`, keys and values base64) over
//! HTTP on 127.0.0.1, so it needs no gRPC stack. An object's `resourceVersion` is its
//! key's `mod_revision`; writes are transactions that compare the revision they expect.

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

/// The key of one object.
pub fn key(resource: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("/registry/{resource}/{ns}/{name}"),
        None => format!("/registry/{resource}/{name}"),
    }
}

/// The prefix of a list: every object of `resource`, or those in one namespace.
pub fn prefix(resource: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("/registry/{resource}/{ns}/"),
        None => format!("/registry/{resource}/"),
    }
}

/// One stored object.
#[derive(Clone, Debug)]
pub struct Kv {
    pub key: String,
    pub value: Vec<u8>,
    pub mod_revision: i64,
}

/// A list and the store's revision when it was read.
#[derive(Debug)]
pub struct Listed {
    pub items: Vec<Kv>,
    pub revision: i64,
}

/// A change to a watched key. A deleted key's event carries the value it had.
#[derive(Debug)]
pub enum Event {
    Added(Kv),
    Modified(Kv),
    Deleted(Kv),
}

/// What a conditional write found.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// Done, at this revision.
    Ok(i64),
    /// The key's revision was not the one expected (or it exists, for a create).
    Conflict,
}

/// The condition a write is made under.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// The key must not exist.
    Absent,
    /// The key must exist at this revision.
    Revision(i64),
    /// The key must exist, at any revision.
    Present,
}

/// A client of etcd's JSON gateway: each call goes to the first member that answers.
#[derive(Clone, Debug)]
pub struct Etcd {
    /// host:port on 127.0.0.1, one per member
    addrs: Vec<String>,
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

fn b64(s: &[u8]) -> String {
    B64.encode(s)
}

/// The end of a prefix range: the prefix with its last byte incremented.
fn range_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// grpc-gateway writes int64 as strings and leaves out zero values.
fn int(v: &Value) -> i64 {
    match v {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

fn kvs(v: &Value) -> Result<Vec<Kv>> {
    let Some(list) = v.get("kvs").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    list.iter()
        .map(|kv| {
            let field = |n: &str| -> Result<Vec<u8>> {
                let s = kv.get(n).and_then(Value::as_str).unwrap_or("");
                B64.decode(s).context("etcd sent bad base64")
            };
            Ok(Kv {
                key: String::from_utf8_lossy(&field("key")?).into_owned(),
                value: field("value")?,
                mod_revision: int(kv.get("mod_revision").unwrap_or(&Value::Null)),
            })
        })
        .collect()
}

impl Etcd {
    /// `endpoints` as etcd advertises them: `http://127.0.0.1:PORT`.
    pub fn new(endpoints: &[String]) -> Result<Etcd> {
        let addrs = endpoints
            .iter()
            .map(|e| {
                e.strip_prefix("http://")
                    .map(|a| a.trim_end_matches('/').to_string())
                    .ok_or_else(|| anyhow!("not an http endpoint: {e}"))
            })
            .collect::<Result<Vec<_>>>()?;
        if addrs.is_empty() {
            bail!("no etcd endpoint");
        }
        Ok(Etcd { addrs })
    }

    /// An HTTP/1.1 connection to the first member that accepts one, and its address.
    async fn connect(&self) -> Result<(Sender, &str)> {
        let mut last = None;
        for addr in &self.addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(stream) => {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let (send, conn) = hyper::client::conn::http1::handshake(io)
                        .await
                        .context("etcd: HTTP handshake")?;
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    return Ok((send, addr));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(anyhow!(
            "cannot reach etcd at {}: {}",
            self.addrs.join(","),
            last.map(|e| e.to_string()).unwrap_or_default()
        ))
    }

    async fn call(&self, path: &str, body: Value) -> Result<Value> {
        let (mut send, addr) = self.connect().await?;
        let req = hyper::Request::post(path)
            .header("host", addr)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))?;
        let resp = send.send_request(req).await.context("etcd: request")?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await?.to_bytes();
        let v: Value = serde_json::from_slice(&bytes).context("etcd sent no JSON")?;
        if !status.is_success() {
            bail!(
                "etcd answered {status}: {}",
                v.get("error")
                    .or(v.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            );
        }
        Ok(v)
    }

    /// The store's current revision (a cheap range that returns no keys).
    pub async fn revision(&self) -> Result<i64> {
        let v = self
            .call(
                "/v3/kv/range",
                json!({"key": b64(b"/registry/"), "count_only": true}),
            )
            .await?;
        Ok(int(&v["header"]["revision"]))
    }

    pub async fn get(&self, key: &str) -> Result<Option<Kv>> {
        let v = self
            .call("/v3/kv/range", json!({"key": b64(key.as_bytes())}))
            .await?;
        Ok(kvs(&v)?.into_iter().next())
    }

    pub async fn list(&self, prefix: &str) -> Result<Listed> {
        let v = self
            .call(
                "/v3/kv/range",
                json!({"key": b64(prefix.as_bytes()), "range_end": b64(&range_end(prefix))}),
            )
            .await?;
        Ok(Listed {
            items: kvs(&v)?,
            revision: int(&v["header"]["revision"]),
        })
    }

    fn compare(key: &str, expect: Expect) -> Value {
        let k = b64(key.as_bytes());
        match expect {
            Expect::Absent => {
                json!({"key": k, "target": "CREATE", "result": "EQUAL", "create_revision": "0"})
            }
            Expect::Present => {
                json!({"key": k, "target": "CREATE", "result": "GREATER", "create_revision": "0"})
            }
            Expect::Revision(r) => {
                json!({"key": k, "target": "MOD", "result": "EQUAL", "mod_revision": r.to_string()})
            }
        }
    }

    async fn txn(&self, key: &str, expect: Expect, op: Value) -> Result<Written> {
        let v = self
            .call(
                "/v3/kv/txn",
                json!({"compare": [Self::compare(key, expect)], "success": [op]}),
            )
            .await?;
        if v.get("succeeded").and_then(Value::as_bool) == Some(true) {
            Ok(Written::Ok(int(&v["header"]["revision"])))
        } else {
            Ok(Written::Conflict)
        }
    }

    /// Writes `value` at `key` if the key is as `expect`ed.
    pub async fn put(&self, key: &str, value: &[u8], expect: Expect) -> Result<Written> {
        self.put_leased(key, value, expect, 0).await
    }

    /// `put` under the etcd lease `lease` (0: none): the key goes when the lease expires.
    pub async fn put_leased(
        &self,
        key: &str,
        value: &[u8],
        expect: Expect,
        lease: i64,
    ) -> Result<Written> {
        let mut put = json!({"key": b64(key.as_bytes()), "value": b64(value)});
        if lease != 0 {
            put["lease"] = json!(lease.to_string());
        }
        self.txn(key, expect, json!({ "request_put": put })).await
    }

    /// A new lease of `ttl` seconds, as kube-apiserver takes one for an object that
    /// expires (an Event, after `--event-ttl`).
    pub async fn grant(&self, ttl: i64) -> Result<i64> {
        let v = self
            .call("/v3/lease/grant", json!({"TTL": ttl.to_string()}))
            .await?;
        match int(&v["ID"]) {
            0 => bail!("etcd granted no lease: {v}"),
            id => Ok(id),
        }
    }

    /// Deletes `key` if it is as `expect`ed.
    pub async fn delete(&self, key: &str, expect: Expect) -> Result<Written> {
        let op = json!({"request_delete_range": {"key": b64(key.as_bytes())}});
        self.txn(key, expect, op).await
    }

    /// Watches every key under `prefix` from revision `start`: each batch of events etcd
    /// sends is handed to `each` (which returns false to stop), until the stream ends.
    pub async fn watch(
        &self,
        prefix: &str,
        start: i64,
        mut each: impl FnMut(Vec<Event>) -> bool,
    ) -> Result<()> {
        let body = json!({"create_request": {
            "key": b64(prefix.as_bytes()),
            "range_end": b64(&range_end(prefix)),
            "start_revision": start.to_string(),
            "prev_kv": true,
        }});
        let (mut send, addr) = self.connect().await?;
        let req = hyper::Request::post("/v3/watch")
            .header("host", addr)
            .body(Full::new(Bytes::from(body.to_string())))?;
        let mut resp = send.send_request(req).await?.into_body();
        let mut buf: Vec<u8> = Vec::new();
        while let Some(frame) = resp.frame().await {
            let Ok(data) = frame?.into_data() else {
                continue;
            };
            buf.extend_from_slice(&data);
            while let Some(end) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=end).collect();
                let Ok(v) = serde_json::from_slice::<Value>(&line) else {
                    continue;
                };
                let events = v["result"]["events"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let parsed = events
                    .iter()
                    .filter_map(|e| {
                        let kv = kvs(&json!({"kvs": [e.get("kv")?]})).ok()?.pop()?;
                        let prev = e
                            .get("prev_kv")
                            .and_then(|p| kvs(&json!({"kvs": [p]})).ok()?.pop());
                        let created = int(&e["kv"]["create_revision"]) == kv.mod_revision;
                        Some(match e.get("type").and_then(Value::as_str) {
                            Some("DELETE") => Event::Deleted(prev?),
                            _ if created => Event::Added(kv),
                            _ => Event::Modified(kv),
                        })
                    })
                    .collect::<Vec<_>>();
                if !parsed.is_empty() && !each(parsed) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Deletes every key under `prefix`.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<()> {
        self.call(
            "/v3/kv/deleterange",
            json!({"key": b64(prefix.as_bytes()), "range_end": b64(&range_end(prefix))}),
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_laid_out_as_kube_apiserver_does() {
        assert_eq!(
            key("configmaps", Some("default"), "a"),
            "/registry/configmaps/default/a"
        );
        assert_eq!(key("namespaces", None, "dev"), "/registry/namespaces/dev");
        assert_eq!(range_end("/registry/pods/"), b"/registry/pods0".to_vec());
        assert_eq!(range_end("\u{7f}"), vec![0x80]);
    }
}
