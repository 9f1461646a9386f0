//! Request bodies in Kubernetes' protobuf encoding, read into the JSON the server stores.
//!
//! client-go's typed clients, and so kubectl's `create configmap|secret|namespace|
//! serviceaccount|role|rolebinding|clusterrole|clusterrolebinding|deployment`, send
//! `application/vnd.kubernetes.protobuf` and do not fall back to JSON. The body is the
//! magic `k8s\0` and a `runtime.Unknown` envelope (apiVersion, kind, the object's bytes).
//! The field numbers below are those of the kinds' `generated.proto` files; fields
//! outside them are skipped (they are status or fields those commands never set).

use base64::Engine as _;
use serde_json::{Map, Value, json};

const MAGIC: &[u8] = b"k8s\0";

#[derive(Clone, Copy)]
enum F {
    Str,
    Bytes,
    Bool,
    Int,
    Time,
    Msg(&'static Schema),
    MapStr,
    MapBytes,
    RepStr,
    RepMsg(&'static Schema),
}

struct Schema(&'static [(u64, &'static str, F)]);

static TYPE_META: Schema = Schema(&[(1, "apiVersion", F::Str), (2, "kind", F::Str)]);
static OBJECT_META: Schema = Schema(&[
    (1, "name", F::Str),
    (2, "generateName", F::Str),
    (3, "namespace", F::Str),
    (5, "uid", F::Str),
    (6, "resourceVersion", F::Str),
    (7, "generation", F::Int),
    (8, "creationTimestamp", F::Time),
    (11, "labels", F::MapStr),
    (12, "annotations", F::MapStr),
    (14, "finalizers", F::RepStr),
]);
static CONFIG_MAP: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "data", F::MapStr),
    (3, "binaryData", F::MapBytes),
    (4, "immutable", F::Bool),
]);
static SECRET: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "data", F::MapBytes),
    (3, "type", F::Str),
    (4, "stringData", F::MapStr),
    (5, "immutable", F::Bool),
]);
static NAMESPACE_SPEC: Schema = Schema(&[(1, "finalizers", F::RepStr)]);
static NAMESPACE: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "spec", F::Msg(&NAMESPACE_SPEC)),
]);
static OBJECT_REF: Schema = Schema(&[
    (1, "kind", F::Str),
    (2, "namespace", F::Str),
    (3, "name", F::Str),
]);
static LOCAL_REF: Schema = Schema(&[(1, "name", F::Str)]);
static SERVICE_ACCOUNT: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "secrets", F::RepMsg(&OBJECT_REF)),
    (3, "imagePullSecrets", F::RepMsg(&LOCAL_REF)),
    (4, "automountServiceAccountToken", F::Bool),
]);
static POLICY_RULE: Schema = Schema(&[
    (1, "verbs", F::RepStr),
    (2, "apiGroups", F::RepStr),
    (3, "resources", F::RepStr),
    (4, "resourceNames", F::RepStr),
    (5, "nonResourceURLs", F::RepStr),
]);
static SELECTOR_REQ: Schema = Schema(&[
    (1, "key", F::Str),
    (2, "operator", F::Str),
    (3, "values", F::RepStr),
]);
static LABEL_SELECTOR: Schema = Schema(&[
    (1, "matchLabels", F::MapStr),
    (2, "matchExpressions", F::RepMsg(&SELECTOR_REQ)),
]);
static AGGREGATION: Schema = Schema(&[(1, "clusterRoleSelectors", F::RepMsg(&LABEL_SELECTOR))]);
static ROLE: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "rules", F::RepMsg(&POLICY_RULE)),
    (3, "aggregationRule", F::Msg(&AGGREGATION)),
]);
static SUBJECT: Schema = Schema(&[
    (1, "kind", F::Str),
    (2, "apiGroup", F::Str),
    (3, "name", F::Str),
    (4, "namespace", F::Str),
]);
static ROLE_REF: Schema = Schema(&[
    (1, "apiGroup", F::Str),
    (2, "kind", F::Str),
    (3, "name", F::Str),
]);
static BINDING: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "subjects", F::RepMsg(&SUBJECT)),
    (3, "roleRef", F::Msg(&ROLE_REF)),
]);
static CONTAINER_PORT: Schema = Schema(&[
    (1, "name", F::Str),
    (2, "hostPort", F::Int),
    (3, "containerPort", F::Int),
    (4, "protocol", F::Str),
]);
static ENV_VAR: Schema = Schema(&[(1, "name", F::Str), (2, "value", F::Str)]);
static CONTAINER: Schema = Schema(&[
    (1, "name", F::Str),
    (2, "image", F::Str),
    (3, "command", F::RepStr),
    (4, "args", F::RepStr),
    (5, "workingDir", F::Str),
    (6, "ports", F::RepMsg(&CONTAINER_PORT)),
    (7, "env", F::RepMsg(&ENV_VAR)),
    (13, "terminationMessagePath", F::Str),
    (14, "imagePullPolicy", F::Str),
    (20, "terminationMessagePolicy", F::Str),
]);
static POD_SPEC: Schema = Schema(&[
    (2, "containers", F::RepMsg(&CONTAINER)),
    (3, "restartPolicy", F::Str),
    (4, "terminationGracePeriodSeconds", F::Int),
    (6, "dnsPolicy", F::Str),
    (7, "nodeSelector", F::MapStr),
    (8, "serviceAccountName", F::Str),
    (10, "nodeName", F::Str),
    (19, "schedulerName", F::Str),
    (20, "initContainers", F::RepMsg(&CONTAINER)),
]);
static POD_TEMPLATE: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "spec", F::Msg(&POD_SPEC)),
]);
static POD: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "spec", F::Msg(&POD_SPEC)),
]);
static STRATEGY: Schema = Schema(&[(1, "type", F::Str)]);
static DEPLOYMENT_SPEC: Schema = Schema(&[
    (1, "replicas", F::Int),
    (2, "selector", F::Msg(&LABEL_SELECTOR)),
    (3, "template", F::Msg(&POD_TEMPLATE)),
    (4, "strategy", F::Msg(&STRATEGY)),
    (5, "minReadySeconds", F::Int),
    (6, "revisionHistoryLimit", F::Int),
    (7, "paused", F::Bool),
    (9, "progressDeadlineSeconds", F::Int),
]);
static DEPLOYMENT: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "spec", F::Msg(&DEPLOYMENT_SPEC)),
]);
static RESOURCE_ATTRIBUTES: Schema = Schema(&[
    (1, "namespace", F::Str),
    (2, "verb", F::Str),
    (3, "group", F::Str),
    (4, "version", F::Str),
    (5, "resource", F::Str),
    (6, "subresource", F::Str),
    (7, "name", F::Str),
]);
static NON_RESOURCE_ATTRIBUTES: Schema = Schema(&[(1, "path", F::Str), (2, "verb", F::Str)]);
static ACCESS_REVIEW_SPEC: Schema = Schema(&[
    (1, "resourceAttributes", F::Msg(&RESOURCE_ATTRIBUTES)),
    (2, "nonResourceAttributes", F::Msg(&NON_RESOURCE_ATTRIBUTES)),
]);
static ACCESS_REVIEW: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "spec", F::Msg(&ACCESS_REVIEW_SPEC)),
]);
static SUBJECT_ACCESS_REVIEW_SPEC: Schema = Schema(&[
    (1, "resourceAttributes", F::Msg(&RESOURCE_ATTRIBUTES)),
    (2, "nonResourceAttributes", F::Msg(&NON_RESOURCE_ATTRIBUTES)),
    (3, "user", F::Str),
    (4, "groups", F::RepStr),
    (6, "uid", F::Str),
]);
static SUBJECT_ACCESS_REVIEW: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "spec", F::Msg(&SUBJECT_ACCESS_REVIEW_SPEC)),
]);
static RULES_REVIEW_SPEC: Schema = Schema(&[(1, "namespace", F::Str)]);
static RULES_REVIEW: Schema = Schema(&[
    (1, "metadata", F::Msg(&OBJECT_META)),
    (2, "spec", F::Msg(&RULES_REVIEW_SPEC)),
]);
static UNKNOWN: Schema = Schema(&[(1, "typeMeta", F::Msg(&TYPE_META)), (2, "raw", F::Bytes)]);

