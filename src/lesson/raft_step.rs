//! The Raft track's side of the lesson engine: the lesson's simulated cluster (`raft`
//! actions and checks) and its real etcd cluster (`etcd` actions and checks). The engine
//! owns one [`RaftLab`] and turns what it returns into events.

use super::checks::{World, result};
use super::event::CheckResult;
use super::format::{Action, Check, EtcdOp, Step};
use super::panel::{ClusterPanel, PlayerPanel, RaftPanel};
use crate::etcd::{self, MemberStatus};
use crate::i18n::Lang;
use crate::raft::{self, Command, Control, Outcome, Player, Sim, SimConfig};
use crate::tr;
use anyhow::{Context, Result, anyhow, bail};
use std::sync::mpsc::{Sender, channel};
use std::time::Instant;

/// How many timeline lines the Cluster panel's snapshot carries.
const RECENT: usize = 12;

/// What an action produced: the text for `Output` and, for etcd, the members' status.
pub struct Done {
    pub output: String,
    pub ok: bool,
    pub etcd: Option<Vec<MemberStatus>>,
}

/// The lesson's clusters, made on first use.
#[derive(Default)]
pub struct RaftLab {
    /// The simulated cluster, with the player the Cluster panel's keys drive.
    player: Option<Player>,
    /// When the playing cluster last advanced.
    clock: Option<Instant>,
    /// What the last control did, for the panel.
    note: Option<String>,
    etcd: Option<EtcdWorker>,
}

/// Load-time validation of a step's Raft parts: script lines parse, `expect`s parse, and
/// `requires` names a known tool. Returns the problems as sentences.
pub fn validate(step: &Step) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(super::requires::validate(step.requires.as_deref()));
    if let Some(a) = &step.action
        && let Action::Raft { script, nodes, .. } = a.get_ref()
    {
        // A later step's script runs on the cluster an earlier step made: without `nodes`,
        // node ids are checked when the step runs.
        let config = SimConfig {
            nodes: nodes.unwrap_or(15),
            ..SimConfig::default()
        };
        if let Err(e) = raft::script::parse_script_with(script, "script", config) {
            out.push(format!("raft script line {}: {}", e.line, e.message));
        }
    }
    let raft_checks = (step.checks.iter()).any(|c| matches!(c.get_ref(), Check::Raft { .. }));
    if !step.solution.is_empty() {
        if is_etcd_step(step) {
            out.extend(
                (step.solution.iter())
                    .filter_map(|l| parse_etcd_line(l).err().map(|e| e.to_string())),
            );
        } else if raft_checks
            && let Err(e) = raft::script::parse_script_with(
                &step.solution.join("\n"),
                "solution",
                SimConfig {
                    nodes: 15,
                    ..SimConfig::default()
                },
            )
        {
            out.push(format!("raft solution line {}: {}", e.line, e.message));
        }
    }
    for c in &step.checks {
        if let Check::Raft { expect } = c.get_ref()
            && let Err(e) = parse_expect(expect)
        {
            out.push(e.to_string());
        }
    }
    out
}

/// Evaluates a `raft` or `etcd` check.
/// Evaluates one Raft or etcd check, its sentence in `lang`.
pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    Ok(match check {
        Check::Raft { expect } => {
            let (pass, detail) = w.raft_expect(expect)?;
            let (e, d) = (expect.as_str(), detail.as_str());
            let sentence = if pass {
                tr!(lang, "check-raft-ok", expect = e, detail = d)
            } else {
                tr!(lang, "check-raft-want", expect = e, detail = d)
            };
            result(check, pass, sentence)
        }
        Check::Etcd { leader, members_up } => {
            let (l, up) = w.etcd_state()?;
            let mut problems = Vec::new();
            if let Some(want) = leader
                && l.is_some() != *want
            {
                problems.push(match l {
                    Some(l) => tr!(lang, "check-etcd-want-no-leader", leader = l.to_string()),
                    None => tr!(lang, "check-etcd-want-leader"),
                });
            }
            if let Some(n) = members_up
                && up != *n
            {
                problems.push(tr!(
                    lang,
                    "check-etcd-want-up",
                    want = n.to_string(),
                    up = up.to_string()
                ));
            }
            let seen = match l {
                Some(l) => tr!(
                    lang,
                    "check-etcd-seen-leader",
                    up = up.to_string(),
                    leader = l.to_string()
                ),
                None => tr!(lang, "check-etcd-seen-no-leader", up = up.to_string()),
            };
            if problems.is_empty() {
                result(check, true, seen)
            } else {
                let problems = problems.join("; ");
                result(
                    check,
                    false,
                    tr!(lang, "check-etcd-failed", problems = problems, seen = seen),
                )
            }
        }
        other => bail!("not a Raft check: {}", other.kind()),
    })
}

