//! `contlab apiserver` against the real etcd and the real kubectl: objects land under
//! `/registry`, 401 and 403 are told apart, a RoleBinding changes the verdict at once, and
//! neither `down` nor a SIGKILL followed by `contlab cleanup` leaves a process or a file.
//! Skipped, with the reason, only when etcd or kubectl is not installed.

mod common;

use contlab::apiserver::{Status, pki};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc::Receiver;

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

    /// `kubectl create rolebinding|clusterrolebinding NAME ARGS…` as the admin.
    fn bind(&self, kind: &str, name: &str, args: &[&str]) {
        let out = self.kubectl(&[&["create", kind, name][..], args].concat());
        assert!(out.status.success(), "{}", common::text(&out));
    }

    /// `kubectl ARGS…` as the admin, left running, and its stdout line by line.
    fn kubectl_lines(&self, args: &[&str]) -> (std::process::Child, Receiver<String>) {
        let mut child = Command::new("kubectl")
            .env("KUBECONFIG", &self.status.kubeconfig)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
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
        (child, rx)
    }

    /// Waits until a watch reading `rx` is open: creates probe ConfigMaps (`kubectl
    /// create configmap NAME ARGS…`, NAME from `name(n)`) until the watch prints a line
    /// `shows` says is the probe's (kubectl may take seconds to start on a slow machine).
    /// Returns every line read, and fails after `deadline`.
    fn probe_watch(
        &self,
        rx: &Receiver<String>,
        name: impl Fn(usize) -> String,
        args: &[&str],
        shows: impl Fn(&str, &str) -> bool,
        deadline: std::time::Instant,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        for n in 1.. {
            assert!(
                std::time::Instant::now() < deadline,
                "the watch never opened: {lines:?}"
            );
            let p = name(n);
            let out = self.kubectl(&[&["create", "configmap", &p][..], args].concat());
            assert!(out.status.success(), "{}", common::text(&out));
            let wait = std::time::Instant::now() + std::time::Duration::from_secs(2);
            while let Some(left) = wait.checked_duration_since(std::time::Instant::now()) {
                let Ok(l) = rx.recv_timeout(left) else {
                    break;
                };
                let done = shows(&l, &p);
                lines.push(l);
                if done {
                    return lines;
                }
            }
        }
        unreachable!()
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

/// kubectl's or contlab's output says `what`.
fn says(out: &Output, what: &str) {
    let text = common::text(out);
    assert!(text.contains(what), "{text}");
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
    says(&out, "the object has been modified");

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
    says(&out, "User \"jane\" cannot impersonate resource \"users\"");

    s.bind(
        "rolebinding",
        "jane-view",
        &["--clusterrole=view", "--user=jane"],
    );
    let out = s.kubectl_as(&jane, &list);
    assert!(
        out.status.success(),
        "after the binding: {}",
        common::text(&out)
    );
    assert_eq!(can_i(&s), "yes");
    // The binding is for one namespace only.
    let out = s.kubectl_as(&jane, &["get", "configmaps", "-n", "kube-system"]);
    says(&out, "forbidden");

    // A certificate from another CA is a 401, not anonymous.
    let other = pki::new_ca().unwrap();
    let mallory = s.cert(&other.key, "mallory", &[]);
    let out = s.kubectl_as(&mallory, &list);
    says(&out, "Unauthorized");
    let out = s.kubectl_as(&["--token=not-a-token"], &list);
    says(&out, "Unauthorized");

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
    says(&out, "User \"student\" cannot list");
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
    // The kill lands asynchronously; a busy machine may still show the server running
    // when cleanup looks, and cleanup rightly spares a live owner's record.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while running(s.status.pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
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
    let (mut watch, rx) = s.kubectl_lines(&[
        "get",
        "configmaps",
        "--watch-only",
        "--output-watch-events",
        "-o=jsonpath={.type} {.object.kind}/{.object.metadata.name}{\"\\n\"}",
    ]);
    // The watch is open once a write made after it starts shows up; then the object
    // under test is created, patched and deleted.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    s.probe_watch(
        &rx,
        |n| format!("{name}-probe-{n}"),
        &["--from-literal=a=1"],
        |l, p| l.ends_with(&format!("ConfigMap/{p}")),
        deadline,
    );
    for args in [
        vec!["create", "configmap", &name, "--from-literal=a=1"],
        vec!["patch", "configmap", &name, "-p", r#"{"data":{"a":"2"}}"#],
        vec!["delete", "configmap", &name],
    ] {
        let out = s.kubectl(&args);
        assert!(out.status.success(), "{}", common::text(&out));
    }
    let mine = format!("ConfigMap/{name}");
    let mut seen = Vec::new();
    while seen.len() < 3 && std::time::Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(200))
            && l.ends_with(&mine)
        {
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

#[test]
fn a_signed_csr_and_a_service_account_token_name_their_user_and_groups() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let dir = s.state.path();
    let key = dir.join("ana.key");
    let csr = dir.join("ana.csr");
    let out = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-subj", "/O=qa/O=ops/CN=ana", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&csr)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out));
    let crt = dir.join("ana.crt");
    let out = s.contlab(&[
        "apiserver",
        "sign",
        "--csr",
        csr.to_str().unwrap(),
        "--days",
        "2",
        "--out",
        crt.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    let ana = [
        format!("--client-certificate={}", crt.display()),
        format!("--client-key={}", key.display()),
    ];
    let list = ["get", "configmaps", "-n", "default", "-o", "name"];
    let out = s.kubectl_as(&ana, &list);
    says(&out, "User \"ana\" cannot list");
    // The second O is a group too: binding it lets ana read.
    s.bind(
        "rolebinding",
        "ops-view",
        &["--clusterrole=view", "--group=ops"],
    );
    let out = s.kubectl_as(&ana, &list);
    assert!(out.status.success(), "{}", common::text(&out));
    let out = s.kubectl_as(&ana, &["auth", "can-i", "list", "configmaps"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "yes");
    // The certificate lasts the days asked for.
    let valid_for = |secs: &str| {
        Command::new("openssl")
            .args(["x509", "-noout", "-checkend", secs, "-in"])
            .arg(&crt)
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(valid_for("86400") && !valid_for("259200"));
    // Not a CSR: refused with a sentence, nothing printed.
    let out = s.contlab(&["apiserver", "sign", "--csr", key.to_str().unwrap()]);
    assert!(!out.status.success() && out.stdout.is_empty());
    says(&out, "certificate signing request");

    // A ServiceAccount token: its user and groups, until it expires.
    let token = |sa: &str, d: &str| {
        let out = s.contlab(&["apiserver", "token", sa, "--duration", d]);
        assert!(out.status.success(), "{}", common::text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let t = token("default/builder", "10m");
    let path = "/api/v1/namespaces/default/configmaps";
    let bearer = format!("Authorization: Bearer {t}");
    let (body, code) = s.curl(&["-H", &bearer], path);
    assert_eq!(code, "403");
    assert!(
        body["message"].as_str().unwrap_or("").contains(
            "User \"system:serviceaccount:default:builder\" cannot list resource \"configmaps\""
        ),
        "{body}"
    );
    s.bind(
        "rolebinding",
        "sa-view",
        &[
            "--clusterrole=view",
            "--group=system:serviceaccounts:default",
        ],
    );
    assert_eq!(s.curl(&["-H", &bearer], path).1, "200");
    let out = s.kubectl_as(
        &[format!("--token={t}")],
        &["auth", "can-i", "get", "secrets"],
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        said.starts_with("no") && said.contains("system:serviceaccounts:default"),
        "{said}"
    );
    // Another namespace's account is not in that group.
    let other = token("kube-system/builder", "10m");
    let (_, code) = s.curl(&["-H", &format!("Authorization: Bearer {other}")], path);
    assert_eq!(code, "403");
    // An altered signature, or an expired token: 401.
    let (head, sig) = t.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let forged = format!("{head}.{flipped}{}", &sig[1..]);
    let (body, code) = s.curl(&["-H", &format!("Authorization: Bearer {forged}")], path);
    assert_eq!(
        (code.as_str(), body["reason"].as_str()),
        ("401", Some("Unauthorized"))
    );
    let short = token("default/builder", "1s");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (_, code) = s.curl(&["-H", &format!("Authorization: Bearer {short}")], path);
    assert_eq!(code, "401");
    let out = s.contlab(&["apiserver", "token", "no-slash"]);
    assert!(!out.status.success());
    assert!(common::text(&out).contains("NAMESPACE/SERVICEACCOUNT"));
}

/// The header line and the first row's words of a `kubectl get`.
fn columns(out: &Output) -> (Vec<String>, Vec<String>) {
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut lines = text.lines().map(|l| {
        l.split("  ")
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    });
    (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    )
}

#[test]
fn kubectl_get_prints_the_servers_table_columns() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let cm = unique("colours");
    let out = s.kubectl(&[
        "create",
        "configmap",
        &cm,
        "--from-literal=a=1",
        "--from-literal=b=2",
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    let out = s.kubectl(&[
        "create",
        "deployment",
        "web",
        "--image=nginx",
        "--replicas=3",
    ]);
    assert!(out.status.success(), "{}", common::text(&out));

    let (head, row) = columns(&s.kubectl(&["get", "configmap", &cm]));
    assert_eq!(head, ["NAME", "DATA", "AGE"]);
    assert_eq!(row[..2], [cm.clone(), "2".to_string()]);
    assert!(row[2].ends_with('s'), "age {:?}", row[2]);
    let (head, row) = columns(&s.kubectl(&["get", "deployments"]));
    assert_eq!(head, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    assert_eq!(row[..4], ["web", "0/3", "0", "0"]);
    let (head, row) = columns(&s.kubectl(&["get", "deployment", "web", "-o", "wide"]));
    assert_eq!(
        head,
        [
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
            "CONTAINERS",
            "IMAGES"
        ]
    );
    assert_eq!(row[5..], ["nginx", "nginx"]);
    let (head, row) = columns(&s.kubectl(&["get", "namespace", "default"]));
    assert_eq!(head[..2], ["NAME", "STATUS"]);
    assert_eq!(row[..2], ["default", "Active"]);
    let out = s.kubectl(&["get", "clusterrolebinding", "cluster-admin"]);
    let (head, row) = columns(&out);
    assert_eq!(head, ["NAME", "ROLE", "AGE"], "{}", common::text(&out));
    assert_eq!(row[1], "ClusterRole/cluster-admin");
    // -A adds the namespace from each row's object metadata.
    let (head, _) = columns(&s.kubectl(&["get", "configmaps", "-A"]));
    assert_eq!(head, ["NAMESPACE", "NAME", "DATA", "AGE"]);

    // The Table itself, as curl gets it with kubectl's Accept header.
    let tokens = std::fs::read_to_string(&s.status.tokens).unwrap();
    let student = tokens.lines().find(|l| !l.starts_with('#')).unwrap();
    let token = student.split(',').next().unwrap();
    s.bind(
        "clusterrolebinding",
        "student-view",
        &["--clusterrole=view", "--user=student"],
    );
    let (table, code) = s.curl(
        &[
            "-H",
            "Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            "-H",
            &format!("Authorization: Bearer {token}"),
        ],
        &format!("/api/v1/namespaces/default/configmaps/{cm}"),
    );
    assert_eq!(code, "200");
    assert_eq!(
        (table["kind"].as_str(), table["apiVersion"].as_str()),
        (Some("Table"), Some("meta.k8s.io/v1"))
    );
    assert_eq!(table["rows"][0]["cells"][0], cm.as_str());
    assert_eq!(table["rows"][0]["cells"][1], 2);
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    // Without the header, the object itself.
    let (plain, _) = s.curl(
        &["-H", &format!("Authorization: Bearer {token}")],
        &format!("/api/v1/namespaces/default/configmaps/{cm}"),
    );
    assert_eq!(plain["data"]["b"], "2");
}

#[test]
fn subresources_scale_status_and_log_and_leases_are_served() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let ok = |out: Output| {
        assert!(out.status.success(), "{}", common::text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    ok(s.kubectl(&[
        "create",
        "deployment",
        "web",
        "--image=nginx",
        "--replicas=2",
    ]));
    // kubectl scale goes through deployments/scale.
    ok(s.kubectl(&["scale", "deployment", "web", "--replicas=5"]));
    let got = ok(s.kubectl(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas} {.metadata.generation}",
    ]));
    assert_eq!(got, "5 2");
    let scale: serde_json::Value = serde_json::from_str(&ok(s.kubectl(&[
        "get",
        "--raw",
        "/apis/apps/v1/namespaces/default/deployments/web/scale",
    ])))
    .unwrap();
    assert_eq!(
        (scale["kind"].as_str(), scale["spec"]["replicas"].as_i64()),
        (Some("Scale"), Some(5))
    );
    assert_eq!(scale["status"]["selector"], "app=web");
    // A stale resourceVersion on the Scale is a 409, as on the object.
    let mut stale = scale.clone();
    stale["metadata"]["resourceVersion"] = serde_json::json!("1");
    stale["spec"]["replicas"] = serde_json::json!(1);
    let file = s.state.path().join("scale.json");
    std::fs::write(&file, stale.to_string()).unwrap();
    let url = "/apis/apps/v1/namespaces/default/deployments/web/scale";
    let out = s.kubectl(&["replace", "--raw", url, "-f", file.to_str().unwrap()]);
    says(&out, "the object has been modified");
    stale["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"].clone();
    std::fs::write(&file, stale.to_string()).unwrap();
    ok(s.kubectl(&["replace", "--raw", url, "-f", file.to_str().unwrap()]));
    let got = ok(s.kubectl(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas}",
    ]));
    assert_eq!(got, "1");

    // pods/status changes only the status.
    let pod = s.state.path().join("pod.yaml");
    std::fs::write(
        &pod,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n",
    )
    .unwrap();
    ok(s.kubectl(&["create", "-f", pod.to_str().unwrap()]));
    ok(s.kubectl(&[
        "patch",
        "pod",
        "p",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Running"},"spec":{"nodeName":"ignored"}}"#,
    ]));
    let got = ok(s.kubectl(&[
        "get",
        "pod",
        "p",
        "-o",
        "jsonpath={.status.phase}/{.spec.nodeName}",
    ]));
    assert_eq!(got, "Running/");
    let (_, row) = columns(&s.kubectl(&["get", "pod", "p"]));
    assert_eq!(row[..4], ["p", "0/1", "Running", "0"]);

    // pods/log: its own RBAC subresource, and a clear answer that no logs are kept here.
    let out = s.kubectl(&["logs", "p"]);
    says(&out, "pod \"p\" has no logs here");
    ok(s.kubectl(&[
        "create",
        "role",
        "pod-reader",
        "--verb=get",
        "--resource=pods",
    ]));
    s.bind(
        "rolebinding",
        "dana-pods",
        &["--role=pod-reader", "--user=dana"],
    );
    ok(s.kubectl(&["get", "pod", "p", "--as=dana"]));
    let out = s.kubectl(&["logs", "p", "--as=dana"]);
    says(&out, "User \"dana\" cannot get resource \"pods/log\"");
    let out = s.kubectl(&[
        "auth",
        "can-i",
        "get",
        "pods",
        "--subresource=log",
        "--as=dana",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("no"));

    // Leases, stored like any object, with their holder in kubectl get.
    let lease = s.state.path().join("lease.yaml");
    std::fs::write(
        &lease,
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: leader}\n\
         spec: {holderIdentity: node-a, leaseDurationSeconds: 15}\n",
    )
    .unwrap();
    ok(s.kubectl(&["create", "-f", lease.to_str().unwrap()]));
    let (head, row) = columns(&s.kubectl(&["get", "leases"]));
    assert_eq!(head, ["NAME", "HOLDER", "AGE"]);
    assert_eq!(row[..2], ["leader", "node-a"]);
    let out = s.etcdctl(&["get", "/registry/leases/default/leader", "--keys-only"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("/registry/leases/default/leader"));

    // An Event is kept under an etcd lease of an hour, as kube-apiserver's --event-ttl.
    let event = s.state.path().join("event.yaml");
    std::fs::write(
        &event,
        "apiVersion: v1\nkind: Event\nmetadata: {name: p.1}\n\
         involvedObject: {kind: Pod, name: p, namespace: default}\nreason: Tested\nmessage: hello\n",
    )
    .unwrap();
    ok(s.kubectl(&["create", "-f", event.to_str().unwrap()]));
    let out = s.etcdctl(&["get", "/registry/events/default/p.1", "-w", "json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", common::text(&out)));
    let lease = v["kvs"][0]["lease"].as_i64().unwrap_or(0);
    assert_ne!(lease, 0, "{v}");
    let ttl = ok(s.etcdctl(&["lease", "timetolive", &format!("{lease:x}")]));
    assert!(ttl.contains("granted with TTL(3600s)"), "{ttl}");
    // An update takes a fresh lease (the old one runs out with nothing under it).
    ok(s.kubectl(&["label", "event", "p.1", "seen=yes"]));
    let out = s.etcdctl(&["get", "/registry/events/default/p.1", "-w", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let renewed = v["kvs"][0]["lease"].as_i64().unwrap_or(0);
    assert!(renewed != 0 && renewed != lease, "{v}");
}

#[test]
fn kubectl_patch_and_apply_merge_containers_by_name() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let dep = s.state.path().join("pair.yaml");
    let manifest = |log_image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: pair}}\nspec:\n  \
             selector: {{matchLabels: {{app: pair}}}}\n  template:\n    metadata: {{labels: {{app: pair}}}}\n    \
             spec:\n      containers:\n      - {{name: web, image: nginx}}\n      - {{name: log, image: {log_image}}}\n"
        )
    };
    let images = |s: &Server| {
        let out = s.kubectl(&[
            "get",
            "deployment",
            "pair",
            "-o",
            "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}",
        ]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    std::fs::write(&dep, manifest("busybox")).unwrap();
    let out = s.kubectl(&["apply", "-f", dep.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::text(&out));
    // kubectl patch's default type is a strategic merge: one container named, both kept.
    let out = s.kubectl(&[
        "patch",
        "deployment",
        "pair",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}"#,
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(images(&s), "web=nginx:1.27 log=busybox");
    // A merge patch replaces the list, as RFC 7386 says.
    let out = s.kubectl(&[
        "patch",
        "deployment",
        "pair",
        "--type=merge",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}"#,
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(images(&s), "web=nginx");
    // apply brings the manifest back, then changes one image and keeps the order.
    for log_image in ["busybox", "busybox:1.36"] {
        std::fs::write(&dep, manifest(log_image)).unwrap();
        let out = s.kubectl(&["apply", "-f", dep.to_str().unwrap()]);
        assert!(out.status.success(), "{}", common::text(&out));
    }
    assert_eq!(images(&s), "web=nginx log=busybox:1.36");
    // A container deleted by name.
    let out = s.kubectl(&[
        "patch",
        "deployment",
        "pair",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"log","$patch":"delete"}]}}}}"#,
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(images(&s), "web=nginx");
}

#[test]
fn kubectl_reads_the_aggregated_discovery_form() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let accept = format!("Accept: {}", contlab::apiserver::discovery::AGGREGATED);
    let (doc, code) = s.curl(&["-H", &accept], "/apis");
    assert_eq!(code, "403", "anonymous may not read discovery: {doc}");
    let tokens = std::fs::read_to_string(&s.status.tokens).unwrap();
    let token = tokens.lines().find(|l| !l.starts_with('#')).unwrap();
    let bearer = format!("Authorization: Bearer {}", token.split(',').next().unwrap());
    let (doc, code) = s.curl(&["-H", &accept, "-H", &bearer], "/apis");
    assert_eq!(code, "200");
    assert_eq!(doc["kind"], "APIGroupDiscoveryList");
    let apps = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .unwrap();
    let deployments = &apps["versions"][0]["resources"][0];
    assert_eq!(deployments["resource"], "deployments");
    assert_eq!(
        deployments["subresources"][1]["responseKind"]["kind"],
        "Scale"
    );
    // Without the header, the legacy form.
    let (doc, _) = s.curl(&["-H", &bearer], "/apis");
    assert_eq!(doc["kind"], "APIGroupList");

    // kubectl asks for the aggregated form and then needs no per-group document.
    let cache = s.state.path().join("kube-cache");
    let out = s.kubectl(&[
        "api-resources",
        "-v=6",
        &format!("--cache-dir={}", cache.display()),
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    for want in ["deployments", "leases", "clusterrolebindings", "configmaps"] {
        assert!(listed.contains(want), "{listed}");
    }
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(log.contains("/apis?timeout=32s 200"), "{log}");
    assert!(!log.contains("/apis/apps/v1"), "{log}");
}

#[test]
fn a_subject_access_review_flips_with_a_rolebinding_and_agrees_with_kubectl_auth_can_i() {
    use contlab::apiserver::client::{Client, credentials};
    use contlab::rbac::{Request, UserInfo};
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let (crt, key) = credentials(&s.status.kubeconfig).unwrap();
    let admin = Client::new(&s.status, &crt, &key).unwrap();
    let ns = unique("reviews");
    let user = unique("dana");
    let out = s.kubectl(&["create", "namespace", &ns]);
    assert!(out.status.success(), "{}", common::text(&out));
    // The identity `kubectl --as` makes: the user and system:authenticated.
    let who = UserInfo::new(&user, &[]);
    let ask = |verb: &str, ns: &str| {
        let q = Request::resource(who.clone(), verb, "pods", Some(ns), None).unwrap();
        admin.access_review(&q).unwrap()
    };
    let can_i = |verb: &str, ns: &str| {
        let out = s.kubectl(&["auth", "can-i", verb, "pods", "-n", ns, "--as", &user]);
        let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(said.starts_with("yes") || said.starts_with("no"), "{said}");
        said.starts_with("yes")
    };

    let before = ask("list", &ns);
    assert!(!before.allowed, "{before:?}");
    assert!(
        before.reason.contains(&format!("User \"{user}\"")),
        "{before:?}"
    );
    assert!(!can_i("list", &ns));

    // A Role and a RoleBinding through the API: the next review is allowed, with the
    // binding named in the explanation, and kubectl agrees question by question.
    let out = s.kubectl(&[
        "create",
        "role",
        "pod-reader",
        "--verb=get,list",
        "--resource=pods",
        "-n",
        &ns,
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    s.bind(
        "rolebinding",
        "reads",
        &["--role=pod-reader", &format!("--user={user}"), "-n", &ns],
    );
    let after = ask("list", &ns);
    assert!(after.allowed, "{after:?}");
    let why = after.explain.join("\n");
    assert!(
        why.contains(&format!("RoleBinding \"reads/{ns}\"")),
        "{why}"
    );
    for (verb, n) in [("list", ns.as_str()), ("delete", &ns), ("list", "default")] {
        assert_eq!(ask(verb, n).allowed, can_i(verb, n), "{verb} in {n}");
    }
    assert!(!ask("delete", &ns).allowed);

    // Deleting the binding flips it back.
    let out = s.kubectl(&["delete", "rolebinding", "reads", "-n", &ns]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(!ask("list", &ns).allowed);
    assert!(!can_i("list", &ns));

    // Asking about someone else is a permission of its own: a user without it gets 403.
    let ca_key = std::fs::read_to_string(s.status.dir.join("ca.key")).unwrap();
    let pair = pki::issue(
        &ca_key,
        pki::Leaf::Client {
            user: &user,
            groups: &[],
        },
    )
    .unwrap();
    let stranger = Client::new(&s.status, &pair.cert, &pair.key).unwrap();
    let q = Request::resource(who.clone(), "list", "pods", Some(&ns), None).unwrap();
    let err = stranger.access_review(&q).unwrap_err().to_string();
    assert!(
        err.contains("HTTP 403") && err.contains("cannot create resource \"subjectaccessreviews\""),
        "{err}"
    );
    // Without a user or a group the review is invalid.
    let (code, body) = admin
        .post(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            &serde_json::json!({"spec": {"resourceAttributes": {"verb": "list", "resource": "pods"}}}),
        )
        .unwrap();
    assert_eq!((code, body["reason"].as_str()), (422, Some("Invalid")));

    // The audit log holds each review with its question and answer.
    let audit = std::fs::read_to_string(&s.status.audit_log).unwrap();
    let reviewed = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["review"]["as"] == user.as_str())
        .map(|v| (v["review"]["verb"].clone(), v["review"]["allowed"].clone()))
        .collect::<Vec<_>>();
    assert!(
        reviewed.contains(&(serde_json::json!("list"), serde_json::json!(true)))
            && reviewed.contains(&(serde_json::json!("list"), serde_json::json!(false))),
        "{reviewed:?}"
    );
}

#[test]
fn kubectl_get_watch_prints_the_servers_table_rows() {
    if skip() {
        return;
    }
    let s = Server::up(&[]);
    let ns = unique("watched");
    let out = s.kubectl(&["create", "namespace", &ns]);
    assert!(out.status.success(), "{}", common::text(&out));
    for name in ["first", "second"] {
        let out = s.kubectl(&["create", "configmap", name, "-n", &ns, "--from-literal=a=1"]);
        assert!(out.status.success(), "{}", common::text(&out));
    }

    // The raw stream: one Table per event, the column definitions in the first only.
    let (crt, key) = contlab::apiserver::client::credentials(&s.status.kubeconfig).unwrap();
    let (crt_file, key_file) = (
        s.state.path().join("admin.crt"),
        s.state.path().join("admin.key"),
    );
    std::fs::write(&crt_file, crt).unwrap();
    std::fs::write(&key_file, key).unwrap();
    let out = Command::new("curl")
        .args(["-s", "-N", "--max-time", "2", "--cacert"])
        .arg(&s.status.ca)
        .arg("--cert")
        .arg(&crt_file)
        .arg("--key")
        .arg(&key_file)
        .args(["-H", "Accept: application/json;as=Table;v=v1;g=meta.k8s.io"])
        .arg(format!(
            "{}/api/v1/namespaces/{ns}/configmaps?watch=1",
            s.status.url
        ))
        .output()
        .unwrap();
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            (e["type"].as_str(), e["object"]["kind"].as_str()),
            (Some("ADDED"), Some("Table"))
        );
        assert_eq!(e["object"]["rows"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            e["object"].get("columnDefinitions").is_some(),
            i == 0,
            "{e}"
        );
    }

    // kubectl prints the rows as it prints `get`'s, DATA column included.
    let (mut watch, rx) = s.kubectl_lines(&["get", "configmaps", "-w", "-n", &ns]);
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // The list's header and rows, then a write made while the watch is open.
    let seen: Vec<Vec<String>> = s
        .probe_watch(
            &rx,
            |n| format!("probe-{n}"),
            &[
                "-n",
                &ns,
                "--from-literal=a=1",
                "--from-literal=b=2",
                "--from-literal=c=3",
            ],
            |l, p| l.split_whitespace().next() == Some(p),
            deadline,
        )
        .iter()
        .map(|l| words(l))
        .collect();
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(
        seen.first().map(|w| &w[..]),
        Some(&["NAME", "DATA", "AGE"].map(String::from)[..]),
        "{seen:?}"
    );
    assert_eq!(
        seen.iter()
            .filter(|w| w.first().map(String::as_str) == Some("NAME"))
            .count(),
        1,
        "one header: {seen:?}"
    );
    let last = seen.last().unwrap();
    assert!(last[0].starts_with("probe-") && last[1] == "3", "{seen:?}");
}
