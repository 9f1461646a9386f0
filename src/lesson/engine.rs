//! The lesson engine: runs a lesson's steps against the runtime and reports everything
//! it does as one ordered stream of [`Event`]s. It prints nothing; the TUI, the headless
//! runner and the recorder consume the events.

use super::checks::{self, Ended, World};
use super::container_step::{self, Containers, Done};
use super::event::{CheckResult, Event, StepStatus, Stream};
use super::format::{Action, Check, Family, ShellSide, Step, StepKind};
use super::load::Lesson;
use super::panel::{CgroupPanel, ClusterPanel, PanelData, ProcPanel};
use crate::i18n::Lang;
use crate::inspect;
use crate::runtime::Container;
use crate::runtime::trace::{TraceEvent, Tracer};
use crate::tr;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// How one step went.
#[derive(Clone, Debug)]
pub struct StepReport {
    pub step: String,
    pub status: StepStatus,
    pub checks: Vec<CheckResult>,
    pub duration_ms: u64,
}

/// A running lesson: its containers, and what the last command did.
pub struct Engine {
    lesson: Lesson,
    events: Sender<Event>,
    tracer: Tracer,
    trace_rx: Receiver<TraceEvent>,
    /// The container track's containers.
    containers: Containers,
    last_ended: Option<Ended>,
    last_output: Option<String>,
    answers: BTreeMap<usize, String>,
    current: usize,
    /// The interactive shell of the shell pane, when one is open.
    shell: Option<super::shell::Shell>,
    shell_side: ShellSide,
    /// The RBAC track's loaded policy, work directory and last answers.
    rbac: Option<super::rbac_step::RbacState>,
    /// The Raft track's simulated cluster and real etcd cluster.
    raft: super::raft_step::RaftLab,
    /// The OCI track's bundle and state roots, made on first use.
    oci: Option<super::oci_step::Work>,
    /// The language of the sentences the engine makes (checks, notices).
    lang: Lang,
    /// The networking track's node.
    net: super::net_step::NetLab,
    /// The API server track's etcd and API server.
    api: super::api_step::ApiLab,
}

impl Engine {
    /// An engine for `lesson`, sending its events to `events`.
    pub fn new(lesson: Lesson, events: Sender<Event>) -> Self {
        let (tracer, trace_rx) = Tracer::channel();
        Engine {
            lesson,
            events,
            tracer,
            trace_rx,
            containers: Containers::default(),
            last_ended: None,
            last_output: None,
            answers: BTreeMap::new(),
            current: 0,
            shell: None,
            shell_side: ShellSide::Container,
            rbac: None,
            raft: Default::default(),
            oci: None,
            lang: Lang::En,
            net: Default::default(),
            api: Default::default(),
        }
    }

    /// Speaks `lang` from now on: the checks evaluated and the notices sent after this.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }

    fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// Forwards the runtime's trace, in order, as events.
    fn flush_trace(&self) {
        if let Some(w) = &self.oci {
            w.drain_trace(&self.tracer);
        }
        while let Ok(t) = self.trace_rx.try_recv() {
            self.emit(Event::Trace(t));
        }
    }

    fn step(&self, i: usize) -> Result<&Step> {
        self.lesson
            .file
            .steps
            .get(i)
            .with_context(|| format!("the lesson has no step {}", i + 1))
    }

    fn step_id(&self, i: usize) -> String {
        self.lesson
            .file
            .steps
            .get(i)
            .map(|s| s.id.get_ref().clone())
            .unwrap_or_default()
    }

    /// Announces step `i`.
    pub fn begin_step(&mut self, i: usize) {
        self.current = i;
        self.emit(Event::StepStarted {
            lesson: self.lesson.id().to_string(),
            step: self.step_id(i),
            index: i,
        });
    }

    /// Runs step `i`'s action, if any.
    pub fn run_action(&mut self, i: usize) -> Result<()> {
        let Some(action) = self.step(i)?.action.as_ref().map(|a| a.get_ref().clone()) else {
            return Ok(());
        };
        if self.skipped(i) {
            return Ok(());
        }
        let res = self.perform(&action);
        self.flush_trace();
        self.sample_panels();
        res
    }