/// One line of an etcd task's solution: an `etcd` action's `op`, then its key and value.
fn parse_etcd_line(line: &str) -> Result<(EtcdOp, Option<&str>, Option<&str>)> {
    let mut words = line.split_whitespace();
    let op = match words.next() {
        Some("start") => EtcdOp::Start,
        Some("status") => EtcdOp::Status,
        Some("kill-leader") => EtcdOp::KillLeader,
        Some("put") => EtcdOp::Put,
        Some("get") => EtcdOp::Get,
        Some("stop") => EtcdOp::Stop,
        other => bail!(
            "`{line}`: an etcd solution line starts with start, status, kill-leader, put, get \
             or stop, not {other:?}"
        ),
    };
    let (key, value) = (words.next(), words.next());
    if let Some(extra) = words.next() {
        bail!("`{line}`: unexpected {extra:?} at the end of the line");
    }
    Ok((op, key, value))
}

/// Whether a step's checks look at the real etcd cluster (then a task's solution lines
/// are etcd operations, not a raft script).
pub fn is_etcd_step(step: &Step) -> bool {
    step.checks
        .iter()
        .any(|c| matches!(c.get_ref(), Check::Etcd { .. }))
}

fn parse_expect(expect: &str) -> Result<Command> {
    match raft::parse_line(&format!("expect {expect}")) {
        Ok(Some(c @ Command::Expect(_))) => Ok(c),
        Ok(_) => bail!("`expect {expect}` is not an expectation"),
        Err(e) => bail!("`expect {expect}`: {e}"),
    }
}

impl RaftLab {
    /// Runs a `raft` action on the simulated cluster, creating it on first use.
    pub fn run_script(
        &mut self,
        script: &str,
        nodes: Option<usize>,
        seed: Option<u64>,
    ) -> Result<Done> {
        let mut base = self
            .player
            .as_ref()
            .map(|p| p.sim.config().clone())
            .unwrap_or_default();
        if self.player.is_none()
            && let Some(n) = nodes
        {
            base.nodes = n;
        }
        let parsed = raft::script::parse_script_with(script, "script", base).map_err(|e| {
            anyhow::Error::new(crate::said!(
                "error-raft-script-line",
                line = e.line,
                detail = &e.message
            ))
        })?;
        if self.player.is_none() {
            self.player = Some(Player::new(
                Sim::new(parsed.config.clone(), seed.unwrap_or(1))
                    .map_err(|e| anyhow!("cannot build the cluster: {e}"))?,
            ));
        } else if self
            .player
            .as_ref()
            .is_some_and(|p| *p.sim.config() != parsed.config)
        {
            crate::bail_said!("error-raft-header-late");
        }
        let player = self.player.as_mut().context("no cluster")?;
        // A step's prose describes the cluster its script leaves: hold it there.
        player.pause();
        self.clock = None;
        self.note = None;
        let mut out = String::new();
        let mut ok = true;
        let mut shown = player.sim.timeline().len();
        for (line, cmd) in &parsed.commands {
            let outcome = player
                .apply_at(cmd, *line)
                .map_err(|e| anyhow!("`{cmd}`: {e}"))?;
            let timeline = player.sim.timeline();
            shown = shown.min(timeline.len());
            for e in &timeline[shown..] {
                out.push_str(&format!("{e}\n"));
            }
            shown = timeline.len();
            if let Outcome::Check { pass: false, .. } = outcome {
                ok = false;
            }
        }
        for v in player.sim.violations() {
            out.push_str(&format!("{v}\n"));
            ok = false;
        }
        Ok(Done {
            output: out,
            ok,
            etcd: None,
        })
    }

    /// Forgets the simulated cluster; the next `raft` action builds a new one.
    pub fn discard_sim(&mut self) {
        self.player = None;
        self.clock = None;
    }

    /// Carries out one of the Cluster panel's controls on the simulated cluster; returns
    /// what happened, in one sentence.
    pub fn control(&mut self, c: Control) -> Result<String> {
        let player = self.player.as_mut().context(
            "no Raft cluster yet: run a step of the lesson (Enter) and its script builds one",
        )?;
        let note = player.control(c).map_err(|e| anyhow!("{e}"))?;
        self.clock = (!player.is_paused()).then(Instant::now);
        self.note = Some(note.clone());
        Ok(note)
    }

    /// Whether the Cluster panel's keys act on the real etcd cluster: the lesson runs one
    /// and has no simulated cluster.
    pub fn drives_etcd(&self) -> bool {
        self.player.is_none() && self.etcd.is_some()
    }

