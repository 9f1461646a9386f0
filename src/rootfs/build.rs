//! Planning and assembling a rootfs: find the sources, compute the cache key, lay the
//! tree down in a directory.

use super::Source;
use super::elf::{self, Resolver};
use super::recipe::{Recipe, rel_path};
use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Bumped whenever the layout the builder writes changes, so old cache entries are not
/// reused.
pub(crate) const LAYOUT_VERSION: &str = "contlab-rootfs-layout-1";

/// The system directories searched for tools before $PATH, so a user's own `ls` wrapper
/// in ~/bin does not end up in the rootfs.
const SYSTEM_PATH: &str = "/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin:/usr/local/sbin";

/// The message for a missing static busybox.
pub const NO_STATIC_BUSYBOX: &str =
    "no static busybox found; install it with `apt install busybox-static` or use --from host";

/// What will be built, and from what.
#[derive(Debug)]
pub struct Plan {
    pub source: Source,
    pub recipe: Recipe,
    pub kind: PlanKind,
    /// Hex sha256 of the recipe and the sources.
    pub key: String,
}

#[derive(Debug)]
pub enum PlanKind {
    Busybox {
        busybox: PathBuf,
        /// Applet paths relative to the rootfs (`bin/sh`, `sbin/ip`).
        applets: Vec<PathBuf>,
    },
    Host {
        /// Tool name and the host path it was found at.
        tools: Vec<(String, PathBuf)>,
        /// Every host file to copy: tools, loaders, libraries.
        files: BTreeSet<PathBuf>,
    },
}

