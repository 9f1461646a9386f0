//! OCI hooks: programs the runtime runs on the host at fixed points of the lifecycle,
//! each given the container's state as JSON on its stdin.

use super::config::HookSpec;
use super::state::OciState;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

/// Runs `hooks` in order with `state` on stdin; the first failure stops them. `stage`
/// names them in errors (`createRuntime`, `poststart`, …).
pub fn run(stage: &str, hooks: &[HookSpec], state: &OciState) -> Result<()> {
    if hooks.is_empty() {
        return Ok(());
    }
    let input = serde_json::to_vec(state)?;
    for (i, h) in hooks.iter().enumerate() {
        run_one(h, &input)
            .with_context(|| format!("hooks.{stage}[{i}] ({}) failed", h.path.display()))?;
    }
    Ok(())
}

fn run_one(h: &HookSpec, input: &[u8]) -> Result<()> {
    let mut cmd = std::process::Command::new(&h.path);
    if let Some(arg0) = h.args.first() {
        cmd.arg0(arg0);
    }
    cmd.args(h.args.iter().skip(1))
        .env_clear()
        .envs(h.env.iter().filter_map(|kv| kv.split_once('=')))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().context("cannot start it")?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is not an error.
        let _ = stdin.write_all(input);
    }
    let deadline = h.timeout.map(|t| Instant::now() + Duration::from_secs(t));
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            bail!("it ran past its timeout of {}s", h.timeout.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        let err = err.trim();
        bail!(
            "it exited with {status}{}",
            if err.is_empty() {
                String::new()
            } else {
                format!(": {err}")
            }
        );
    }
    Ok(())
}
