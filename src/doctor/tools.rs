//! The programs some lessons use: busybox for the container root filesystem, runc and
//! crun to compare contlab's runtime with, etcd and etcdctl for the Raft lessons.

use super::Check;
use crate::i18n::Lang;
use crate::inspect::cgroups::CgroupMode;
use crate::tr;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a `--version` may take before contlab gives up on it and kills it.
const VERSION_TIMEOUT: Duration = Duration::from_secs(2);

/// A program found on `PATH`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tool {
    pub path: PathBuf,
    /// The first line the program prints about its version, if it printed one in time.
    pub version: Option<String>,
    /// For busybox: linked statically (no `PT_INTERP`, no `DT_NEEDED`), so it runs in a
    /// root filesystem without a libc. `null` for the others.
    #[serde(rename = "static")]
    pub static_binary: Option<bool>,
}

/// Each tool and the arguments that make it print its version first.
const TOOLS: [(&str, &[&str]); 5] = [
    ("busybox", &["--help"]),
    ("runc", &["--version"]),
    ("crun", &["--version"]),
    ("etcd", &["--version"]),
    ("etcdctl", &["version"]),
];

pub fn check(mode: CgroupMode, lang: Lang) -> (BTreeMap<&'static str, Option<Tool>>, Vec<Check>) {
    let found: Vec<Option<PathBuf>> = TOOLS.iter().map(|(n, _)| which::which(n).ok()).collect();
    // Start every version command first, then read them: they run side by side.
    let running: Vec<Option<Running>> = TOOLS
        .iter()
        .zip(&found)
        .map(|((_, args), path)| path.as_deref().and_then(|p| Running::start(p, args)))
        .collect();
    let mut tools = BTreeMap::new();
    let mut checks = Vec::new();
    for (((name, _), path), run) in TOOLS.iter().zip(found).zip(running) {
        let tool = path.map(|path| {
            let static_binary = (*name == "busybox").then(|| is_static(&path)).flatten();
            Tool {
                version: run.and_then(Running::first_line),
                path,
                static_binary,
            }
        });
        checks.push(check_of(name, tool.as_ref(), mode, lang));
        tools.insert(*name, tool);
    }
    (tools, checks)
}

/// A `--version` command whose first line is read by a thread, so a program that hangs
/// costs at most [`VERSION_TIMEOUT`].
struct Running {
    child: Child,
    line: mpsc::Receiver<String>,
}

impl Running {
    fn start(path: &Path, args: &[&str]) -> Option<Self> {
        let mut child = Command::new(path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        let (tx, line) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            if BufReader::new(stdout).read_line(&mut first).is_ok() {
                let _ = tx.send(first.trim().to_string());
            }
        });
        Some(Running { child, line })
    }

    fn first_line(mut self) -> Option<String> {
        let line = self.line.recv_timeout(VERSION_TIMEOUT).ok();
        // Only its first line was wanted; a program still running after it is stopped.
        let _ = self.child.kill();
        let _ = self.child.wait();
        line.filter(|l| !l.is_empty())
    }
}

/// Whether an ELF file needs no dynamic loader and no shared libraries.
pub fn is_static(path: &Path) -> Option<bool> {
    let bytes = std::fs::read(path).ok()?;
    elf_is_static(&bytes)
}

pub fn elf_is_static(bytes: &[u8]) -> Option<bool> {
    let elf = goblin::elf::Elf::parse(bytes).ok()?;
    Some(elf.interpreter.is_none() && elf.libraries.is_empty())
}

fn check_of(name: &'static str, tool: Option<&Tool>, mode: CgroupMode, lang: Lang) -> Check {
    let id = name;
    let c = Check::new(id, name, false);
    let found = |t: &Tool| match &t.version {
        Some(v) => format!("{} ({v})", t.path.display()),
        None => t.path.display().to_string(),
    };
    let static_busybox = || tr!(lang, "doctor-fix-busybox-static");
    match (name, tool) {
        ("busybox", Some(t)) => match t.static_binary {
            Some(true) => c.ok(tr!(lang, "doctor-busybox-static", found = found(t))),
            Some(false) => c.fail(
                tr!(lang, "doctor-busybox-dynamic", found = found(t)),
                static_busybox(),
            ),
            None => c.fail(
                tr!(
                    lang,
                    "doctor-busybox-not-elf",
                    path = t.path.display().to_string()
                ),
                static_busybox(),
            ),
        },
        ("busybox", None) => c.fail(tr!(lang, "doctor-busybox-missing"), static_busybox()),
        ("crun", Some(t)) if mode == CgroupMode::Hybrid => {
            c.ok(tr!(lang, "doctor-crun-hybrid", found = found(t)))
        }
        ("crun", None) if mode == CgroupMode::Hybrid => {
            c.absent(tr!(lang, "doctor-crun-hybrid-missing"))
        }
        (_, Some(t)) => c.ok(found(t)),
        ("etcd" | "etcdctl", None) => c
            .absent(tr!(lang, "doctor-etcd-missing"))
            .with_fix("apt install etcd-server etcd-client"),
        (_, None) => c
            .absent(tr!(lang, "doctor-tool-missing", name = name))
            .with_fix(format!("apt install {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;

    fn check_of(name: &'static str, tool: Option<&Tool>, mode: CgroupMode) -> Check {
        super::check_of(name, tool, mode, Lang::En)
    }

    fn tool(version: Option<&str>, static_binary: Option<bool>) -> Tool {
        Tool {
            path: PathBuf::from("/usr/bin/x"),
            version: version.map(str::to_string),
            static_binary,
        }
    }

    #[test]
    fn busybox_must_be_static() {
        let t = tool(Some("BusyBox v1.36.1"), Some(true));
        assert_eq!(
            check_of("busybox", Some(&t), CgroupMode::V2).status,
            CheckStatus::Ok
        );
        let t = tool(None, Some(false));
        let c = check_of("busybox", Some(&t), CgroupMode::V2);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.fix.unwrap().contains("busybox-static"));
        assert_eq!(
            check_of("busybox", None, CgroupMode::V2).status,
            CheckStatus::Fail
        );
    }

    #[test]
    fn optional_tools() {
        let c = check_of("runc", None, CgroupMode::V2);
        assert_eq!(c.status, CheckStatus::Absent);
        assert!(!c.required);
        let c = check_of("crun", None, CgroupMode::Hybrid);
        assert!(c.detail.contains("hybrid"));
        let t = tool(Some("crun version 1.14"), None);
        let c = check_of("crun", Some(&t), CgroupMode::Hybrid);
        assert_eq!(c.status, CheckStatus::Ok);
        assert!(c.detail.contains("refuses"));
        let c = check_of(
            "etcd",
            Some(&tool(Some("etcd Version: 3.5.15"), None)),
            CgroupMode::V2,
        );
        assert!(c.detail.contains("3.5.15"));
    }

    #[test]
    #[cfg(target_env = "gnu")]
    fn a_glibc_binary_is_dynamic() {
        // This test binary links glibc dynamically; a non-ELF file is no answer at all.
        let me = std::env::current_exe().unwrap();
        assert_eq!(is_static(&me), Some(false));
        assert_eq!(elf_is_static(b"#!/bin/sh\necho hi\n"), None);
    }

    #[test]
    fn first_line_of_a_command() {
        let run = Running::start(Path::new("/bin/sh"), &["-c", "echo one; echo two"]).unwrap();
        assert_eq!(run.first_line().as_deref(), Some("one"));
        let run = Running::start(Path::new("/bin/sh"), &["-c", "exit 3"]).unwrap();
        assert_eq!(run.first_line(), None);
    }
}
