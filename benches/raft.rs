//! Speed of the Raft simulator. Prints figures; asserts nothing about time.
//!
//!   cargo bench --bench raft

use contlab::raft::{Command, Sim, SimConfig};
use std::time::Instant;

fn five() -> SimConfig {
    SimConfig {
        nodes: 5,
        ..SimConfig::default()
    }
}

fn main() {
    // Node-ticks with a leader in place: every tick the leader sends 4 heartbeats
    // (heartbeat-tick 1) and gets 4 answers, all delivered.
    let mut sim = Sim::new(five(), 1).expect("sim");
    sim.apply(&Command::Campaign(1)).expect("campaign");
    sim.apply(&Command::Stabilize).expect("stabilize");
    let ticks = 200_000;
    let start = Instant::now();
    sim.apply(&Command::Tick(ticks)).expect("tick");
    let secs = start.elapsed().as_secs_f64();
    let node_ticks = ticks as f64 * 5.0;
    let v = sim.view();
    assert_eq!(v.leaders().len(), 1, "the leader stayed");
    println!(
        "5-node sim: {ticks} ticks ({} node-ticks, {} messages) in {:.3} s = {:.0} node-ticks/s",
        node_ticks,
        v.net.delivered,
        secs,
        node_ticks / secs
    );

    // A 10,000-tick run with client requests and faults, then rewinds to various ticks.
    let mut sim = Sim::new(five(), 1).expect("sim");
    for round in 0..100u64 {
        sim.apply(&Command::Propose(
            1 + round % 5,
            format!("k{round}"),
            round.to_string(),
        ))
        .expect("propose");
        if round % 10 == 3 {
            sim.apply(&Command::Crash(1 + round % 5)).expect("crash");
        }
        if round % 10 == 6 {
            sim.apply(&Command::Restart(1 + (round - 3) % 5))
                .expect("restart");
        }
        sim.apply(&Command::Tick(100)).expect("tick");
    }
    assert_eq!(sim.now(), 10_000);
    let mut worst = 0.0f64;
    for t in [10_000, 9_999, 7_500, 5_000, 2_500, 1] {
        let mut s = Sim::new(five(), 1).expect("sim");
        for a in sim.actions() {
            s.apply(a).expect("replay");
        }
        let start = Instant::now();
        s.rewind(t).expect("rewind");
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(s.now(), t);
        println!("rewind a 10,000-tick 5-node run to tick {t:>6}: {ms:.1} ms");
        worst = worst.max(ms);
    }
    println!("worst rewind: {worst:.1} ms");
}
