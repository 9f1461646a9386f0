//! What a request asks for, read from its method, path and query as kube-apiserver's
//! RequestInfo does: a discovery or other non-resource URL, or a verb on a resource
//! (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`)
//! with its group, version, namespace, name and subresource. Also the label selectors
//! of a list. Pure functions on untrusted input: they never panic.

use std::collections::BTreeMap;

/// A parsed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Info {
    /// `/version`, `/api`, `/healthz` …: authorized by path, with the verb from the method.
    NonResource {
        path: String,
        verb: &'static str,
    },
    Resource(ResourceInfo),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    pub verb: &'static str,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// The query parameters the server reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub watch: bool,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub dry_run: bool,
    /// A watch starts after this revision; none (or 0): from the current state.
    pub resource_version: Option<i64>,
    /// A Table's rows carry `None`, the `Metadata` (the default) or the whole `Object`.
    pub include_object: Option<String>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the query string.
pub fn query(q: Option<&str>) -> Query {
    let mut out = Query::default();
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        match k {
            "watch" => out.watch = v == "1" || v == "true",
            "labelSelector" => out.label_selector = Some(v),
            "fieldSelector" => out.field_selector = Some(v),
            "dryRun" => out.dry_run = v == "All",
            "resourceVersion" => out.resource_version = v.parse().ok().filter(|r| *r > 0),
            "includeObject" => out.include_object = Some(v),
            _ => {}
        }
    }
    out
}

/// Reads a request's method and path (without the query).
pub fn parse(method: &str, path: &str, watch: bool) -> Info {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let non_resource = || Info::NonResource {
        path: path.to_string(),
        verb: match method {
            "GET" | "HEAD" => "get",
            "POST" => "post",
            "PUT" => "put",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        },
    };
    let (group, version, rest) = match parts.as_slice() {
        ["api", v, rest @ ..] if !rest.is_empty() => ("", *v, rest),
        ["apis", g, v, rest @ ..] if !rest.is_empty() => (*g, *v, rest),
        _ => return non_resource(),
    };
    let mut rest: Vec<&str> = rest.to_vec();
    let mut namespace = None;
    // `/namespaces/NS/RESOURCE/…` is namespaced; `/namespaces/NS` (and its status and
    // finalize subresources) is the Namespace itself, whose namespace is its own name.
    if rest[0] == "namespaces" && rest.len() > 1 {
        namespace = Some(rest[1].to_string());
        if rest.len() > 2 && rest[2] != "status" && rest[2] != "finalize" {
            rest.drain(..2);
        }
    }
    let resource = rest[0].to_string();
    let name = rest.get(1).map(|s| s.to_string());
    let subresource = rest.get(2).map(|s| s.to_string());
    if rest.len() > 3 {
        return non_resource();
    }
    let verb = match (method, name.is_some()) {
        ("GET" | "HEAD", true) if watch => "watch",
        ("GET" | "HEAD", true) => "get",
        ("GET" | "HEAD", false) if watch => "watch",
        ("GET" | "HEAD", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "",
    };
    Info::Resource(ResourceInfo {
        verb,
        group: group.to_string(),
        version: version.to_string(),
        resource,
        namespace,
        name,
        subresource,
    })
}

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

/// A parsed label selector: all requirements must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector(Vec<Req>);

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 317
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn set(values: &str) -> Option<Vec<String>> {
    let inner = values.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

impl Selector {
    /// Parses `a=b,c!=d,e,!f,g in (x,y),h notin (z)`.
    pub fn parse(s: &str) -> Result<Selector, String> {
        let mut reqs = Vec::new();
        for term in split_top(s).into_iter().map(str::trim) {
            if term.is_empty() {
                continue;
            }
            let bad = || format!("unable to parse requirement: {term:?}");
            let req = if let Some((k, v)) = term.split_once("!=") {
                Req::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once(" notin ") {
                Req::NotIn(k.trim().into(), set(v).ok_or_else(bad)?)
            } else if let Some((k, v)) = term.split_once(" in ") {
                Req::In(k.trim().into(), set(v).ok_or_else(bad)?)
            } else if let Some(k) = term.strip_prefix('!') {
                Req::Absent(k.trim().into())
            } else {
                Req::Exists(term.into())
            };
            let key = match &req {
                Req::Eq(k, _)
                | Req::Ne(k, _)
                | Req::In(k, _)
                | Req::NotIn(k, _)
                | Req::Exists(k)
                | Req::Absent(k) => k,
            };
            if !valid_key(key) {
                return Err(bad());
            }
            reqs.push(req);
        }
        Ok(Selector(reqs))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k) == Some(v),
            Req::Ne(k, v) => labels.get(k) != Some(v),
            Req::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Req::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Req::Exists(k) => labels.contains_key(k),
            Req::Absent(k) => !labels.contains_key(k),
        })
    }
}

