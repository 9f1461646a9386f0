//! The Cluster panel's Raft controls in a `TestBackend`, on the one data path: keys become
//! `EngineCmd::Raft` effects, a real lesson engine (on its worker thread) carries them out
//! on the lesson's simulated cluster, and its `PanelSnapshot` events come back as messages
//! and are drawn. A crashed node shows as down, a rewind shows the earlier tick, the
//! timeline bar moves, and the help lists every key.

mod common;

use common::tui::render;
use contlab::lesson::event::{Event, PanelData};
use contlab::lesson::panel::ClusterPanel;
use contlab::lesson::progress::Progress;
use contlab::raft::Control;
use contlab::tui::msg::{Effect, EngineCmd, Msg};
use contlab::tui::state::{App, Focus, Mode, Panel};
use contlab::tui::update::update;
use contlab::tui::worker::EngineHandle;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

fn app(mode: Mode, w: u16, h: u16) -> App {
    common::tui::app(
        common::tui::curriculum(),
        Progress::default(),
        mode,
        "en",
        w,
        h,
    )
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// The app with a live lesson engine behind it, as `contlab` runs them.
struct Lab {
    app: App,
    engine: Option<EngineHandle>,
    rx: Receiver<Msg>,
}

impl Lab {
    /// Opens `lesson` live and runs its first `steps` steps.
    fn open(lesson: &str, steps: usize, w: u16, h: u16) -> Lab {
        let mut lab = Lab::start(lesson, w, h);
        for s in 0..steps {
            lab.go(lab.app.lesson.as_ref().map_or(0, |l| l.step), s);
            lab.keys([key(KeyCode::Enter)]);
            lab.wait("the step to finish", |e| {
                matches!(e, Event::StepFinished { .. })
            });
        }
        lab.engine(EngineCmd::Sample);
        lab.wait_cluster();
        lab
    }

    /// Opens `lesson` live on its first step, running nothing.
    fn start(lesson: &str, w: u16, h: u16) -> Lab {
        let mut app = app(Mode::Live, w, h);
        let i = app
            .lessons
            .iter()
            .position(|l| l.id() == lesson)
            .expect("the lesson exists");
        let (tx, rx) = channel();
        let engine = EngineHandle::spawn(app.lessons[i].clone(), tx, (6, 78)).expect("engine");
        let mut fx = Vec::new();
        contlab::tui::update::open_lesson(&mut app, i, &mut fx);
        Lab {
            app,
            engine: Some(engine),
            rx,
        }
    }

    /// Goes to task `step` and starts it (Enter): its action runs, its checks fail.
    fn start_task(&mut self, step: usize) {
        let from = self.app.lesson.as_ref().map_or(0, |l| l.step);
        self.go(from, step);
        self.keys([key(KeyCode::Enter)]);
        self.wait(
            "the task's first checks",
            |e| matches!(e, Event::Check(c) if !c.pass),
        );
        // A Raft task leaves the keys to the Cluster panel, not the shell.
        assert_eq!(self.app.focus, Focus::Panels);
    }

    /// Re-checks open task `step` (Enter) until the engine reports it passed.
    fn passes(&mut self, step: usize) {
        use contlab::lesson::event::StepStatus;
        let fx = self.keys([key(KeyCode::Enter)]);
        assert!(
            fx.contains(&Effect::Engine(EngineCmd::Recheck(step))),
            "Enter re-checks the open task: {fx:?}"
        );
        self.wait(
            "the task to pass",
            |e| matches!(e, Event::StepFinished { status, .. } if *status == StepStatus::Pass),
        );
    }

    /// Presses `,` until no message is left in flight.
    fn deliver_all(&mut self) {
        for _ in 0..100 {
            if self.cluster()["view"]["in_flight"]
                .as_array()
                .is_none_or(|m| m.is_empty())
            {
                return;
            }
            self.press(',');
        }
        panic!(
            "messages keep flowing: {}",
            self.cluster()["view"]["in_flight"]
        );
    }

    fn go(&mut self, from: usize, to: usize) {
        for _ in from..to {
            self.keys([ch('n')]);
        }
    }

    fn engine(&self, cmd: EngineCmd) {
        if let Some(e) = &self.engine {
            e.send(cmd);
        }
    }

    /// Sends keys to the app; the engine's commands go to the engine, as the runner does.
    fn keys(&mut self, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
        let mut out = Vec::new();
        for m in msgs {
            for e in update(&mut self.app, m) {
                if let Effect::Engine(cmd) = &e {
                    self.engine(cmd.clone());
                }
                out.push(e);
            }
        }
        out
    }

    /// Feeds the engine's messages to the app until one of its events satisfies `pred`.
    fn wait(&mut self, what: &str, pred: impl Fn(&Event) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
            if let Msg::Notice(n) = &m {
                panic!("the engine refused: {n}");
            }
            let hit = matches!(&m, Msg::Event(e) if pred(e));
            self.keys([m]);
            if hit {
                return;
            }
        }
    }

    fn wait_cluster(&mut self) {
        self.wait("the Cluster panel", |e| {
            matches!(
                e,
                Event::PanelSnapshot(PanelData::Cluster(ClusterPanel::Raft(_)))
            )
        });
    }

    /// Presses a Raft key and waits for the cluster it changed.
    fn press(&mut self, c: char) -> Vec<Effect> {
        let fx = self.keys([ch(c)]);
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::Engine(EngineCmd::Raft(_)))),
            "{c:?} is a cluster control here: {fx:?}"
        );
        self.wait_cluster();
        fx
    }

    /// The Cluster panel's snapshot, as the journal writes it.
    fn cluster(&self) -> serde_json::Value {
        let c = self
            .app
            .lesson
            .as_ref()
            .and_then(|l| l.cluster.as_ref())
            .expect("a cluster snapshot");
        serde_json::to_value(c).expect("JSON")
    }

    fn tick(&self) -> u64 {
        self.cluster()["view"]["tick"].as_u64().expect("a tick")
    }

    fn role(&self, node: usize) -> String {
        self.cluster()["view"]["nodes"][node - 1]["role"]
            .as_str()
            .expect("a role")
            .to_string()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(e) = self.engine.take() {
            e.send(EngineCmd::Quit);
            e.join();
        }
    }
}

