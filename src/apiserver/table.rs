//! Server-side printing: the `meta.k8s.io/v1` `Table` that `kubectl get` asks for
//! (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), with kube-apiserver's
//! default columns for each kind, as far as the stored fields allow (no controller fills
//! a Deployment's status here, so its READY is `0/N` until someone writes one).

use serde_json::{Value, json};

/// True when the Accept header asks for a Table (in either version kubectl names).
pub fn wanted(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let params: Vec<&str> = part.split(';').map(str::trim).collect();
        params.contains(&"as=Table") && params.contains(&"g=meta.k8s.io")
    })
}

/// One column: its name, type and format as kube-apiserver declares them; priority 0
/// columns are printed by default, 1 only with `-o wide`.
struct Column {
    name: &'static str,
    kind: &'static str,
    format: &'static str,
    priority: u8,
    cell: fn(&Value, i64) -> Value,
}

const fn col(name: &'static str, cell: fn(&Value, i64) -> Value) -> Column {
    Column {
        name,
        kind: "string",
        format: "",
        priority: 0,
        cell,
    }
}

fn s(v: &Value, path: &str) -> Value {
    json!(v.pointer(path).and_then(Value::as_str).unwrap_or(""))
}

fn n(v: &Value, path: &str) -> i64 {
    v.pointer(path).and_then(Value::as_i64).unwrap_or(0)
}

fn len(v: &Value, path: &str) -> usize {
    match v.pointer(path) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

fn joined(v: &Value, path: &str, field: &str) -> Value {
    let items = v.pointer(path).and_then(Value::as_array);
    let names: Vec<&str> = items
        .into_iter()
        .flatten()
        .filter_map(|i| i.get(field).and_then(Value::as_str))
        .collect();
    json!(if names.is_empty() {
        "<none>".to_string()
    } else {
        names.join(",")
    })
}

fn subjects(v: &Value, kind: &str) -> Value {
    let names: Vec<String> = v
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("kind").and_then(Value::as_str) == Some(kind))
        .map(|s| {
            let name = s.get("name").and_then(Value::as_str).unwrap_or("");
            match s.get("namespace").and_then(Value::as_str) {
                Some(ns) if kind == "ServiceAccount" => format!("{ns}/{name}"),
                _ => name.to_string(),
            }
        })
        .collect();
    json!(names.join(", "))
}

fn name(v: &Value, _: i64) -> Value {
    s(v, "/metadata/name")
}

fn age(v: &Value, now: i64) -> Value {
    match v
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
    {
        Some(t) => json!(human_duration(now - t)),
        None => json!("<unknown>"),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (what the server writes) as seconds since the epoch.
fn parse_rfc3339(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let day = crate::civil::days(num(0..4)?, num(5..7)?, num(8..10)?);
    Some(day * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?)
}

/// kubectl's AGE: apimachinery's `duration.HumanDuration`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 120 {
        return format!("{secs}s");
    }
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86_400);
    let with = |big: i64, unit: &str, small: i64, unit2: &str| {
        if small == 0 {
            format!("{big}{unit}")
        } else {
            format!("{big}{unit}{small}{unit2}")
        }
    };
    match () {
        _ if m < 10 => with(m, "m", secs % 60, "s"),
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 => with(h, "h", m % 60, "m"),
        _ if h < 48 => format!("{h}h"),
        _ if h < 24 * 8 => with(d, "d", h % 24, "h"),
        _ if h < 24 * 365 * 2 => format!("{d}d"),
        _ if h < 24 * 365 * 8 => with(d / 365, "y", d % 365, "d"),
        _ => format!("{}y", d / 365),
    }
}

