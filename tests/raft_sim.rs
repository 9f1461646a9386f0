//! The Raft simulator, observed from outside: the scenario scripts through the real binary,
//! determinism, rewind, random fault schedules against the invariants, script errors.

mod common;

use contlab::raft::{
    Command, Outcome, Player, Role, Sim, SimConfig, TimelineEvent, parse_line, parse_script,
};
use std::path::{Path, PathBuf};

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/raft");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/raft")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "script"))
        .collect();
    v.sort();
    v
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn every_scenario_script_holds() {
    let all = scripts();
    assert!(all.len() >= 12, "scenario scripts are missing: {all:?}");
    for path in all {
        let out = common::output(&["raft", "sim", "--script", path.to_str().unwrap()]);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "{} failed:\n{stdout}\n{}",
            path.display(),
            text(&out.stderr)
        );
        // Each script must check something, and every check must have run.
        let expects = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| l.trim_start().starts_with("expect"))
            .count();
        assert!(expects > 0, "{} checks nothing", path.display());
        assert!(
            stdout.contains(&format!("{expects} expectations held")),
            "{}: not all {expects} expectations ran:\n{stdout}",
            path.display()
        );
    }
}

fn temp_script(name: &str, body: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, body).unwrap();
    (dir, p.to_str().unwrap().to_string())
}

#[test]
fn a_failed_expectation_exits_1_and_shows_every_node() {
    let (_d, p) = temp_script(
        "fail.script",
        "campaign 1\nstabilize\nexpect leader 2 term 1\n",
    );
    let out = common::output(&["raft", "sim", "--script", &p]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "fail.script:3: expect leader 2 term 1 did not hold: node 2 is follower in term 1"
        ),
        "{err}"
    );
    for row in ["  1     leader", "  2     follower", "  3     follower"] {
        assert!(err.contains(row), "missing {row:?} in\n{err}");
    }
}

#[test]
fn script_errors_name_file_and_line_and_exit_2() {
    let cases = [
        (
            "campain 1\n",
            ":1: unknown command \"campain\"; did you mean \"campaign\"?",
        ),
        (
            "# header\ncampaign 1\nexpect leeder 1\n",
            ":3: unknown expectation \"leeder\"; did you mean \"leader\"?",
        ),
        (
            "campaign 1\nnodes 5\n",
            ":2: `nodes` and `config` may only come before the first other command",
        ),
        (
            "crash 4\n",
            ":1: node 4 does not exist (the cluster has nodes 1 to 3)",
        ),
        (
            "config pre-vote=maybe\n",
            ":1: pre-vote is on or off, not \"maybe\"",
        ),
        ("config prevote=on\n", ":1: unknown config key \"prevote\""),
        (
            "config election-tick=1 heartbeat-tick=1\n",
            "election-tick (1) must be greater than heartbeat-tick (1)",
        ),
        (
            "tick x\n",
            ":1: tick count must be a whole number, not \"x\"",
        ),
        ("\n\npropose 1 x\n", ":3: expected key=value, not \"x\""),
        ("expect role 1 leeder\n", "did you mean \"leader\"?"),
        (
            "partition 1,2\n",
            ":1: a partition needs at least two groups",
        ),
        ("cut 1 1\n", ":1: a link joins two different nodes"),
        (
            "campaign 1 2\n",
            ":1: unexpected \"2\" at the end of the line",
        ),
        (
            "tick 5\nrewind 9\n",
            ":2: cannot rewind to tick 9: the run is only at tick 5",
        ),
    ];
    for (body, want) in cases {
        let (_d, p) = temp_script("bad.script", body);
        let out = common::output(&["raft", "sim", "--script", &p]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{body:?}: {err}");
        assert!(
            err.contains("bad.script"),
            "{body:?}: no file name in {err:?}"
        );
        assert!(err.contains(want), "{body:?}: want {want:?}, got {err:?}");
        assert_eq!(err.lines().count(), 1, "one sentence, got {err:?}");
    }
}

#[test]
fn same_seed_same_timeline_byte_for_byte() {
    let body = "nodes 5\nconfig pre-vote=on check-quorum=on delay=0-3 loss=10%\n\
                tick 40\npropose 1 a=1\npropose 2 b=2\ntick 20\ncrash 3\npartition 1,2 | 4,5\n\
                tick 60\nheal\nrestart 3\nsplit-vote\ntick 60\npropose 4 c=3\ntick 30\n";
    let (_d, p) = temp_script("det.script", body);
    let run =
        |seed: &str| common::output(&["raft", "sim", "--script", &p, "--seed", seed, "--json"]);
    let (a, b) = (run("42"), run("42"));
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert!(a.stdout.len() > 1000, "the timeline is suspiciously short");
    assert_eq!(a.stdout, b.stdout, "same seed, different timelines");
    // And the seed matters: otherwise the test above would prove nothing.
    assert_ne!(a.stdout, run("43").stdout);
    // Every line is one JSON object with a tick and an event.
    for line in text(&a.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect(line);
        assert!(v["tick"].is_u64() && v["event"].is_string(), "{line}");
    }
}

#[test]
fn without_a_script_it_ticks_and_prints_the_table() {
    let out = common::output(&[
        "raft", "sim", "--nodes", "5", "--ticks", "50", "--seed", "3",
    ]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(s.contains("elected leader for term"), "{s}");
    assert!(
        s.matches(" leader ").count() + s.matches(" follower ").count() >= 5,
        "{s}"
    );
}

fn config(nodes: usize) -> SimConfig {
    SimConfig {
        nodes,
        ..SimConfig::default()
    }
}

fn apply(sim: &mut Sim, line: &str) -> Outcome {
    let cmd = parse_line(line).unwrap().unwrap();
    sim.apply(&cmd).unwrap()
}

#[test]
fn the_view_shows_messages_votes_progress_and_the_leaders_empty_entry() {
    let mut sim = Sim::new(config(3), 1).unwrap();
    apply(&mut sim, "campaign 1");
    let v = sim.view();
    let kinds: Vec<_> = v
        .in_flight
        .iter()
        .map(|m| (m.kind.as_str(), m.from, m.to, m.term))
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.contains(&("MsgRequestVote", 1, 2, 1))
            && kinds.contains(&("MsgRequestVote", 1, 3, 1)),
        "{kinds:?}"
    );
    assert_eq!(v.node(1).unwrap().role, Role::Candidate);
    assert_eq!(v.node(1).unwrap().vote, 1);
    apply(&mut sim, "stabilize");
    let v = sim.view();
    assert!(v.in_flight.is_empty());
    let tally = v.votes.iter().find(|t| t.candidate == 1).unwrap();
    assert_eq!(
        (
            tally.term,
            tally.pre_vote,
            tally.granted.clone(),
            tally.quorum
        ),
        (1, false, vec![1, 2, 3], 2)
    );
    let leader = v.node(1).unwrap();
    assert_eq!(leader.log.len(), 1);
    assert_eq!(
        (
            leader.log[0].index,
            leader.log[0].term,
            leader.log[0].data.as_str()
        ),
        (1, 1, "")
    );
    let prs: Vec<_> = leader
        .progress
        .iter()
        .map(|p| (p.id, p.match_index, p.next_index))
        .collect();
    assert_eq!(prs, vec![(2, 1, 2), (3, 1, 2)]);
    assert_eq!(v.node(2).unwrap().leader, 1);
    assert!(v.node(2).unwrap().election_timeout >= 10 && v.node(2).unwrap().election_timeout < 20);
    // The view is plain data: it round-trips through JSON for the event stream.
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["nodes"][0]["role"], "leader");
    assert_eq!(
        serde_json::from_value::<contlab::raft::ClusterView>(json).unwrap(),
        v
    );
}