impl Plan {
    /// The cache directory name: `<source>-<first 16 hex digits of the key>`.
    pub fn cache_name(&self) -> String {
        format!("{}-{}", self.source.name(), &self.key[..16])
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Busybox candidates: `which busybox`, then the usual places.
pub(crate) fn busybox_candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(p) = which::which("busybox") {
        out.push(p);
    }
    for p in [
        "/bin/busybox",
        "/usr/bin/busybox",
        "/sbin/busybox",
        "/usr/sbin/busybox",
    ] {
        let p = PathBuf::from(p);
        if p.is_file() && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The first static busybox on this machine; the error says why none qualifies.
pub fn find_static_busybox() -> Result<PathBuf> {
    let mut dynamic = Vec::new();
    for p in busybox_candidates() {
        match elf::read(&p) {
            Ok(info) if info.is_static() => return Ok(p),
            Ok(_) => dynamic.push(p),
            Err(_) => {}
        }
    }
    if let Some(d) = dynamic.first() {
        bail!(
            "no static busybox found ({} is dynamically linked); install it with \
             `apt install busybox-static` or use --from host",
            d.display()
        );
    }
    bail!(NO_STATIC_BUSYBOX)
}

/// Asks busybox for its applets as paths (`busybox --list-full`), falling back to
/// `--list` with everything in bin/.
fn busybox_applets(busybox: &Path) -> Result<Vec<PathBuf>> {
    let run = |arg: &str| -> Option<String> {
        let out = Command::new(busybox).arg(arg).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8(out.stdout)
            .ok()
            .filter(|s| !s.trim().is_empty())
    };
    let lines: Vec<String> = if let Some(full) = run("--list-full") {
        full.lines().map(|l| l.trim().to_string()).collect()
    } else if let Some(list) = run("--list") {
        list.lines().map(|l| format!("bin/{}", l.trim())).collect()
    } else {
        bail!(
            "{} does not list its applets (`--list-full` and `--list` failed)",
            busybox.display()
        );
    };
    let mut out = BTreeSet::new();
    for l in lines.iter().filter(|l| !l.is_empty()) {
        let p = rel_path(&format!("/{l}"))
            .with_context(|| format!("{} lists an odd applet path {l:?}", busybox.display()))?;
        // `linuxrc` (an initramfs entry point) is the one applet busybox puts at the
        // top; a container has no use for it.
        if p.components().count() < 2 {
            continue;
        }
        out.insert(p);
    }
    Ok(out.into_iter().collect())
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    if let Ok(p) = which::which_in(name, Some(SYSTEM_PATH), &cwd) {
        return Some(p);
    }
    which::which(name).ok()
}

/// Finds the sources and computes the cache key. Reads, never writes.
pub fn plan(
    source: Source,
    recipe: Recipe,
    recipe_text: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<Plan> {
    let mut h = Sha256::new();
    h.update(LAYOUT_VERSION.as_bytes());
    h.update([0]);
    h.update(recipe_text.as_bytes());
    h.update([0]);
    h.update(source.name().as_bytes());
    h.update([0]);
    let kind = match source {
        Source::Busybox => {
            let busybox = find_static_busybox()?;
            let bytes =
                fs::read(&busybox).with_context(|| format!("cannot read {}", busybox.display()))?;
            let applets = busybox_applets(&busybox)?;
            let names: BTreeSet<String> = applets
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            let missing: Vec<&str> = recipe
                .busybox
                .required_applets
                .iter()
                .filter(|a| !names.contains(a.as_str()))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                bail!(
                    "the busybox at {} lacks the applets {} that the recipe requires; use --from host",
                    busybox.display(),
                    missing.join(", ")
                );
            }
            progress(&format!(
                "source: static busybox {} with {} applets",
                busybox.display(),
                applets.len()
            ));
            h.update(Sha256::digest(&bytes));
            for a in &applets {
                h.update(a.as_os_str().as_encoded_bytes());
                h.update([0]);
            }
            PlanKind::Busybox { busybox, applets }
        }
        Source::Host => {
            let resolver = Resolver::new();
            let mut tools = Vec::new();
            let mut files = BTreeSet::new();
            let mut missing_required = Vec::new();
            let mut like: Option<elf::ElfInfo> = None;
            for t in &recipe.host.tools {
                let name = t.name.get_ref();
                let Some(path) = find_tool(name) else {
                    let pkg = t
                        .package
                        .as_deref()
                        .map(|p| format!(" (install {p})"))
                        .unwrap_or_default();
                    if t.optional {
                        progress(&format!(
                            "note: skipping optional tool {name}: not found on this machine{pkg}"
                        ));
                    } else {
                        missing_required.push((name.clone(), t.package.clone()));
                    }
                    continue;
                };
                let real = fs::canonicalize(&path)
                    .with_context(|| format!("cannot resolve {}", path.display()))?;
                match elf::read(&real) {
                    Ok(info) => {
                        let deps = resolver.resolve(&real).with_context(|| {
                            format!("cannot collect what {name} ({}) needs", path.display())
                        })?;
                        files.extend(deps.files().cloned());
                        if like.is_none() && !info.is_static() {
                            like = Some(info);
                        }
                    }
                    Err(_) => progress(&format!(
                        "note: {name} ({}) is not an ELF binary; copied as is",
                        path.display()
                    )),
                }
                files.insert(path.clone());
                tools.push((name.clone(), path));
            }
            if !missing_required.is_empty() {
                let names: Vec<&str> = missing_required.iter().map(|(n, _)| n.as_str()).collect();
                let pkgs: BTreeSet<&str> = missing_required
                    .iter()
                    .filter_map(|(_, p)| p.as_deref())
                    .collect();
                let hint = if pkgs.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; install {} (e.g. `apt install {}`)",
                        pkgs.iter().copied().collect::<Vec<_>>().join(", "),
                        pkgs.iter().copied().collect::<Vec<_>>().join(" ")
                    )
                };
                bail!(
                    "the recipe needs {} but {} not found on this machine{hint}",
                    names.join(", "),
                    if names.len() == 1 {
                        "it was"
                    } else {
                        "they were"
                    }
                );
            }
            if let Some(like) = &like {
                for lib in &recipe.host.extra_libs {
                    if let Some(p) = resolver.find_lib(lib, like) {
                        let deps = resolver.resolve(&fs::canonicalize(&p)?).with_context(|| {
                            format!("cannot collect what {} needs", p.display())
                        })?;
                        files.extend(deps.libs.iter().cloned());
                        files.insert(p);
                    }
                }
            }
            progress(&format!(
                "source: {} host tools, {} files with their loader and libraries",
                tools.len(),
                files.len()
            ));
            for f in &files {
                let m = fs::metadata(f).with_context(|| format!("cannot stat {}", f.display()))?;
                h.update(f.as_os_str().as_encoded_bytes());
                h.update([0]);
                h.update(m.len().to_le_bytes());
                h.update(m.mtime().to_le_bytes());
                h.update(m.mtime_nsec().to_le_bytes());
                h.update(m.ino().to_le_bytes());
            }
            for (n, p) in &tools {
                h.update(n.as_bytes());
                h.update([0]);
                h.update(p.as_os_str().as_encoded_bytes());
                h.update([0]);
            }
            PlanKind::Host { tools, files }
        }
    };
    Ok(Plan {
        source,
        recipe,
        kind,
        key: hex(&h.finalize()),
    })
}

/// `root` joined with a rootfs-relative path, refusing to walk through a symlink whose
/// target is absolute (which would leave the rootfs on the host).
fn in_root(root: &Path, rel: &Path) -> Result<PathBuf> {
    let mut cur = root.to_path_buf();
    for c in rel.components() {
        let Component::Normal(n) = c else {
            bail!("path {} leaves the rootfs", rel.display());
        };
        cur.push(n);
        if let Ok(m) = fs::symlink_metadata(&cur)
            && m.file_type().is_symlink()
            && fs::read_link(&cur)?.is_absolute()
        {
            bail!("{} is a symlink leaving the rootfs", cur.display());
        }
    }
    Ok(cur)
}

/// Resolves an absolute path as seen inside the rootfs, following symlinks inside it.
/// None if some component is missing.
pub fn resolve_in_root(root: &Path, path: &Path) -> Option<PathBuf> {
    let mut stack: Vec<std::ffi::OsString> = path
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut cur = PathBuf::new();
    let mut hops = 0;
    while let Some(c) = stack.pop() {
        if c == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&c);
        let m = fs::symlink_metadata(root.join(&next)).ok()?;
        if m.file_type().is_symlink() {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = fs::read_link(root.join(&next)).ok()?;
            if target.is_absolute() {
                cur = PathBuf::new();
            }
            stack.extend(target.components().rev().filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some("..".into()),
                _ => None,
            }));
        } else {
            cur = next;
        }
    }
    Some(root.join(cur))
}

