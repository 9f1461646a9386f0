//! `contlab rootfs build`: the small root filesystem lesson containers run in.
//!
//! A rootfs is a plain directory tree assembled from this machine, with no network:
//! either a static busybox with a link per applet, or the host's own binaries copied
//! with their loader and shared libraries (read from the ELF files, recursively). What
//! goes in is `rootfs-fixtures/recipe.toml`, embedded in the binary.
//!
//! Builds land in `paths::rootfs_cache_dir()/<source>-<hash>`, keyed by the recipe and
//! the sources, so an unchanged rebuild is a no-op. Every build happens in a temporary
//! directory beside its destination and is renamed into place at the end; a failed
//! build leaves nothing behind. Builds into the cache hold a file lock, so parallel
//! threads and processes calling [`ensure_default`] build once and share the result.
//!
//! The API the runtime and the lesson engine use: [`Source`], [`BuildOptions`],
//! [`build`], [`ensure_default`], and [`build_cli`] for the command line.

pub mod build;
pub mod elf;
pub mod recipe;

use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};

pub use build::{NO_STATIC_BUSYBOX, find_static_busybox};
pub use recipe::Recipe;

/// Where a rootfs's binaries come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A static busybox and a link per applet.
    Busybox,
    /// This machine's binaries with the libraries and loader they need.
    Host,
}

impl Source {
    /// The name used on the command line and in cache directory names.
    pub fn name(self) -> &'static str {
        match self {
            Source::Busybox => "busybox",
            Source::Host => "host",
        }
    }

    /// Busybox when a static busybox is found, else host.
    pub fn default_for_host() -> Source {
        if find_static_busybox().is_ok() {
            Source::Busybox
        } else {
            Source::Host
        }
    }
}