    /// Runs a task's reference solution, line by line, in the lesson's main container.
    pub fn apply_solution(&mut self, i: usize) -> Result<()> {
        // What the step needs is missing: its action was skipped, and so is its solution.
        if self.missing_requirement(i).is_some() {
            return Ok(());
        }
        let files = self.step(i)?.solution_files.clone();
        if !files.is_empty() && self.lesson.file.track == super::format::Track::Net {
            // The Ingress file the student edits in the host shell's directory.
            let text = self.copy_to_work(&files)?;
            self.emit(Event::Output {
                stream: Stream::Pty,
                data: text,
            });
            self.sample_panels();
            return Ok(());
        }
        if !files.is_empty() {
            let out = super::rbac_step::apply_solution(&mut self.rbac, &self.lesson, &files)?;
            self.emit_outcome(out);
            self.sample_panels();
            return Ok(());
        }
        // A solution that needs what the machine lacks (iptables) is skipped like its step.
        if self.skipped(i) {
            return Ok(());
        }
        let lines = self.step(i)?.solution.clone();
        if self.lesson.file.track == super::format::Track::Raft {
            // A Raft task's solution is a raft script, run on the lesson's cluster, or, when
            // its checks look at the real etcd cluster, etcd operations.
            let done = if super::raft_step::is_etcd_step(self.step(i)?) {
                self.raft.etcd_solution(&lines)?
            } else {
                self.raft.run_script(&lines.join("\n"), None, None)?
            };
            self.raft_output(done);
            return Ok(());
        }
        if self.step(i)?.shell == ShellSide::Host {
            return self.type_solution(&lines);
        }
        for line in lines {
            self.emit(Event::Output {
                stream: Stream::Pty,
                data: format!("$ {line}\n"),
            });
            let r = self.perform(&Action::Exec {
                container: super::format::main_container(),
                cmd: line.clone(),
            });
            self.flush_trace();
            r?;
            if let Some(ended) = self.last_ended.as_ref().filter(|e| e.code != Some(0)) {
                let said = self.last_output.as_deref().unwrap_or("").trim().to_string();
                return Err(anyhow::Error::new(ended.said()).context(crate::said!(
                    "error-solution-line",
                    line = line,
                    output = said
                )));
            }
        }
        self.sample_panels();
        Ok(())
    }