#[test]
fn a_raft_lesson_opens_on_the_cluster_panel_and_keys_crash_and_restart_the_selected_node() {
    let mut lab = Lab::open("raft-leader-crash", 1, 120, 36);
    assert_eq!(lab.app.panel, Panel::Cluster);
    let screen = render(&mut lab.app);
    assert!(
        screen.contains("★1 leader t1"),
        "the ring shows node 1:\n{screen}"
    );
    assert!(
        screen.contains("Space . , +- [ ] { } c i x w v e · node 1 · ? keys"),
        "the footer lists the keys:\n{screen}"
    );

    // With the panel focused, a digit selects a node; `c` crashes it.
    lab.keys([key(KeyCode::Tab)]);
    assert_eq!(lab.app.focus, Focus::Panels);
    lab.keys([ch('2')]);
    let fx = lab.press('c');
    assert!(
        fx.contains(&Effect::Engine(EngineCmd::Raft(Control::CrashOrRestart(2)))),
        "{fx:?}"
    );
    assert_eq!(lab.role(2), "down");
    let screen = render(&mut lab.app);
    assert!(
        screen.contains("✗2 down"),
        "node 2 shows as down:\n{screen}"
    );
    assert!(screen.contains("crash 2"), "{screen}");

    // ← moves the selection back to node 1; `c` on node 2 again (→) restarts it.
    lab.keys([key(KeyCode::Left)]);
    assert_eq!(lab.app.lesson.as_ref().map(|l| l.raft_node), Some(1));
    lab.keys([key(KeyCode::Right)]);
    lab.press('c');
    assert_eq!(lab.role(2), "follower");
}

