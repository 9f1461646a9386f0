//! contlab: a terminal lab for the Linux and cluster foundations under Kubernetes.
//!
//! The crate is layered; see `docs/ARCHITECTURE.md` for who may import whom.
//! `runtime` and `inspect` are kernel-facing and know nothing of lessons or the UI;
//! `lesson` drives them and emits one event stream; `cli` is a thin layer on top.

pub mod apiserver;
pub mod civil;
pub mod cli;
pub mod doctor;
pub mod etcd;
pub mod i18n;
pub mod inspect;
pub mod lesson;
pub mod logging;
pub mod paths;
pub mod raft;
pub mod rbac;
pub mod record;
pub mod rootfs;
pub mod runtime;
pub mod shutdown;
pub mod suggest;
pub mod tui;
