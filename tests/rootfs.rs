//! `contlab rootfs build`, run as the real binary with its own state directory.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn state_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("contlab-rootfs-test-")
        .tempdir()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `rootfs build` and returns the path it printed, asserting success.
fn build_ok(state: &Path, args: &[&str]) -> (PathBuf, String) {
    let mut all = vec!["rootfs", "build"];
    all.extend_from_slice(args);
    let o = common::output_in(state, &all);
    assert!(o.status.success(), "contlab {all:?} failed: {}", stderr(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    let path = PathBuf::from(out.trim());
    assert!(
        path.is_dir(),
        "printed path {} is not a directory",
        path.display()
    );
    (path, stderr(&o))
}

fn have_static_busybox() -> bool {
    match contlab::rootfs::find_static_busybox() {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skip: {e}");
            false
        }
    }
}

/// `chroot ROOTFS /bin/sh -c SCRIPT` with plain chroot(8).
fn in_chroot(rootfs: &Path, script: &str) -> String {
    common::require_root("chroot(8) needs root");
    let o = Command::new("chroot")
        .arg(rootfs)
        .args(["/bin/sh", "-c", script])
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .output()
        .expect("run chroot");
    assert!(
        o.status.success(),
        "chroot {} /bin/sh -c {script:?} failed: {}{}",
        rootfs.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn check_layout(rootfs: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    for d in ["proc", "sys", "dev", "tmp", "root", "etc"] {
        assert!(rootfs.join(d).is_dir(), "/{d} missing");
    }
    for d in ["proc", "sys", "dev", "tmp"] {
        assert_eq!(
            fs::read_dir(rootfs.join(d)).unwrap().count(),
            0,
            "/{d} is not empty"
        );
    }
    let tmp = fs::metadata(rootfs.join("tmp")).unwrap();
    assert_eq!(tmp.permissions().mode() & 0o7777, 0o1777);
    let passwd = fs::read_to_string(rootfs.join("etc/passwd")).unwrap();
    assert!(
        passwd.lines().any(|l| l.starts_with("root:x:0:0:")),
        "{passwd}"
    );
    assert!(passwd.lines().any(|l| l.starts_with("nobody:")), "{passwd}");
    let hosts = fs::read_to_string(rootfs.join("etc/hosts")).unwrap();
    assert!(hosts.contains("127.0.0.1") && hosts.contains("localhost"));
    for l in hosts.lines().filter(|l| !l.trim().is_empty()) {
        let addr = l.split_whitespace().next().unwrap();
        assert!(
            addr == "127.0.0.1" || addr == "::1",
            "non-loopback entry {l:?}"
        );
    }
    assert!(rootfs.join("etc/group").is_file());
    assert!(rootfs.join("etc/hostname").is_file());
    assert_eq!(
        fs::metadata(rootfs).unwrap().permissions().mode() & 0o777,
        0o755
    );
    if common::is_root() {
        let m = fs::metadata(rootfs.join("etc/passwd")).unwrap();
        assert_eq!((m.uid(), m.gid()), (0, 0));
    }
}

#[test]
fn busybox_rootfs_runs_a_shell_in_chroot() {
    if !have_static_busybox() {
        return;
    }
    let state = state_dir();
    let (rootfs, err) = build_ok(state.path(), &["--from", "busybox"]);
    assert!(
        rootfs.starts_with(state.path().join("rootfs")),
        "{}",
        rootfs.display()
    );
    assert!(
        rootfs
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("busybox-"),
        "{}",
        rootfs.display()
    );
    assert!(err.contains("rootfs: "), "no progress on stderr: {err}");
    check_layout(&rootfs);
    assert!(
        fs::symlink_metadata(rootfs.join("bin/sh"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(rootfs.join("sbin").is_dir());
    let out = in_chroot(&rootfs, "echo ok");
    assert_eq!(out.trim(), "ok");

    let out = in_chroot(&rootfs, "ls /; id; id nobody; cat /etc/hostname");
    assert!(out.contains("proc") && out.contains("tmp"), "{out}");
    assert!(out.contains("uid=0(root)"), "{out}");
    assert!(out.contains("uid=65534(nobody)"), "{out}");
}

#[test]
fn host_rootfs_runs_a_shell_ls_and_id_in_chroot() {
    let state = state_dir();
    let (rootfs, err) = build_ok(state.path(), &["--from", "host"]);
    assert!(
        rootfs
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("host-"),
        "{}",
        rootfs.display()
    );
    assert!(err.contains("rootfs: "), "no progress on stderr: {err}");
    check_layout(&rootfs);
    // The loader the host's sh names is in the rootfs at the same path.
    let sh = fs::canonicalize("/bin/sh").unwrap();
    if let Some(interp) = contlab::rootfs::elf::read(&sh).unwrap().interp {
        let inside = contlab::rootfs::build::resolve_in_root(&rootfs, Path::new(&interp));
        assert!(
            inside.is_some_and(|p| p.is_file()),
            "loader {interp} missing"
        );
    }
    let out = in_chroot(&rootfs, "echo ok");
    assert_eq!(out.trim(), "ok");

    let out = in_chroot(&rootfs, "ls /");
    let names: Vec<&str> = out.split_whitespace().collect();
    for want in ["bin", "dev", "etc", "proc", "root", "sys", "tmp"] {
        assert!(names.contains(&want), "ls / lacks {want}: {out}");
    }

    let out = in_chroot(
        &rootfs,
        "id; id nobody; cat /etc/hostname; sleep 0; echo done",
    );
    assert!(out.contains("uid=0(root)"), "{out}");
    assert!(out.contains("uid=65534(nobody)"), "{out}");
    assert!(out.contains("contlab"), "{out}");
    assert!(out.trim_end().ends_with("done"), "{out}");
}

#[test]
fn rebuild_with_an_unchanged_key_is_a_no_op() {
    let state = state_dir();
    let (first, err1) = build_ok(state.path(), &["--from", "host"]);
    assert!(err1.contains("done:"), "{err1}");
    // A marker survives only if the second run does not rebuild.
    fs::write(first.join("tmp/marker"), "kept").unwrap();
    let (second, err2) = build_ok(state.path(), &["--from", "host"]);
    assert_eq!(first, second);
    assert!(err2.contains("up to date"), "{err2}");
    assert!(
        !err2.contains("done:") && !err2.contains("building"),
        "{err2}"
    );
    assert_eq!(
        fs::read_to_string(second.join("tmp/marker")).unwrap(),
        "kept"
    );
    // Only the lock and the one rootfs in the cache: no temp dirs left behind.
    let entries: Vec<String> = fs::read_dir(state.path().join("rootfs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock")
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
}

#[test]
fn default_source_is_busybox_when_a_static_one_exists() {
    let state = state_dir();
    let (rootfs, _) = build_ok(state.path(), &[]);
    let name = rootfs.file_name().unwrap().to_string_lossy().into_owned();
    let want = if contlab::rootfs::find_static_busybox().is_ok() {
        "busybox-"
    } else {
        "host-"
    };
    assert!(name.starts_with(want), "{name}");
}

#[test]
fn parallel_processes_share_one_build() {
    let state = state_dir();
    let children: Vec<_> = (0..4)
        .map(|_| {
            common::contlab()
                .args(["rootfs", "build", "--from", "host"])
                .env("CONTLAB_STATE_DIR", state.path())
                .env("CONTLAB_RUN_DIR", state.path().join("run"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outs {
        assert!(o.status.success(), "{}", stderr(o));
    }
    let paths: Vec<String> = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .collect();
    assert!(paths.iter().all(|p| *p == paths[0]), "{paths:?}");
    let builds = outs.iter().filter(|o| stderr(o).contains("done:")).count();
    assert_eq!(builds, 1, "exactly one process builds");
}

#[test]
fn out_dir_new_or_empty_is_written() {
    let state = state_dir();
    let scratch = state_dir();
    let new = scratch.path().join("new-rootfs");
    let (p, _) = build_ok(
        state.path(),
        &["--from", "host", "--out", new.to_str().unwrap()],
    );
    assert_eq!(p, new);
    check_layout(&new);
    assert!(
        !state.path().join("rootfs").exists(),
        "--out must not touch the cache"
    );
    let empty = scratch.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let (p, _) = build_ok(state.path(), &["--out", empty.to_str().unwrap()]);
    assert_eq!(p, empty);
    check_layout(&empty);
    let out = in_chroot(&empty, "echo ok");
    assert_eq!(out.trim(), "ok");

    // No temp dirs beside them.
    let mut names: Vec<String> = fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["empty", "new-rootfs"]);
}

/// Runs a build expected to fail; returns its closing one-line error.
fn build_fails(state: &Path, args: &[&str]) -> String {
    let mut all = vec!["rootfs", "build"];
    all.extend_from_slice(args);
    let o = common::output_in(state, &all);
    assert!(!o.status.success(), "contlab {all:?} should fail");
    assert!(o.stdout.is_empty(), "printed a path on failure");
    let err = stderr(&o);
    let last = err.trim_end().lines().last().unwrap_or("");
    assert!(
        last.starts_with("contlab: "),
        "no one-line error at the end: {err}"
    );
    last.to_string()
}

#[test]
fn bad_out_is_refused_and_leaves_nothing() {
    let state = state_dir();
    let scratch = state_dir();

    let full = scratch.path().join("full");
    fs::create_dir(&full).unwrap();
    fs::write(full.join("keep.txt"), "mine").unwrap();
    let err = build_fails(
        state.path(),
        &["--from", "host", "--out", full.to_str().unwrap()],
    );
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(fs::read_dir(&full).unwrap().count(), 1);
    assert_eq!(fs::read_to_string(full.join("keep.txt")).unwrap(), "mine");

    let file = scratch.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = build_fails(state.path(), &["--out", file.to_str().unwrap()]);
    assert!(err.contains("not a directory"), "{err}");

    let orphan = scratch.path().join("no/such/parent");
    let err = build_fails(state.path(), &["--out", orphan.to_str().unwrap()]);
    assert!(err.contains("does not exist"), "{err}");

    // Unwritable even for root: /proc takes no new directories.
    let err = build_fails(
        state.path(),
        &["--from", "host", "--out", "/proc/contlab-rootfs-test"],
    );
    assert!(err.contains("cannot write"), "{err}");

    let mut names: Vec<String> = fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["file", "full"], "something half-built was left");
    assert!(!state.path().join("rootfs").exists());
}

#[test]
fn unknown_source_is_refused() {
    let state = state_dir();
    let o = common::output_in(state.path(), &["rootfs", "build", "--from", "alpine"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("alpine"), "{}", stderr(&o));
}

/// What each child process of `ensure_default_is_shared_by_threads_and_processes` does
/// (with CONTLAB_STATE_DIR set for it alone): build from four threads at once, then once
/// more, printing each path.
fn ensure_default_child() {
    let threads: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(contlab::rootfs::ensure_default))
        .collect();
    for t in threads {
        let p = t.join().unwrap().unwrap();
        println!("ROOTFS={}", p.display());
    }
    // A second call in the same process answers from memory with the same path.
    println!(
        "ROOTFS={}",
        contlab::rootfs::ensure_default().unwrap().display()
    );
}

#[test]
fn ensure_default_is_shared_by_threads_and_processes() {
    // The children are this same test, run again with the variable set.
    if std::env::var_os("CONTLAB_ROOTFS_TEST_CHILD").is_some() {
        ensure_default_child();
        return;
    }
    let state = state_dir();
    let me = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(&me)
                .args([
                    "--exact",
                    "ensure_default_is_shared_by_threads_and_processes",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("CONTLAB_ROOTFS_TEST_CHILD", "1")
                .env("CONTLAB_STATE_DIR", state.path())
                .env("CONTLAB_RUN_DIR", state.path().join("run"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut paths = Vec::new();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            stderr(&o)
        );
        for l in String::from_utf8_lossy(&o.stdout).lines() {
            // The harness may print "test ensure_default_is_… ... " on the same line.
            if let Some(i) = l.find("ROOTFS=") {
                paths.push(PathBuf::from(&l[i + "ROOTFS=".len()..]));
            }
        }
    }
    assert_eq!(paths.len(), 15, "{paths:?}");
    assert!(paths.iter().all(|p| *p == paths[0]), "{paths:?}");
    assert!(paths[0].starts_with(state.path().join("rootfs")));
    check_layout(&paths[0]);
    let entries: Vec<String> = fs::read_dir(state.path().join("rootfs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock" && n != ".default")
        .collect();
    assert_eq!(entries.len(), 1, "built more than once: {entries:?}");
}
