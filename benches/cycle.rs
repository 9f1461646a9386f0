//! One full container cycle (start, wait, teardown) of `/bin/true` with every namespace,
//! a cgroup with limits and pivot_root, against `unshare` and (if installed) runc doing
//! the same, alternated so that machine noise hits all alike.
//!
//! Beside it, the one-shot path: a whole `contlab sandbox` process against `unshare`,
//! and the bare start of the contlab binary (twice in each one-shot) against `true`'s.
//!
//! `cargo bench --bench cycle` (as root). `CONTLAB_BENCH_N` sets the iterations (200).
//! Since machines differ, the ratios are what count: the cycle at most 1.2x `unshare`
//! and 0.18x runc, the one-shot `sandbox` at most 3x `unshare -fpmuinC --map-root-user`.

use contlab::runtime::cgroup::{CpuLimit, Limits};
use contlab::runtime::trace::Tracer;
use contlab::runtime::{Container, ContainerSpec, IdMap, Namespaces, Stdio};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn contlab_cycle(rootfs: &Path) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut spec = ContainerSpec::new(Namespaces::ALL, &["/bin/true"]);
    spec.rootfs_dir = Some(rootfs.to_path_buf());
    spec.user_map = Some(IdMap::unprivileged_root());
    spec.limits = Limits {
        memory: Some(64 << 20),
        cpu: Some(CpuLimit {
            quota_us: 50_000,
            period_us: 100_000,
            shares: None,
        }),
        pids: Some(64),
        devices: None,
        freezer: false,
        cpuset: None,
        ..Default::default()
    };
    spec.stdio = Stdio::null();
    let profile = std::env::var_os("CONTLAB_BENCH_PHASES").is_some();
    let (tracer, rx) = if profile {
        let (t, rx) = Tracer::channel();
        (t, Some(rx))
    } else {
        (Tracer::null(), None)
    };
    let mut c = Container::start(spec, &tracer)?;
    let started = start.elapsed();
    let exit = c.wait()?;
    let waited = start.elapsed();
    let removed = c.teardown();
    let took = start.elapsed();
    if let Some(rx) = rx {
        drop(tracer);
        let events: Vec<_> = rx.try_iter().collect();
        let sum: u64 = events.iter().map(|e| e.duration_us).sum();
        let slow: Vec<String> = events
            .iter()
            .filter(|e| e.duration_us > 300)
            .map(|e| format!("{} {}µs", e.op, e.duration_us))
            .collect();
        eprintln!(
            "start {started:?} wait {:?} teardown {:?}; traced ops {sum}µs; slow: {slow:?}",
            waited - started,
            took - waited
        );
    }
    anyhow::ensure!(exit.success(), "/bin/true failed: {exit}");
    anyhow::ensure!(
        removed.iter().all(|r| r.error.is_none()),
        "teardown failed: {removed:?}"
    );
    Ok(took)
}

fn unshare_cycle() -> anyhow::Result<Duration> {
    let start = Instant::now();
    let st = Command::new("unshare")
        .args([
            "--pid",
            "--mount",
            "--uts",
            "--ipc",
            "--net",
            "--cgroup",
            "--fork",
            "/bin/true",
        ])
        .status()?;
    let took = start.elapsed();
    anyhow::ensure!(st.success(), "unshare failed");
    Ok(took)
}

/// The one-shot path: a fresh `contlab sandbox` process (its start, the rootfs lookup,
/// the init's exec) with every namespace and root mapped, beside
/// `unshare -fpmuinC --map-root-user`, which makes the same namespaces (not the cgroup,
/// the overlay or pivot_root).
fn oneshot(contlab: bool) -> anyhow::Result<Duration> {
    let mut cmd = if contlab {
        let mut c = Command::new(env!("CARGO_BIN_EXE_contlab"));
        c.args(["sandbox", "--ns", "all", "--map-root", "--", "/bin/true"]);
        c
    } else {
        let mut c = Command::new("unshare");
        c.args(["-fpmuinC", "--map-root-user", "/bin/true"]);
        c
    };
    let start = Instant::now();
    let st = cmd.status()?;
    let took = start.elapsed();
    anyhow::ensure!(st.success(), "{cmd:?} failed");
    Ok(took)
}

/// One process start that does no work: `contlab __init` with no channel (the dynamic
/// loader, Rust's start-up, a one-line refusal), `contlab --version` (the same and the
/// command line parser) or `/bin/true`. What the one-shot pays twice (contlab, then its
/// init) beyond what `unshare` pays for its own start.
fn bare_start(which: &str) -> anyhow::Result<Duration> {
    let mut cmd = match which {
        "init" => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_contlab"));
            c.arg("__init");
            c
        }
        "version" => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_contlab"));
            c.arg("--version");
            c
        }
        _ => Command::new("true"),
    };
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    cmd.status()?;
    Ok(start.elapsed())
}

