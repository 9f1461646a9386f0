//! `contlab apiserver` against the real etcd and the real kubectl: objects land under
//! `/registry`, 401 and 403 are told apart, a RoleBinding changes the verdict at once, and
//! neither `down` nor a SIGKILL followed by `contlab cleanup` leaves a process or a file.
//! Skipped, with the reason, only when etcd or kubectl is not installed.

mod common;

use contlab::apiserver::{Status, pki};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn skip() -> bool {
    if contlab::etcd::tools().is_none() {
        eprintln!("skipped: {}", contlab::etcd::MISSING);
        return true;
    }
    if which::which("kubectl").is_err() || which::which("curl").is_err() {
        eprintln!(
            "skipped: kubectl or curl not found; install Debian's kubernetes-client and curl"
        );
        return true;
    }
    false
}

/// A server in its own state directory; dropping it runs `apiserver down`.
struct Server {
    state: tempfile::TempDir,
    status: Status,
}

impl Server {
    fn up(extra: &[&str]) -> Server {
        let state = tempfile::Builder::new()
            .prefix("contlab-apitest-")
            .tempdir()
            .unwrap();
        let out = common::contlab_in(state.path())
            .args(["apiserver", "up"])
            .args(extra)
            .output()
            .unwrap();
        let text = common::text(&out);
        assert!(out.status.success(), "apiserver up failed: {text}");
        let line = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(line.starts_with("export KUBECONFIG="), "{line}");
        let status: Status = serde_json::from_slice(
            &std::fs::read(state.path().join("apiserver/status.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            line.trim(),
            format!("export KUBECONFIG={}", status.kubeconfig.display())
        );
        Server { state, status }
    }

    fn contlab(&self, args: &[&str]) -> Output {
        common::contlab_in(self.state.path())
            .args(args)
            .output()
            .unwrap()
    }

    /// kubectl as the admin of `up`'s kubeconfig.
    fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .env("KUBECONFIG", &self.status.kubeconfig)
            .args(args)
            .output()
            .unwrap()
    }

    /// kubectl with no kubeconfig, as a certificate's holder, a token's or nobody.
    fn kubectl_as<A: AsRef<std::ffi::OsStr>>(&self, auth: &[A], args: &[&str]) -> Output {
        Command::new("kubectl")
            .env("KUBECONFIG", self.state.path().join("none"))
            .args(["--server", &self.status.url])
            .arg(format!(
                "--certificate-authority={}",
                self.status.ca.display()
            ))
            .args(auth)
            .args(args)
            .output()
            .unwrap()
    }

    /// A key and certificate for `user`, signed by `ca_key`, written beside the state.
    fn cert(&self, ca_key: &str, user: &str, groups: &[String]) -> Vec<String> {
        let pair = pki::issue(ca_key, pki::Leaf::Client { user, groups }).unwrap();
        let crt = self.state.path().join(format!("{user}.crt"));
        let key = self.state.path().join(format!("{user}.key"));
        std::fs::write(&crt, pair.cert).unwrap();
        std::fs::write(&key, pair.key).unwrap();
        vec![
            format!("--client-certificate={}", crt.display()),
            format!("--client-key={}", key.display()),
        ]
    }

    /// curl with the CA and nothing else: the body and the status code.
    fn curl(&self, auth: &[&str], path: &str) -> (serde_json::Value, String) {
        let out = Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}", "--cacert"])
            .arg(&self.status.ca)
            .args(auth)
            .arg(format!("{}{path}", self.status.url))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (body, code) = text.rsplit_once('\n').unwrap_or((&text, ""));
        (
            serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
            code.to_string(),
        )
    }

    fn etcdctl(&self, args: &[&str]) -> Output {
        Command::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .args(["--endpoints", &self.status.etcd[0]])
            .args(args)
            .output()
            .unwrap()
    }

