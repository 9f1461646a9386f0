//! A real etcd cluster beside the simulator: 3 or 5 members on 127.0.0.1 ports, in a
//! temporary directory, each in its own process group so it can be killed and restarted.
//!
//! It is not part of the simulator: the Raft lessons and `contlab raft etcd` use it beside
//! the simulator, and the API server's storage will use it too.
//!
//! No etcd process may outlive contlab. Three things see to it: `Drop` kills and reaps
//! every member (also when unwinding from a panic); the teardown service
//! (`crate::shutdown`) kills their process groups and removes the directories on SIGINT,
//! SIGTERM, SIGHUP and a panic; and each member asks the kernel to SIGKILL it when the
//! thread that started it exits (`PR_SET_PDEATHSIG`), which covers a SIGKILLed contlab —
//! so start members from a thread that lives as long as the cluster. The directory a
//! SIGKILLed contlab leaves is swept by the next `Cluster::start`.

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The one sentence shown when the tools are missing.
pub const MISSING: &str =
    "etcd and etcdctl not found; install Debian's etcd-server and etcd-client";

/// Paths of `etcd` and `etcdctl`, when both are installed.
pub fn tools() -> Option<(PathBuf, PathBuf)> {
    Some((which::which("etcd").ok()?, which::which("etcdctl").ok()?))
}

/// Data directories of live clusters, removed at teardown (see `crate::shutdown`).
static DIRS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn dirs() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    DIRS.lock().unwrap_or_else(|p| p.into_inner())
}

/// The teardown service's hook: it has killed the members' process groups already.
fn remove_dirs() {
    for d in dirs().iter() {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Removes directories of clusters whose contlab died without cleaning up (SIGKILL): their
/// names carry the owner's pid.
fn sweep_stale_dirs() {
    let Ok(rd) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("contlab-etcd-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: kill with signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
}

impl Member {
    fn client_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }
}

/// One member as `etcdctl endpoint status` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberStatus {
    /// 1-based, as the student types it.
    pub member: usize,
    pub endpoint: String,
    /// The process is running (it may still not answer).
    pub up: bool,
    /// etcd's member id, 0 when it did not answer.
    pub id: u64,
    /// The member this one believes leads, by number (None: unknown or no answer).
    pub leader: Option<usize>,
    pub term: u64,
    pub raft_index: u64,
    pub applied_index: u64,
    /// Why there is no answer.
    pub error: Option<String>,
}

impl MemberStatus {
    /// One word for the member: down, no answer, LEADER or follower.
    pub fn state(&self) -> &'static str {
        match (self.up, &self.error) {
            (false, _) => "down",
            (true, Some(_)) => "no answer",
            (true, None) if self.leader == Some(self.member) => "LEADER",
            (true, None) => "follower",
        }
    }
}

/// A measured election after killing the leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failover {
    pub old_leader: usize,
    pub new_leader: usize,
    pub term: u64,
    pub elapsed_ms: u64,
}

impl fmt::Display for Failover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "killed leader {}; member {} was elected in term {} after {} ms",
            self.old_leader, self.new_leader, self.term, self.elapsed_ms
        )
    }
}

/// A table of member statuses for the prompt.
pub fn render(status: &[MemberStatus]) -> String {
    let mut s =
        String::from("  member  endpoint                 state     leader  term  raft index\n");
    for m in status {
        let leader = m.leader.map_or("-".to_string(), |l| l.to_string());
        s.push_str(&format!(
            "  {:<6}  {:<23}  {:<9} {:>6}  {:>4}  {:>10}\n",
            m.member,
            m.endpoint,
            m.state(),
            leader,
            m.term,
            m.raft_index
        ));
    }
    s
}

/// A running etcd cluster. Dropping it kills every member and removes its directory.
pub struct Cluster {
    etcd: PathBuf,
    etcdctl: PathBuf,
    members: Vec<Member>,
    initial_cluster: String,
    token: String,
    /// etcd member id → member number, learned from status answers.
    ids: std::sync::Mutex<std::collections::BTreeMap<u64, usize>>,
    dir: tempfile::TempDir,
}