fn create_dir_mode(p: &Path, mode: u32) -> Result<()> {
    fs::create_dir(p).with_context(|| format!("cannot create {}", p.display()))?;
    fs::set_permissions(p, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the mode of {}", p.display()))
}

/// Creates the directories of `rel` under `root` that are missing, mode 0755.
fn create_parents(root: &Path, rel: &Path) -> Result<()> {
    let mut cur = PathBuf::new();
    for c in rel.components() {
        cur.push(c);
        let p = in_root(root, &cur)?;
        match fs::metadata(&p) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => bail!("{} is in the way of a directory", p.display()),
            Err(_) => create_dir_mode(&p, 0o755)?,
        }
    }
    Ok(())
}

/// Copies a host path into the rootfs at the same path, replicating each symlink met on
/// the way (so `/lib64/ld-linux-x86-64.so.2` arrives with its `lib64 -> usr/lib64` and
/// its link to the real loader), and directories with their host modes.
fn install_host_path(root: &Path, host: &Path) -> Result<usize> {
    let mut stack: Vec<std::ffi::OsString> = host
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut cur = PathBuf::from("/");
    let mut hops = 0;
    let mut copied = 0;
    while let Some(c) = stack.pop() {
        if c == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&c);
        let rel = next.strip_prefix("/").expect("absolute").to_path_buf();
        let dest = root.join(&rel);
        let meta = fs::symlink_metadata(&next)
            .with_context(|| format!("cannot stat {}", next.display()))?;
        let existing = fs::symlink_metadata(&dest).ok();
        let ft = meta.file_type();
        if ft.is_symlink() {
            hops += 1;
            if hops > 40 {
                bail!("too many symlinks resolving {}", host.display());
            }
            let target = fs::read_link(&next)
                .with_context(|| format!("cannot read link {}", next.display()))?;
            match existing {
                None => std::os::unix::fs::symlink(&target, &dest)
                    .with_context(|| format!("cannot create link {}", dest.display()))?,
                Some(m) if m.file_type().is_symlink() && fs::read_link(&dest)? == target => {}
                Some(_) => bail!(
                    "{} is in the way of a link to {}",
                    dest.display(),
                    target.display()
                ),
            }
            if target.is_absolute() {
                cur = PathBuf::from("/");
            }
            stack.extend(target.components().rev().filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some("..".into()),
                _ => None,
            }));
        } else if ft.is_dir() {
            match existing {
                None => create_dir_mode(&dest, meta.mode() & 0o7777)?,
                Some(m) if m.is_dir() => {}
                Some(_) => bail!("{} is in the way of a directory", dest.display()),
            }
            cur = next;
        } else if ft.is_file() {
            if !stack.is_empty() {
                bail!("{} is not a directory", next.display());
            }
            if existing.is_none() {
                fs::copy(&next, &dest).with_context(|| {
                    format!("cannot copy {} to {}", next.display(), dest.display())
                })?;
                fs::set_permissions(&dest, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
                copied += 1;
            }
            cur = next;
        } else {
            bail!(
                "{} is neither a file, a directory nor a link",
                next.display()
            );
        }
    }
    Ok(copied)
}

