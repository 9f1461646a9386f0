//! 10,000 requests against 1,000 bindings: the authorizer looks only at the bindings that
//! name the request's user or groups, so this stays far under a second. Prints figures; run
//! with `cargo bench --bench rbac`.

use contlab::rbac::{Policy, Request, Target, UserInfo};
use std::fmt::Write as _;
use std::time::Instant;

const NAMESPACES: usize = 100;
const CLUSTER_ROLES: usize = 50;
const ROLES: usize = 200;
const ROLE_BINDINGS: usize = 700;
const CLUSTER_ROLE_BINDINGS: usize = 300;
const USERS: usize = 500;
const GROUPS: usize = 50;
const REQUESTS: usize = 10_000;

const RESOURCES: [(&str, &str); 8] = [
    ("", "pods"),
    ("", "pods/log"),
    ("", "secrets"),
    ("", "configmaps"),
    ("", "services"),
    ("apps", "deployments"),
    ("apps", "deployments/scale"),
    ("batch", "jobs"),
];
const VERBS: [&str; 7] = [
    "get", "list", "watch", "create", "update", "patch", "delete",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn rule(rng: &mut Rng, out: &mut String) {
    let (g, r) = RESOURCES[rng.below(RESOURCES.len())];
    let v1 = VERBS[rng.below(VERBS.len())];
    let v2 = VERBS[rng.below(VERBS.len())];
    let _ = writeln!(
        out,
        "- apiGroups: [\"{g}\"]\n  resources: [\"{r}\"]\n  verbs: [\"{v1}\", \"{v2}\"]"
    );
}

fn subject(rng: &mut Rng, out: &mut String) {
    match rng.below(3) {
        0 => {
            let _ = writeln!(out, "- {{kind: Group, name: g{}}}", rng.below(GROUPS));
        }
        1 => {
            let _ = writeln!(
                out,
                "- {{kind: ServiceAccount, name: sa{}, namespace: ns{}}}",
                rng.below(20),
                rng.below(NAMESPACES)
            );
        }
        _ => {
            let _ = writeln!(out, "- {{kind: User, name: u{}}}", rng.below(USERS));
        }
    }
}

fn policy_yaml(rng: &mut Rng) -> String {
    let mut y = String::new();
    let head = "apiVersion: rbac.authorization.k8s.io/v1\n";
    for i in 0..CLUSTER_ROLES {
        let _ = writeln!(
            y,
            "---\n{head}kind: ClusterRole\nmetadata: {{name: cr{i}}}\nrules:"
        );
        for _ in 0..5 {
            rule(rng, &mut y);
        }
    }
    for i in 0..ROLES {
        let _ = writeln!(
            y,
            "---\n{head}kind: Role\nmetadata: {{name: r{i}, namespace: ns{}}}\nrules:",
            i % NAMESPACES
        );
        for _ in 0..3 {
            rule(rng, &mut y);
        }
    }
    for i in 0..ROLE_BINDINGS {
        let ns = rng.below(NAMESPACES);
        let role_ref = if rng.below(2) == 0 {
            format!(
                "{{kind: ClusterRole, name: cr{}, apiGroup: rbac.authorization.k8s.io}}",
                rng.below(CLUSTER_ROLES)
            )
        } else {
            // Roles r{k} live in ns{k % NAMESPACES}; pick one of this namespace's.
            format!(
                "{{kind: Role, name: r{}, apiGroup: rbac.authorization.k8s.io}}",
                ns + NAMESPACES * rng.below(ROLES / NAMESPACES)
            )
        };
        let _ = writeln!(
            y,
            "---\n{head}kind: RoleBinding\nmetadata: {{name: rb{i}, namespace: ns{ns}}}\nroleRef: {role_ref}\nsubjects:"
        );
        for _ in 0..3 {
            subject(rng, &mut y);
        }
    }
    for i in 0..CLUSTER_ROLE_BINDINGS {
        let _ = writeln!(
            y,
            "---\n{head}kind: ClusterRoleBinding\nmetadata: {{name: crb{i}}}\nroleRef: {{kind: ClusterRole, name: cr{}, apiGroup: rbac.authorization.k8s.io}}\nsubjects:",
            rng.below(CLUSTER_ROLES)
        );
        for _ in 0..2 {
            subject(rng, &mut y);
        }
    }
    y
}

fn requests(rng: &mut Rng) -> Vec<Request> {
    (0..REQUESTS)
        .map(|_| {
            let user = if rng.below(4) == 0 {
                UserInfo::new(
                    &format!(
                        "system:serviceaccount:ns{}:sa{}",
                        rng.below(NAMESPACES),
                        rng.below(20)
                    ),
                    &[],
                )
            } else {
                UserInfo::new(
                    &format!("u{}", rng.below(USERS)),
                    &[format!("g{}", rng.below(GROUPS))],
                )
            };
            let (g, r) = RESOURCES[rng.below(RESOURCES.len())];
            // kubectl's spelling: deployments.apps/scale.
            let spec = match (g.is_empty(), r.split_once('/')) {
                (true, _) => r.to_string(),
                (false, Some((res, sub))) => format!("{res}.{g}/{sub}"),
                (false, None) => format!("{r}.{g}"),
            };
            let ns = if rng.below(10) == 0 {
                None
            } else {
                Some(format!("ns{}", rng.below(NAMESPACES)))
            };
            let mut t = Target::parse(&spec).expect("a resource");
            if let Target::Resource(a) = &mut t {
                a.namespace = ns;
            }
            Request::new(user, VERBS[rng.below(VERBS.len())], t)
        })
        .collect()
}

fn main() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let yaml = policy_yaml(&mut rng);
    let t = Instant::now();
    let policy = Policy::from_yaml(&yaml, "bench.yaml").expect("the generated policy loads");
    let load = t.elapsed();
    let reqs = requests(&mut rng);

    // Twice: the first pass warms caches; the second is the figure.
    let mut allowed = 0;
    for _ in 0..2 {
        allowed = 0;
        let t = Instant::now();
        for r in &reqs {
            if policy.authorize(r).allowed {
                allowed += 1;
            }
        }
        let e = t.elapsed();
        println!(
            "authorize: {REQUESTS} requests against {} bindings in {:.1} ms ({:.2} µs/request; {allowed} allowed, {} denied with explanations)",
            ROLE_BINDINGS + CLUSTER_ROLE_BINDINGS,
            e.as_secs_f64() * 1e3,
            e.as_secs_f64() * 1e6 / REQUESTS as f64,
            REQUESTS - allowed
        );
    }
    let t = Instant::now();
    let fast = reqs.iter().filter(|r| policy.allows(r)).count();
    let e = t.elapsed();
    assert_eq!(fast, allowed, "allows() and authorize() must agree");
    println!(
        "allows (verdict only): {REQUESTS} requests in {:.1} ms ({:.2} µs/request)",
        e.as_secs_f64() * 1e3,
        e.as_secs_f64() * 1e6 / REQUESTS as f64
    );
    println!(
        "load: {} objects ({} KiB of YAML) parsed and compiled in {:.1} ms",
        policy.objects.len(),
        yaml.len() / 1024,
        load.as_secs_f64() * 1e3
    );
    let u = UserInfo::new("u1", &["g1".to_string()]);
    let t = Instant::now();
    let m = policy.matrix(&u, Some("ns1"));
    println!(
        "matrix: {} cells in {:.2} ms",
        m.rows.len() * m.verbs.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    assert!(
        allowed > 0 && allowed < REQUESTS,
        "the mix should have both verdicts"
    );
}