/// Ports that were free a moment ago: all listeners are held until every port is chosen, so
/// no two members get the same one.
fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .context("cannot find free ports on 127.0.0.1")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}

#[derive(Deserialize)]
struct EndpointStatus {
    #[serde(rename = "Status")]
    status: StatusBody,
}

#[derive(Deserialize)]
struct StatusBody {
    header: Header,
    leader: u64,
    #[serde(rename = "raftIndex")]
    raft_index: u64,
    #[serde(rename = "raftTerm")]
    raft_term: u64,
    #[serde(rename = "raftAppliedIndex", default)]
    raft_applied_index: u64,
}

#[derive(Deserialize)]
struct Header {
    member_id: u64,
}

impl Cluster {
    /// Starts `members` (1 to 7) members and waits until they have elected a leader.
    pub fn start(members: usize) -> Result<Cluster> {
        let (etcd, etcdctl) = tools().ok_or_else(|| crate::said!("error-etcd-not-installed"))?;
        if !(1..=7).contains(&members) {
            crate::bail_said!("error-etcd-members", members = members);
        }
        sweep_stale_dirs();
        let dir = tempfile::Builder::new()
            .prefix(&format!("contlab-etcd-{}-", std::process::id()))
            .tempdir()
            .context("cannot create a temporary directory for etcd")?;
        let ports = free_ports(2 * members)?;
        let members: Vec<Member> = (0..members)
            .map(|i| Member {
                name: format!("m{}", i + 1),
                client_port: ports[2 * i],
                peer_port: ports[2 * i + 1],
                child: None,
            })
            .collect();
        let initial_cluster = members
            .iter()
            .map(|m| format!("{}=http://127.0.0.1:{}", m.name, m.peer_port))
            .collect::<Vec<_>>()
            .join(",");
        let mut c = Cluster {
            etcd,
            etcdctl,
            members,
            initial_cluster,
            token: format!("contlab-{}-{}", std::process::id(), ports[0]),
            ids: Default::default(),
            dir,
        };
        crate::shutdown::register(crate::shutdown::Phase::Processes, "etcd", remove_dirs);
        dirs().push(c.dir.path().to_path_buf());
        for i in 1..=c.members.len() {
            c.spawn(i)?;
        }
        c.wait_for_leader(Duration::from_secs(30))?;
        Ok(c)
    }

    /// The temporary directory holding every member's data and log.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The client URL of member `i` (1-based).
    pub fn endpoint(&self, i: usize) -> Option<String> {
        self.members.get(i.wrapping_sub(1)).map(Member::client_url)
    }

    /// Process ids of the running members.
    pub fn pids(&self) -> Vec<u32> {
        self.members
            .iter()
            .filter_map(|m| m.child.as_ref().map(Child::id))
            .collect()
    }

    fn member(&self, i: usize) -> Result<&Member> {
        self.members.get(i.wrapping_sub(1)).ok_or_else(|| {
            anyhow!(
                "member {i} does not exist (the cluster has members 1 to {})",
                self.members.len()
            )
        })
    }

