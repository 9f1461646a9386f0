//! `contlab raft sim` and `contlab raft etcd`: thin wrappers over `crate::raft` and `crate::etcd`.

use crate::etcd;
use crate::raft::{self, Sim, SimConfig, TimelineEntry};
use anyhow::{Context, Result};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Step, break and rewind a simulated etcd-style cluster (tikv's raft-rs nodes on a
    /// deterministic network); print the timeline, check a script's expectations.
    #[command(
        after_help = "Script: one command per line; # starts a comment. First, if at all:\n  \
nodes 5                       cluster size (default 3)\n  \
config pre-vote=on check-quorum=off election-tick=10 heartbeat-tick=1 delay=0-2 loss=5%\n\
Then:\n  \
campaign 1                    node 1's election timer fires now\n  \
stabilize                     deliver messages and replies until none are left; no ticks pass\n  \
tick 25                       advance 25 ticks, delivering messages as they fall due\n  \
step 3                        deliver the next 3 messages in flight\n  \
crash 2 | restart 2           lose memory but keep the disk | come back from the disk\n  \
isolate 1 | cut 1 3 | partition 1,2 | 3,4,5 | heal\n  \
drop 1 2                      lose the next message from 1 to 2\n  \
link 1 2 delay=3 loss=10%     this link's delay (ticks) and loss, both ways\n  \
propose 1 x=1                 a client request to node 1\n  \
split-vote                    every live non-leader stands for election at the same instant\n  \
rewind 12                     back to the end of tick 12 (re-run from the seed)\n  \
expect leader 1 term 1        expect role 3 candidate term 1\n  \
expect no-leader              expect term 2 on 1,2,3\n  \
expect committed 2 on 1,2,3   expect value x=1 on 1,2,3\n\
Roles: follower, pre-candidate, candidate, leader, down.\n\n\
Exit status: 0 when every expectation holds and no invariant broke, 1 otherwise, 2 for a \
script error.\n\n\
Examples:\n  contlab raft sim --nodes 5 --ticks 60\n  \
contlab raft sim --script election.script\n  \
contlab raft sim --seed 7 --pre-vote --json | jq 'select(.event == \"elected\")'"
    )]
    Sim(SimArgs),
    /// Start a real etcd cluster on 127.0.0.1 ports; kill and restart members from a prompt
    /// and see how long the next election takes.
    #[command(
        after_help = "At the prompt: status, kill N, restart N, put K V, get K, \
failover, quit.\n\nExamples:\n  contlab raft etcd\n  contlab raft etcd --members 5"
    )]
    Etcd(EtcdArgs),
}

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Cluster size (a script's `nodes` line wins).
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Seeds every random choice: election timeouts, link delays and losses.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Turn PreVote on (a script's `config` line wins).
    #[arg(long)]
    pre_vote: bool,
    /// Turn CheckQuorum on (a script's `config` line wins).
    #[arg(long)]
    check_quorum: bool,
    /// Run this script instead of just ticking.
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// Without a script: how many ticks to run.
    #[arg(long, default_value_t = 100)]
    ticks: u64,
    /// The timeline as JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct EtcdArgs {
    /// How many members: 3 or 5 (an odd number tolerates the most failures per member).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=7))]
    members: u8,
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Sim(a) => sim(a),
        Command::Etcd(a) => etcd_prompt(a),
    }
}

fn print_entry(e: &TimelineEntry, json: bool) {
    if json {
        if let Ok(s) = serde_json::to_string(e) {
            println!("{s}");
        }
    } else {
        println!("{e}");
    }
}

fn sim(a: SimArgs) -> Result<ExitCode> {
    let Some(path) = a.script else {
        let cfg = SimConfig {
            nodes: a.nodes,
            pre_vote: a.pre_vote,
            check_quorum: a.check_quorum,
            ..SimConfig::default()
        };
        let mut sim = Sim::new(cfg, a.seed)?;
        sim.apply(&raft::Command::Tick(a.ticks))?;
        for e in sim.timeline() {
            print_entry(e, a.json);
        }
        if !a.json {
            print!("{}", sim.view().table());
        }
        return Ok(if sim.violations().is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {name}"))?;
    // The command line sets the defaults; the script's header overrides them.
    let base = SimConfig {
        nodes: a.nodes,
        pre_vote: a.pre_vote,
        check_quorum: a.check_quorum,
        ..SimConfig::default()
    };
    let script = raft::script::parse_script_with(&text, &name, base);
    let script = match script {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let report = match raft::run_script(&script, a.seed, &name, |e| print_entry(e, a.json)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    for f in &report.failures {
        eprintln!("{name}:{}: {} did not hold: {}", f.line, f.expect, f.detail);
        eprint!("{}", f.table);
    }
    for v in &report.violations {
        eprintln!("{v}");
    }
    if report.passed() {
        if !a.json {
            println!("{} expectations held", report.checks);
        }
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

fn etcd_prompt(a: EtcdArgs) -> Result<ExitCode> {
    if etcd::tools().is_none() {
        anyhow::bail!(etcd::MISSING);
    }
    println!("starting {} etcd members on 127.0.0.1 …", a.members);
    let mut cluster = etcd::Cluster::start(usize::from(a.members))?;
    print!("{}", etcd::render(&cluster.status()));
    println!("commands: status, kill N, restart N, put K V, get K, failover, quit");
    let stdin = std::io::stdin();
    loop {
        print!("etcd> ");
        std::io::stdout().flush().ok();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let member = |w: Option<&&str>| -> Result<usize> {
            let n: usize = w
                .context("which member? e.g. kill 2")?
                .parse()
                .context("members are numbered 1, 2, 3 …")?;
            Ok(n)
        };
        let result: Result<()> = match words.as_slice() {
            [] => Ok(()),
            ["quit" | "exit"] => break,
            ["status"] => {
                print!("{}", etcd::render(&cluster.status()));
                Ok(())
            }
            // Killing the leader is the interesting case: time the election that follows.
            ["kill", rest @ ..] => member(rest.first()).and_then(|n| {
                if cluster.leader() == Some(n) {
                    println!("{}", cluster.measure_failover()?);
                } else {
                    cluster.kill(n)?;
                    println!("member {n} killed");
                }
                print!("{}", etcd::render(&cluster.status()));
                Ok(())
            }),
            ["restart", rest @ ..] => member(rest.first()).and_then(|n| {
                cluster.restart(n)?;
                println!("member {n} restarted from its data directory");
                Ok(())
            }),
            ["put", k, v] => cluster.put(k, v).map(|()| println!("OK")),
            ["get", k] => cluster.get(k).map(|v| match v {
                Some(v) => println!("{k} = {v}"),
                None => println!("{k} is not set"),
            }),
            ["failover"] => cluster.measure_failover().map(|f| println!("{f}")),
            [other, ..] => Err(anyhow::anyhow!(
                "unknown command {other:?}; try status, kill N, restart N, put K V, get K, failover, quit"
            )),
        };
        if let Err(e) = result {
            println!("{e:#}");
        }
    }
    drop(cluster);
    Ok(ExitCode::SUCCESS)
}