    /// Types a host-shell task's solution into the host shell, as the student would, one
    /// line at a time: the shell keeps what a line did (`cd`, variables, its own pid in a
    /// cgroup) for the next. After each line the shell writes the line's exit status to
    /// a file of the work directory, which tells when the line has ended.
    fn type_solution(&mut self, lines: &[String]) -> Result<()> {
        if !(self.shell_alive() && self.shell_side == ShellSide::Host) {
            self.open_host_shell(24, 120)?;
        }
        let work = self
            .oci
            .as_ref()
            .context("no work directory")?
            .dir()
            .to_path_buf();
        let done = work.join(".contlab-line-status");
        for line in lines {
            let _ = std::fs::remove_file(&done);
            let tmp = work.join(".contlab-line-status.tmp");
            let typed = format!(
                "{line}\necho $? > '{}' && mv '{}' '{}'\n",
                tmp.display(),
                tmp.display(),
                done.display()
            );
            self.shell_input(typed.as_bytes())?;
            let deadline = Instant::now() + std::time::Duration::from_secs(60);
            let status = loop {
                if let Ok(t) = std::fs::read_to_string(&done) {
                    break t.trim().to_string();
                }
                if Instant::now() > deadline || !self.shell_alive() {
                    bail!("`{line}` did not end in the host shell within a minute");
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            };
            let _ = std::fs::remove_file(&done);
            if status != "0" {
                bail!("`{line}` exited with status {status} in the host shell");
            }
        }
        self.sample_panels();
        Ok(())
    }

    /// Records the student's answer to the quiz in step `i`.
    pub fn answer(&mut self, i: usize, choice: &str) {
        self.answers.insert(i, choice.to_string());
    }

    /// Evaluates step `i`'s checks on the state observed now.
    pub fn check(&mut self, i: usize) -> Vec<CheckResult> {
        self.current = i;
        // What the student's commands made the runtime do (the host shell's `contlab
        // runtime`, podman's `contlab-runc`) comes before the verdict on it.
        self.flush_trace();
        let checks: Vec<Check> = match self.step(i) {
            Ok(s) => s.checks.iter().map(|c| c.get_ref().clone()).collect(),
            Err(_) => Vec::new(),
        };
        let results: Vec<CheckResult> = match self.missing_requirement(i) {
            Some(why) if !checks.is_empty() => vec![CheckResult {
                check: "requires".into(),
                pass: true,
                sentence: tr!(self.lang, "check-skipped", why = why),
            }],
            _ => checks
                .iter()
                .map(|c| checks::evaluate(c, &*self, self.lang))
                .collect(),
        };
        for r in &results {
            self.emit(Event::Check(r.clone()));
        }
        results
    }

    /// Announces the end of step `i`.
    pub fn end_step(&mut self, i: usize, status: StepStatus, duration_ms: u64) {
        self.emit(Event::StepFinished {
            lesson: self.lesson.id().to_string(),
            step: self.step_id(i),
            status,
            duration_ms,
        });
    }

    /// Runs step `i` without a student: the action, a task's reference solution, a quiz's
    /// right answer, then the checks.
    pub fn run_step_headless(&mut self, i: usize) -> StepReport {
        let start = Instant::now();
        self.begin_step(i);
        let kind = self.step(i).map(|s| s.kind).unwrap_or_default();
        let mut results = Vec::new();
        let mut res = self.run_action(i);
        if res.is_ok() && kind == StepKind::Task {
            res = self.apply_solution(i);
        }
        if kind == StepKind::Quiz
            && let Some(a) = self.step(i).ok().and_then(|s| s.answer.clone())
        {
            self.answer(i, &a);
        }
        match res {
            Ok(()) => results.extend(self.check(i)),
            Err(e) => results.extend(self.action_failed(&e)),
        }
        let status = StepStatus::of(&results);
        let duration_ms = start.elapsed().as_millis() as u64;
        self.end_step(i, status, duration_ms);
        StepReport {
            step: self.step_id(i),
            status,
            checks: results,
            duration_ms,
        }
    }

    /// Reports a step's failed action as its failing check.
    pub fn action_failed(&self, e: &anyhow::Error) -> Vec<CheckResult> {
        let r = CheckResult::action_failed(e, self.lang);
        self.emit(Event::Check(r.clone()));
        vec![r]
    }

    /// Tells the student, in one sentence, what could not be done.
    pub fn notice(&self, message: String) {
        self.emit(Event::Notice { message });
    }

    /// Says so and returns true when step `i` cannot run on this machine.
    fn skipped(&self, i: usize) -> bool {
        let Some(why) = self.missing_requirement(i) else {
            return false;
        };
        self.emit(Event::Output {
            stream: Stream::Stdout,
            data: format!("{why}; this step is skipped\n"),
        });
        true
    }

    /// Why step `i` cannot run on this machine (its `requires` is not met), if it cannot.
    pub fn missing_requirement(&self, i: usize) -> Option<String> {
        let req = self.step(i).ok()?.requires.clone()?;
        super::requires::missing(&req, self.lang)
    }

    /// Tears down every container of the lesson.
    pub fn teardown(&mut self) {
        self.raft.stop_etcd();
        self.close_shell();
        // After the shell, so nothing the student started there talks to it any more.
        self.api.stop();
        // Removes the RBAC work directory.
        self.rbac = None;
        if let Some(w) = self.oci.take() {
            for line in w.teardown() {
                self.emit(Event::Output {
                    stream: Stream::Stderr,
                    data: line,
                });
            }
        }
        // The node and its pods (their containers, the namespace, the record).
        self.net = Default::default();
        for line in self.containers.teardown() {
            self.emit(Event::Output {
                stream: Stream::Stderr,
                data: line,
            });
        }
        self.flush_trace();
    }

    /// Opens an interactive shell (`/bin/sh` on a PTY of `rows`×`cols`) in `container`;
    /// its output arrives as `Output { stream: Pty }` events. Replaces an open shell.
    pub fn open_shell(&mut self, container: &str, rows: u16, cols: u16) -> Result<()> {
        self.close_shell();
        let c = self.container(container).with_context(|| {
            format!("no container named \"{container}\" is running in this lesson (start it first)")
        })?;
        let shell = super::shell::Shell::open(c, rows, cols, self.events.clone());
        // The exec helper's joins (cgroup, setns, chroot) are part of the step's story.
        self.flush_trace();
        self.shell = Some(shell?);
        self.shell_side = ShellSide::Container;
        Ok(())
    }

    /// Opens a shell on the host (`/bin/sh` on a PTY of `rows`×`cols`) in the lesson's
    /// work directory, the one that holds the OCI bundle; see `Shell::open_host`.
    /// Replaces an open shell.
    pub fn open_host_shell(&mut self, rows: u16, cols: u16) -> Result<()> {
        self.close_shell();
        if self.oci.is_none() {
            self.oci = Some(super::oci_step::Work::new()?);
        }
        let tools = self.host_tools()?;
        let work = self.oci_work()?;
        let mut env = self.containers.lab_env();
        env.extend(self.api.env());
        let shell = super::shell::Shell::open_host(
            work.dir(),
            &tools,
            &env,
            rows,
            cols,
            self.events.clone(),
        )?;
        self.shell = Some(shell);
        self.shell_side = ShellSide::Host;
        Ok(())
    }

    /// Where the open shell runs (meaningful while one is open).
    pub fn shell_side(&self) -> ShellSide {
        self.shell_side
    }

    /// True while a shell is open and has not ended.
    pub fn shell_alive(&self) -> bool {
        self.shell.as_ref().is_some_and(|s| s.is_alive())
    }

    /// Sends keystrokes to the open shell.
    pub fn shell_input(&mut self, bytes: &[u8]) -> Result<()> {
        self.shell
            .as_mut()
            .with_context(|| crate::said!("error-no-shell"))?
            .input(bytes)
    }

    /// Tells the open shell its terminal's new size.
    pub fn shell_resize(&mut self, rows: u16, cols: u16) -> Result<()> {
        match &self.shell {
            Some(s) => s.resize(rows, cols),
            None => Ok(()),
        }
    }

    /// Hangs up and closes the shell, if one is open.
    pub fn close_shell(&mut self) {
        if let Some(mut s) = self.shell.take() {
            s.close();
        }
        self.flush_trace();
    }

    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers
            .find(name)
            .or_else(|| self.net.container(name))
    }

