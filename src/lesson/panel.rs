//! The panels' data, typed: what the engine samples (`/proc`, cgroup files) and what the
//! Raft, etcd and RBAC engines publish for the Cluster panel. The engine builds these and
//! the TUI draws them; neither side spells a key of the other's JSON.
//!
//! The serialized form is the journal's (`{"panel": "cluster", "data": {"kind": "rbac",
//! …}}`), so recordings made before these types existed replay unchanged.

pub use crate::etcd::MemberStatus;
use crate::inspect::cgroupfs::CgroupReading;
use crate::inspect::proc::ProcSnapshot;
use crate::raft::timeline::Mark;
use crate::raft::view::ClusterView;
use crate::rbac::{Decision, Matrix, WhoCan};
use serde::{Deserialize, Serialize};

pub use super::format::RbacAsk;

/// One sample of a panel, with the name of the pane it goes to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "panel", content = "data", rename_all = "lowercase")]
pub enum PanelData {
    Proc(ProcPanel),
    Cgroup(CgroupPanel),
    Cluster(ClusterPanel),
}

impl PanelData {
    /// The pane's name, as the journal writes it.
    pub fn name(&self) -> &'static str {
        match self {
            PanelData::Proc(_) => "proc",
            PanelData::Cgroup(_) => "cgroup",
            PanelData::Cluster(_) => "cluster",
        }
    }
}

/// The Proc pane: `inspect::proc`'s snapshot of a lesson container's init (or of contlab
/// itself, on the host).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcPanel {
    pub container: String,
    /// Boxed: a snapshot is large next to the other panels.
    pub snapshot: Box<ProcSnapshot>,
}

/// The Cgroup pane: the cgroup's files as `inspect` reads them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CgroupPanel {
    pub container: String,
    /// Boxed: a reading is large next to the other panels.
    pub reading: Box<CgroupReading>,
}

impl CgroupPanel {
    /// `memory.current` in bytes, when the reading has it.
    pub fn memory_current(&self) -> Option<u64> {
        self.reading.memory_current.as_ref()?.parsed
    }
}

/// The Cluster panel: one track's cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ClusterPanel {
    Raft(Box<RaftPanel>),
    Etcd { members: Vec<MemberStatus> },
    Rbac(Box<RbacPanel>),
    Net(Box<NetPanel>),
    Api(Box<ApiPanel>),
}

/// The API server track's cluster: where the server and etcd answer, etcd's keys (the
/// most recently written first) and the audit log's last lines.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiPanel {
    pub url: String,
    pub etcd: Vec<String>,
    pub keys: Vec<ApiKeyRow>,
    /// `CODE USER VERB TARGET`, oldest first.
    pub audit: Vec<String>,
    /// The RBAC objects the server authorizes with, besides its bootstrap ones: the
    /// request builder's choices. Left out of the journal when empty, as is `review`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rbac: Vec<RbacObjectRow>,
    /// The live server's answer to the request builder's question (a
    /// SubjectAccessReview), with who-can from the objects in etcd.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<RbacReview>,
}

/// One etcd key: how many times it was written since it was made, and at which revision
/// last.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub key: String,
    pub version: i64,
    pub mod_revision: i64,
}

pub use crate::runtime::dns::DnsQuery;

/// The networking track's node: its links and the cluster DNS server's last queries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetPanel {
    /// The node's network namespace.
    pub node: String,
    pub links: Vec<NetLinkRow>,
    #[serde(default)]
    pub dns: Option<DnsPanel>,
    /// The node's routes, `DST dev DEV`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<String>,
    /// kube-proxy's rules (`KUBE-…` chains) with their packet counters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nat: Vec<NatRow>,
    /// Up to 12 of the node's conntrack entries, shortened (`runtime::node::conntrack_row`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conntrack: Vec<String>,
    /// The Ingress controller, once the lesson started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressPanel>,
}

pub use crate::runtime::ingress::ProxyRequest;

/// The Ingress controller: where it serves, the file it routes by, its rules
/// (`HOST PATH (TYPE) → SERVICE:PORT`), why it refused the file as it is now (the
/// sentence, in the lesson's language), and its last requests, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngressPanel {
    pub server: String,
    pub file: String,
    pub rules: Vec<String>,
    #[serde(default)]
    pub refused: Option<String>,
    pub requests: Vec<ProxyRequest>,
}

/// A rule of the node's nat table and the packets it matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NatRow {
    pub packets: u64,
    pub rule: String,
}