#[test]
fn old_term_entry_commits_only_with_the_new_leaders_entry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/raft/old-term-commit.script");
    let script = parse_script(
        &std::fs::read_to_string(path).unwrap(),
        "old-term-commit.script",
    )
    .unwrap();
    let mut sim = Sim::new(script.config.clone(), 1).unwrap();
    for (_, c) in &script.commands {
        sim.apply(c).unwrap();
    }
    let events: Vec<&TimelineEvent> = sim.timeline().iter().map(|e| &e.event).collect();
    let elected = events
        .iter()
        .position(|e| {
            matches!(
                e,
                TimelineEvent::Elected {
                    node: 2,
                    term: 2,
                    ..
                }
            )
        })
        .expect("2 is elected");
    let commit = |i: u64| {
        events
            .iter()
            .position(|e| matches!(e, TimelineEvent::Commit { index, .. } if *index == i))
            .unwrap()
    };
    // Index 2 (term 1) was committed only after node 2 led term 2, and right with index 3,
    // the new leader's empty entry of term 2.
    assert!(commit(2) > elected);
    assert_eq!(commit(3), commit(2) + 1);
    assert!(
        matches!(events[commit(3)], TimelineEvent::Commit { term: 2, data, .. } if data.is_empty())
    );
}

/// A random fault schedule, from a seed: a few dozen commands over about 60 ticks.
fn schedule(seed: u64) -> (SimConfig, Vec<Command>) {
    let mut r = contlab::raft::rng::Rng::new(seed.wrapping_mul(7919) + 1);
    let nodes = r.range(3, 5) as usize;
    let cfg = SimConfig {
        nodes,
        pre_vote: r.chance(500),
        check_quorum: r.chance(500),
        delay: (0, r.range(0, 2)),
        loss_per_mille: r.range(0, 100) as u32,
        ..SimConfig::default()
    };
    let n = nodes as u64;
    let mut cmds = Vec::new();
    let mut key = 0;
    for _ in 0..r.range(10, 25) {
        let a = r.range(1, n);
        let b = (a % n) + 1;
        let c = match r.range(0, 12) {
            0 => Command::Crash(a),
            1 => Command::Restart(a),
            2 => Command::Isolate(a),
            3 => Command::Cut(a, b),
            4 => Command::Heal,
            5 => Command::Partition(vec![(1..=a).collect(), (a + 1..=n).collect()]),
            6 => Command::Drop(a, b),
            7 => Command::Campaign(a),
            8 => Command::SplitVote,
            9 => Command::Stabilize,
            _ => {
                key += 1;
                Command::Propose(a, format!("k{}", key % 3), key.to_string())
            }
        };
        // Partitions with an empty side are not partitions.
        if matches!(&c, Command::Partition(g) if g[1].is_empty()) {
            continue;
        }
        cmds.push(c);
        cmds.push(Command::Tick(r.range(0, 6)));
    }
    cmds.push(Command::Heal);
    for id in 1..=n {
        cmds.push(Command::Restart(id));
    }
    cmds.push(Command::Tick(30));
    (cfg, cmds)
}