    /// Answers a request composed in the TUI's request builder: the verdict, its
    /// explanation and who-can go out in the `cluster` panel snapshot, now and at every
    /// later sample. The verdict comes from the RBAC track's work files, or, in the API
    /// server track, from the live server.
    pub fn rbac_review(&mut self, ask: super::format::RbacAsk) -> Result<()> {
        if self.rbac.is_none() && self.api.running() {
            self.api.review(ask)?;
            if let Some(p) = self.api.panel() {
                self.emit(Event::PanelSnapshot(PanelData::Cluster(ClusterPanel::Api(
                    Box::new(p),
                ))));
            }
            return Ok(());
        }
        super::rbac_step::review(&mut self.rbac, ask)?;
        if let Some(r) = &self.rbac {
            self.emit(Event::PanelSnapshot(PanelData::Cluster(r.panel())));
        }
        Ok(())
    }

    fn emit_outcome(&mut self, out: super::rbac_step::Outcome) {
        for e in out.events {
            self.emit(e);
        }
        self.last_output = Some(out.text);
    }

    /// Carries out one of the Cluster panel's controls on the Raft track's simulated
    /// cluster, then publishes the panel; returns what happened, in one sentence.
    pub fn raft_control(&mut self, c: crate::raft::Control) -> Result<String> {
        if self.raft.drives_etcd() {
            let done = self.raft.etcd_control(c)?;
            let note = done.output.trim().to_string();
            self.raft_output(done);
            return Ok(note);
        }
        let note = self.raft.control(c)?;
        self.emit_raft_panel();
        Ok(note)
    }

