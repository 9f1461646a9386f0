//! A real etcd cluster on loopback: elects a leader, survives the leader's death, and leaves
//! no process behind. Skipped (with a note) when etcd and etcdctl are not installed.

use contlab::etcd::{self, Cluster};

/// Our children named etcd, found through /proc.
fn etcd_children() -> Vec<u32> {
    let me = std::process::id();
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid …
        let Some((comm, rest)) = stat.split_once(") ") else {
            continue;
        };
        let ppid: u32 = rest
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid == me && comm.ends_with("(etcd") {
            v.push(pid);
        }
    }
    v
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn skip() -> bool {
    if etcd::tools().is_none() {
        eprintln!("skipped: {}", etcd::MISSING);
        return true;
    }
    false
}

/// The tests count this process's etcd children, so they take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
fn a_three_member_cluster_elects_survives_its_leaders_death_and_leaves_nothing() {
    if skip() {
        return;
    }
    let _turn = serial();
    let mut c = Cluster::start(3).expect("start etcd");
    let dir = c.dir().to_path_buf();
    let pids = c.pids();
    assert_eq!(pids.len(), 3);
    assert_eq!(etcd_children().len(), 3);

    let status = c.status();
    let leader = c.leader().expect("a leader");
    assert!(
        status
            .iter()
            .all(|m| m.up && m.error.is_none() && m.term >= 2),
        "{status:?}"
    );
    assert!(
        status.iter().all(|m| m.leader == Some(leader)),
        "{status:?}"
    );
    c.put("greeting", "hello").expect("put");
    assert_eq!(c.get("greeting").unwrap().as_deref(), Some("hello"));
    assert_eq!(c.get("nothing").unwrap(), None);

    let f = c.measure_failover().expect("failover");
    println!("{f}");
    assert_eq!(f.old_leader, leader);
    assert_ne!(f.new_leader, leader);
    assert!(f.term > status[0].term, "{f:?}");
    let after = c.status();
    assert!(!after[leader - 1].up);
    c.put("after", "failover").expect("put with two of three");
    assert_eq!(c.get("greeting").unwrap().as_deref(), Some("hello"));

    c.restart(leader).expect("restart");
    let back = (0..100).find_map(|_| {
        let s = c.status();
        let m = &s[leader - 1];
        if m.error.is_none() && m.leader == Some(f.new_leader) {
            Some(m.clone())
        } else {
            std::thread::sleep(std::time::Duration::from_millis(100));
            None
        }
    });
    assert!(back.is_some(), "the restarted member never rejoined");
    assert!(c.kill(9).is_err());

    let pids = c.pids();
    drop(c);
    assert!(etcd_children().is_empty(), "etcd outlived its cluster");
    assert!(pids.iter().all(|&p| !alive(p)));
    assert!(!dir.exists(), "the data directory stayed");
}

#[test]
fn a_panic_while_the_cluster_runs_still_tears_it_down() {
    if skip() {
        return;
    }
    let _turn = serial();
    let r = std::panic::catch_unwind(|| {
        let c = Cluster::start(1).expect("start etcd");
        let pids = c.pids();
        assert_eq!(pids.len(), 1);
        std::panic::panic_any(pids);
    });
    let pids = r
        .expect_err("it panicked")
        .downcast::<Vec<u32>>()
        .expect("pids");
    assert!(pids.iter().all(|&p| !alive(p)), "etcd survived a panic");
    assert!(etcd_children().is_empty());
}