#[test]
fn ticks_rewind_and_the_timeline_bar_follows() {
    let mut lab = Lab::open("raft-leader-crash", 1, 120, 36);
    for _ in 0..3 {
        lab.press('.');
    }
    assert_eq!(lab.tick(), 3);
    let screen = render(&mut lab.app);
    assert!(screen.contains("tick 3"), "{screen}");

    // One tick back: the earlier tick, with the later one still on the bar.
    lab.press('[');
    assert_eq!(lab.tick(), 2);
    let screen = render(&mut lab.app);
    assert!(screen.contains("tick 2 ‖ paused"), "{screen}");
    let bar = screen
        .lines()
        .find(|l| l.contains('┃'))
        .expect("the timeline bar");
    assert!(bar.contains('─') && bar.contains(" 3│"), "{bar}");

    // Forward again along the same run, then back to the start of the run's marks.
    lab.press(']');
    assert_eq!(lab.tick(), 3);
    lab.press('{');
    assert_eq!(lab.tick(), 0, "back to the election at tick 0");
    assert_eq!(lab.cluster()["player"]["horizon"], 3);

    // Changing the world from the past starts a new run there.
    lab.press('w');
    assert_eq!(lab.cluster()["player"]["horizon"], 0);
    assert!(
        lab.cluster()["timeline"]
            .to_string()
            .contains("propose 1 req1=1"),
        "{}",
        lab.cluster()["timeline"]
    );
}

#[test]
fn play_runs_ticks_with_the_panel_timer_and_pauses_again() {
    let mut lab = Lab::open("raft-leader-crash", 1, 120, 36);
    lab.press(' ');
    assert_eq!(lab.cluster()["player"]["playing"], true);
    std::thread::sleep(Duration::from_millis(400));
    lab.engine(EngineCmd::Sample);
    lab.wait_cluster();
    assert!(
        lab.tick() >= 2,
        "10 ticks a second for 0.4 s: {}",
        lab.tick()
    );
    let screen = render(&mut lab.app);
    assert!(screen.contains("▶ playing"), "{screen}");
    lab.press(' ');
    assert_eq!(lab.cluster()["player"]["playing"], false);
}

