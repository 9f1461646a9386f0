//! The cgroup unit against the machine's real cgroups (run as root). Each test makes its
//! cgroups under its own parent, `<mount>/<unique parent>/<id>`, passed to the API
//! explicitly, and a guard removes that whole subtree on drop, so a failing test leaks
//! nothing. The expected file names follow the layout the machine actually has.

use contlab::inspect::cgroups::CgroupLayout;
use contlab::runtime::cgroup::{
    Cgroup, CgroupVersion, Limits, parse_cpus, parse_memory, parse_pids,
};
use contlab::runtime::ledger::{Ledger, new_id};
use contlab::runtime::teardown::remove_cgroup_tree;
use contlab::runtime::trace::Tracer;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One test's cgroup, its private parent and its state record.
struct Lab {
    parent: String,
    id: String,
    ledger: Ledger,
    cg: Option<Cgroup>,
    _records: tempfile::TempDir,
}

impl Lab {
    /// A lab whose cgroup is not made yet (for tests of `create` failing).
    fn empty() -> Lab {
        let records = tempfile::tempdir().expect("temporary directory for state records");
        let id = new_id();
        let ledger = Ledger::create_in(records.path(), &id).expect("state record");
        Lab {
            parent: format!("{}-test", new_id()),
            id,
            ledger,
            cg: None,
            _records: records,
        }
    }

    fn new(limits: &Limits, tracer: &Tracer) -> Lab {
        let mut lab = Lab::empty();
        let cg = Cgroup::create(&lab.parent, &lab.id, limits, tracer, &mut lab.ledger)
            .expect("create the cgroup");
        lab.cg = Some(cg);
        lab
    }

    fn cg(&self) -> &Cgroup {
        self.cg.as_ref().expect("the lab has a cgroup")
    }

    /// `<mount>/<parent>` in every hierarchy of the machine.
    fn parent_dirs(&self) -> Vec<PathBuf> {
        layout()
            .mount_points()
            .into_iter()
            .map(|m| m.join(&self.parent))
            .collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(cg) = self.cg.take() {
            cg.destroy(&Tracer::null());
        }
        // Whatever the record names, a cgroup a failing test made elsewhere included.
        contlab::runtime::teardown::undo(self.ledger.record());
        // The parent is this test's alone: remove it, and whatever a failure left in it.
        for dir in self.parent_dirs() {
            remove_cgroup_tree(&dir);
        }
    }
}

/// A child process killed and reaped when the test ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn layout() -> CgroupLayout {
    CgroupLayout::detect().expect("read /proc/self/mountinfo")
}

/// The interface the machine should get: v1 wherever a v1 hierarchy has the memory
/// controller, otherwise the unified hierarchy.
fn expected_version() -> CgroupVersion {
    if layout().v1_mount("memory").is_some() {
        CgroupVersion::V1
    } else {
        CgroupVersion::V2
    }
}

/// The directory of `lab`'s cgroup holding `controller`'s files, found from the layout
/// rather than from the API under test.
fn controller_dir(lab: &Lab, controller: &str) -> PathBuf {
    let l = layout();
    let mount = match expected_version() {
        CgroupVersion::V1 => l
            .v1_mount(controller)
            .expect("controller mounted")
            .mount
            .clone(),
        CgroupVersion::V2 => l.unified.expect("cgroup2 mounted").mount,
    };
    mount.join(&lab.parent).join(&lab.id)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.join(file).display()))
        .trim()
        .to_string()
}

