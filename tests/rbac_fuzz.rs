//! The YAML loader never panics: thousands of mutations of the fixture files (and plain
//! random bytes) either load or fail with one `file:line: message` line. A fixed seed keeps
//! failures reproducible.

use contlab::rbac::{Policy, Request, Target, UserInfo, load};
use std::path::Path;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: [&[u8]; 18] = [
    b":",
    b"-",
    b" ",
    b"\n",
    b"[",
    b"]",
    b"{",
    b"}",
    b"*",
    b"&a ",
    b"*a",
    b"!!str ",
    b"|\n",
    b"\t",
    b"---\n",
    b"<<: *a\n",
    b"kind: List\nitems:\n- ",
    b"\"",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            2 if at < v.len() => {
                let end = (at + rng.below(40)).min(v.len());
                v.drain(at..end);
            }
            3 if at < v.len() => {
                let end = (at + rng.below(80)).min(v.len());
                let chunk: Vec<u8> = v[at..end].to_vec();
                let to = rng.below(v.len() + 1);
                v.splice(to..to, chunk);
            }
            4 => v.truncate(at),
            5 if !v.is_empty() => {
                // Re-indent a line: YAML's structure lives in its whitespace.
                let i = rng.below(v.len());
                let start = v[..i]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                if rng.below(2) == 0 {
                    v.splice(start..start, *b"  ");
                } else if v.get(start) == Some(&b' ') {
                    v.remove(start);
                }
            }
            _ => {
                let i = rng.below(v.len() + 1);
                v.insert(i, b"\"'#%@`?,>|\\"[rng.below(11)]);
            }
        }
    }
    v
}

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rbac");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .expect("the fixtures directory")
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(std::fs::read(&p).expect("a fixture"));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 5, "the fixtures are the fuzz seeds");
    out
}

fn check(bytes: &[u8], case: usize) {
    let text = String::from_utf8_lossy(bytes);
    match load::load_str(&text, "fuzz.yaml") {
        Err(e) => {
            let msg = e.to_string();
            let mut parts = msg.splitn(3, ':');
            assert_eq!(parts.next(), Some("fuzz.yaml"), "case {case}: {msg}");
            let line: u64 = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
            assert!(line >= 1, "case {case}: no line in {msg:?}");
            assert!(!msg.contains('\n'), "case {case}: not one line: {msg:?}");
        }
        Ok(loaded) => {
            // Whatever loads must also compile and answer without panicking.
            if let Ok(p) = Policy::from_loaded(loaded) {
                let u = UserInfo::new("alice", &["devs".to_string()]);
                let t = Target::parse("pods").expect("pods");
                let _ = p.authorize(&Request::new(u.clone(), "get", t.clone()));
                let _ = p.matrix(&u, Some("dev"));
                let _ = p.who_can("get", &t);
            }
        }
    }
}

#[test]
fn mutated_fixtures_never_panic_the_loader() {
    let seeds = seeds();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut loaded = 0;
    let cases = 6000;
    for case in 0..cases {
        let seed = &seeds[case % seeds.len()];
        let input = mutate(&mut rng, seed);
        if load::load_str(&String::from_utf8_lossy(&input), "fuzz.yaml").is_ok() {
            loaded += 1;
        }
        check(&input, case);
    }
    // Mutations must exercise both paths, or the loop proves little.
    assert!(
        loaded > 100 && loaded < cases,
        "{loaded} of {cases} mutations loaded"
    );
}

#[test]
fn random_bytes_never_panic_the_loader() {
    let mut rng = Rng(42);
    for case in 0..2000 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                // Mostly YAML's own characters, so the parser gets past the first byte.
                if rng.below(3) == 0 {
                    rng.next() as u8
                } else {
                    b"ab: -[]{}\n #&*!|>'\"0"[rng.below(20)]
                }
            })
            .collect();
        check(&bytes, case);
    }
}