fn schema_of(kind: &str) -> Option<&'static Schema> {
    Some(match kind {
        "ConfigMap" => &CONFIG_MAP,
        "Secret" => &SECRET,
        "Namespace" => &NAMESPACE,
        "ServiceAccount" => &SERVICE_ACCOUNT,
        "Role" | "ClusterRole" => &ROLE,
        "RoleBinding" | "ClusterRoleBinding" => &BINDING,
        "Pod" => &POD,
        "Deployment" => &DEPLOYMENT,
        "SelfSubjectAccessReview" => &ACCESS_REVIEW,
        "SubjectAccessReview" => &SUBJECT_ACCESS_REVIEW,
        "SelfSubjectRulesReview" => &RULES_REVIEW,
        _ => return None,
    })
}

/// One field off the wire.
enum Wire<'a> {
    Varint(u64),
    Len(&'a [u8]),
    Fixed,
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let (&b, rest) = self.0.split_first().ok_or("truncated varint")?;
            self.0 = rest;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint too long".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err("truncated field".into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }

    fn field(&mut self) -> Result<Option<(u64, Wire<'a>)>, String> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let wire = match tag & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Wire::Fixed
            }
            2 => {
                let n = usize::try_from(self.varint()?).map_err(|_| "length too large")?;
                Wire::Len(self.take(n)?)
            }
            5 => {
                self.take(4)?;
                Wire::Fixed
            }
            w => return Err(format!("unsupported wire type {w}")),
        };
        Ok(Some((tag >> 3, wire)))
    }
}