#[test]
fn isolate_drop_split_vote_and_speed_reach_the_cluster() {
    let mut lab = Lab::open("raft-leader-crash", 1, 120, 36);
    lab.keys([key(KeyCode::Tab), ch('3')]);
    lab.press('i');
    let cut = lab.cluster()["view"]["links"].to_string();
    assert!(cut.contains("\"cut\":true"), "{cut}");
    lab.press('i');
    assert_eq!(lab.cluster()["view"]["links"], serde_json::json!([]));
    lab.press('+');
    assert_eq!(lab.cluster()["player"]["speed"], 20.0);
    lab.press('-');
    lab.press('-');
    assert_eq!(lab.cluster()["player"]["speed"], 5.0);
    // A split vote: both followers stand at once in term 2.
    lab.press('v');
    assert_eq!(lab.role(2), "candidate");
    assert_eq!(lab.role(3), "candidate");
    // Dropping the next message of node 3 swallows its vote request to someone.
    lab.press('x');
    assert!(
        lab.cluster()["player"]["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("drop 3 ")),
        "{}",
        lab.cluster()["player"]
    );
    for _ in 0..4 {
        lab.press(',');
    }
    let timeline = lab.cluster()["timeline"].to_string();
    assert!(
        timeline.contains("dropped MsgRequestVote 3 →"),
        "{timeline}"
    );
}

#[test]
fn raft_keys_keep_out_of_the_way_elsewhere() {
    // A quiz step of a Raft lesson: letters choose answers, not controls.
    let mut lab = Lab::open("raft-leader-crash", 1, 120, 36);
    let quiz = lab.app.open().map_or(0, |(l, _)| {
        l.file
            .steps
            .iter()
            .position(|s| s.id.get_ref() == "old-leader-quiz")
            .unwrap_or(0)
    });
    lab.go(0, quiz);
    let fx = lab.keys([ch('c')]);
    assert!(fx.is_empty(), "{fx:?}");
    let chosen = lab
        .app
        .lesson
        .as_ref()
        .and_then(|l| l.steps[quiz].chosen.clone());
    assert_eq!(chosen.as_deref(), Some("splits"));

    // Without live mode, the keys explain instead of acting.
    let mut a = app(Mode::Reading, 100, 30);
    let i = a
        .lessons
        .iter()
        .position(|l| l.id() == "raft-leader-crash")
        .expect("the lesson");
    let mut fx = Vec::new();
    contlab::tui::update::open_lesson(&mut a, i, &mut fx);
    update(&mut a, ch('n'));
    let fx = update(&mut a, ch(' '));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(
        a.message
            .as_deref()
            .is_some_and(|m| m.contains("live mode")),
        "{:?}",
        a.message
    );
}

#[test]
fn the_help_lists_every_cluster_key_and_scrolls_in_small_terminals() {
    let mut a = app(Mode::Live, 160, 48);
    update(&mut a, ch('?'));
    let screen = render(&mut a);
    for want in [
        "play / pause",
        "step one tick",
        "deliver one message",
        "faster",
        "one tick back",
        "previous · next election or fault",
        "crash the selected node",
        "isolate the selected node",
        "drop the next message",
        "client request (propose)",
        "force a split vote",
        "select a node",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }

    let mut a = app(Mode::Live, 80, 24);
    update(&mut a, ch('?'));
    let screen = render(&mut a);
    assert!(screen.contains("(↓ more)"), "{screen}");
    assert!(!screen.contains("force a split vote"), "{screen}");
    update(&mut a, key(KeyCode::PageDown));
    update(&mut a, key(KeyCode::PageDown));
    let screen = render(&mut a);
    assert!(screen.contains("force a split vote"), "{screen}");
    assert!(!screen.contains("(↓ more)"), "{screen}");
    update(&mut a, ch('x'));
    assert_eq!(a.overlay, contlab::tui::state::Overlay::None);
}

#[test]
fn the_cluster_panel_fits_80x24() {
    let mut lab = Lab::open("raft-leader-crash", 1, 80, 24);
    // "crash" is a task: node 1 is crashed with the panel's keys.
    lab.start_task(1);
    lab.keys([ch('1')]);
    lab.press('c');
    let screen = render(&mut lab.app);
    assert!(screen.contains("tick 0"), "{screen}");
    assert!(
        screen.contains("▸✗ 1  down"),
        "the selected node's row:\n{screen}"
    );
    assert!(screen.contains("? keys"), "{screen}");
    for row in screen.lines() {
        assert_eq!(unicode_width::UnicodeWidthStr::width(row), 80, "{row}");
    }
}

#[test]
fn a_raft_task_is_solved_with_the_cluster_panels_keys() {
    // raft-prevote-checkquorum: step 2 builds a PreVote cluster with node 3 cut off; the
    // tasks "prevote-heal" (3) and "rejoin-quietly" (4) follow.
    let mut lab = Lab::start("raft-prevote-checkquorum", 120, 36);
    lab.go(0, 2);
    lab.keys([key(KeyCode::Enter)]);
    lab.wait("the step to finish", |e| {
        matches!(e, Event::StepFinished { .. })
    });

    // prevote-heal: heal node 3, make it campaign, deliver, one tick.
    lab.start_task(3);
    lab.keys([ch('3')]);
    lab.press('i');
    let fx = lab.press('e');
    assert!(
        fx.contains(&Effect::Engine(EngineCmd::Raft(Control::Campaign(3)))),
        "{fx:?}"
    );
    assert_eq!(lab.role(3), "pre-candidate");
    lab.deliver_all();
    lab.press('.');
    lab.passes(3);

    // rejoin-quietly: node 3 cut off, a write, its timer firing, then the heal.
    lab.start_task(4);
    lab.keys([ch('3')]);
    lab.press('i');
    lab.keys([ch('1')]);
    lab.press('w');
    for _ in 0..40 {
        lab.press('.');
    }
    assert_eq!(lab.role(3), "pre-candidate");
    lab.keys([ch('3')]);
    let fx = lab.press('i');
    assert!(
        fx.contains(&Effect::Engine(EngineCmd::Raft(Control::IsolateOrHeal(3)))),
        "{fx:?}"
    );
    for _ in 0..5 {
        lab.press('.');
    }
    lab.passes(4);
    assert_eq!(lab.role(1), "leader");
}

#[test]
fn node_3_is_made_leader_with_the_campaign_key_and_the_check_turns_green() {
    // raft-first-election: "split-vote" (4) and "tie-broken" (5) are tasks.
    let mut lab = Lab::start("raft-first-election", 160, 60);
    lab.start_task(4);
    lab.press('v');
    lab.deliver_all();
    // Each candidate, refused by both others, has lost term 1 and follows again.
    assert!((1..=3).all(|n| lab.role(n) != "leader"));
    assert_eq!(lab.cluster()["view"]["nodes"][2]["term"], 1);
    lab.passes(4);

    lab.start_task(5);
    let screen = render(&mut lab.app);
    assert!(
        screen.contains("✗ expected leader 3 term 2"),
        "the failing check is on screen:\n{screen}"
    );
    lab.keys([ch('3')]);
    let fx = lab.press('e');
    assert!(
        fx.contains(&Effect::Engine(EngineCmd::Raft(Control::Campaign(3)))),
        "{fx:?}"
    );
    assert!(render(&mut lab.app).contains("campaign 3"));
    lab.deliver_all();
    assert_eq!(lab.role(3), "leader");
    assert_eq!(
        (lab.role(1), lab.role(2)),
        ("follower".into(), "follower".into())
    );
    lab.passes(5);
    let screen = render(&mut lab.app);
    assert!(
        screen.contains("✓ expect leader 3 term 2"),
        "the check turned green on screen:\n{screen}"
    );
    assert!(!screen.contains("✗ expect"), "{screen}");
}

/// This process's children named etcd.
fn etcd_children() -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            stat.split_once(") ").is_some_and(|(comm, rest)| {
                comm.ends_with("(etcd") && rest.split(' ').nth(1) == Some(me.as_str())
            })
        })
        .count()
}