#[test]
fn a_thousand_random_fault_schedules_break_no_invariant() {
    let (mut elections, mut commits, mut faults) = (0, 0, 0);
    for seed in 0..1000 {
        let (cfg, cmds) = schedule(seed);
        let mut sim = Sim::new(cfg.clone(), seed).unwrap();
        for c in &cmds {
            sim.apply(c).unwrap();
        }
        assert!(
            sim.violations().is_empty(),
            "seed {seed}, {cfg:?}:\n{}\n{:?}",
            sim.violations()
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            cmds
        );
        for e in sim.timeline() {
            match &e.event {
                TimelineEvent::Elected { .. } => elections += 1,
                TimelineEvent::Commit { data, .. } if !data.is_empty() => commits += 1,
                TimelineEvent::Role { to: Role::Down, .. } => faults += 1,
                _ => {}
            }
        }
    }
    // The schedules must actually exercise the cluster, or "no violation" means nothing.
    assert!(
        elections > 1000 && commits > 500 && faults > 500,
        "{elections} {commits} {faults}"
    );
}

#[test]
fn rewind_returns_exactly_to_every_earlier_tick() {
    let (cfg, cmds) = schedule(7);
    let mut sim = Sim::new(cfg, 7).unwrap();
    // The state at the end of each tick, as the panel would have shown it.
    let mut views = vec![sim.view()];
    for c in &cmds {
        match c {
            Command::Tick(n) => {
                for _ in 0..*n {
                    sim.apply(&Command::Tick(1)).unwrap();
                    views.push(sim.view());
                }
            }
            other => {
                sim.apply(other).unwrap();
                *views.last_mut().unwrap() = sim.view();
            }
        }
    }
    let end = sim.now();
    assert_eq!(views.len() as u64, end + 1);
    let timeline = sim.timeline().to_vec();
    for t in [end, end - 1, end / 2, 3, 0, end / 3] {
        let mut s = Sim::new(sim.config().clone(), 7).unwrap();
        for c in sim.actions() {
            s.apply(c).unwrap();
        }
        s.rewind(t).unwrap();
        assert_eq!(s.now(), t);
        assert_eq!(s.view(), views[t as usize], "tick {t}");
        // The rewound timeline is a prefix of the original one.
        assert_eq!(s.timeline(), &timeline[..s.timeline().len()]);
    }
    // Rewound, the run can go on differently.
    sim.rewind(5).unwrap();
    sim.apply(&Command::Tick(3)).unwrap();
    assert_eq!(sim.now(), 8);
    assert!(sim.rewind(9).is_err());
}

#[test]
fn the_player_turns_real_time_into_ticks_only_while_playing() {
    let mut p = Player::new(Sim::new(config(3), 1).unwrap());
    assert_eq!(p.advance(std::time::Duration::from_secs(1)).unwrap(), 0);
    p.play();
    p.set_speed(20.0);
    assert_eq!(
        p.advance(std::time::Duration::from_millis(500)).unwrap(),
        10
    );
    assert_eq!(p.advance(std::time::Duration::from_millis(25)).unwrap(), 0);
    assert_eq!(p.advance(std::time::Duration::from_millis(25)).unwrap(), 1);
    assert_eq!(p.sim.now(), 11);
    p.step_tick().unwrap();
    apply(&mut p.sim, "campaign 1");
    p.step_message().unwrap();
    assert_eq!(
        p.sim.in_flight(),
        2,
        "one request delivered, its answer and the other request wait"
    );
    p.rewind(4).unwrap();
    assert!(p.is_paused());
    assert_eq!(p.sim.now(), 4);
}

#[test]
fn expectations_report_what_was_seen() {
    let mut sim = Sim::new(config(3), 1).unwrap();
    apply(&mut sim, "crash 3");
    let Outcome::Check { pass, detail } = apply(&mut sim, "expect value x=1 on 1,3") else {
        panic!("not a check")
    };
    assert!(!pass);
    assert_eq!(detail, "node 1 has no x; node 3 is down");
    assert!(matches!(
        apply(&mut sim, "expect role 3 down"),
        Outcome::Check { pass: true, .. }
    ));
    assert!(sim.apply(&Command::Crash(9)).is_err());
}
