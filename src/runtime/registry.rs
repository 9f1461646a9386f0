//! The containers this process owns, so that a SIGINT, a SIGTERM or a panic tears them
//! all down: a leaked container is a bug. The first container registers the teardown
//! with the signal and teardown service (`crate::shutdown`), which runs it after the
//! terminal is given back and the helper processes are killed.

use super::ledger::Ledger;
use super::teardown::{self, Removed};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static LIVE: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());

pub(crate) fn register(id: &str, record: &Path) {
    crate::shutdown::register(crate::shutdown::Phase::Containers, "containers", || {
        teardown_all();
    });
    if let Ok(mut live) = LIVE.lock() {
        live.push((id.to_string(), record.to_path_buf()));
    }
}

pub(crate) fn unregister(id: &str) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|(i, _)| i != id);
    }
}

/// Ids of the containers this process has running.
pub fn live() -> Vec<String> {
    LIVE.lock()
        .map(|l| l.iter().map(|(i, _)| i.clone()).collect())
        .unwrap_or_default()
}

/// Tears down every container of this process from its state record (not from the
/// `Container` values, which other threads may hold).
pub fn teardown_all() -> Vec<Removed> {
    let live: Vec<(String, PathBuf)> = match LIVE.lock() {
        Ok(mut l) => std::mem::take(&mut *l),
        // A thread panicked holding the lock; the list itself is still sound.
        Err(p) => std::mem::take(&mut *p.into_inner()),
    };
    let mut out = Vec::new();
    for (_, path) in live {
        let Ok(ledger) = Ledger::open(&path) else {
            continue;
        };
        let removed = teardown::undo(ledger.record());
        let ok = removed.iter().all(|r| r.error.is_none());
        out.extend(removed);
        if ok {
            let _ = ledger.finish();
        }
    }
    out
}