fn columns(kind: &str) -> Vec<Column> {
    let age_col = col("Age", age);
    let name_col = Column {
        format: "name",
        ..col("Name", name)
    };
    let int = |c: Column| Column {
        kind: "integer",
        ..c
    };
    let wide = |c: Column| Column { priority: 1, ..c };
    let mut out = vec![name_col];
    match kind {
        "Namespace" => out.push(col("Status", |v, _| s(v, "/status/phase"))),
        "ConfigMap" => out.push(int(col("Data", |v, _| {
            json!(len(v, "/data") + len(v, "/binaryData"))
        }))),
        "Secret" => {
            out.push(col("Type", |v, _| s(v, "/type")));
            out.push(int(col("Data", |v, _| json!(len(v, "/data")))));
        }
        "ServiceAccount" => out.push(int(col("Secrets", |v, _| json!(len(v, "/secrets"))))),
        "Pod" => {
            out.push(col("Ready", |v, _| {
                let ready = v
                    .pointer("/status/containerStatuses")
                    .and_then(Value::as_array)
                    .map(|c| c.iter().filter(|c| c["ready"] == json!(true)).count())
                    .unwrap_or(0);
                json!(format!("{ready}/{}", len(v, "/spec/containers")))
            }));
            out.push(col("Status", |v, _| {
                let phase = s(v, "/status/phase");
                if phase == "" { json!("Pending") } else { phase }
            }));
            out.push(int(col("Restarts", |v, _| {
                let restarts: i64 = v
                    .pointer("/status/containerStatuses")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                    .sum();
                json!(restarts)
            })));
            out.push(age_col);
            out.push(wide(col("IP", |v, _| {
                let ip = s(v, "/status/podIP");
                if ip == "" { json!("<none>") } else { ip }
            })));
            out.push(wide(col("Node", |v, _| {
                let node = s(v, "/spec/nodeName");
                if node == "" { json!("<none>") } else { node }
            })));
            return out;
        }
        "Deployment" => {
            out.push(col("Ready", |v, _| {
                json!(format!(
                    "{}/{}",
                    n(v, "/status/readyReplicas"),
                    v.pointer("/spec/replicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(1)
                ))
            }));
            out.push(int(col("Up-to-date", |v, _| {
                json!(n(v, "/status/updatedReplicas"))
            })));
            out.push(int(col("Available", |v, _| {
                json!(n(v, "/status/availableReplicas"))
            })));
            out.push(age_col);
            out.push(wide(col("Containers", |v, _| {
                joined(v, "/spec/template/spec/containers", "name")
            })));
            out.push(wide(col("Images", |v, _| {
                joined(v, "/spec/template/spec/containers", "image")
            })));
            return out;
        }
        "Role" | "ClusterRole" => {
            out.push(Column {
                format: "date",
                ..col("Created At", |v, _| s(v, "/metadata/creationTimestamp"))
            });
            return out;
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            out.push(col("Role", |v, _| {
                json!(format!(
                    "{}/{}",
                    s(v, "/roleRef/kind").as_str().unwrap_or(""),
                    s(v, "/roleRef/name").as_str().unwrap_or("")
                ))
            }));
            out.push(age_col);
            out.push(wide(col("Users", |v, _| subjects(v, "User"))));
            out.push(wide(col("Groups", |v, _| subjects(v, "Group"))));
            out.push(wide(col("ServiceAccounts", |v, _| {
                subjects(v, "ServiceAccount")
            })));
            return out;
        }
        "Lease" => out.push(col("Holder", |v, _| s(v, "/spec/holderIdentity"))),
        _ => {}
    }
    out.push(age_col);
    out
}

/// The Table for a `get` (one object) or a `list` reply of `kind` objects.
/// `include` is the request's `includeObject`: `None`, `Object`, or (the default)
/// `Metadata`.
pub fn table(kind: &str, reply: &Value, include: Option<&str>, now: i64) -> Value {
    let cols = columns(kind);
    let (items, rv): (Vec<&Value>, Value) = match reply.get("items").and_then(Value::as_array) {
        Some(items) => (
            items.iter().collect(),
            reply
                .pointer("/metadata/resourceVersion")
                .cloned()
                .unwrap_or(json!("")),
        ),
        None => (
            vec![reply],
            reply
                .pointer("/metadata/resourceVersion")
                .cloned()
                .unwrap_or(json!("")),
        ),
    };
    let rows: Vec<Value> = items
        .into_iter()
        .map(|item| {
            let cells: Vec<Value> = cols.iter().map(|c| (c.cell)(item, now)).collect();
            let mut row = json!({"cells": cells});
            match include {
                Some("None") => {}
                Some("Object") => row["object"] = item.clone(),
                _ => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": item.get("metadata").cloned().unwrap_or(json!({})),
                    })
                }
            }
            row
        })
        .collect();
    let defs: Vec<Value> = cols
        .iter()
        .map(|c| {
            json!({"name": c.name, "type": c.kind, "format": c.format, "description": "",
                   "priority": c.priority})
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv},
        "columnDefinitions": defs,
        "rows": rows,
    })
}