    /// Carries out one of the Cluster panel's controls on the real etcd cluster: `c` kills
    /// the selected member with SIGKILL, or restarts it from its data directory when it is
    /// down. The other controls belong to the simulator.
    pub fn etcd_control(&mut self, c: Control) -> Result<Done> {
        let w = self.etcd.as_ref().context("no etcd cluster is running")?;
        match c {
            Control::CrashOrRestart(member) => w.ask(Req::KillOrRestart(member as usize)),
            _ => bail!(
                "the etcd cluster is real, with no virtual time: only `c` (kill or restart the \
                 selected member) acts on it"
            ),
        }
    }

    /// Runs a task's reference solution on the real etcd cluster: one `etcd` operation per
    /// line (`kill-leader`, `status`, `put KEY VALUE`, `get KEY`).
    pub fn etcd_solution(&mut self, lines: &[String]) -> Result<Done> {
        let mut out = Done {
            output: String::new(),
            ok: true,
            etcd: None,
        };
        for line in lines {
            let (op, key, value) = parse_etcd_line(line)?;
            let done = self.etcd(op, key, value)?;
            out.output.push_str(&done.output);
            out.ok &= done.ok;
            out.etcd = done.etcd.or(out.etcd);
        }
        Ok(out)
    }

    /// Runs the ticks due since the last call while the cluster plays.
    pub fn advance(&mut self) -> Result<()> {
        let (Some(player), Some(last)) = (self.player.as_mut(), self.clock) else {
            return Ok(());
        };
        let now = Instant::now();
        self.clock = Some(now);
        if let Err(e) = player.advance(now - last) {
            player.pause();
            self.clock = None;
            bail!("the cluster stopped playing: {e}");
        }
        Ok(())
    }

    /// `expect …` on the live cluster, without touching its timeline; what was seen in
    /// `lang` (the simulator's own reason for a failed expectation stays its words).
    pub fn expect(&self, expect: &str, lang: Lang) -> Result<(bool, String)> {
        let sim = &self
            .player
            .as_ref()
            .context("no Raft cluster yet: a `raft` action makes one")?
            .sim;
        let Command::Expect(e) = parse_expect(expect)? else {
            unreachable!("parse_expect returns expectations")
        };
        if let Some(bad) = Command::Expect(e.clone())
            .node_ids()
            .into_iter()
            .find(|&n| n == 0 || n > sim.config().nodes as u64)
        {
            crate::bail_said!("error-raft-no-node", node = bad);
        }
        let (pass, detail) = sim.check(&e);
        let view = sim.view();
        let summary = match view.leaders().first() {
            Some(l) => tr!(
                lang,
                "raft-leads",
                node = l.id.to_string(),
                term = l.term.to_string()
            ),
            None => tr!(lang, "raft-no-leader"),
        };
        let detail = match (pass, detail.is_empty()) {
            (true, _) | (false, true) => tr!(lang, "raft-holds", summary = summary),
            (false, false) => tr!(lang, "raft-seen", detail = detail, summary = summary),
        };
        Ok((pass, detail))
    }

    /// The Cluster panel's data: the view, the recent timeline, and the player (whether
    /// it plays, how fast, how far the known run reaches and its marked moments).
    pub fn panel(&self) -> Option<ClusterPanel> {
        let player = self.player.as_ref()?;
        let sim = &player.sim;
        let t = sim.timeline();
        let recent: Vec<String> = t[t.len().saturating_sub(RECENT)..]
            .iter()
            .map(|e| e.to_string())
            .collect();
        Some(ClusterPanel::Raft(Box::new(RaftPanel {
            view: sim.view(),
            timeline: recent,
            player: PlayerPanel {
                playing: !player.is_paused(),
                speed: player.speed(),
                horizon: player.horizon(),
                marks: player.marks(),
                note: self.note.clone(),
            },
        })))
    }

    /// Runs an `etcd` action.
    pub fn etcd(&mut self, op: EtcdOp, key: Option<&str>, value: Option<&str>) -> Result<Done> {
        if op == EtcdOp::Start {
            if self.etcd.is_some() {
                crate::bail_said!("error-etcd-already-running");
            }
            self.etcd = Some(EtcdWorker::spawn()?);
        }
        let Some(w) = self.etcd.as_ref() else {
            crate::bail_said!("error-etcd-not-running");
        };
        let req = match op {
            EtcdOp::Start => Req::Start,
            EtcdOp::Status => Req::Status,
            EtcdOp::KillLeader => Req::KillLeader,
            EtcdOp::Put => Req::Put(
                key.context("`put` needs a key")?.to_string(),
                value.context("`put` needs a value")?.to_string(),
            ),
            EtcdOp::Get => Req::Get(key.context("`get` needs a key")?.to_string()),
            EtcdOp::Stop => {
                self.stop_etcd();
                return Ok(Done {
                    output: "etcd: every member stopped\n".into(),
                    ok: true,
                    etcd: Some(Vec::new()),
                });
            }
        };
        w.ask(req)
    }

