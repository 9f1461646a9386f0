//! Reading the kernel's state into plain serde data: `/proc` entries and cgroup files.
//! Every parser here also takes text, so it can be tested on fixture files.

pub mod cgroup_names;
pub mod cgroupfs;
pub mod cgroups;
pub mod proc;