/// Spawns `cmd` already inside `cg`: the child writes `0` (itself) to each
/// `cgroup.procs` before `exec`, so not one instruction of the program runs outside.
fn spawn_in(cg: &Cgroup, cmd: &mut Command) -> KillOnDrop {
    let files: Vec<CString> = cg
        .procs_files()
        .iter()
        .map(|p| CString::new(p.as_os_str().as_bytes()).expect("path without NUL"))
        .collect();
    // Only async-signal-safe calls between fork and exec: open, write, close.
    unsafe {
        cmd.pre_exec(move || {
            for f in &files {
                let fd = libc::open(f.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let n = libc::write(fd, b"0".as_ptr().cast(), 1);
                let err = std::io::Error::last_os_error();
                libc::close(fd);
                if n != 1 {
                    return Err(err);
                }
            }
            Ok(())
        });
    }
    KillOnDrop(cmd.spawn().expect("spawn the test child"))
}

/// A shell that gives up at the first failed fork (busybox ash and dash do; bash retries
/// for half a minute first).
fn shell() -> Command {
    if Path::new("/bin/busybox").exists() {
        let mut c = Command::new("/bin/busybox");
        c.arg("sh");
        c
    } else {
        Command::new("/bin/sh")
    }
}

fn dd() -> Command {
    if Path::new("/bin/busybox").exists() {
        let mut c = Command::new("/bin/busybox");
        c.arg("dd");
        c
    } else {
        Command::new("dd")
    }
}

#[test]
fn limits_are_written_to_the_kernels_own_files() {
    let (tracer, events) = Tracer::channel();
    let limits = Limits {
        memory: Some(parse_memory("32M").unwrap()),
        cpu: Some(parse_cpus("0.5").unwrap()),
        pids: Some(parse_pids("5").unwrap()),
        devices: None,
        freezer: false,
        cpuset: None,
        blkio: false,
    };
    let lab = Lab::new(&limits, &tracer);
    let cg = lab.cg();
    assert_eq!(cg.version(), expected_version());

    let mem = controller_dir(&lab, "memory");
    let cpu = controller_dir(&lab, "cpu");
    let pids = controller_dir(&lab, "pids");
    let (mem_file, mem_shell) = match cg.version() {
        CgroupVersion::V1 => {
            assert_eq!(read(&mem, "memory.limit_in_bytes"), "33554432");
            assert_eq!(read(&cpu, "cpu.cfs_quota_us"), "50000");
            assert_eq!(read(&cpu, "cpu.cfs_period_us"), "100000");
            assert!(
                read(&mem, "memory.oom_control").contains("oom_kill_disable 0"),
                "the OOM killer must stay on"
            );
            // One directory per hierarchy holding memory, cpu, cpuacct or pids (cpu and
            // cpuacct may share one); none in cpuset or the other hierarchies.
            let l = layout();
            let mut mounts: Vec<PathBuf> = ["memory", "cpu", "cpuacct", "pids"]
                .iter()
                .filter_map(|c| l.v1_mount(c).map(|h| h.mount.clone()))
                .collect();
            mounts.dedup();
            let expected: Vec<PathBuf> = mounts
                .iter()
                .map(|m| m.join(&lab.parent).join(&lab.id))
                .collect();
            assert_eq!(cg.paths(), expected);
            ("memory.limit_in_bytes", "memory.limit_in_bytes")
        }
        CgroupVersion::V2 => {
            assert_eq!(read(&mem, "memory.max"), "33554432");
            assert_eq!(read(&cpu, "cpu.max"), "50000 100000");
            assert_eq!(cg.paths(), vec![mem.clone()]);
            ("memory.max", "memory.max")
        }
    };
    assert_eq!(read(&pids, "pids.max"), "5");

    // Every directory is in the state record, and inside this test's parent.
    assert_eq!(lab.ledger.record().cgroups, cg.paths());
    for p in cg.paths() {
        assert!(
            p.ends_with(format!("{}/{}", lab.parent, lab.id)),
            "{}",
            p.display()
        );
    }

    // The trace shows the raw file and the command a student could type.
    let events: Vec<_> = events.try_iter().collect();
    let want = format!("echo 33554432 > {}", mem.join(mem_shell).display());
    let ev = events
        .iter()
        .find(|e| e.op == "write" && e.shell.as_deref() == Some(want.as_str()))
        .unwrap_or_else(|| panic!("no trace event `{want}` in {events:#?}"));
    assert!(ev.ok && ev.args.contains(mem_file), "{ev:?}");
    assert!(
        events
            .iter()
            .any(|e| e.op == "mkdir" && e.args.contains(&lab.id)),
        "no mkdir event in {events:#?}"
    );

    // The normalised reading names the same files.
    let r = cg.reading();
    assert_eq!(r.version, cg.version());
    let max = r.memory_max.expect("memory limit reading");
    assert_eq!((max.file.as_str(), max.parsed), (mem_file, Some(33554432)));
    assert_eq!(
        r.cpu_quota_us.expect("cpu quota reading").parsed,
        Some(50000)
    );
    assert_eq!(
        r.cpu_period_us.expect("cpu period reading").parsed,
        Some(100000)
    );
    let pmax = r.pids_max.expect("pids.max reading");
    assert_eq!((pmax.file.as_str(), pmax.parsed), ("pids.max", Some(5)));
    assert_eq!(
        r.pids_current.expect("pids.current reading").parsed,
        Some(0)
    );
    assert_eq!(r.oom_kills.expect("oom kill reading").parsed, Some(0));

    // Opening it again without creating finds the same directories.
    let again = Cgroup::open(&lab.parent, &lab.id).expect("open the cgroup");
    assert_eq!(again.paths(), cg.paths());
    assert_eq!(again.version(), cg.version());
    assert!(Cgroup::open(&lab.parent, "no-such-container").is_err());
}

/// `Cgroup::write` takes a file by either version's name and writes the machine's own
/// file, traced as the `echo` a student would type.
#[test]
fn write_takes_either_version_s_name_and_is_traced() {
    let lab = Lab::new(&Limits::default(), &Tracer::null());
    let (tracer, events) = Tracer::channel();
    lab.cg()
        .write("memory.max", "67108864", &tracer)
        .expect("write memory.max");
    let (file, other) = match expected_version() {
        CgroupVersion::V1 => ("memory.limit_in_bytes", "memory.max"),
        CgroupVersion::V2 => ("memory.max", "memory.limit_in_bytes"),
    };
    assert_eq!(read(&controller_dir(&lab, "memory"), file), "67108864");
    lab.cg()
        .write(other, "33554432", &tracer)
        .expect("write by the other version's name");
    assert_eq!(read(&controller_dir(&lab, "memory"), file), "33554432");
    let writes: Vec<_> = events.try_iter().filter(|e| e.op == "write").collect();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(writes.iter().all(|e| e.ok), "{writes:?}");
    let shell = writes[0].shell.as_deref().unwrap_or_default();
    assert!(
        shell.starts_with("echo 67108864 > ") && shell.ends_with(file),
        "{shell}"
    );
    assert!(lab.cg().write("memory.nosuch", "1", &tracer).is_err());
}

#[test]
fn added_process_is_a_member_and_destroy_kills_it() {
    let mut lab = Lab::new(&Limits::default(), &Tracer::null());
    let mut sleeper = KillOnDrop(
        Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep"),
    );
    let pid = sleeper.0.id() as i32;
    lab.cg()
        .add_process(pid, &Tracer::null())
        .expect("add the process");

    assert!(lab.cg().reading().procs.contains(&pid));
    let own =
        std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("read /proc/PID/cgroup");
    assert!(
        own.contains(&format!("/{}/{}", lab.parent, lab.id)),
        "{pid} is not in the cgroup: {own}"
    );

    let paths = lab.cg().paths();
    let (tracer, events) = Tracer::channel();
    let removed = lab.cg.take().unwrap().destroy(&tracer);
    assert!(removed.iter().all(|r| r.error.is_none()), "{removed:?}");
    for p in &paths {
        assert!(!p.exists(), "{} is still there", p.display());
    }
    assert!(events.try_iter().any(|e| e.op == "rmdir" && e.ok));
    // Killed by destroy (the teardown may have reaped it already).
    match sleeper.0.wait() {
        Ok(status) => assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}"),
        Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ECHILD), "{e}"),
    }
}

