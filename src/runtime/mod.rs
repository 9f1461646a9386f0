//! The container runtime: namespaces, mounts, cgroups and networks, each operation made
//! by contlab itself (nix, netlink) and traced. Kernel-facing; it knows nothing of
//! lessons or the UI.

pub mod breakout;
pub mod caps;
pub mod cgroup;
mod channel;
pub mod cleanup;
pub mod container;
pub mod dev;
pub mod dns;
pub mod exec;
mod forkserver;
pub mod ingress;
pub mod init;
pub mod kubeproxy;
pub mod ledger;
pub mod mounts;
pub mod net;
pub mod node;
pub mod oci;
mod payload;
pub mod process;
pub mod registry;
pub mod root;
pub mod seccomp;
pub mod spec;
pub mod teardown;
pub mod trace;

pub use container::{Container, ExecOutput};
pub use init::hidden_entry;
pub use spec::{
    CapSets, Capabilities, ContainerSpec, ExitInfo, IdMap, Io, Namespace, Namespaces, Network,
    Peer, RootfsMode, Stdio, Veth,
};