    fn spawn(&mut self, i: usize) -> Result<()> {
        let m = self.member(i)?;
        let data = self.dir.path().join(&m.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{}.log", m.name)))
            .context("cannot create an etcd log file")?;
        let peer = format!("http://127.0.0.1:{}", m.peer_port);
        let mut cmd = Command::new(&self.etcd);
        cmd.arg("--name")
            .arg(&m.name)
            .arg("--data-dir")
            .arg(&data)
            .args(["--listen-client-urls", &m.client_url()])
            .args(["--advertise-client-urls", &m.client_url()])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &self.initial_cluster])
            .args(["--initial-cluster-token", &self.token])
            // A restarted member reads its membership from its data directory; the flag
            // only matters on first boot.
            .args(["--initial-cluster-state", "new"])
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            // Its own process group: the terminal's Ctrl-C reaches contlab, which then
            // kills the group; nothing reaches etcd behind our back.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start etcd member {i}"))?;
        crate::shutdown::kill_process_group_at_teardown(child.id() as i32);
        self.members[i - 1].child = Some(child);
        Ok(())
    }

    /// Kills member `i` (SIGKILL: no chance to hand over leadership, as in a crash).
    pub fn kill(&mut self, i: usize) -> Result<()> {
        self.member(i)?;
        let m = &mut self.members[i - 1];
        let Some(mut child) = m.child.take() else {
            bail!("member {i} is already down");
        };
        let pgid = child.id() as i32;
        // SAFETY: plain kill(2) on the member's own process group.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = child.wait();
        crate::shutdown::forget_process_group(pgid);
        Ok(())
    }

    /// Restarts member `i` from its data directory (its persisted term, vote and log).
    pub fn restart(&mut self, i: usize) -> Result<()> {
        if self.member(i)?.child.is_some() {
            bail!("member {i} is already running");
        }
        self.spawn(i)
    }

    /// One member's status and the etcd id of the leader it reports (0: none).
    fn status_of(&self, i: usize) -> (MemberStatus, u64) {
        let m = &self.members[i - 1];
        let mut s = MemberStatus {
            member: i,
            endpoint: m.client_url(),
            up: m.child.is_some(),
            id: 0,
            leader: None,
            term: 0,
            raft_index: 0,
            applied_index: 0,
            error: None,
        };
        if !s.up {
            return (s, 0);
        }
        let out = Command::new(&self.etcdctl)
            .args(["--endpoints", &s.endpoint])
            .args(["--dial-timeout", "300ms", "--command-timeout", "500ms"])
            .args(["endpoint", "status", "-w", "json"])
            .stdin(Stdio::null())
            .output();
        let parsed = out
            .map_err(|e| e.to_string())
            .and_then(|o| {
                if o.status.success() {
                    Ok(o.stdout)
                } else {
                    Err("no answer".to_string())
                }
            })
            .and_then(|b| {
                serde_json::from_slice::<Vec<EndpointStatus>>(&b).map_err(|e| e.to_string())
            });
        let mut leader = 0;
        match parsed {
            Ok(v) if !v.is_empty() => {
                let st = &v[0].status;
                s.id = st.header.member_id;
                s.term = st.raft_term;
                s.raft_index = st.raft_index;
                s.applied_index = st.raft_applied_index;
                leader = st.leader;
            }
            Ok(_) => s.error = Some("empty answer".into()),
            Err(e) => s.error = Some(e),
        }
        (s, leader)
    }

    /// Every member's status, asked in parallel (one `etcdctl endpoint status` each).
    pub fn status(&self) -> Vec<MemberStatus> {
        let answers: Vec<(MemberStatus, u64)> = std::thread::scope(|s| {
            let handles: Vec<_> = (1..=self.members.len())
                .map(|i| s.spawn(move || self.status_of(i)))
                .collect();
            handles
                .into_iter()
                .zip(1..)
                .map(|(h, i)| h.join().unwrap_or_else(|_| self.status_of(i)))
                .collect()
        });
        // Leaders are reported by etcd member id; a member's id never changes, so every
        // answer teaches the mapping, and a dead leader's id is still known.
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        for (m, _) in &answers {
            if m.id != 0 {
                ids.insert(m.id, m.member);
            }
        }
        answers
            .into_iter()
            .map(|(mut m, leader)| {
                m.leader = ids.get(&leader).copied();
                m
            })
            .collect()
    }

    /// The member every answering member agrees is leader, if they agree.
    pub fn leader(&self) -> Option<usize> {
        leader_of(&self.status())
    }

    fn wait_for_leader(&self, limit: Duration) -> Result<usize> {
        let start = Instant::now();
        loop {
            // A leader counts once its first entry is applied everywhere: until then a
            // member still reports the bootstrap term (see `measure_failover`).
            let st = self.status();
            let terms = st
                .iter()
                .filter(|m| m.error.is_none() && m.up)
                .map(|m| m.term);
            let settled = terms.clone().min() == terms.max() && st.iter().all(|m| m.term > 1);
            if let Some(l) = leader_of(&st).filter(|_| settled) {
                return Ok(l);
            }
            if start.elapsed() > limit {
                bail!(
                    "the etcd cluster elected no leader within {} s (logs in {})",
                    limit.as_secs(),
                    self.dir.path().display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn live_endpoints(&self) -> String {
        self.members
            .iter()
            .filter(|m| m.child.is_some())
            .map(Member::client_url)
            .collect::<Vec<_>>()
            .join(",")
    }

    fn etcdctl(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(&self.etcdctl)
            .args(["--endpoints", &self.live_endpoints()])
            .args(["--dial-timeout", "1s", "--command-timeout", "5s"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .context("cannot run etcdctl")?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err.lines().last().unwrap_or("no output").trim().to_string();
            bail!("etcdctl {} failed: {last}", args.first().unwrap_or(&""));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `etcdctl put k v` against the live members.
    pub fn put(&self, key: &str, value: &str) -> Result<()> {
        self.etcdctl(&["put", "--", key, value]).map(|_| ())
    }

    /// `etcdctl get k`: the value, or None when the key is not set.
    pub fn get(&self, key: &str) -> Result<Option<String>> {
        let out = self.etcdctl(&["get", "--print-value-only", "--", key])?;
        Ok(out
            .strip_suffix('\n')
            .map(str::to_string)
            .filter(|_| !out.is_empty()))
    }

    /// Kills the leader and polls the others until one reports a new leader; the time
    /// between the kill and that report is the election (plus at most one poll, ~20 ms).
    pub fn measure_failover(&mut self) -> Result<Failover> {
        let old = self
            .leader()
            .ok_or_else(|| anyhow!("there is no leader to kill right now"))?;
        // etcd reports the term of the last entry it applied, and a new leader's first
        // entry (an empty one in its own term) lands a moment after it is elected; so the
        // failover counts as done when the members agree on a new leader *and* report a
        // term beyond the one the old leader held.
        let old_term = self.status().iter().map(|m| m.term).max().unwrap_or(0);
        let start = Instant::now();
        self.kill(old)?;
        let live = self.pids().len();
        let majority = self.members.len() / 2 + 1;
        if live < majority {
            bail!(
                "killed leader {old}; the {live} members left are not a majority of {}, so no \
                 new leader can be elected",
                self.members.len()
            );
        }
        loop {
            let st = self.status();
            let term = st.iter().map(|m| m.term).max().unwrap_or(0);
            if let Some(new) = leader_of(&st).filter(|&l| l != old && term > old_term) {
                return Ok(Failover {
                    old_leader: old,
                    new_leader: new,
                    term,
                    elapsed_ms: start.elapsed().as_millis() as u64,
                });
            }
            if start.elapsed() > Duration::from_secs(30) {
                bail!("no new leader within 30 s of killing member {old}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The leader the answering members agree on (None if any disagree or none answer).
fn leader_of(status: &[MemberStatus]) -> Option<usize> {
    let answers: Vec<Option<usize>> = status
        .iter()
        .filter(|m| m.up && m.error.is_none())
        .map(|m| m.leader)
        .collect();
    let first = (*answers.first()?)?;
    let l = answers.iter().all(|a| *a == Some(first)).then_some(first)?;
    status.iter().any(|m| m.member == l && m.up).then_some(l)
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 1..=self.members.len() {
            if self.members[i - 1].child.is_some() {
                let _ = self.kill(i);
            }
        }
        // The TempDir removes the directory itself right after this.
        dirs().retain(|d| d != self.dir.path());
    }
}
