//! The OCI lifecycle from the command line: `create`, `start`, wait until `state` says
//! stopped, `delete`, of a bundle whose process is `/bin/true`, with `contlab runtime`
//! and with runc, alternated in one run so that machine noise hits both alike. The
//! payload exits by itself: runc's `delete --force` of a running container sleeps.
//!
//! `cargo bench --bench oci` (as root). `CONTLAB_BENCH_N` sets the iterations (100).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Rt {
    exe: PathBuf,
    pre: Vec<String>,
}

impl Rt {
    fn cmd(&self, args: &[&str], bundle: &Path) -> anyhow::Result<String> {
        let mut cmd = Command::new(&self.exe);
        cmd.args(&self.pre)
            .args(args)
            .current_dir(bundle)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        if args.first() == Some(&"create") {
            // The container inherits create's stdout: a pipe would stay open as long
            // as the container runs.
            let st = cmd.stdout(Stdio::null()).status()?;
            anyhow::ensure!(st.success(), "{:?} {args:?} failed", self.exe);
            return Ok(String::new());
        }
        let out = cmd.output()?;
        anyhow::ensure!(out.status.success(), "{:?} {args:?} failed", self.exe);
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn cycle(&self, id: &str, bundle: &Path) -> anyhow::Result<Duration> {
        let start = Instant::now();
        self.cmd(&["create", id], bundle)?;
        self.cmd(&["start", id], bundle)?;
        while !self.cmd(&["state", id], bundle)?.contains("\"stopped\"") {}
        self.cmd(&["delete", id], bundle)?;
        Ok(start.elapsed())
    }
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    if which::which("runc").is_err() {
        println!("runc is not installed: nothing to compare with");
        return Ok(());
    }
    let n: usize = std::env::var("CONTLAB_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let tmp = tempfile::tempdir()?;
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir(&bundle)?;
    let rootfs = contlab::rootfs::ensure_default()?;
    anyhow::ensure!(
        Command::new("cp")
            .arg("-a")
            .arg(&rootfs)
            .arg(bundle.join("rootfs"))
            .status()?
            .success(),
        "cp failed"
    );
    let contlab = Rt {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_contlab")),
        pre: vec![
            "runtime".into(),
            "--root".into(),
            tmp.path().join("contlab-root").display().to_string(),
        ],
    };
    let runc = Rt {
        exe: PathBuf::from("runc"),
        pre: vec![
            "--root".into(),
            tmp.path().join("runc-root").display().to_string(),
        ],
    };
    contlab.cmd(&["spec"], &bundle)?;
    let path = bundle.join("config.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    v["process"]["args"] = serde_json::json!(["/bin/true"]);
    v["linux"]["cgroupsPath"] = serde_json::json!("/contlab-bench/oci");
    std::fs::write(&path, serde_json::to_vec_pretty(&v)?)?;
    let tag = std::process::id();
    for i in 0..3 {
        contlab.cycle(&format!("warm-c-{tag}-{i}"), &bundle)?;
        runc.cycle(&format!("warm-r-{tag}-{i}"), &bundle)?;
    }
    let (mut c, mut r) = (Vec::new(), Vec::new());
    for i in 0..n {
        c.push(contlab.cycle(&format!("c-{tag}-{i}"), &bundle)?);
        r.push(runc.cycle(&format!("r-{tag}-{i}"), &bundle)?);
    }
    let (cm, rm) = (median(c), median(r));
    println!("create + start + wait + delete of /bin/true, n={n}, medians:");
    println!("contlab runtime {cm:8.2} ms");
    println!("runc            {rm:8.2} ms");
    println!("contlab / runc = {:.2}", cm / rm);
    if let Ok(layout) = contlab::inspect::cgroups::CgroupLayout::detect() {
        for m in layout.mount_points() {
            let _ = std::fs::remove_dir(m.join("contlab-bench"));
        }
    }
    Ok(())
}