/// A link of the node's namespace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetLinkRow {
    pub name: String,
    pub up: bool,
    /// The bridge it is a port of.
    pub master: Option<String>,
    /// `10.244.1.1/24`…
    pub addresses: Vec<String>,
}

/// The cluster DNS server: where it answers, its TTL and its last queries, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnsPanel {
    pub server: String,
    pub ttl: u32,
    pub queries: Vec<DnsQuery>,
}

/// The Raft track's simulated cluster, its recent timeline and its player.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaftPanel {
    pub view: ClusterView,
    #[serde(default)]
    pub timeline: Vec<String>,
    #[serde(default)]
    pub player: PlayerPanel,
}

/// Whether the cluster plays, how fast, how far the known run reaches, its marked
/// moments, and what the last control did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlayerPanel {
    pub playing: bool,
    pub speed: f64,
    pub horizon: u64,
    pub marks: Vec<Mark>,
    pub note: Option<String>,
}

/// The RBAC track's objects, the last request and verdict, the access matrix, who can,
/// a create check, and the answer to the request builder's question.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RbacPanel {
    pub work_dir: String,
    pub files: Vec<String>,
    pub objects: Vec<RbacObjectRow>,
    /// Why the policy could not be loaded.
    pub error: Option<String>,
    pub request: Option<RbacRequest>,
    pub decision: Option<Decision>,
    pub explain: Vec<String>,
    pub matrix: Option<Matrix>,
    pub who_can: Option<WhoCan>,
    pub create: Option<RbacCreate>,
    pub review: Option<RbacReview>,
}

/// A Role or binding as the panel draws it: roles with their effective rules, bindings
/// with their subjects (`User alice`, `ServiceAccount ns/name`) and role (`Role/name`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RbacObjectRow {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregates: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subjects: Option<Vec<String>>,
}

impl RbacObjectRow {
    pub fn is_role(&self) -> bool {
        matches!(self.kind.as_str(), "Role" | "ClusterRole")
    }
}

/// The identity, verb and target of a request, as the authorizer saw it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RbacIdentity {
    pub user: String,
    pub groups: Vec<String>,
    pub verb: String,
    pub target: String,
}

/// The last `rbac-can-i` request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RbacRequest {
    pub ask: RbacAsk,
    #[serde(flatten)]
    pub who: RbacIdentity,
}

/// The last `rbac-check-create`: may `user` create the object in `file`?
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RbacCreate {
    pub user: String,
    pub file: String,
    pub allowed: bool,
    pub reason: String,
    pub missing: Vec<String>,
}

/// The engine's answer to the request builder's question, or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RbacReview {
    pub ask: RbacAsk,
    #[serde(flatten)]
    pub answer: ReviewAnswer,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReviewAnswer {
    Failed {
        error: String,
    },
    Answered {
        #[serde(flatten)]
        who: RbacIdentity,
        allowed: bool,
        explain: Vec<String>,
        who_can: ReviewWhoCan,
    },
}

/// Who else may do what the builder asked: each subject with the binding that allows it,
/// and the groups allowed everything before RBAC.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewWhoCan {
    pub subjects: Vec<ReviewSubject>,
    pub superuser_groups: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewSubject {
    pub subject: String,
    pub binding: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every panel sample of the reference recordings reads into the types and writes
    /// back to the same JSON: old journals replay.
    #[test]
    fn the_recordings_panels_round_trip() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/recordings");
        let mut seen = std::collections::BTreeSet::new();
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            if !path.to_string_lossy().ends_with(".journal.jsonl") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().skip(1) {
                let v: Value = serde_json::from_str(line).unwrap();
                let e = &v["event"];
                if e["type"] != "panel_snapshot" {
                    continue;
                }
                let p: PanelData = serde_json::from_value(e.clone())
                    .unwrap_or_else(|err| panic!("{}: {err}: {e}", path.display()));
                let mut back = serde_json::to_value(&p).unwrap();
                back["type"] = e["type"].clone();
                assert_eq!(&back, e, "{}", path.display());
                seen.insert(match &p {
                    PanelData::Cluster(ClusterPanel::Raft(_)) => "raft",
                    PanelData::Cluster(ClusterPanel::Etcd { .. }) => "etcd",
                    PanelData::Cluster(ClusterPanel::Rbac(_)) => "rbac",
                    other => other.name(),
                });
            }
        }
        for kind in ["proc", "cgroup", "raft", "rbac"] {
            assert!(seen.contains(kind), "no {kind} panel in the recordings");
        }
    }
}