    /// Runs the ticks due while the simulated cluster plays (the panel timer calls it).
    pub fn raft_advance(&mut self) -> Result<()> {
        self.raft.advance()
    }

    fn emit_raft_panel(&self) {
        if let Some(data) = self.raft.panel() {
            self.emit(Event::PanelSnapshot(PanelData::Cluster(data)));
        }
    }

    /// Samples the state panes of the main container (or the host) as events.
    pub fn sample_panels(&self) {
        if let Some(r) = &self.rbac {
            self.emit(Event::PanelSnapshot(PanelData::Cluster(r.panel())));
        }
        self.emit_raft_panel();
        if let Some(p) = self.api.panel() {
            self.emit(Event::PanelSnapshot(PanelData::Cluster(ClusterPanel::Api(
                Box::new(p),
            ))));
        }
        if let Some(p) = self.net.panel(self.lang) {
            self.emit(Event::PanelSnapshot(PanelData::Cluster(
                super::panel::ClusterPanel::Net(Box::new(p)),
            )));
        }
        let me = std::process::id() as i32;
        let (name, c) = match self.containers.first() {
            Some((n, c)) => (n.clone(), Some(c)),
            None => ("host".to_string(), None),
        };
        let pid = c.map(|c| c.pid()).unwrap_or(me);
        if let Ok(snapshot) = inspect::proc::snapshot(pid, me) {
            self.emit(Event::PanelSnapshot(PanelData::Proc(ProcPanel {
                container: name.clone(),
                snapshot: Box::new(snapshot),
            })));
        }
        if let Some(cg) = c.and_then(|c| c.cgroup()) {
            self.emit(Event::PanelSnapshot(PanelData::Cgroup(CgroupPanel {
                container: name,
                reading: Box::new(cg.reading()),
            })));
        }
    }

    /// What a host shell (the pane, or a host task's solution) is pointed at: the OCI work
    /// directory's state roots, and the node's namespace when the lesson has a node.
    fn host_tools(&self) -> Result<super::shell::HostTools> {
        let mut tools = self.oci_work()?.host_tools();
        tools.node_netns = self.net.netns_path();
        Ok(tools)
    }

    fn oci_work(&self) -> Result<&super::oci_step::Work> {
        self.oci
            .as_ref()
            .context("this lesson has no OCI bundle yet (its `spec` step writes one)")
    }

    /// The host pid of a lesson container's init, or of an OCI container by its id.
    fn pid_of(&self, name: &str) -> Result<i32> {
        if let Some(c) = self.containers.find(name) {
            return Ok(c.pid());
        }
        if let Some(pid) = self.oci.as_ref().and_then(|w| w.pid(name)) {
            return Ok(pid);
        }
        self.containers.get(name).map(|c| c.pid())
    }

