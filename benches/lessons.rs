//! The whole curriculum headless: `contlab run --all` wall time (target ≤ 60 s on two
//! cores), and the slowest step that does not wait on purpose (target ≤ 200 ms for
//! its action and checks).
//!
//! `cargo bench --bench lessons` (as root).

use std::process::Command;
use std::time::Instant;

/// Steps whose commands sleep or burn CPU on purpose (the throttling lesson's busy
/// loop, the OOM and fork-bomb lessons' waits) are reported apart.
fn waits_on_purpose(cmd_line: &str) -> bool {
    // A real etcd cluster starting, or electing a new leader, takes its own election
    // timeout (about a second) by design.
    [
        "sleep",
        "timeout",
        "while :",
        "dd if=/dev/zero",
        "for i in",
        "Etcd {",
    ]
    .iter()
    .any(|w| cmd_line.contains(w))
}

fn main() -> anyhow::Result<()> {
    if !nix::unistd::geteuid().is_root() {
        println!("skip: the lessons run live and need root");
        return Ok(());
    }
    let state = tempfile::tempdir()?;
    let run = tempfile::tempdir()?;
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_contlab"))
        .args(["run", "--all", "--json"])
        .env("CONTLAB_STATE_DIR", state.path())
        .env("CONTLAB_RUN_DIR", run.path())
        .output()?;
    let wall = start.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "contlab run --all failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lessons = contlab::lesson::load::embedded().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut slowest = (0u64, String::new());
    let mut purposeful = (0u64, String::new());
    let mut steps = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let r: serde_json::Value = serde_json::from_str(line)?;
        steps += 1;
        let ms = r["duration_ms"].as_u64().unwrap_or(0);
        let (lesson, step) = (
            r["lesson"].as_str().unwrap_or(""),
            r["step"].as_str().unwrap_or(""),
        );
        let text = lessons
            .iter()
            .find(|l| l.id() == lesson)
            .and_then(|l| l.file.steps.iter().find(|s| s.id.get_ref() == step))
            .map(|s| format!("{:?} {:?}", s.action, s.solution))
            .unwrap_or_default();
        let slot = if waits_on_purpose(&text) {
            &mut purposeful
        } else {
            &mut slowest
        };
        if ms > slot.0 {
            *slot = (ms, format!("{lesson}/{step}"));
        }
    }
    println!(
        "contlab run --all: {} lessons, {steps} steps in {:.1} s (target ≤ 60 s)",
        lessons.len(),
        wall.as_secs_f64()
    );
    println!(
        "slowest ordinary step: {} ms ({}) (target ≤ 200 ms)",
        slowest.0, slowest.1
    );
    println!(
        "slowest step that waits on purpose: {} ms ({})",
        purposeful.0, purposeful.1
    );
    Ok(())
}