fn text(b: &[u8]) -> Result<Value, String> {
    std::str::from_utf8(b)
        .map(|s| json!(s))
        .map_err(|_| "a string is not UTF-8".to_string())
}

fn b64(b: &[u8]) -> Value {
    json!(base64::engine::general_purpose::STANDARD.encode(b))
}

/// A map entry: key 1, value 2.
fn entry(b: &[u8], bytes: bool) -> Result<(String, Value), String> {
    let mut r = Reader(b);
    let (mut k, mut v) = (String::new(), if bytes { b64(b"") } else { json!("") });
    while let Some((n, w)) = r.field()? {
        match (n, w) {
            (1, Wire::Len(s)) => {
                k = std::str::from_utf8(s)
                    .map_err(|_| "a key is not UTF-8")?
                    .to_string()
            }
            (2, Wire::Len(s)) => v = if bytes { b64(s) } else { text(s)? },
            _ => {}
        }
    }
    Ok((k, v))
}

/// A `metav1.Time`; the zero time (before 1970 here) is no time at all.
fn time(b: &[u8]) -> Result<Option<Value>, String> {
    let mut r = Reader(b);
    let mut secs: i64 = 0;
    while let Some((n, w)) = r.field()? {
        if let (1, Wire::Varint(v)) = (n, w) {
            secs = v as i64;
        }
    }
    if secs <= 0 {
        return Ok(None);
    }
    Ok(Some(json!(super::rfc3339(secs))))
}