#[test]
fn the_etcd_lessons_leader_is_killed_with_the_cluster_panels_key() {
    if contlab::etcd::tools().is_none() {
        eprintln!("skipped: {}", contlab::etcd::MISSING);
        return;
    }
    let etcd_panel = |e: &Event| {
        matches!(
            e,
            Event::PanelSnapshot(PanelData::Cluster(ClusterPanel::Etcd { .. }))
        )
    };
    let mut lab = Lab::start("raft-etcd-failover", 160, 60);
    lab.keys([key(KeyCode::Enter)]);
    lab.wait("the members to start", |e| {
        matches!(e, Event::StepFinished { .. })
    });
    // "kill-leader" (2) is a task: the student kills the member that leads.
    lab.start_task(2);
    let leader = lab.cluster()["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["up"] == true && m["leader"] == m["member"])
        .and_then(|m| m["member"].as_u64())
        .expect("a leader");
    let digit = char::from_digit(leader as u32, 10).expect("a digit");
    lab.keys([ch(digit)]);
    let fx = lab.keys([ch('c')]);
    assert!(
        fx.contains(&Effect::Engine(EngineCmd::Raft(Control::CrashOrRestart(
            leader
        )))),
        "{fx:?}"
    );
    lab.wait("the members after the kill", etcd_panel);
    assert_eq!(
        lab.cluster()["members"][leader as usize - 1]["up"],
        false,
        "{}",
        lab.cluster()
    );
    // The survivors need an election timeout or two; Enter re-checks until they agree.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "no new leader within 20 s");
        let mut done = false;
        lab.keys([key(KeyCode::Enter)]);
        lab.wait("the re-check", |e| {
            matches!(e, Event::Check(_) | Event::StepFinished { .. })
        });
        while let Ok(m) = lab.rx.recv_timeout(Duration::from_millis(200)) {
            done |= matches!(&m, Msg::Event(Event::StepFinished { .. }));
            lab.keys([m]);
        }
        if done {
            break;
        }
    }
    let screen = render(&mut lab.app);
    assert!(
        screen.contains("✓ 2 etcd members run"),
        "the check turned green on screen:\n{screen}"
    );
    drop(lab);
    assert_eq!(etcd_children(), 0, "an etcd member outlived the lesson");
}