/// One watch event (`{"type", "object"}`, a JSON line) with its object as a one-row
/// Table, as kube-apiserver sends them to `kubectl get -w`: the column definitions only
/// when `headers` (the watch's first event), since the client printed them already.
/// Anything else (a line that is not an event, an error's `Status`) passes unchanged.
pub fn watch_event(
    kind: &str,
    line: &[u8],
    include: Option<&str>,
    now: i64,
    headers: bool,
) -> Vec<u8> {
    let Ok(mut event) = serde_json::from_slice::<Value>(line) else {
        return line.to_vec();
    };
    let object = &event["object"];
    if !object.is_object() || object["kind"] == "Status" {
        return line.to_vec();
    }
    let mut t = table(kind, object, include, now);
    if !headers && let Some(m) = t.as_object_mut() {
        m.remove("columnDefinitions");
    }
    event["object"] = t;
    let mut out = event.to_string().into_bytes();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_kubectl_prints_them() {
        let cases = [
            (-5, "<invalid>"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (700, "11m"),
            (3 * 3600 + 60, "3h1m"),
            (10 * 3600, "10h"),
            (3 * 86_400 + 3600, "3d1h"),
            (30 * 86_400, "30d"),
            (3 * 365 * 86_400 + 86_400, "3y1d"),
            (9 * 365 * 86_400, "9y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
        assert_eq!(parse_rfc3339("1970-01-02T00:00:10Z"), Some(86_410));
        assert_eq!(
            parse_rfc3339(&crate::apiserver::rfc3339(1_700_000_000)),
            Some(1_700_000_000)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2024-0x-01T00:00:00Z"), None);
    }

    #[test]
    fn a_configmap_list_becomes_rows_of_name_data_age() {
        let list = json!({"kind": "ConfigMapList", "metadata": {"resourceVersion": "7"}, "items": [
            {"metadata": {"name": "a", "creationTimestamp": "1970-01-01T00:00:00Z"},
             "data": {"x": "1", "y": "2"}},
            {"metadata": {"name": "b"}}]});
        let t = table("ConfigMap", &list, None, 130);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Name", "Data", "Age"]);
        assert_eq!(t["rows"][0]["cells"], json!(["a", 2, "2m10s"]));
        assert_eq!(t["rows"][1]["cells"], json!(["b", 0, "<unknown>"]));
        assert_eq!(t["rows"][0]["object"]["metadata"]["name"], "a");
        assert_eq!(t["metadata"]["resourceVersion"], "7");
        let d = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3,
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        let t = table("Deployment", &d, Some("None"), 0);
        assert_eq!(
            t["rows"][0]["cells"].as_array().unwrap()[..4],
            [json!("web"), json!("0/3"), json!(0), json!(0)]
        );
        assert!(t["rows"][0].get("object").is_none());
        assert!(wanted(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wanted("application/json"));
    }

    #[test]
    fn a_watch_event_becomes_a_one_row_table_with_headers_only_first() {
        let line = br#"{"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"menu","namespace":"shop","resourceVersion":"42","creationTimestamp":"2026-01-01T00:00:00Z"},"data":{"a":"1"}}}"#;
        let now = 1_767_225_600 + 90;
        let first: Value =
            serde_json::from_slice(&watch_event("ConfigMap", line, None, now, true)).unwrap();
        assert_eq!(first["type"], "MODIFIED");
        let t = &first["object"];
        assert_eq!(
            (
                t["kind"].as_str(),
                t["metadata"]["resourceVersion"].as_str()
            ),
            (Some("Table"), Some("42"))
        );
        assert_eq!(t["rows"][0]["cells"], json!(["menu", 1, "90s"]));
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert!(
            t["columnDefinitions"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        );
        let later: Value =
            serde_json::from_slice(&watch_event("ConfigMap", line, None, now, false)).unwrap();
        assert!(later["object"].get("columnDefinitions").is_none());
        assert_eq!(later["object"]["rows"], t["rows"]);
        let status = br#"{"type":"ERROR","object":{"kind":"Status","code":410}}"#;
        assert_eq!(
            watch_event("ConfigMap", status, None, now, true),
            status.to_vec()
        );
    }
}
