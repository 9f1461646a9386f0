//! The verbs on stored objects: get, list (label and field selectors), create (POST),
//! update (PUT), patch (JSON merge patch, JSON patch, and strategic merge patch in
//! `smp`), delete and deletecollection. Objects are JSON values; the server adds `uid`,
//! `creationTimestamp` and `generation`, and `resourceVersion` is the key's etcd
//! revision. A stale `resourceVersion` on a write is a 409 Conflict.

use super::discovery::Resource;
use super::request::{Query, ResourceInfo, Selector, field_selector};
use super::server::{Reply, internal, status};
use super::storage::{self, Etcd, Expect, Kv, Written};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// How long an Event is kept (kube-apiserver's `--event-ttl` default: one hour).
pub const EVENT_TTL: i64 = 3600;

/// What one handler needs.
pub struct Call<'a> {
    pub etcd: &'a Etcd,
    pub res: &'static Resource,
    pub info: &'a ResourceInfo,
    pub query: &'a Query,
    pub body: &'a [u8],
    pub content_type: &'a str,
}

fn uid() -> String {
    let mut b = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut b);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Sets what the server owns on a new object: uid, creationTimestamp, generation.
pub fn stamp_new(obj: &mut Value) {
    let meta = meta_mut(obj);
    meta.insert("uid".into(), json!(uid()));
    meta.insert("creationTimestamp".into(), json!(super::now_rfc3339()));
    meta.remove("resourceVersion");
    meta.remove("generation");
    if obj.get("spec").is_some() {
        meta_mut(obj).insert("generation".into(), json!(1));
    }
}

fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"]
        .as_object_mut()
        .expect("metadata was just made an object")
}

fn meta_str<'v>(obj: &'v Value, field: &str) -> Option<&'v str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// An object as read back: the stored JSON with `resourceVersion` from etcd.
fn with_version(kv: &Kv) -> Option<Value> {
    let mut v: Value = serde_json::from_slice(&kv.value).ok()?;
    if !v.is_object() {
        return None;
    }
    meta_mut(&mut v).insert("resourceVersion".into(), json!(kv.mod_revision.to_string()));
    Some(v)
}

fn not_found(res: &Resource, name: &str) -> Reply {
    status(
        404,
        "NotFound",
        &format!("{} {name:?} not found", res.qualified()),
        Some(details(res, name)),
    )
}

fn details(res: &Resource, name: &str) -> Value {
    let mut d = json!({"name": name, "kind": res.name});
    if !res.group.is_empty() {
        d["group"] = json!(res.group);
    }
    d
}

fn conflict(res: &Resource, name: &str) -> Reply {
    status(
        409,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on {} {name:?}: the object has been modified; please \
             apply your changes to the latest version and try again",
            res.qualified()
        ),
        Some(details(res, name)),
    )
}

fn not_allowed() -> Reply {
    status(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        None,
    )
}

/// A Deployment's `autoscaling/v1` Scale: its replicas, asked and counted, and its
/// selector as a string.
fn scale_of(deployment: &Value) -> Value {
    let meta = deployment.get("metadata").cloned().unwrap_or(json!({}));
    let keep = |f: &str| meta.get(f).cloned().unwrap_or(Value::Null);
    let selector: Vec<String> = deployment
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {"name": keep("name"), "namespace": keep("namespace"), "uid": keep("uid"),
                     "resourceVersion": keep("resourceVersion"),
                     "creationTimestamp": keep("creationTimestamp")},
        "spec": {"replicas": deployment.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)},
        "status": {"replicas": deployment.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0),
                   "selector": selector.join(",")},
    })
}

fn bad_request(message: &str) -> Reply {
    status(400, "BadRequest", message, None)
}