    /// The pids the ledger record names (the server and etcd) and its directories.
    fn recorded(&self) -> (Vec<i32>, Vec<PathBuf>) {
        let rec = contlab::runtime::ledger::Ledger::open(
            &self
                .state
                .path()
                .join("run/containers/contlab-apiserver.json"),
        )
        .unwrap();
        let r = rec.record();
        (r.processes.iter().map(|p| p.pid).collect(), r.dirs.clone())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.contlab(&["apiserver", "down"]);
    }
}

/// Running, and not a zombie (which has ended: PID 1 here may never reap it).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rfind(')').map(|i| !s[i + 2..].starts_with('Z')))
        .unwrap_or(false)
}

fn gone(pids: &[i32], dirs: &[PathBuf], state: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while pids.iter().any(|&p| running(p)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for &p in pids {
        assert!(!running(p), "pid {p} outlived the server");
    }
    for d in dirs {
        assert!(!d.exists(), "{} is still there", d.display());
    }
    assert!(!state.join("run/containers/contlab-apiserver.json").exists());
}

fn unique(what: &str) -> String {
    format!(
        "{what}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

#[test]
fn kubectl_create_lands_under_registry_and_down_leaves_nothing() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let name = unique("settings");
    let out = s.kubectl(&["create", "configmap", &name, "--from-literal=colour=blue"]);
    assert!(out.status.success(), "{}", common::text(&out));

    let out = s.etcdctl(&[
        "get",
        &format!("/registry/configmaps/default/{name}"),
        "-w",
        "json",
    ]);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", common::text(&out)));
    let kv = &v["kvs"][0];
    use base64::Engine as _;
    let stored: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(kv["value"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["data"]["colour"], "blue");
    assert_eq!(stored["metadata"]["name"], name.as_str());

    let out = s.kubectl(&["get", "configmap", &name, "-o", "json"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got["metadata"]["resourceVersion"],
        kv["mod_revision"].to_string()
    );
    assert_eq!(got["metadata"]["uid"], stored["metadata"]["uid"]);

    // A write with a stale resourceVersion is a 409.
    let mut stale = got.clone();
    stale["metadata"]["resourceVersion"] = serde_json::json!("1");
    stale["data"]["colour"] = serde_json::json!("red");
    let file = s.state.path().join("stale.json");
    std::fs::write(&file, stale.to_string()).unwrap();
    let out = s.kubectl(&["replace", "--validate=false", "-f", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        common::text(&out).contains("the object has been modified"),
        "{}",
        common::text(&out)
    );

    let out = s.kubectl(&["delete", "configmap", &name]);
    assert!(out.status.success(), "{}", common::text(&out));
    let out = s.etcdctl(&[
        "get",
        &format!("/registry/configmaps/default/{name}"),
        "--count-only",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0"));

    // kubectl apply (validation left to the server, a merge patch the second time).
    let dep = s.state.path().join("web.yaml");
    let manifest = |replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  \
             replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    \
             metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: nginx}}]}}\n"
        )
    };
    for replicas in [2, 3] {
        std::fs::write(&dep, manifest(replicas)).unwrap();
        let out = s.kubectl(&["apply", "-f", dep.to_str().unwrap()]);
        assert!(out.status.success(), "{}", common::text(&out));
    }
    let out = s.kubectl(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas} {.metadata.generation}",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3 2");

    let (pids, dirs) = s.recorded();
    assert!(
        pids.len() >= 2,
        "the record names the server and etcd: {pids:?}"
    );
    let out = s.contlab(&["apiserver", "down"]);
    assert!(out.status.success(), "{}", common::text(&out));
    gone(&pids, &dirs, s.state.path());
}

