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
    let recipe = Recipe::embedded()?;
    let source = opts.from.unwrap_or_else(Source::default_for_host);
    let plan = build::plan(source, recipe, recipe::RECIPE_TEXT, progress)?;
    match &opts.out {
        Some(out) => build_into(&plan, out, progress),
        None => build_cached(&plan, progress),
    }
}

/// The default rootfs (busybox when a static one is found, else host), built into the
/// cache if missing. Safe to call from parallel threads and processes: one builds, the
/// others wait on the lock and get the same path.
pub fn ensure_default() -> Result<PathBuf> {
    build(
        &BuildOptions::default(),
        &mut |m| tracing::info!(target: "contlab::rootfs", "{m}"),
    )
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
fn build_cached(plan: &build::Plan, progress: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    let cache = crate::paths::rootfs_cache_dir();
    let dest = cache.join(plan.cache_name());
    if dest.is_dir() {
        progress(&format!("up to date: {}", dest.display()));
        return Ok(dest);
    }
    fs::create_dir_all(&cache)
        .with_context(|| format!("cannot create the rootfs cache {}", cache.display()))?;
    let _lock = lock(&cache)?;
    if dest.is_dir() {
        progress(&format!("up to date (built meanwhile): {}", dest.display()));
        return Ok(dest);
    }
    // Under the lock no other cache build runs, so any temp dir left is from a crash.
    if let Ok(rd) = fs::read_dir(&cache) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    build_in_temp_then_rename(plan, &cache, &dest, progress)?;
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

/// Builds into `out` (which must not exist or be an empty directory).
fn build_into(plan: &build::Plan, out: &Path, progress: &mut dyn FnMut(&str)) -> Result<PathBuf> {
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
    build_in_temp_then_rename(plan, parent, &out, progress)?;
    Ok(out)
}

/// Assembles in a temp dir inside `beside` (same filesystem as `dest`), then renames it
/// to `dest`. On error the temp dir is removed (TempDir's Drop).
fn build_in_temp_then_rename(
    plan: &build::Plan,
    beside: &Path,
    dest: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempdir_in(beside)
        .map_err(|e| anyhow::anyhow!("cannot write to {}: {e}", beside.display()))?;
    progress(&format!(
        "building {} rootfs in {}",
        plan.source,
        tmp.path().display()
    ));
    build::assemble(plan, tmp.path(), progress)?;
    fs::rename(tmp.path(), dest)
        .with_context(|| format!("cannot move the new rootfs to {}", dest.display()))?;
    // Renamed away: nothing left for the guard to remove.
    let _ = tmp.keep();
    progress(&format!("done: {}", dest.display()));
    Ok(())
}