/// Replicates the host's top-level layout for `name` (a link like `bin -> usr/bin` on a
/// merged-/usr system, else a directory).
fn top_level(root: &Path, name: &str) -> Result<()> {
    let host = Path::new("/").join(name);
    let dest = root.join(name);
    if fs::symlink_metadata(&dest).is_ok() {
        return Ok(());
    }
    match fs::symlink_metadata(&host) {
        Ok(m) if m.file_type().is_symlink() => {
            let target = fs::read_link(&host)?;
            let plain = target
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
            if plain {
                create_parents(root, &target)?;
                std::os::unix::fs::symlink(&target, &dest)
                    .with_context(|| format!("cannot create {}", dest.display()))?;
                return Ok(());
            }
            create_dir_mode(&dest, 0o755)
        }
        _ => create_dir_mode(&dest, 0o755),
    }
}

/// Lays the rootfs down in `root`, an existing empty directory.
pub fn assemble(plan: &Plan, root: &Path, progress: &mut dyn FnMut(&str)) -> Result<()> {
    fs::set_permissions(root, fs::Permissions::from_mode(0o755))?;
    match &plan.kind {
        PlanKind::Busybox { busybox, applets } => {
            for d in ["bin", "sbin", "usr", "usr/bin", "usr/sbin"] {
                create_dir_mode(&root.join(d), 0o755)?;
            }
            let dest = root.join("bin/busybox");
            fs::copy(busybox, &dest)
                .with_context(|| format!("cannot copy {}", busybox.display()))?;
            fs::set_permissions(&dest, fs::Permissions::from_mode(0o755))?;
            let mut n = 0;
            for a in applets {
                if a == Path::new("bin/busybox") {
                    continue;
                }
                let parent = a.parent().unwrap_or(Path::new(""));
                create_parents(root, parent)?;
                let depth = parent.components().count();
                let target = if parent == Path::new("bin") {
                    PathBuf::from("busybox")
                } else {
                    let mut t = PathBuf::new();
                    for _ in 0..depth {
                        t.push("..");
                    }
                    t.join("bin/busybox")
                };
                let link = in_root(root, a)?;
                if fs::symlink_metadata(&link).is_err() {
                    std::os::unix::fs::symlink(&target, &link)
                        .with_context(|| format!("cannot create {}", link.display()))?;
                    n += 1;
                }
            }
            progress(&format!("installed busybox and {n} applet links"));
        }
        PlanKind::Host { tools, files } => {
            for d in ["bin", "sbin"] {
                top_level(root, d)?;
            }
            let mut copied = 0;
            for f in files {
                copied += install_host_path(root, f)?;
            }
            progress(&format!(
                "copied {copied} files ({} tools with their loader and libraries)",
                tools.len()
            ));
            for (name, path) in tools {
                let want = Path::new("/bin").join(name);
                if resolve_in_root(root, &want).is_some_and(|p| fs::symlink_metadata(p).is_ok()) {
                    continue;
                }
                let bin =
                    resolve_in_root(root, Path::new("/bin")).context("no /bin in the rootfs")?;
                std::os::unix::fs::symlink(path, bin.join(name))
                    .with_context(|| format!("cannot link /bin/{name}"))?;
            }
        }
    }
    for d in &plan.recipe.dirs {
        let rel = rel_path(d.path.get_ref()).expect("checked when parsed");
        if let Some(parent) = rel.parent() {
            create_parents(root, parent)?;
        }
        let p = in_root(root, &rel)?;
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => bail!("{} is in the way of a directory", p.display()),
            Err(_) => {
                fs::create_dir(&p).with_context(|| format!("cannot create {}", p.display()))?
            }
        }
        fs::set_permissions(&p, fs::Permissions::from_mode(*d.mode.get_ref()))?;
    }
    for f in &plan.recipe.files {
        let rel = rel_path(f.path.get_ref()).expect("checked when parsed");
        if let Some(parent) = rel.parent() {
            create_parents(root, parent)?;
        }
        let p = in_root(root, &rel)?;
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            fs::remove_file(&p)?;
        }
        fs::write(&p, &f.content).with_context(|| format!("cannot write {}", p.display()))?;
        fs::set_permissions(&p, fs::Permissions::from_mode(*f.mode.get_ref()))?;
    }
    progress(&format!(
        "laid down {} directories and {} files from the recipe",
        plan.recipe.dirs.len(),
        plan.recipe.files.len()
    ));
    if nix::unistd::geteuid().is_root() {
        chown_root(root)?;
    }
    Ok(())
}