/// A runc bundle: the rootfs and `runc spec`'s default config running /bin/true.
fn runc_bundle(rootfs: &Path, dir: &Path) -> anyhow::Result<()> {
    let st = Command::new("cp")
        .arg("-a")
        .arg(rootfs)
        .arg(dir.join("rootfs"))
        .status()?;
    anyhow::ensure!(st.success(), "cp failed");
    let st = Command::new("runc").arg("spec").current_dir(dir).status()?;
    anyhow::ensure!(st.success(), "runc spec failed");
    let path = dir.join("config.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    v["process"]["terminal"] = false.into();
    v["process"]["args"] = serde_json::json!(["/bin/true"]);
    std::fs::write(&path, serde_json::to_vec_pretty(&v)?)?;
    Ok(())
}

fn runc_cycle(bundle: &Path, n: usize) -> anyhow::Result<Duration> {
    let id = format!("contlab-bench-{}-{n}", std::process::id());
    let start = Instant::now();
    let run = |args: &[&str]| -> anyhow::Result<()> {
        let st = Command::new("runc")
            .args(args)
            .current_dir(bundle)
            .stdin(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(st.success(), "runc {args:?} failed");
        Ok(())
    };
    // create + start + wait (runc run without -d waits) + delete.
    let res = run(&["create", &id]).and_then(|_| run(&["start", &id]));
    let mut i = 0;
    while res.is_ok() && i < 1000 {
        let out = Command::new("runc").args(["state", &id]).output()?;
        if String::from_utf8_lossy(&out.stdout).contains("\"stopped\"") {
            break;
        }
        i += 1;
    }
    let del = run(&["delete", "--force", &id]);
    let took = start.elapsed();
    res?;
    del?;
    Ok(took)
}

fn stats(name: &str, mut v: Vec<Duration>) -> f64 {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = ms(v[v.len() / 2]);
    let p90 = ms(v[(v.len() * 9 / 10).min(v.len() - 1)]);
    println!(
        "{name:<10} n={:<4} median {median:7.2} ms   p90 {p90:7.2} ms",
        v.len()
    );
    median
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    contlab::runtime::process::use_contlab_binary(Path::new(env!("CARGO_BIN_EXE_contlab")))?;
    let n: usize = std::env::var("CONTLAB_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let rootfs: PathBuf = contlab::rootfs::ensure_default()?;
    let has_runc = which::which("runc").is_ok();
    let tmp = tempfile::tempdir()?;
    let bundle = tmp.path().join("bundle");
    let runc_ok = has_runc && {
        std::fs::create_dir(&bundle)?;
        runc_bundle(&rootfs, &bundle).is_ok()
    };
    // Warm-up: the sealed binary copy, the first sweep, page cache.
    for _ in 0..5 {
        contlab_cycle(&rootfs)?;
        unshare_cycle()?;
    }
    let (mut c, mut u, mut r) = (Vec::new(), Vec::new(), Vec::new());
    let (mut oc, mut ou) = (Vec::new(), Vec::new());
    let (mut si, mut sv, mut st) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        c.push(contlab_cycle(&rootfs)?);
        u.push(unshare_cycle()?);
        if runc_ok {
            r.push(runc_cycle(&bundle, i)?);
        }
        oc.push(oneshot(true)?);
        ou.push(oneshot(false)?);
        si.push(bare_start("init")?);
        sv.push(bare_start("version")?);
        st.push(bare_start("true")?);
    }
    println!("full cycle of /bin/true: all namespaces, cgroup with limits, pivot_root");
    let cm = stats("contlab", c);
    let um = stats("unshare", u);
    // The first target, 5 ms, was set on a machine where unshare took about 2 ms and
    // runc about 28 ms (at most 2.5x unshare and 0.18x runc); the cycle now aims at 1.2x.
    println!("contlab / unshare = {:.2}   (target: <= 1.20)", cm / um);
    if runc_ok {
        let rm = stats("runc", r);
        println!("contlab / runc    = {:.2}   (target: <= 0.18)", cm / rm);
    } else {
        println!("runc: not installed or its bundle could not be made; skipped");
    }
    println!(
        "one-shot: `contlab sandbox --ns all --map-root` against `unshare -fpmuinC --map-root-user`"
    );
    let om = stats("sandbox", oc);
    let oum = stats("unshare", ou);
    println!("sandbox / unshare = {:.2}   (target: <= 3.00)", om / oum);
    println!("process starts that do no work (the one-shot makes two of contlab's):");
    let im = stats("__init", si);
    let vm = stats("--version", sv);
    let tm = stats("true", st);
    println!(
        "contlab's start costs {:.2} ms more than /bin/true's ({:.2} ms with clap)",
        im - tm,
        vm - tm
    );
    Ok(())
}