    /// Carries out an action in the part of the engine its track has.
    fn perform(&mut self, action: &Action) -> Result<()> {
        match action.family() {
            Family::Common => Ok(()),
            Family::Container => {
                // A command in the node or a pod of the networking track.
                if let Action::Exec { container, cmd } = action
                    && self.containers.find(container).is_none()
                    && let Some(c) = self.net.container(container)
                {
                    let out = super::net_step::exec(c, cmd)?;
                    self.flush_trace();
                    let ended = Ended::of(out.exit.code, out.exit.signal);
                    self.record_output(&out.stdout, &out.stderr, ended);
                    return Ok(());
                }
                let done = self.containers.perform(action, &self.tracer)?;
                self.container_output(done);
                Ok(())
            }
            Family::Rbac => {
                let out = super::rbac_step::perform(&mut self.rbac, &self.lesson, action)?;
                self.emit_outcome(out);
                Ok(())
            }
            Family::Raft => {
                let done = match action {
                    Action::Raft {
                        script,
                        nodes,
                        seed,
                        fresh,
                    } => {
                        if *fresh {
                            self.raft.discard_sim();
                        }
                        self.raft.run_script(script, *nodes, *seed)?
                    }
                    Action::Etcd { op, key, value } => {
                        self.raft.etcd(*op, key.as_deref(), value.as_deref())?
                    }
                    other => bail!("not a Raft action: {other:?}"),
                };
                self.raft_output(done);
                Ok(())
            }
            Family::Net => {
                let made = match action {
                    Action::NetIngress { file } => self.net_ingress(file),
                    _ => self.net.perform(action, &self.tracer),
                }
                .and_then(|m| self.net.sync().map(|()| m));
                self.flush_trace();
                let made = made?;
                self.record_output(made.as_bytes(), &[], Ended::of(Some(0), None));
                Ok(())
            }
            Family::Api => {
                match action {
                    Action::ApiStart { members } => {
                        let said = self.api.start(*members)?;
                        // A host shell opened before has none of the server's variables.
                        if self.shell_side == ShellSide::Host {
                            self.close_shell();
                        }
                        self.record_output(said.as_bytes(), &[], Ended::of(Some(0), None));
                    }
                    Action::ApiRun { cmd } => {
                        if self.oci.is_none() {
                            self.oci = Some(super::oci_step::Work::new()?);
                        }
                        let dir = self.oci_work()?.dir().to_path_buf();
                        let (out, err, code) = self.api.run(cmd, &dir)?;
                        self.emit(Event::Output {
                            stream: Stream::Stdout,
                            data: format!("$ {cmd}\n"),
                        });
                        self.record_output(&out, &err, Ended::of(Some(code), None));
                    }
                    other => bail!("not an API server action: {other:?}"),
                }
                Ok(())
            }
            Family::Oci => {
                let Action::Runtime(step) = action else {
                    bail!("not an OCI action: {action:?}");
                };
                if self.oci.is_none() {
                    self.oci = Some(super::oci_step::Work::new()?);
                }
                let work = self.oci.as_mut().context("no OCI work directory")?;
                let done = work.perform(step, &self.tracer)?;
                self.flush_trace();
                let code = done.code;
                self.record_output(
                    done.stdout.as_bytes(),
                    done.stderr.as_bytes(),
                    Ended::of(Some(code), None),
                );
                Ok(())
            }
        }
    }

    /// Copies lesson files into the work directory (the host shell's), each over the
    /// work file named by its key; returns the `cp` lines that say so.
    fn copy_to_work(
        &mut self,
        files: &std::collections::BTreeMap<String, String>,
    ) -> Result<String> {
        if self.oci.is_none() {
            self.oci = Some(super::oci_step::Work::new()?);
        }
        let dir = self.oci_work()?.dir().to_path_buf();
        let mut said = String::new();
        for (to, from) in files {
            let text = self
                .lesson
                .files
                .get(from)
                .with_context(|| format!("the lesson has no file {from:?}"))?;
            let path = dir.join(to);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if to != from {
                said.push_str(&format!("$ cp {from} {to}\n"));
            }
        }
        Ok(said)
    }

    /// A `net-ingress` action: the lesson's file into the work directory, and the node's
    /// Ingress proxy started on it (or reloaded from it).
    fn net_ingress(&mut self, file: &str) -> Result<String> {
        let files = [(file.to_string(), file.to_string())].into_iter().collect();
        self.copy_to_work(&files)?;
        let path = self.oci_work()?.dir().join(file);
        self.net.ingress(&path, file, &self.tracer)
    }