impl std::str::FromStr for Source {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Source> {
        match s {
            "busybox" => Ok(Source::Busybox),
            "host" => Ok(Source::Host),
            other => bail!("unknown rootfs source {other:?}; use busybox or host"),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What to build and where.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// None: busybox when a static busybox is found, else host.
    pub from: Option<Source>,
    /// None: the cache (`paths::rootfs_cache_dir()`). Some: this directory, which must
    /// not exist yet or be empty; never cached.
    pub out: Option<PathBuf>,
}

/// Builds a rootfs as `opts` says and returns its path. `progress` gets one short line
/// per stage. With no `out`, a cached rootfs with the same key is returned as is.
pub fn build(opts: &BuildOptions, progress: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    // Bad input fails before any work.
    let out = opts.out.as_deref().map(check_out).transpose()?;
    let recipe = Recipe::embedded()?;
    let source = opts.from.unwrap_or_else(Source::default_for_host);
    let plan = build::plan(source, recipe, recipe::RECIPE_TEXT, progress)?;
    match out {
        Some((out, tmp)) => {
            finish(&plan, tmp, &out, progress)?;
            Ok(out)
        }
        None => build_cached(&plan, &crate::paths::rootfs_cache_dir(), progress),
    }
}

/// The default rootfs (busybox when a static one is found, else host), built into the
/// cache if missing. Safe to call from parallel threads and processes: one builds, the
/// others wait on the lock and get the same path.
///
/// The first call in a process checks the sources and the cache (tens of milliseconds);
/// later calls with the same cache directory return the remembered path at once.
pub fn ensure_default() -> Result<PathBuf> {
    use std::sync::Mutex;
    static KNOWN: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
    let cache = crate::paths::rootfs_cache_dir();
    let known = |cache: &Path| -> Option<PathBuf> {
        let k = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        k.iter()
            .find(|(c, p)| c == cache && p.is_dir())
            .map(|(_, p)| p.clone())
    };
    if let Some(p) = known(&cache) {
        return Ok(p);
    }
    let fingerprint = default_fingerprint();
    let p = match stamped(&cache, &fingerprint) {
        Some(p) => p,
        None => {
            let p = build(
                &BuildOptions::default(),
                &mut |m| tracing::info!(target: "contlab::rootfs", "{m}"),
            )?;
            write_stamp(&cache, &fingerprint, &p);
            p
        }
    };
    KNOWN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((cache, p.clone()));
    Ok(p)
}

/// The file in the cache that tells the next process which directory the default rootfs
/// is, with the fingerprint of what it was built from.
const STAMP: &str = ".default";

/// What the default rootfs's key depends on, found without reading any binary: the
/// layout, the recipe, and each busybox candidate's identity (path, device, inode,
/// size, modification and change times). Planning reads and hashes the whole busybox
/// and runs it for its applets, most of a one-shot `contlab sandbox`; while this is
/// unchanged, the plan would be too.
fn default_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    use std::os::unix::fs::MetadataExt;
    let mut text = format!("{}\n{}\n", build::LAYOUT_VERSION, recipe::RECIPE_TEXT);
    for p in build::busybox_candidates() {
        if let Ok(m) = fs::metadata(&p) {
            let _ = writeln!(
                text,
                "{} {} {} {} {}.{} {}.{}",
                p.display(),
                m.dev(),
                m.ino(),
                m.len(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec()
            );
        }
    }
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The cached busybox rootfs the stamp names, if the fingerprint still matches and the
/// directory is there.
fn stamped(cache: &Path, fingerprint: &str) -> Option<PathBuf> {
    let text = fs::read_to_string(cache.join(STAMP)).ok()?;
    let (stamp, name) = text.trim_end().split_once(' ')?;
    let hex = name.strip_prefix("busybox-")?;
    if stamp != fingerprint || hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(cache.join(name)).filter(|p| p.is_dir())
}

/// Remembers a busybox rootfs for the next process (written aside, then renamed, so a
/// reader sees the old stamp or the new one). A host rootfs depends on more files than
/// the fingerprint covers, so it is planned every time.
fn write_stamp(cache: &Path, fingerprint: &str, dir: &Path) {
    let Some(name) = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| n.starts_with("busybox-") && dir.parent() == Some(cache))
    else {
        return;
    };
    let tmp = cache.join(format!("{STAMP}.{}", std::process::id()));
    if fs::write(&tmp, format!("{fingerprint} {name}\n")).is_err()
        || fs::rename(&tmp, cache.join(STAMP)).is_err()
    {
        let _ = fs::remove_file(&tmp);
    }
}

/// `contlab rootfs build [--from busybox|host] [--out DIR]`, with progress on stderr.
pub fn build_cli(from: Option<&str>, out: Option<&Path>) -> Result<PathBuf> {
    let from = from.map(str::parse::<Source>).transpose()?;
    let opts = BuildOptions {
        from,
        out: out.map(Path::to_path_buf),
    };
    build(&opts, &mut |m| eprintln!("rootfs: {m}"))
}

/// Prefix of the temporary directories builds happen in.
const TMP_PREFIX: &str = ".build-";

/// Builds into the cache under the cache lock, unless the key is there already.
fn build_cached(
    plan: &build::Plan,
    cache: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let dest = cache.join(plan.cache_name());
    if dest.is_dir() {
        progress(&format!("up to date: {}", dest.display()));
        return Ok(dest);
    }
    fs::create_dir_all(cache)
        .with_context(|| format!("cannot create the rootfs cache {}", cache.display()))?;
    let _lock = lock(cache)?;
    if dest.is_dir() {
        progress(&format!("up to date (built meanwhile): {}", dest.display()));
        return Ok(dest);
    }
    // Under the lock no other cache build runs, so any temp dir left is from a crash.
    if let Ok(rd) = fs::read_dir(cache) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    let tmp = temp_dir_in(cache)?;
    finish(plan, tmp, &dest, progress)?;
    Ok(dest)
}

/// The cache lock: an exclusive flock on `<cache>/.lock`, held until dropped.
fn lock(cache: &Path) -> Result<nix::fcntl::Flock<fs::File>> {
    let path = cache.join(".lock");
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the rootfs cache lock {}", path.display()))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("cannot lock {}: {e}", path.display()))
}

/// Checks an `--out` directory: it must not exist or be an empty directory, in an
/// existing, writable directory. Returns it made absolute, and the temp dir beside it
/// to build in.
fn check_out(out: &Path) -> Result<(PathBuf, BuildDir)> {
    let out = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()?.join(out)
    };
    match fs::symlink_metadata(&out) {
        Ok(m) if m.is_dir() => {
            let mut entries = fs::read_dir(&out)
                .with_context(|| format!("cannot read the --out directory {}", out.display()))?;
            if entries.next().is_some() {
                bail!(
                    "--out {} already exists and is not empty; pass a new or empty directory",
                    out.display()
                );
            }
        }
        Ok(_) => bail!(
            "--out {} already exists and is not a directory",
            out.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => bail!("cannot check --out {}: {e}", out.display()),
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("/"));
    match fs::metadata(parent) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!(
            "cannot write --out {}: {} is not a directory",
            out.display(),
            parent.display()
        ),
        Err(_) => bail!(
            "cannot write --out {}: its parent {} does not exist",
            out.display(),
            parent.display()
        ),
    }
    if nix::unistd::access(
        parent,
        nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK,
    )
    .is_err()
    {
        bail!(
            "cannot write --out {}: {} is not writable",
            out.display(),
            parent.display()
        );
    }
    let tmp =
        temp_dir_in(parent).with_context(|| format!("cannot write --out {}", out.display()))?;
    Ok((out, tmp))
}

/// A directory a build happens in, removed with its contents when dropped unless it
/// was renamed into place: a failed build leaves nothing behind.
struct BuildDir {
    path: PathBuf,
    done: bool,
}

impl BuildDir {
    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for BuildDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// A temp dir to build in, inside `dir` (so on the destination's filesystem), mode 0700
/// until it is finished.
fn temp_dir_in(dir: &Path) -> Result<BuildDir> {
    use std::os::unix::fs::DirBuilderExt;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{TMP_PREFIX}{}-{nanos:x}-{n}", std::process::id()));
        match fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => return Ok(BuildDir { path, done: false }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => bail!("cannot create a directory in {}: {e}", dir.display()),
        }
    }
    bail!("cannot create a unique directory in {}", dir.display())
}

/// Assembles in `tmp` (a temp dir beside `dest`), then renames it to `dest`. On error
/// `tmp` is dropped, which removes it.
fn finish(
    plan: &build::Plan,
    mut tmp: BuildDir,
    dest: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<()> {
    progress(&format!(
        "building {} rootfs in {}",
        plan.source,
        tmp.path().display()
    ));
    build::assemble(plan, tmp.path(), progress)?;
    fs::rename(tmp.path(), dest)
        .with_context(|| format!("cannot move the new rootfs to {}", dest.display()))?;
    // Renamed away: nothing left for the guard to remove.
    tmp.done = true;
    progress(&format!("done: {}", dest.display()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    fn plan_for(source: Source) -> build::Plan {
        build::plan(
            source,
            Recipe::embedded().unwrap(),
            recipe::RECIPE_TEXT,
            &mut |_| {},
        )
        .unwrap()
    }

    #[test]
    fn parallel_threads_build_once_and_share_the_path() {
        let cache = tempfile::tempdir().unwrap();
        let threads = 6;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let cache = cache.path().to_path_buf();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let plan = plan_for(Source::Host);
                    let mut built = 0;
                    barrier.wait();
                    let p = build_cached(&plan, &cache, &mut |m| {
                        if m.starts_with("done:") {
                            built += 1;
                        }
                    })
                    .unwrap();
                    (p, built)
                })
            })
            .collect();
        let results: Vec<(PathBuf, i32)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(results.iter().all(|(p, _)| *p == results[0].0));
        assert_eq!(
            results.iter().map(|(_, b)| b).sum::<i32>(),
            1,
            "exactly one build"
        );
        assert!(results[0].0.join("etc/passwd").is_file());
        // No temp dirs left, only the lock file and the rootfs.
        let mut names: Vec<String> = fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_failed_build_leaves_nothing() {
        let cache = tempfile::tempdir().unwrap();
        let mut plan = plan_for(Source::Host);
        // A file whose parent is a file: assembling fails after copying the binaries.
        plan.recipe = Recipe::parse(
            "[[files]]\npath = \"/etc/passwd\"\ncontent = \"x\"\n[[files]]\npath = \"/etc/passwd/x\"\ncontent = \"\"\n",
            "t.toml",
        )
        .unwrap();
        let err = build_cached(&plan, cache.path(), &mut |_| {}).unwrap_err();
        assert!(format!("{err:#}").contains("passwd"), "{err:#}");
        let names: Vec<String> = fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![".lock".to_string()]);
    }

    #[test]
    fn stale_temp_dirs_are_swept() {
        let cache = tempfile::tempdir().unwrap();
        fs::create_dir(cache.path().join(".build-crashed")).unwrap();
        let p = build_cached(&plan_for(Source::Host), cache.path(), &mut |_| {}).unwrap();
        assert!(p.is_dir());
        assert!(!cache.path().join(".build-crashed").exists());
    }

    #[test]
    fn source_names_round_trip() {
        for s in [Source::Busybox, Source::Host] {
            assert_eq!(s.name().parse::<Source>().unwrap(), s);
        }
        assert!("alpine".parse::<Source>().is_err());
    }
}