/// Reads a request body as an object of the resource's kind. kube-apiserver fills in a
/// missing apiVersion and kind from the URL, and refuses others.
pub fn decode(res: &Resource, body: &[u8]) -> Result<Value, Reply> {
    let mut v: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(&format!("couldn't get version/kind; json parse error: {e}")))?;
    let Some(obj) = v.as_object_mut() else {
        return Err(bad_request(
            "couldn't get version/kind; json parse error: the body is not a JSON object",
        ));
    };
    let api_version = res.api_version();
    match obj.get("apiVersion").and_then(Value::as_str) {
        None => {
            obj.insert("apiVersion".into(), json!(api_version));
        }
        Some(a) if a == api_version => {}
        Some(a) => {
            return Err(bad_request(&format!(
                "the API version in the data ({a}) does not match the expected API version ({api_version})"
            )));
        }
    }
    match obj.get("kind").and_then(Value::as_str) {
        None => {
            obj.insert("kind".into(), json!(res.kind));
        }
        Some(k) if k == res.kind => {}
        Some(k) => {
            return Err(bad_request(&format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                res.kind
            )));
        }
    }
    if obj.get("metadata").is_some_and(|m| !m.is_object()) {
        return Err(bad_request("metadata must be an object"));
    }
    Ok(v)
}

/// A lowercase RFC 1123 subdomain, as most names must be.
fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

fn invalid_name(res: &Resource, name: &str) -> Reply {
    status(
        422,
        "Invalid",
        &format!(
            "{} {name:?} is invalid: metadata.name: Invalid value: {name:?}: a lowercase RFC 1123 \
             subdomain must consist of lower case alphanumeric characters, '-' or '.', and must \
             start and end with an alphanumeric character",
            res.kind
        ),
        Some(json!({"name": name, "kind": res.kind})),
    )
}