    /// Shows and remembers what a container action produced.
    fn container_output(&mut self, done: Done) {
        match done {
            Done::Quiet => {}
            Done::Ran {
                stdout,
                stderr,
                ended,
            } => self.record_output(&stdout, &stderr, ended),
            Done::Read(text) => {
                self.emit(Event::Output {
                    stream: Stream::Stdout,
                    data: text.clone(),
                });
                self.last_output = Some(text);
            }
            Done::Escaped(escaped) => {
                let said = if escaped {
                    tr!(self.lang, "breakout-escaped")
                } else {
                    tr!(self.lang, "breakout-held")
                };
                self.emit(Event::Output {
                    stream: Stream::Stdout,
                    data: format!("{said}\n"),
                })
            }
            Done::Ended(ended) => self.last_ended = Some(ended),
        }
    }

    /// Reports a Raft or etcd action's output like a command's (for `output`/`exit`
    /// checks); etcd's member status goes to the Cluster panel.
    fn raft_output(&mut self, done: super::raft_step::Done) {
        if let Some(st) = &done.etcd {
            self.emit(Event::PanelSnapshot(PanelData::Cluster(
                ClusterPanel::Etcd {
                    members: st.clone(),
                },
            )));
        }
        let code = if done.ok { 0 } else { 1 };
        self.record_output(done.output.as_bytes(), &[], Ended::of(Some(code), None));
    }

    fn record_output(&mut self, stdout: &[u8], stderr: &[u8], ended: Ended) {
        let out = String::from_utf8_lossy(stdout).into_owned();
        let err = String::from_utf8_lossy(stderr).into_owned();
        if !out.is_empty() {
            self.emit(Event::Output {
                stream: Stream::Stdout,
                data: out.clone(),
            });
        }
        if !err.is_empty() {
            self.emit(Event::Output {
                stream: Stream::Stderr,
                data: err.clone(),
            });
        }
        self.last_output = Some(out + &err);
        self.last_ended = Some(ended);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.teardown();
    }
}

impl World for Engine {
    fn ns_inode(&self, container: &str, ns: &str) -> Result<u64> {
        container_step::ns_inode(self.pid_of(container)?, ns)
    }

    fn host_ns_inode(&self, ns: &str) -> Result<u64> {
        container_step::ns_inode(std::process::id() as i32, ns)
    }

    fn processes(&self, container: &str) -> Result<Vec<(i32, String)>> {
        container_step::processes(self.pid_of(container)?)
    }

    fn pid_inside(&self, container: &str) -> Result<i32> {
        container_step::pid_inside(self.pid_of(container)?)
    }

    fn hostname(&self, container: &str) -> Result<String> {
        inspect::proc::uts_hostname(self.pid_of(container)?)
    }

    fn host_hostname(&self) -> Result<String> {
        inspect::proc::uts_hostname(std::process::id() as i32)
    }

    fn uid(&self, container: &str) -> Result<(u32, u32)> {
        container_step::uid(self.pid_of(container)?)
    }

    fn mount_inside(&self, container: &str, path: &str) -> Result<Option<String>> {
        container_step::mount_inside(self.pid_of(container)?, path)
    }

    fn mount_on_host(&self, path: &str, fstype: &str) -> Result<bool> {
        container_step::mount_on_host(path, fstype)
    }

    fn cgroup_value(&self, container: &str, file: &str) -> Result<(String, String)> {
        container_step::cgroup_value(self.containers.get(container)?, file)
    }

    fn cgroup_member(&self, container: &str) -> Result<bool> {
        container_step::cgroup_member(self.containers.get(container)?)
    }

    fn oom_kills(&self, container: &str) -> Result<u64> {
        Ok(container_step::oom_kills(self.containers.get(container)?))
    }

    fn link(&self, container: &str, link: &str) -> Result<Option<container_step::LinkSeen>> {
        container_step::link(self.pid_of(container)?, link)
    }