    /// The leader the live etcd members agree on, and how many run.
    pub fn etcd_state(&self) -> Result<(Option<usize>, usize)> {
        let w = self
            .etcd
            .as_ref()
            .context("this lesson has no etcd cluster (start it first)")?;
        let st = w.ask(Req::Status)?.etcd.unwrap_or_default();
        let up = st.iter().filter(|m| m.up).count();
        let answering: Vec<&MemberStatus> =
            st.iter().filter(|m| m.up && m.error.is_none()).collect();
        let leader = answering
            .first()
            .and_then(|m| m.leader)
            .filter(|l| answering.iter().all(|m| m.leader == Some(*l)))
            // A survivor names a killed leader until its election timeout runs out.
            .filter(|l| st.iter().any(|m| m.member == *l && m.up));
        Ok((leader, up))
    }

    /// Kills every etcd member and waits for its thread: nothing outlives the lesson.
    pub fn stop_etcd(&mut self) {
        if let Some(w) = self.etcd.take() {
            w.stop();
        }
    }
}

impl Drop for RaftLab {
    fn drop(&mut self) {
        self.stop_etcd();
    }
}

enum Req {
    Start,
    Status,
    KillLeader,
    KillOrRestart(usize),
    Put(String, String),
    Get(String),
}

type Job = (Req, Sender<Result<Done>>);

/// One long-lived thread owns the etcd cluster: its members die with the thread that
/// started them (`PR_SET_PDEATHSIG`), so the engine's own thread may come and go.
struct EtcdWorker {
    jobs: Option<Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EtcdWorker {
    fn spawn() -> Result<EtcdWorker> {
        if etcd::tools().is_none() {
            crate::bail_said!("error-etcd-not-installed");
        }
        let (tx, rx) = channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("contlab-etcd".into())
            .spawn(move || {
                let mut cluster: Option<etcd::Cluster> = None;
                for (req, reply) in rx {
                    let _ = reply.send(serve(&mut cluster, req));
                }
                // The channel closed: dropping the cluster kills every member.
                drop(cluster);
            })
            .context("cannot start the etcd thread")?;
        Ok(EtcdWorker {
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    fn ask(&self, req: Req) -> Result<Done> {
        let (tx, rx) = channel();
        self.jobs
            .as_ref()
            .context("the etcd thread has stopped")?
            .send((req, tx))
            .map_err(|_| anyhow!("the etcd thread has stopped"))?;
        rx.recv()
            .map_err(|_| anyhow!("the etcd thread has stopped"))?
    }

    fn stop(mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for EtcdWorker {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(cluster: &mut Option<etcd::Cluster>, req: Req) -> Result<Done> {
    if let Req::Start = req {
        let c = etcd::Cluster::start(3)?;
        let st = c.status();
        let out = format!(
            "etcd: 3 members started on 127.0.0.1\n{}",
            etcd::render(&st)
        );
        *cluster = Some(c);
        return Ok(Done {
            output: out,
            ok: true,
            etcd: Some(st),
        });
    }
    let c = cluster
        .as_mut()
        .context("the etcd cluster is not running")?;
    let (output, ok) = match req {
        Req::Start => unreachable!("handled above"),
        Req::Status => (etcd::render(&c.status()), true),
        // With a majority left, the election that follows is measured; without one there
        // is nothing to wait for.
        Req::KillLeader if c.pids().len() > c.len() / 2 + 1 => {
            let f = c.measure_failover()?;
            (
                format!("etcd: {f}\nelection took {} ms\n", f.elapsed_ms),
                true,
            )
        }
        Req::KillLeader => {
            let l = c.leader().context("there is no leader to kill right now")?;
            c.kill(l)?;
            (
                format!(
                    "etcd: killed leader {l}; the {} members left are not a majority of {}, so \
                     no new leader can be elected\n",
                    c.pids().len(),
                    c.len()
                ),
                true,
            )
        }
        Req::KillOrRestart(i) => {
            if c.status().iter().any(|m| m.member == i && m.up) {
                c.kill(i)?;
                (format!("etcd: member {i} killed (SIGKILL)\n"), true)
            } else {
                c.restart(i)?;
                (
                    format!("etcd: member {i} restarted from its data directory\n"),
                    true,
                )
            }
        }
        Req::Put(k, v) => match c.put(&k, &v) {
            Ok(()) => (format!("OK (put {k}={v})\n"), true),
            Err(e) => (format!("put {k} failed: {e:#}\n"), false),
        },
        Req::Get(k) => match c.get(&k) {
            Ok(Some(v)) => (format!("{k}={v}\n"), true),
            Ok(None) => (format!("{k} is not set\n"), true),
            Err(e) => (format!("get {k} failed: {e:#}\n"), false),
        },
    };
    Ok(Done {
        output,
        ok,
        etcd: Some(c.status()),
    })
}