/// The `metadata.name` and `metadata.namespace` a field selector asks for (kubectl's
/// `delete --wait` and `get NAME --watch` use them); other fields are refused.
pub fn field_selector(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (k, v) = term
            .split_once("==")
            .or_else(|| term.split_once('='))
            .ok_or_else(|| format!("invalid selector: {term:?}"))?;
        let k = k.trim();
        if k != "metadata.name" && k != "metadata.namespace" {
            return Err(format!("field label not supported: {k}"));
        }
        out.push((k.to_string(), v.trim().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(method: &str, path: &str) -> ResourceInfo {
        match parse(method, path, false) {
            Info::Resource(r) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn paths_read_as_kube_apiserver_reads_them() {
        let r = res("GET", "/api/v1/namespaces/default/configmaps/a");
        assert_eq!(
            (
                r.verb,
                r.namespace.as_deref(),
                r.resource.as_str(),
                r.name.as_deref()
            ),
            ("get", Some("default"), "configmaps", Some("a"))
        );
        let r = res("GET", "/api/v1/namespaces/dev");
        assert_eq!(
            (
                r.verb,
                r.namespace.as_deref(),
                r.resource.as_str(),
                r.name.as_deref()
            ),
            ("get", Some("dev"), "namespaces", Some("dev"))
        );
        let r = res("GET", "/apis/apps/v1/deployments");
        assert_eq!(
            (r.verb, r.group.as_str(), r.namespace),
            ("list", "apps", None)
        );
        let r = res("DELETE", "/api/v1/namespaces/x/pods");
        assert_eq!(r.verb, "deletecollection");
        let r = res("GET", "/api/v1/namespaces/x/pods/p/log");
        assert_eq!(r.subresource.as_deref(), Some("log"));
        assert!(matches!(
            parse("GET", "/apis/apps/v1", false),
            Info::NonResource { .. }
        ));
        assert!(matches!(
            parse("GET", "/version", false),
            Info::NonResource { verb: "get", .. }
        ));
        assert!(matches!(
            parse("GET", "/api/v1/namespaces/x/pods/p/log/extra", false),
            Info::NonResource { .. }
        ));
    }

    #[test]
    fn label_selectors() {
        let l: BTreeMap<String, String> = [
            ("app".to_string(), "web".to_string()),
            ("tier".into(), "fe".into()),
        ]
        .into();
        let ok = |s: &str| Selector::parse(s).unwrap().matches(&l);
        assert!(ok("app=web"));
        assert!(ok("app==web,tier"));
        assert!(!ok("app!=web"));
        assert!(ok("app in (web, db),!missing"));
        assert!(!ok("tier notin (fe)"));
        assert!(ok(""));
        assert!(Selector::parse("a in b").is_err());
        assert!(Selector::parse("=x").is_err());
        assert_eq!(
            query(Some("labelSelector=app%3Dweb&watch=1"))
                .label_selector
                .as_deref(),
            Some("app=web")
        );
    }

    /// A fuzz-style test: mutated paths, queries and selectors never panic the parsers.
    #[test]
    fn mutated_input_never_panics() {
        let seeds = [
            "/api/v1/namespaces/default/configmaps/a",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            "app in (a,b),c!=d,!e",
            "labelSelector=a%3Db&watch=true&fieldSelector=metadata.name%3Dx",
        ];
        let mut m = super::super::Mutator::new(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"/%(),=!+ a\xff\x00namespaces.";
        for _ in 0..20_000 {
            let seed = seeds[(m.next() % seeds.len() as u64) as usize].as_bytes();
            let s = m.mutate(seed, alphabet, 0, 6);
            let text = String::from_utf8_lossy(&s);
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "BREW"] {
                let _ = parse(method, &text, m.next().is_multiple_of(2));
            }
            let _ = query(Some(&text));
            let _ = percent_decode(&text);
            let _ = Selector::parse(&text);
            let _ = field_selector(&text);
        }
    }
}