    fn process(&self, container: &str, comm: &str) -> Result<Vec<container_step::ProcessSeen>> {
        container_step::process(self.pid_of(container)?, comm)
    }

    fn sysv_queues(&self, container: Option<&str>) -> Result<Vec<String>> {
        let pid = match container {
            Some(c) => Some(self.pid_of(c)?),
            None => None,
        };
        container_step::sysv_queues(pid)
    }

    fn hand_cgroup(&self, name: &str) -> Result<Option<container_step::HandCgroupSeen>> {
        let shell = self
            .shell
            .as_ref()
            .filter(|_| self.shell_side == ShellSide::Host)
            .and_then(|s| s.host_pid());
        self.containers.hand_cgroup(name, shell)
    }

    fn file_exists(&self, container: &str, path: &str) -> Result<bool> {
        Ok(container_step::file_exists(self.pid_of(container)?, path))
    }

    fn last_ended(&self) -> Option<Ended> {
        self.last_ended.clone()
    }

    fn last_output(&self) -> Option<String> {
        self.last_output.clone()
    }

    fn last_escape(&self) -> Option<bool> {
        self.containers.last_escape()
    }

    fn rbac_policy(&self) -> Result<crate::rbac::Policy> {
        self.rbac
            .as_ref()
            .context(crate::said!("error-rbac-not-loaded"))?
            .policy()
    }

    fn rbac_object(&self, file: &str) -> Result<crate::rbac::RbacObject> {
        self.rbac
            .as_ref()
            .context(crate::said!("error-rbac-not-loaded"))?
            .object(file)
    }

    fn raft_expect(&self, expect: &str) -> Result<(bool, String)> {
        self.raft.expect(expect, self.lang)
    }

    fn etcd_state(&self) -> Result<(Option<usize>, usize)> {
        self.raft.etcd_state()
    }

    fn net_reach(&self, from: &str, to: &str) -> Result<(std::net::Ipv4Addr, Option<String>)> {
        self.net.reach(from, to)
    }

    fn net_link(&self, link: &str) -> Result<Option<super::net_step::LinkState>> {
        self.net.link(link)
    }

    fn net_spread(
        &self,
        from: &str,
        service: &str,
        n: u32,
        node_port: bool,
    ) -> Result<super::net_step::Spread> {
        self.net.spread(from, service, n, node_port)
    }

    fn net_http(&self, ask: &super::net_step::HttpAsk) -> Result<super::net_step::HttpSeen> {
        self.net.http(ask)
    }

    fn net_rules(&self) -> Result<Vec<String>> {
        self.net.nat_rules()
    }

    fn oci_status(&self, id: &str) -> Result<Option<String>> {
        Ok(self.oci_work()?.status(id))
    }

    fn oci_config(&self) -> Result<serde_json::Value> {
        self.oci_work()?.config()
    }

    fn podman(&self, name: &str) -> Result<Option<super::oci_step::PodmanSeen>> {
        self.oci_work()?.podman(name)
    }

    fn dns_query(&self, name: &str, qtype: &str) -> Result<crate::runtime::dns::Answer> {
        self.net.dns_query(name, qtype)
    }

    fn dns_log(&self) -> Result<Vec<crate::runtime::dns::DnsQuery>> {
        self.net.dns_log()
    }

    fn etcd_kv(&self, key: &str) -> Result<Option<super::api_step::KvSeen>> {
        self.api.kv(key)
    }

    fn etcd_compacted(&self, key: &str, rev: i64) -> Result<bool> {
        self.api.compacted(key, rev)
    }

    fn api_can_i(&self, ask: &super::format::RbacAsk) -> Result<bool> {
        self.api.can_i(ask)
    }

    fn audit_log(&self) -> Result<Vec<String>> {
        self.api.audit()
    }

    fn quiz(&self) -> Option<(Option<String>, String)> {
        let step = self.lesson.file.steps.get(self.current)?;
        let right = step.answer.clone()?;
        Some((self.answers.get(&self.current).cloned(), right))
    }
}