#[test]
fn memory_limit_ends_in_an_oom_kill() {
    let lab = Lab::new(
        &Limits {
            memory: Some(parse_memory("32M").unwrap()),
            ..Default::default()
        },
        &Tracer::null(),
    );
    assert_eq!(lab.cg().oom_kills(), 0);
    let mut cmd = dd();
    cmd.args(["if=/dev/zero", "of=/dev/null", "bs=100M", "count=1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = spawn_in(lab.cg(), &mut cmd);
    let status = child.0.wait().expect("wait for dd");
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "dd was not killed: {status:?}"
    );
    assert!(lab.cg().oom_kills() >= 1);
    let r = lab.cg().reading();
    let oom = r.oom_kills.expect("oom kill reading");
    let file = match lab.cg().version() {
        CgroupVersion::V1 => "memory.oom_control",
        CgroupVersion::V2 => "memory.events",
    };
    assert_eq!(oom.file, file);
    assert!(oom.parsed.unwrap_or(0) >= 1, "{oom:?}");
}

#[test]
fn pids_limit_makes_forks_fail() {
    let lab = Lab::new(
        &Limits {
            pids: Some(parse_pids("5").unwrap()),
            ..Default::default()
        },
        &Tracer::null(),
    );
    // stderr goes to a file, not a pipe: the background sleeps would hold a pipe open.
    let err_file = tempfile::NamedTempFile::new().expect("temporary file");
    let mut cmd = shell();
    cmd.args([
        "-c",
        "for i in 1 2 3 4 5 6 7 8; do sleep 5 >/dev/null 2>&1 & done; wait",
    ])
    .stdout(Stdio::null())
    .stderr(err_file.reopen().expect("reopen the temporary file"));
    let mut child = spawn_in(lab.cg(), &mut cmd);
    let status = child.0.wait().expect("wait for the shell");
    let stderr = std::fs::read_to_string(err_file.path()).unwrap_or_default();
    assert!(!status.success(), "every fork succeeded; stderr: {stderr}");
    assert!(stderr.to_lowercase().contains("fork"), "stderr: {stderr}");
    let r = lab.cg().reading();
    let current = r.pids_current.expect("pids.current").parsed.unwrap_or(0);
    assert!(current <= 5, "pids.current {current} above pids.max");
    if let Some(refused) = r.pids_refused {
        assert!(refused.parsed.unwrap_or(0) >= 1, "{refused:?}");
    }
}

#[test]
fn cpu_quota_throttles_a_busy_loop() {
    let lab = Lab::new(
        &Limits {
            cpu: Some(parse_cpus("0.1").unwrap()),
            ..Default::default()
        },
        &Tracer::null(),
    );
    let mut cmd = shell();
    cmd.args(["-c", "while :; do :; done"]);
    let _busy = spawn_in(lab.cg(), &mut cmd);
    // With 10 ms per 100 ms period the loop is throttled in its first period; poll
    // rather than time, and give up only after a generous while on a loaded machine.
    std::thread::sleep(Duration::from_millis(300));
    let deadline = Instant::now() + Duration::from_secs(30);
    let throttled = loop {
        let n = lab
            .cg()
            .reading()
            .cpu_throttled
            .and_then(|v| v.parsed)
            .unwrap_or(0);
        if n > 0 || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(throttled > 0, "nr_throttled stayed 0");
    let r = lab.cg().reading();
    assert_eq!(r.cpu_throttled.unwrap().file, "cpu.stat");
    assert!(r.cpu_periods.and_then(|v| v.parsed).unwrap_or(0) >= throttled);
    assert!(r.cpu_usage_us.and_then(|v| v.parsed).unwrap_or(0) > 0);
}

#[test]
fn a_refused_limit_leaves_nothing_behind() {
    let mut lab = Lab::empty();
    // Beyond PID_MAX_LIMIT: the kernel refuses it after the directories exist.
    let limits = Limits {
        memory: Some(parse_memory("64M").unwrap()),
        pids: Some(1 << 40),
        ..Default::default()
    };
    let err = Cgroup::create(
        &lab.parent,
        &lab.id,
        &limits,
        &Tracer::null(),
        &mut lab.ledger,
    )
    .expect_err("the kernel accepted pids.max 2^40");
    assert!(err.to_string().contains("pids.max"), "{err}");
    for dir in lab.parent_dirs() {
        assert!(
            !dir.join(&lab.id).exists(),
            "{} left behind",
            dir.join(&lab.id).display()
        );
    }
    assert!(
        lab.ledger.record().cgroups.is_empty(),
        "{:?}",
        lab.ledger.record()
    );
}

#[test]
fn bad_names_are_refused_before_anything_is_made() {
    let mut lab = Lab::empty();
    // Any cgroup below a hierarchy's root may be a parent (runc's cgroupsPath), but
    // never a path that leaves the hierarchy or is not plain names.
    for parent in ["../contlab", "/contlab", "contlab/../..", "a//b"] {
        let err = Cgroup::create(
            parent,
            &lab.id,
            &Limits::default(),
            &Tracer::null(),
            &mut lab.ledger,
        )
        .expect_err("a parent outside the hierarchy was accepted");
        assert!(err.to_string().contains("cgroup parent"), "{err}");
    }
    assert!(
        Cgroup::create(
            &lab.parent,
            "a/b",
            &Limits::default(),
            &Tracer::null(),
            &mut lab.ledger
        )
        .is_err()
    );
    assert!(lab.ledger.record().cgroups.is_empty());
    for dir in lab.parent_dirs() {
        assert!(!dir.exists(), "{} was made", dir.display());
    }
}

#[test]
fn the_guard_destroys_the_cgroup_when_a_test_panics() {
    let seen = std::sync::Mutex::new(None);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let lab = Lab::new(&Limits::default(), &Tracer::null());
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let child = spawn_in(lab.cg(), &mut cmd);
        // Let go of the child without killing it: only the cgroup's teardown may end it.
        let pid = child.0.id() as i32;
        std::mem::forget(child);
        *seen.lock().unwrap() = Some((pid, lab.cg().paths(), lab.parent_dirs()));
        panic!("a failing test");
    }));
    assert!(outcome.is_err());
    let (pid, paths, parents) = seen.lock().unwrap().take().expect("the test body ran");
    for p in paths.iter().chain(&parents) {
        assert!(!p.exists(), "{} left behind", p.display());
    }
    match waitpid(Pid::from_raw(pid), None) {
        Ok(status) => assert_eq!(
            status,
            WaitStatus::Signaled(Pid::from_raw(pid), Signal::SIGKILL, false)
        ),
        Err(e) => assert_eq!(e, nix::errno::Errno::ECHILD),
    }
}