/// Makes every entry under `root` owned by root:root (not following links).
fn chown_root(root: &Path) -> Result<()> {
    let m = fs::symlink_metadata(root)?;
    if m.uid() != 0 || m.gid() != 0 {
        std::os::unix::fs::lchown(root, Some(0), Some(0))
            .with_context(|| format!("cannot chown {}", root.display()))?;
        if !m.file_type().is_symlink() {
            // chown clears setuid/setgid bits; put the mode back.
            fs::set_permissions(root, fs::Permissions::from_mode(m.mode() & 0o7777))?;
        }
    }
    if m.is_dir() {
        for e in fs::read_dir(root)? {
            chown_root(&e?.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(text: &str) -> Recipe {
        Recipe::parse(text, "t.toml").unwrap()
    }

    #[test]
    fn a_missing_required_tool_names_the_package() {
        let text = "[[host.tools]]\nname = \"sh\"\n[[host.tools]]\nname = \"contlab-no-such-tool\"\npackage = \"contlab-pkg\"\n";
        let err = plan(Source::Host, recipe(text), text, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(err.contains("contlab-no-such-tool"), "{err}");
        assert!(err.contains("apt install contlab-pkg"), "{err}");
    }

    #[test]
    fn a_missing_optional_tool_is_skipped_with_a_note() {
        let text = "[[host.tools]]\nname = \"sh\"\n[[host.tools]]\nname = \"contlab-no-such-tool\"\npackage = \"contlab-pkg\"\noptional = true\n";
        let mut notes = Vec::new();
        let p = plan(Source::Host, recipe(text), text, &mut |m| {
            notes.push(m.to_string())
        })
        .unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("skipping optional tool contlab-no-such-tool")),
            "{notes:?}"
        );
        let PlanKind::Host { tools, files } = &p.kind else {
            panic!("not a host plan")
        };
        assert_eq!(tools.len(), 1);
        assert!(
            files.len() > 1,
            "sh comes with its loader and libraries: {files:?}"
        );
    }

    #[test]
    fn the_key_follows_the_recipe() {
        let a = "[[host.tools]]\nname = \"sh\"\n";
        let b = "[[host.tools]]\nname = \"sh\"\n# changed\n";
        let ka = plan(Source::Host, recipe(a), a, &mut |_| {}).unwrap().key;
        let ka2 = plan(Source::Host, recipe(a), a, &mut |_| {}).unwrap().key;
        let kb = plan(Source::Host, recipe(b), b, &mut |_| {}).unwrap().key;
        assert_eq!(ka, ka2);
        assert_ne!(ka, kb);
    }

    #[test]
    fn host_paths_arrive_with_their_symlinks() {
        let root = tempfile::tempdir().unwrap();
        let sh = Path::new("/bin/sh");
        install_host_path(root.path(), sh).unwrap();
        // Same path inside as outside, resolving to a real file.
        let inside = resolve_in_root(root.path(), sh).unwrap();
        assert!(inside.is_file(), "{}", inside.display());
        assert!(inside.starts_with(root.path()));
        // Each link on the host is a link in the rootfs.
        for (host, rel) in [("/bin", "bin"), ("/bin/sh", "bin/sh")] {
            let hm = fs::symlink_metadata(host).unwrap();
            if hm.file_type().is_symlink() {
                let t = fs::read_link(host).unwrap();
                let r = resolve_in_root(root.path(), Path::new("/")).unwrap();
                assert_eq!(fs::read_link(r.join(rel)).ok(), Some(t), "{host}");
            }
        }
        // A second install is a no-op.
        assert_eq!(install_host_path(root.path(), sh).unwrap(), 0);
    }

    #[test]
    fn resolve_in_root_stays_inside() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::create_dir_all(r.join("usr/bin")).unwrap();
        std::os::unix::fs::symlink("usr/bin", r.join("bin")).unwrap();
        std::os::unix::fs::symlink("/usr/bin", r.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../..", r.join("usr/bin/up")).unwrap();
        fs::write(r.join("usr/bin/x"), "").unwrap();
        assert_eq!(
            resolve_in_root(r, Path::new("/bin/x")),
            Some(r.join("usr/bin/x"))
        );
        assert_eq!(
            resolve_in_root(r, Path::new("/abs/x")),
            Some(r.join("usr/bin/x"))
        );
        assert_eq!(
            resolve_in_root(r, Path::new("/bin/up/bin/x")),
            Some(r.join("usr/bin/x"))
        );
        assert_eq!(resolve_in_root(r, Path::new("/bin/nope")), None);
        assert!(in_root(r, Path::new("abs/x")).is_err());
        assert_eq!(in_root(r, Path::new("bin/x")).unwrap(), r.join("bin/x"));
    }
}
