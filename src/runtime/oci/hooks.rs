//! OCI hooks: programs the runtime runs at fixed points of the lifecycle, each given
//! the container's state as JSON on its stdin. `prestart`, `createRuntime`, `poststart`
//! and `poststop` run on the host, from contlab; `createContainer` and `startContainer`
//! from the container's init, in its namespaces (see [`InitHooks`]).

use super::config::HookSpec;
use super::state::{OciState, Status};
use anyhow::Result;
use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::time::{Duration, Instant};

/// The hooks the init runs, as runc's init does: `createContainer` once the bundle's
/// mounts are in place, before `pivot_root` (so its path is the host's, and its cwd the
/// root filesystem), and `startContainer` after `start`, before the command, with the
/// container's root as `/`. Each gets the state with the init's own pid.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InitHooks {
    pub create_container: Vec<HookSpec>,
    pub start_container: Vec<HookSpec>,
    /// The state as `create` knows it; the init fills in its pid and the status.
    pub state: OciState,
    /// The command's environment (`process.env`): a hook without an `env` of its own
    /// gets it, as runc's init has set it before it runs them.
    #[serde(default)]
    pub process_env: Vec<String>,
}

impl InitHooks {
    /// Runs `createContainer` (status `creating`).
    pub fn create_container(&self) -> Result<()> {
        self.run_as("createContainer", &self.create_container, Status::Creating)
    }

    /// Runs `startContainer` (status `created`, as runc gives it).
    pub fn start_container(&self) -> Result<()> {
        self.run_as("startContainer", &self.start_container, Status::Created)
    }

    fn run_as(&self, stage: &str, hooks: &[HookSpec], status: Status) -> Result<()> {
        let mut s = self.state.clone();
        s.pid = std::process::id() as i32;
        s.status = status;
        run_with(stage, hooks, &s, Some(&self.process_env))
    }
}

/// Runs `hooks` in order with `state` on stdin; the first failure stops them, and is
/// said as runc says it, "error running hook #N", naming the stage (`createRuntime`,
/// `poststart`, …), the hook's path and how it ended. A hook without an `env` of its own
/// inherits contlab's environment, as runc's inherit runc's.
pub fn run(stage: &str, hooks: &[HookSpec], state: &OciState) -> Result<()> {
    run_with(stage, hooks, state, None)
}

/// [`run`], with `inherited` (else this process's environment) for hooks without `env`.
fn run_with(
    stage: &str,
    hooks: &[HookSpec],
    state: &OciState,
    inherited: Option<&[String]>,
) -> Result<()> {
    if hooks.is_empty() {
        return Ok(());
    }
    let input = serde_json::to_vec(state)?;
    for (i, h) in hooks.iter().enumerate() {
        let path = h.path.display();
        match run_one(h, &input, inherited) {
            Ok(()) => {}
            Err(Failure::Start(e)) => {
                return Err(anyhow::Error::new(e).context(crate::said!(
                    "error-hook-start",
                    index = i,
                    stage = stage,
                    path = path
                )));
            }
            Err(Failure::Timeout(secs)) => crate::bail_said!(
                "error-hook-timeout",
                index = i,
                stage = stage,
                path = path,
                secs = secs
            ),
            Err(Failure::Ended(status, stderr)) => {
                let said = match (status.code(), status.signal()) {
                    (Some(code), _) => crate::said!(
                        "error-hook-exited",
                        index = i,
                        stage = stage,
                        path = path,
                        code = code
                    ),
                    (None, sig) => crate::said!(
                        "error-hook-killed",
                        index = i,
                        stage = stage,
                        path = path,
                        signal = sig.unwrap_or(0)
                    ),
                };
                let stderr = stderr.trim();
                return Err(if stderr.is_empty() {
                    anyhow::Error::new(said)
                } else {
                    anyhow::anyhow!("{stderr}").context(said)
                });
            }
        }
    }
    Ok(())
}

/// How a hook failed: it could not start, ran past its timeout, or ended unsuccessfully
/// (its status and what it wrote on stderr).
enum Failure {
    Start(std::io::Error),
    Timeout(u64),
    Ended(std::process::ExitStatus, String),
}

fn run_one(
    h: &HookSpec,
    input: &[u8],
    inherited: Option<&[String]>,
) -> std::result::Result<(), Failure> {
    let mut cmd = std::process::Command::new(&h.path);
    if let Some(arg0) = h.args.first() {
        cmd.arg0(arg0);
    }
    cmd.args(h.args.iter().skip(1));
    if let Some(env) = h.env.as_deref().or(inherited) {
        cmd.env_clear()
            .envs(env.iter().filter_map(|kv| kv.split_once('=')));
    }
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().map_err(Failure::Start)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is not an error.
        let _ = stdin.write_all(input);
    }
    let deadline = h.timeout.map(|t| Instant::now() + Duration::from_secs(t));
    let status = loop {
        if let Some(s) = child.try_wait().map_err(Failure::Start)? {
            break s;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failure::Timeout(h.timeout.unwrap_or(0)));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(Failure::Ended(status, err));
    }
    Ok(())
}