#[test]
fn unauthenticated_is_401_unbound_is_403_until_a_rolebinding() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let ca_key = std::fs::read_to_string(s.status.dir.join("ca.key")).unwrap();
    let jane = s.cert(&ca_key, "jane", &["dev".to_string()]);
    let list = ["get", "configmaps", "-n", "default"];

    let out = s.kubectl_as(&jane, &list);
    let text = common::text(&out);
    assert!(!out.status.success());
    assert!(
        text.contains("configmaps is forbidden: User \"jane\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\""),
        "{text}"
    );

    let can_i = |s: &Server| {
        let out = s.kubectl(&["auth", "can-i", "list", "configmaps", "--as=jane"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert!(can_i(&s).starts_with("no"), "{}", can_i(&s));
    // jane may not become someone else.
    let out = s.kubectl_as(&jane, &["get", "configmaps", "--as=admin"]);
    assert!(
        common::text(&out).contains("User \"jane\" cannot impersonate resource \"users\""),
        "{}",
        common::text(&out)
    );

    let out = s.kubectl(&[
        "create",
        "rolebinding",
        "jane-view",
        "--clusterrole=view",
        "--user=jane",
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    let out = s.kubectl_as(&jane, &list);
    assert!(
        out.status.success(),
        "after the binding: {}",
        common::text(&out)
    );
    assert_eq!(can_i(&s), "yes");
    // The binding is for one namespace only.
    let out = s.kubectl_as(&jane, &["get", "configmaps", "-n", "kube-system"]);
    assert!(
        common::text(&out).contains("forbidden"),
        "{}",
        common::text(&out)
    );

    // A certificate from another CA is a 401, not anonymous.
    let other = pki::new_ca().unwrap();
    let mallory = s.cert(&other.key, "mallory", &[]);
    let out = s.kubectl_as(&mallory, &list);
    assert!(
        common::text(&out).contains("Unauthorized"),
        "{}",
        common::text(&out)
    );
    let out = s.kubectl_as(&["--token=not-a-token"], &list);
    assert!(
        common::text(&out).contains("Unauthorized"),
        "{}",
        common::text(&out)
    );

    // The token file's user, and nobody at all.
    let tokens = std::fs::read_to_string(&s.status.tokens).unwrap();
    let token = tokens
        .lines()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let out = s.kubectl_as(&[&format!("--token={token}")], &list);
    assert!(
        common::text(&out).contains("User \"student\" cannot list"),
        "{}",
        common::text(&out)
    );
    let (body, code) = s.curl(&[], "/api/v1/namespaces/default/configmaps");
    assert_eq!(code, "403");
    assert_eq!(
        body,
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "configmaps is forbidden: User \"system:anonymous\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"",
            "reason": "Forbidden", "details": {"kind": "configmaps"}, "code": 403})
    );
    let (body, code) = s.curl(&["-H", "Authorization: Bearer nope"], "/api");
    assert_eq!(
        (code.as_str(), body["reason"].as_str()),
        ("401", Some("Unauthorized"))
    );
    // Anyone may read the version; discovery takes an authenticated user.
    assert_eq!(s.curl(&[], "/version").1, "200");
    assert_eq!(s.curl(&[], "/apis").1, "403");

    // Every verdict is in the audit log.
    let audit = std::fs::read_to_string(&s.status.audit_log).unwrap();
    assert!(
        audit.contains("\"user\":\"jane\"")
            && audit.contains("\"code\":403")
            && audit.contains("\"code\":401")
    );
}

#[test]
fn without_anonymous_auth_no_credentials_is_401() {
    if skip() {
        return;
    }
    let s = Server::up(&["--anonymous-auth=false"]);
    let (body, code) = s.curl(&[], "/api/v1/namespaces");
    assert_eq!(code, "401");
    assert_eq!(
        body,
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    );
    let out = s.kubectl(&["get", "namespaces", "-o", "name"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("namespace/default"),
        "{}",
        common::text(&out)
    );
}

#[test]
fn sigkill_then_cleanup_leaves_nothing() {
    if skip() {
        return;
    }
    common::require_root("contlab cleanup sweeps the run directory as root does");
    let s = Server::up(&[]);
    let (pids, dirs) = s.recorded();
    assert!(dirs.iter().any(|d| d.ends_with("apiserver")), "{dirs:?}");
    // SAFETY: kill(2) on the server this test started.
    unsafe { libc::kill(s.status.pid, libc::SIGKILL) };
    let out = s.contlab(&["cleanup"]);
    assert!(out.status.success(), "{}", common::text(&out));
    gone(&pids, &dirs, s.state.path());
    let out = s.contlab(&["apiserver", "status"]);
    assert_eq!(out.status.code(), Some(3), "{}", common::text(&out));
}

#[test]
fn a_watch_sees_a_write_and_a_delete() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let name = unique("watched");
    let mut watch = Command::new("kubectl")
        .env("KUBECONFIG", &s.status.kubeconfig)
        .args(["get", "configmaps", "--watch-only", "--output-watch-events"])
        .arg("-o=jsonpath={.type} {.object.kind}/{.object.metadata.name}{\"\\n\"}")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = watch.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    // The watch is open once a write made after it starts shows up.
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut created = false;
    while seen.len() < 3 && std::time::Instant::now() < deadline {
        if !created {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let out = s.kubectl(&["create", "configmap", &name, "--from-literal=a=1"]);
            assert!(out.status.success(), "{}", common::text(&out));
            let out = s.kubectl(&["patch", "configmap", &name, "-p", r#"{"data":{"a":"2"}}"#]);
            assert!(out.status.success(), "{}", common::text(&out));
            let out = s.kubectl(&["delete", "configmap", &name]);
            assert!(out.status.success(), "{}", common::text(&out));
            created = true;
        }
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            seen.push(l);
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    let want: Vec<String> = ["ADDED", "MODIFIED", "DELETED"]
        .iter()
        .map(|e| format!("{e} ConfigMap/{name}"))
        .collect();
    let got: Vec<String> = seen
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn bad_input_gets_a_status_and_a_stalled_client_stalls_no_one() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let ca_key = std::fs::read_to_string(s.status.dir.join("ca.key")).unwrap();
    s.cert(&ca_key, "root", &["system:masters".to_string()]);
    let cert = s.state.path().join("root.crt");
    let key = s.state.path().join("root.key");
    let admin = [
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    // A client that connects and says nothing holds only its own connection.
    let addr = s.status.url.trim_start_matches("https://").to_string();
    let _idle = std::net::TcpStream::connect(&addr).unwrap();

    let post = |body_file: &Path, path: &str| {
        let mut a: Vec<&str> = admin.to_vec();
        a.extend([
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
        ]);
        let at = format!("@{}", body_file.display());
        a.push(&at);
        s.curl(&a, path)
    };
    let bad = s.state.path().join("bad.json");
    std::fs::write(&bad, "{\"kind\": \"ConfigMap\", ").unwrap();
    let (body, code) = post(&bad, "/api/v1/namespaces/default/configmaps");
    assert_eq!(
        (code.as_str(), body["reason"].as_str()),
        ("400", Some("BadRequest")),
        "{body}"
    );

    let (body, code) = s.curl(&admin, "/api/v1/namespaces/default/widgets");
    assert_eq!(code, "404");
    assert_eq!(
        body["message"],
        "the server could not find the requested resource"
    );

    let big = s.state.path().join("big.json");
    let data = "x".repeat(4 * 1024 * 1024);
    std::fs::write(
        &big,
        format!("{{\"metadata\":{{\"name\":\"big\"}},\"data\":{{\"a\":\"{data}\"}}}}"),
    )
    .unwrap();
    let (body, code) = post(&big, "/api/v1/namespaces/default/configmaps");
    assert_eq!(
        (code.as_str(), body["reason"].as_str()),
        ("413", Some("RequestEntityTooLarge"))
    );

    let named = s.state.path().join("named.json");
    std::fs::write(&named, r#"{"metadata":{"name":"Not_Valid"}}"#).unwrap();
    let (body, code) = post(&named, "/api/v1/namespaces/default/configmaps");
    assert_eq!(
        (code.as_str(), body["reason"].as_str()),
        ("422", Some("Invalid"))
    );
    std::fs::write(&named, r#"{"metadata":{"name":"fine"}}"#).unwrap();
    let (body, code) = post(&named, "/api/v1/namespaces/no-such-ns/configmaps");
    assert_eq!(
        (code.as_str(), body["message"].as_str()),
        ("404", Some("namespaces \"no-such-ns\" not found"))
    );
}
