//! The container runtime: namespaces, mounts, cgroups and networks, each operation made
//! by contlab itself (nix, netlink) and traced. Kernel-facing; it knows nothing of
//! lessons or the UI.

pub mod cgroup;
pub mod cleanup;
pub mod ledger;
pub mod net;
pub mod teardown;
pub mod trace;