fn message(b: &[u8], schema: &Schema, depth: usize) -> Result<Map<String, Value>, String> {
    if depth > 16 {
        return Err("nested too deeply".into());
    }
    let mut out = Map::new();
    let mut r = Reader(b);
    while let Some((n, w)) = r.field()? {
        let Some(&(_, name, kind)) = schema.0.iter().find(|(num, _, _)| *num == n) else {
            continue;
        };
        let push = |out: &mut Map<String, Value>, v: Value| {
            if let Value::Array(a) = out.entry(name).or_insert_with(|| json!([])) {
                a.push(v);
            }
        };
        let put_map = |out: &mut Map<String, Value>, (k, v): (String, Value)| {
            if let Value::Object(m) = out.entry(name).or_insert_with(|| json!({})) {
                m.insert(k, v);
            }
        };
        match (kind, w) {
            // gogo-protobuf writes every string, set or not; JSON leaves empty ones out.
            (F::Str, Wire::Len([])) => {}
            (F::Str, Wire::Len(s)) => {
                out.insert(name.into(), text(s)?);
            }
            (F::Bytes, Wire::Len(s)) => {
                out.insert(name.into(), b64(s));
            }
            (F::Bool, Wire::Varint(v)) => {
                out.insert(name.into(), json!(v != 0));
            }
            (F::Int, Wire::Varint(v)) => {
                out.insert(name.into(), json!(v as i64));
            }
            (F::Time, Wire::Len(s)) => {
                if let Some(t) = time(s)? {
                    out.insert(name.into(), t);
                }
            }
            (F::Msg(sc), Wire::Len(s)) => {
                out.insert(name.into(), Value::Object(message(s, sc, depth + 1)?));
            }
            (F::MapStr, Wire::Len(s)) => put_map(&mut out, entry(s, false)?),
            (F::MapBytes, Wire::Len(s)) => put_map(&mut out, entry(s, true)?),
            (F::RepStr, Wire::Len(s)) => push(&mut out, text(s)?),
            (F::RepMsg(sc), Wire::Len(s)) => {
                push(&mut out, Value::Object(message(s, sc, depth + 1)?))
            }
            _ => return Err(format!("field {name} has the wrong wire type")),
        }
    }
    Ok(out)
}

/// Reads a protobuf body into the object's JSON form.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or("the protobuf body does not start with the k8s magic")?;
    let env = message(rest, &UNKNOWN, 0)?;
    let kind = env
        .get("typeMeta")
        .and_then(|t| t.get("kind"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let api_version = env
        .get("typeMeta")
        .and_then(|t| t.get("apiVersion"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let schema =
        schema_of(&kind).ok_or_else(|| format!("no protobuf decoding for kind {kind:?}"))?;
    let mut r = Reader(rest);
    let mut raw: &[u8] = &[];
    while let Some((n, w)) = r.field()? {
        if let (2, Wire::Len(s)) = (n, w) {
            raw = s;
        }
    }
    let mut obj = message(raw, schema, 0)?;
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn len_field(n: u64, body: &[u8], out: &mut Vec<u8>) {
        varint(n << 3 | 2, out);
        varint(body.len() as u64, out);
        out.extend_from_slice(body);
    }

    /// A ConfigMap as client-go encodes it.
    fn config_map() -> Vec<u8> {
        let mut meta = Vec::new();
        len_field(1, b"settings", &mut meta);
        len_field(3, b"default", &mut meta);
        let mut entry = Vec::new();
        len_field(1, b"k", &mut entry);
        len_field(2, b"v", &mut entry);
        let mut cm = Vec::new();
        len_field(1, &meta, &mut cm);
        len_field(2, &entry, &mut cm);
        varint(4 << 3, &mut cm);
        varint(1, &mut cm);
        let mut tm = Vec::new();
        len_field(1, b"v1", &mut tm);
        len_field(2, b"ConfigMap", &mut tm);
        let mut body = MAGIC.to_vec();
        len_field(1, &tm, &mut body);
        len_field(2, &cm, &mut body);
        body
    }

    #[test]
    fn a_config_map_reads_as_its_json() {
        assert_eq!(
            decode(&config_map()).unwrap(),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "immutable": true,
                   "metadata": {"name": "settings", "namespace": "default"}, "data": {"k": "v"}})
        );
    }

    /// A fuzz-style test: mutated protobuf bodies are refused or read, never a panic.
    #[test]
    fn mutated_protobuf_never_panics() {
        let seed = config_map();
        let mut m = super::super::Mutator::new(0x1234_5678_9abc_def1);
        let every_byte: Vec<u8> = (0..=255).collect();
        let (mut ok, mut refused) = (0, 0);
        for _ in 0..20_000 {
            let s = m.mutate(&seed, &every_byte, MAGIC.len(), 4);
            match decode(&s) {
                Ok(_) => ok += 1,
                Err(_) => refused += 1,
            }
        }
        assert!(ok > 0 && refused > 0, "{ok} read, {refused} refused");
    }
}