fn labels(obj: &Value) -> BTreeMap<String, String> {
    obj.get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

impl Call<'_> {
    fn namespace(&self) -> Option<&str> {
        if self.res.namespaced {
            self.info.namespace.as_deref()
        } else {
            None
        }
    }

    fn key(&self, name: &str) -> String {
        storage::key(self.res.name, self.namespace(), name)
    }

    pub async fn run(&self) -> Reply {
        // A cluster-scoped resource under /namespaces/NS/ does not exist (a Namespace's
        // own path is the exception), nor does a subresource contlab does not serve.
        let own_namespace = self.res.name == "namespaces";
        if (!self.res.namespaced && self.info.namespace.is_some() && !own_namespace)
            || (self.res.namespaced
                && self.info.namespace.is_none()
                && !matches!(self.info.verb, "list" | "watch"))
        {
            return super::server::not_found_generic();
        }
        if let Some(sub) = self.info.subresource.as_deref() {
            return match super::discovery::subresource(self.res, sub) {
                Some(sub) if sub.verbs.contains(&self.info.verb) => {
                    self.subresource(sub.name).await.unwrap_or_else(internal)
                }
                Some(_) => not_allowed(),
                None => super::server::not_found_generic(),
            };
        }
        let r = match self.info.verb {
            "get" => self.get().await,
            "list" => self.list().await,
            "create" => self.create().await,
            "update" => self.update().await,
            "patch" => self.patch().await,
            "delete" => self.delete().await,
            "deletecollection" => self.delete_collection().await,
            "watch" => self.watch().await,
            _ => Ok(not_allowed()),
        };
        r.unwrap_or_else(internal)
    }

    /// Stores `obj` at `key`; an Event under a fresh etcd lease of `EVENT_TTL`, so etcd
    /// removes it when that runs out, as kube-apiserver's `--event-ttl` does.
    async fn write(&self, key: &str, obj: &Value, expect: Expect) -> anyhow::Result<Written> {
        let lease = if self.res.name == "events" {
            self.etcd.grant(EVENT_TTL).await?
        } else {
            0
        };
        self.etcd
            .put_leased(key, obj.to_string().as_bytes(), expect, lease)
            .await
    }

    /// `pods/log`, `pods/status`, `deployments/status` and `deployments/scale`.
    async fn subresource(&self, sub: &str) -> anyhow::Result<Reply> {
        let name = self.name().to_string();
        let Some(old) = self.etcd.get(&self.key(&name)).await? else {
            return Ok(not_found(self.res, &name));
        };
        let Some(current) = with_version(&old) else {
            return Ok(internal(anyhow::anyhow!("the stored object is not JSON")));
        };
        match (sub, self.info.verb) {
            ("log", _) => Ok(status(
                400,
                "BadRequest",
                &format!(
                    "pod {name:?} has no logs here: this API server stores pods, and no kubelet runs their containers"
                ),
                Some(details(self.res, &name)),
            )),
            ("status", "get") => Ok(Reply::json(200, current)),
            ("status", _) => {
                // Only the status changes; spec and metadata stay as stored.
                let asked = match self.changed(&current) {
                    Ok(v) => v,
                    Err(r) => return Ok(r),
                };
                let mut new = current.clone();
                new["status"] = asked.get("status").cloned().unwrap_or(json!({}));
                if let Some(rv) = meta_str(&asked, "resourceVersion") {
                    meta_mut(&mut new).insert("resourceVersion".into(), json!(rv));
                }
                self.replace(&old, new).await
            }
            ("scale", "get") => Ok(Reply::json(200, scale_of(&current))),
            ("scale", _) => {
                let asked = match self.changed(&scale_of(&current)) {
                    Ok(v) => v,
                    Err(r) => return Ok(r),
                };
                let Some(replicas) = asked.pointer("/spec/replicas").and_then(Value::as_i64) else {
                    return Ok(status(
                        422,
                        "Invalid",
                        "Scale.spec.replicas: Required value: a number of replicas",
                        None,
                    ));
                };
                if !(0..=i64::from(i32::MAX)).contains(&replicas) {
                    return Ok(status(
                        422,
                        "Invalid",
                        &format!(
                            "Scale.spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
                        ),
                        None,
                    ));
                }
                let mut new = current.clone();
                new["spec"]["replicas"] = json!(replicas);
                match meta_str(&asked, "resourceVersion") {
                    Some(rv) => meta_mut(&mut new).insert("resourceVersion".into(), json!(rv)),
                    None => meta_mut(&mut new).remove("resourceVersion"),
                };
                let reply = self.replace(&old, new).await?;
                if reply.code != 200 {
                    return Ok(reply);
                }
                let stored: Value = serde_json::from_slice(&reply.body)?;
                Ok(Reply::json(200, scale_of(&stored)))
            }
            _ => Ok(not_allowed()),
        }
    }

    /// What an update (the body) or a patch (applied to `current`) asks a subresource
    /// to become.
    fn changed(&self, current: &Value) -> Result<Value, Reply> {
        if self.info.verb == "update" {
            return serde_json::from_slice::<Value>(self.body)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| bad_request("the request body is not a JSON object"));
        }
        let mut v = current.clone();
        self.apply_patch(&mut v)?;
        Ok(v)
    }

    /// Applies the request's patch (JSON patch, or a merge patch) to `obj`.
    fn apply_patch(&self, obj: &mut Value) -> Result<(), Reply> {
        let patch: Value = serde_json::from_slice(self.body)
            .map_err(|e| bad_request(&format!("error decoding patch: {e}")))?;
        if self.content_type.starts_with("application/json-patch+json") {
            json_patch(obj, &patch).map_err(|e| status(422, "Invalid", &e, None))
        } else if self
            .content_type
            .starts_with("application/strategic-merge-patch+json")
        {
            super::smp::apply(obj, &patch).map_err(|e| bad_request(&e))
        } else {
            merge_patch(obj, &patch);
            Ok(())
        }
    }

    fn name(&self) -> &str {
        self.info.name.as_deref().unwrap_or("")
    }

    async fn get(&self) -> anyhow::Result<Reply> {
        Ok(match self.etcd.get(&self.key(self.name())).await? {
            Some(kv) => match with_version(&kv) {
                Some(v) => Reply::json(200, v),
                None => internal(anyhow::anyhow!("the stored object is not JSON")),
            },
            None => not_found(self.res, self.name()),
        })
    }

    /// The request's label and field selectors as one test of an object.
    fn selected_filter(&self) -> Result<impl Fn(&Value) -> bool + Send + 'static, Reply> {
        let labels_sel = Selector::parse(self.query.label_selector.as_deref().unwrap_or(""))
            .map_err(|e| bad_request(&e))?;
        let fields = field_selector(self.query.field_selector.as_deref().unwrap_or(""))
            .map_err(|e| bad_request(&e))?;
        Ok(move |v: &Value| {
            labels_sel.matches(&labels(v))
                && fields.iter().all(|(k, want)| {
                    let field = k.trim_start_matches("metadata.");
                    meta_str(v, field).unwrap_or("") == want
                })
        })
    }

    /// The objects under this request's prefix that its selectors choose.
    async fn selected(&self) -> anyhow::Result<Result<(Vec<(Kv, Value)>, i64), Reply>> {
        let wanted = match self.selected_filter() {
            Ok(f) => f,
            Err(r) => return Ok(Err(r)),
        };
        let listed = self
            .etcd
            .list(&storage::prefix(self.res.name, self.namespace()))
            .await?;
        let items = listed
            .items
            .into_iter()
            .filter_map(|kv| with_version(&kv).map(|v| (kv, v)))
            .filter(|(_, v)| wanted(v))
            .collect();
        Ok(Ok((items, listed.revision)))
    }

    /// `?watch=1`: JSON lines `{"type", "object"}` from etcd's watch, after ADDED events
    /// for what exists when no resourceVersion is given.
    async fn watch(&self) -> anyhow::Result<Reply> {
        let (initial, start) = match self.query.resource_version {
            Some(rv) => (Vec::new(), rv + 1),
            None => match self.selected().await? {
                Ok((items, rev)) => (items.into_iter().map(|(_, v)| v).collect(), rev + 1),
                Err(r) => return Ok(r),
            },
        };
        let wanted = match self.selected_filter() {
            Ok(f) => f,
            Err(r) => return Ok(r),
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(64);
        let line = |kind: &str, obj: Value| {
            let mut l = json!({"type": kind, "object": obj}).to_string();
            l.push('\n');
            bytes::Bytes::from(l)
        };
        let first: Vec<u8> = initial
            .into_iter()
            .flat_map(|o| line("ADDED", o).to_vec())
            .collect();
        let etcd = self.etcd.clone();
        let prefix = storage::prefix(self.res.name, self.namespace());
        tokio::spawn(async move {
            let _ = etcd
                .watch(&prefix, start, |events| {
                    for e in events {
                        let (kind, kv) = match &e {
                            storage::Event::Added(kv) => ("ADDED", kv),
                            storage::Event::Modified(kv) => ("MODIFIED", kv),
                            storage::Event::Deleted(kv) => ("DELETED", kv),
                        };
                        let Some(obj) = with_version(kv) else {
                            continue;
                        };
                        if wanted(&obj) && tx.try_send(line(kind, obj)).is_err() {
                            // The client left, or reads too slowly to keep up: end the watch.
                            return false;
                        }
                    }
                    !tx.is_closed()
                })
                .await;
        });
        Ok(Reply {
            code: 200,
            body: first,
            content_type: "application/json",
            stream: Some(rx),
        })
    }

    fn list_reply(&self, items: Vec<Value>, revision: i64) -> Reply {
        Reply::json(
            200,
            json!({
                "kind": format!("{}List", self.res.kind),
                "apiVersion": self.res.api_version(),
                "metadata": {"resourceVersion": revision.to_string()},
                "items": items,
            }),
        )
    }

    async fn list(&self) -> anyhow::Result<Reply> {
        Ok(match self.selected().await? {
            Ok((items, rev)) => self.list_reply(items.into_iter().map(|(_, v)| v).collect(), rev),
            Err(r) => r,
        })
    }

    async fn namespace_missing(&self) -> anyhow::Result<Option<Reply>> {
        let Some(ns) = self.namespace() else {
            return Ok(None);
        };
        let key = storage::key("namespaces", None, ns);
        Ok(match self.etcd.get(&key).await? {
            Some(_) => None,
            None => Some(not_found(
                super::discovery::find("", "v1", "namespaces").expect("namespaces is served"),
                ns,
            )),
        })
    }

    async fn create(&self) -> anyhow::Result<Reply> {
        let mut obj = match decode(self.res, self.body) {
            Ok(o) => o,
            Err(r) => return Ok(r),
        };
        if meta_str(&obj, "name").is_none_or(str::is_empty)
            && let Some(g) = meta_str(&obj, "generateName").map(str::to_string)
        {
            let suffix: String = uid()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(5)
                .collect();
            meta_mut(&mut obj).insert("name".into(), json!(format!("{g}{suffix}")));
        }
        let name = meta_str(&obj, "name").unwrap_or("").to_string();
        if name.is_empty() {
            return Ok(status(
                422,
                "Invalid",
                &format!(
                    "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                    self.res.kind
                ),
                Some(json!({"kind": self.res.kind})),
            ));
        }
        if !valid_name(&name) {
            return Ok(invalid_name(self.res, &name));
        }
        if let Some(ns) = self.namespace() {
            match meta_str(&obj, "namespace") {
                Some(n) if n != ns => {
                    return Ok(bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => {
                    meta_mut(&mut obj).insert("namespace".into(), json!(ns));
                }
            }
            if let Some(r) = self.namespace_missing().await? {
                return Ok(r);
            }
        } else {
            meta_mut(&mut obj).remove("namespace");
        }
        stamp_new(&mut obj);
        if self.res.name == "namespaces" {
            obj["spec"] = json!({"finalizers": ["kubernetes"]});
            obj["status"] = json!({"phase": "Active"});
            meta_mut(&mut obj).remove("generation");
        }
        if self.query.dry_run {
            return Ok(Reply::json(201, obj));
        }
        let key = self.key(&name);
        Ok(match self.write(&key, &obj, Expect::Absent).await? {
            Written::Ok(rev) => {
                meta_mut(&mut obj).insert("resourceVersion".into(), json!(rev.to_string()));
                Reply::json(201, obj)
            }
            Written::Conflict => status(
                409,
                "AlreadyExists",
                &format!("{} {name:?} already exists", self.res.qualified()),
                Some(details(self.res, &name)),
            ),
        })
    }

    /// Replaces the stored object `old` with `new`, if `new`'s resourceVersion (when it
    /// has one) is the stored one.
    async fn replace(&self, old: &Kv, mut new: Value) -> anyhow::Result<Reply> {
        let name = self.name().to_string();
        match meta_str(&new, "name") {
            Some(n) if n != name => {
                return Ok(bad_request(&format!(
                    "the name of the object ({n}) does not match the name on the URL ({name})"
                )));
            }
            _ => {}
        }
        let expect = match meta_str(&new, "resourceVersion") {
            Some(rv) if !rv.is_empty() => match rv.parse::<i64>() {
                Ok(r) => r,
                Err(_) => return Ok(bad_request(&format!("invalid resourceVersion {rv:?}"))),
            },
            _ => old.mod_revision,
        };
        if expect != old.mod_revision {
            return Ok(conflict(self.res, &name));
        }
        let old_obj: Value = serde_json::from_slice(&old.value).unwrap_or(json!({}));
        {
            let meta = meta_mut(&mut new);
            meta.insert("name".into(), json!(name));
            meta.remove("resourceVersion");
            for f in ["uid", "creationTimestamp", "namespace"] {
                match meta_str(&old_obj, f) {
                    Some(v) => meta.insert(f.into(), json!(v)),
                    None => meta.remove(f),
                };
            }
        }
        if let Some(g) = old_obj
            .get("metadata")
            .and_then(|m| m.get("generation"))
            .and_then(Value::as_i64)
        {
            let bump = i64::from(new.get("spec") != old_obj.get("spec"));
            meta_mut(&mut new).insert("generation".into(), json!(g + bump));
        }
        if self.query.dry_run {
            return Ok(Reply::json(200, new));
        }
        let key = self.key(&name);
        Ok(
            match self.write(&key, &new, Expect::Revision(expect)).await? {
                Written::Ok(rev) => {
                    meta_mut(&mut new).insert("resourceVersion".into(), json!(rev.to_string()));
                    Reply::json(200, new)
                }
                Written::Conflict => conflict(self.res, &name),
            },
        )
    }

    async fn update(&self) -> anyhow::Result<Reply> {
        let new = match decode(self.res, self.body) {
            Ok(o) => o,
            Err(r) => return Ok(r),
        };
        match self.etcd.get(&self.key(self.name())).await? {
            Some(old) => self.replace(&old, new).await,
            None => Ok(not_found(self.res, self.name())),
        }
    }

    async fn patch(&self) -> anyhow::Result<Reply> {
        if let Err(e) = serde_json::from_slice::<Value>(self.body) {
            return Ok(bad_request(&format!("error decoding patch: {e}")));
        }
        let Some(old) = self.etcd.get(&self.key(self.name())).await? else {
            return Ok(not_found(self.res, self.name()));
        };
        let Some(mut obj) = with_version(&old) else {
            return Ok(internal(anyhow::anyhow!("the stored object is not JSON")));
        };
        if let Err(r) = self.apply_patch(&mut obj) {
            return Ok(r);
        }
        match decode(self.res, obj.to_string().as_bytes()) {
            Ok(new) => self.replace(&old, new).await,
            Err(r) => Ok(r),
        }
    }

    async fn delete(&self) -> anyhow::Result<Reply> {
        let name = self.name().to_string();
        let Some(old) = self.etcd.get(&self.key(&name)).await? else {
            return Ok(not_found(self.res, &name));
        };
        let obj = with_version(&old).unwrap_or(json!({}));
        if self.query.dry_run {
            return Ok(Reply::json(200, obj));
        }
        if self
            .etcd
            .delete(&old.key, Expect::Revision(old.mod_revision))
            .await?
            == Written::Conflict
        {
            return Ok(conflict(self.res, &name));
        }
        // The namespace controller's work, done at once: what the namespace held goes.
        if self.res.name == "namespaces" {
            for r in super::discovery::RESOURCES.iter().filter(|r| r.namespaced) {
                self.etcd
                    .delete_prefix(&storage::prefix(r.name, Some(&name)))
                    .await?;
            }
        }
        Ok(Reply::json(200, obj))
    }

    async fn delete_collection(&self) -> anyhow::Result<Reply> {
        let (items, rev) = match self.selected().await? {
            Ok(x) => x,
            Err(r) => return Ok(r),
        };
        let mut gone = Vec::new();
        for (kv, v) in items {
            if !self.query.dry_run
                && self.etcd.delete(&kv.key, Expect::Present).await? == Written::Conflict
            {
                continue;
            }
            gone.push(v);
        }
        Ok(self.list_reply(gone, rev))
    }
}

/// RFC 7386: objects merge, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let t = target
        .as_object_mut()
        .expect("target was just made an object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

fn pointer_parts(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("invalid JSON pointer {path:?}"))?;
    Ok(rest
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// RFC 6902's add, remove, replace and test.
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), String> {
    let ops = patch
        .as_array()
        .ok_or("a JSON patch is a list of operations")?;
    for op in ops {
        let kind = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or("an operation needs \"op\"")?;
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or("an operation needs \"path\"")?;
        let mut parts = pointer_parts(path)?;
        let last = parts.pop().ok_or("cannot patch the whole object")?;
        let mut parent = &mut *target;
        for p in &parts {
            parent = match parent {
                Value::Object(m) => m.get_mut(p),
                Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                _ => None,
            }
            .ok_or_else(|| format!("path {path:?} does not exist"))?;
        }
        let value = || {
            op.get("value")
                .cloned()
                .ok_or(format!("{kind} needs a value"))
        };
        match (kind, parent) {
            ("add" | "replace", Value::Object(m)) => {
                if kind == "replace" && !m.contains_key(&last) {
                    return Err(format!("path {path:?} does not exist"));
                }
                m.insert(last, value()?);
            }
            ("add", Value::Array(a)) if last == "-" => a.push(value()?),
            ("add" | "replace", Value::Array(a)) => {
                let i: usize = last.parse().map_err(|_| format!("bad index in {path:?}"))?;
                if kind == "add" && i <= a.len() {
                    a.insert(i, value()?);
                } else if kind == "replace" && i < a.len() {
                    a[i] = value()?;
                } else {
                    return Err(format!("index out of range in {path:?}"));
                }
            }
            ("remove", Value::Object(m)) => {
                m.remove(&last)
                    .ok_or_else(|| format!("path {path:?} does not exist"))?;
            }
            ("remove", Value::Array(a)) => {
                let i: usize = last.parse().map_err(|_| format!("bad index in {path:?}"))?;
                if i >= a.len() {
                    return Err(format!("index out of range in {path:?}"));
                }
                a.remove(i);
            }
            ("test", p) => {
                let got = match p {
                    Value::Object(m) => m.get(&last),
                    Value::Array(a) => last.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                };
                if got != Some(&value()?) {
                    return Err(format!("test failed at {path:?}"));
                }
            }
            (k, _) => {
                return Err(format!(
                    "unsupported or misplaced operation {k:?} at {path:?}"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches() {
        let mut o = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "data": {"k": "v"}});
        merge_patch(
            &mut o,
            &json!({"metadata": {"labels": {"a": null, "c": "3"}}}),
        );
        assert_eq!(o["metadata"]["labels"], json!({"b": "2", "c": "3"}));
        json_patch(
            &mut o,
            &json!([{"op": "replace", "path": "/data/k", "value": "w"},
                                    {"op": "add", "path": "/data/x~1y", "value": "z"},
                                    {"op": "test", "path": "/data/k", "value": "w"}]),
        )
        .unwrap();
        assert_eq!(o["data"], json!({"k": "w", "x/y": "z"}));
        assert!(json_patch(&mut o, &json!([{"op": "remove", "path": "/nope/x"}])).is_err());
    }

    /// A fuzz-style test: mutated bodies and patches get a reply, never a panic.
    #[test]
    fn mutated_bodies_never_panic() {
        let res = super::super::discovery::find("", "v1", "configmaps").unwrap();
        let seeds: [&[u8]; 3] = [
            br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"y"}},"data":{"k":"v"}}"#,
            br#"[{"op":"add","path":"/data/-","value":[1,{"a":null}]}]"#,
            br#"{"metadata":{"name":null,"namespace":7},"spec":[]}"#,
        ];
        let mut m = super::super::Mutator::new(0x2545_f491_4f6c_dd1d);
        let alphabet = b"{}[]\":,/-~01nul\\\xc3";
        let mut accepted = 0;
        for _ in 0..20_000 {
            let seed = seeds[(m.next() % 3) as usize];
            let s = m.mutate(seed, alphabet, 0, 5);
            if decode(res, &s).is_ok() {
                accepted += 1;
            }
            if let Ok(p) = serde_json::from_slice::<Value>(&s) {
                let mut t = json!({"data": {"k": "v"}, "list": [1, 2]});
                let _ = json_patch(&mut t, &p);
                merge_patch(&mut t, &p);
            }
        }
        // Both outcomes happen: the mutations are neither all harmless nor all fatal.
        assert!(accepted > 0 && accepted < 20_000, "{accepted}");
    }
}
