//! Reading ELF files to find what they need at run time: the loader (PT_INTERP) and the
//! shared libraries (DT_NEEDED), searched the way glibc's ld.so does — DT_RPATH (when
//! there is no DT_RUNPATH), DT_RUNPATH, the directories of /etc/ld.so.conf, then the
//! standard directories including the multiarch ones — recursively.

use anyhow::{Context, Result, bail};
use goblin::elf::{Elf, header};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

/// What an ELF file says about how it is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub interp: Option<String>,
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    pub is_64: bool,
    pub machine: u16,
}

impl ElfInfo {
    /// Statically linked: no loader and no shared libraries.
    pub fn is_static(&self) -> bool {
        self.interp.is_none() && self.needed.is_empty()
    }
}

fn split_paths(list: &[&str]) -> Vec<String> {
    list.iter()
        .flat_map(|s| s.split(':'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses an ELF file in memory.
pub fn parse(bytes: &[u8]) -> Result<ElfInfo> {
    let elf = Elf::parse(bytes).context("not a readable ELF file")?;
    Ok(ElfInfo {
        interp: elf.interpreter.map(str::to_string),
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        rpath: split_paths(&elf.rpaths),
        runpath: split_paths(&elf.runpaths),
        is_64: elf.is_64,
        machine: elf.header.e_machine,
    })
}

/// Reads and parses the ELF file at `path`.
pub fn read(path: &Path) -> Result<ElfInfo> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&bytes).with_context(|| format!("{} is not a readable ELF file", path.display()))
}

/// The class and machine of an ELF file from its header alone, or None if it is no ELF.
fn class_and_machine(path: &Path) -> Option<(bool, u16)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = [0u8; header::header64::SIZEOF_EHDR];
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    if n < header::header32::SIZEOF_EHDR {
        return None;
    }
    let h = Elf::parse_header(&buf[..n]).ok()?;
    if h.e_type != header::ET_DYN && h.e_type != header::ET_EXEC {
        return None;
    }
    Some((
        h.e_ident[header::EI_CLASS] == header::ELFCLASS64,
        h.e_machine,
    ))
}

/// The Debian multiarch triplet for an ELF machine, if known.
pub fn multiarch_triplet(machine: u16, is_64: bool) -> Option<&'static str> {
    Some(match (machine, is_64) {
        (header::EM_X86_64, true) => "x86_64-linux-gnu",
        (header::EM_X86_64, false) => "x86_64-linux-gnux32",
        (header::EM_386, false) => "i386-linux-gnu",
        (header::EM_AARCH64, true) => "aarch64-linux-gnu",
        (header::EM_ARM, false) => "arm-linux-gnueabihf",
        (header::EM_RISCV, true) => "riscv64-linux-gnu",
        (header::EM_PPC64, true) => "powerpc64le-linux-gnu",
        (header::EM_S390, true) => "s390x-linux-gnu",
        (header::EM_LOONGARCH, true) => "loongarch64-linux-gnu",
        _ => return None,
    })
}

/// The directories ld.so searches last, for objects of this class and machine.
pub fn standard_dirs(machine: u16, is_64: bool) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(t) = multiarch_triplet(machine, is_64) {
        dirs.push(PathBuf::from(format!("/lib/{t}")));
        dirs.push(PathBuf::from(format!("/usr/lib/{t}")));
    }
    if is_64 {
        dirs.push(PathBuf::from("/lib64"));
        dirs.push(PathBuf::from("/usr/lib64"));
    } else {
        dirs.push(PathBuf::from("/lib32"));
        dirs.push(PathBuf::from("/usr/lib32"));
    }
    dirs.push(PathBuf::from("/lib"));
    dirs.push(PathBuf::from("/usr/lib"));
    dirs
}

/// Matches a file name against a pattern with `*` and `?` wildcards.
fn wildcard(pat: &[u8], name: &[u8]) -> bool {
    match (pat.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            wildcard(&pat[1..], name) || (!name.is_empty() && wildcard(pat, &name[1..]))
        }
        (Some(b'?'), Some(_)) => wildcard(&pat[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => wildcard(&pat[1..], &name[1..]),
        _ => false,
    }
}

/// Expands an `include` pattern of ld.so.conf (wildcards in the last component only).
fn expand_include(pattern: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(pat)) = (pattern.parent(), pattern.file_name()) else {
        return Vec::new();
    };
    let pat = pat.as_encoded_bytes();
    if !pat.contains(&b'*') && !pat.contains(&b'?') {
        return vec![pattern.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| wildcard(pat, e.file_name().as_encoded_bytes()))
            .map(|e| e.path())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// The library directories listed in an ld.so.conf file and the files it includes,
/// in order. Missing files give nothing.
pub fn read_ld_so_conf(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    read_ld_so_conf_into(path, 0, &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|d| seen.insert(d.clone()));
    out
}

fn read_ld_so_conf_into(path: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 8 {
        return;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let base = path.parent().unwrap_or(Path::new("/"));
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line
            .strip_prefix("include")
            .filter(|r| r.starts_with([' ', '\t']))
        {
            for pat in rest.split_whitespace() {
                let pat = base.join(pat);
                for f in expand_include(&pat) {
                    read_ld_so_conf_into(&f, depth + 1, out);
                }
            }
            continue;
        }
        if line.starts_with("hwcap") {
            continue;
        }
        for d in line
            .split([' ', '\t', ':', ','])
            .filter(|d| d.starts_with('/'))
        {
            // Old syntax allowed `dir=TYPE`.
            let d = d.split('=').next().unwrap_or(d);
            out.push(PathBuf::from(d));
        }
    }
}

/// One object in the dependency closure.
#[derive(Debug, Clone)]
pub struct Object {
    /// The path it is found at (not canonicalized: the symlinks leading to it matter).
    pub path: PathBuf,
    pub info: ElfInfo,
}

/// Everything an executable needs to run: the loader and the shared libraries.
#[derive(Debug, Clone, Default)]
pub struct Deps {
    /// The loader, exactly as PT_INTERP names it.
    pub interp: Option<PathBuf>,
    /// The shared libraries, in the order they were found (breadth first).
    pub libs: Vec<PathBuf>,
}

impl Deps {
    /// The loader and the libraries together.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        self.interp.iter().chain(self.libs.iter())
    }
}

/// Finds shared libraries the way ld.so would on this machine.
#[derive(Debug, Clone)]
pub struct Resolver {
    /// Directories from /etc/ld.so.conf (what ld.so.cache indexes).
    pub conf_dirs: Vec<PathBuf>,
}

impl Default for Resolver {
    fn default() -> Self {
        Self::new()
    }
}

impl Resolver {
    /// A resolver that reads this machine's /etc/ld.so.conf.
    pub fn new() -> Self {
        Resolver {
            conf_dirs: read_ld_so_conf(Path::new("/etc/ld.so.conf")),
        }
    }

    /// Expands $ORIGIN, $LIB and $PLATFORM in an RPATH/RUNPATH entry.
    fn expand(entry: &str, origin: &Path, info: &ElfInfo) -> PathBuf {
        let lib = if info.is_64 { "lib64" } else { "lib" };
        let platform = match info.machine {
            header::EM_X86_64 => "x86_64",
            header::EM_386 => "i686",
            header::EM_AARCH64 => "aarch64",
            _ => std::env::consts::ARCH,
        };
        let origin = origin.to_string_lossy();
        let s = entry
            .replace("${ORIGIN}", &origin)
            .replace("$ORIGIN", &origin)
            .replace("${LIB}", lib)
            .replace("$LIB", lib)
            .replace("${PLATFORM}", platform)
            .replace("$PLATFORM", platform);
        PathBuf::from(s)
    }

    /// The directories searched for a library that `obj` needs, in ld.so's order.
    pub fn search_dirs(&self, obj: &Object, exe: &Object) -> Vec<PathBuf> {
        let origin_of = |o: &Object| -> PathBuf {
            let real = std::fs::canonicalize(&o.path).unwrap_or_else(|_| o.path.clone());
            real.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("/"))
        };
        let mut dirs = Vec::new();
        if obj.info.runpath.is_empty() {
            // DT_RPATH of the object, then of the executable (the loading chain's root).
            for e in &obj.info.rpath {
                dirs.push(Self::expand(e, &origin_of(obj), &obj.info));
            }
            if !std::ptr::eq(obj, exe) && exe.info.runpath.is_empty() {
                for e in &exe.info.rpath {
                    dirs.push(Self::expand(e, &origin_of(exe), &exe.info));
                }
            }
        }
        for e in &obj.info.runpath {
            dirs.push(Self::expand(e, &origin_of(obj), &obj.info));
        }
        dirs.extend(self.conf_dirs.iter().cloned());
        dirs.extend(standard_dirs(obj.info.machine, obj.info.is_64));
        dirs
    }

    /// Finds library `name` for an object of this class and machine in `dirs`.
    pub fn find_in(name: &str, dirs: &[PathBuf], is_64: bool, machine: u16) -> Option<PathBuf> {
        if name.contains('/') {
            let p = PathBuf::from(name);
            return p.is_file().then_some(p);
        }
        dirs.iter()
            .map(|d| d.join(name))
            .find(|p| p.is_file() && class_and_machine(p) == Some((is_64, machine)))
    }

    /// Finds a library by name in the ld.so.conf and standard directories, for an object
    /// like `like` (same class and machine). For dlopen()ed libraries such as NSS modules.
    pub fn find_lib(&self, name: &str, like: &ElfInfo) -> Option<PathBuf> {
        let mut dirs = self.conf_dirs.clone();
        dirs.extend(standard_dirs(like.machine, like.is_64));
        Self::find_in(name, &dirs, like.is_64, like.machine)
    }

    /// The loader and every shared library `exe` needs, recursively.
    pub fn resolve(&self, exe: &Path) -> Result<Deps> {
        let info = read(exe)?;
        let exe_obj = Object {
            path: exe.to_path_buf(),
            info,
        };
        let mut deps = Deps::default();
        if let Some(interp) = &exe_obj.info.interp {
            let p = PathBuf::from(interp);
            if !p.exists() {
                bail!(
                    "{} needs the loader {interp}, which is not on this machine",
                    exe.display()
                );
            }
            deps.interp = Some(p);
        }
        // Library name -> where it was found; glibc loads each soname once.
        let mut found: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut queue: VecDeque<Object> = VecDeque::new();
        let mut pending: Vec<(String, Vec<PathBuf>, String)> = Vec::new();
        let collect =
            |obj: &Object, exe_obj: &Object, pending: &mut Vec<(String, Vec<PathBuf>, String)>| {
                let dirs = self.search_dirs(obj, exe_obj);
                for n in &obj.info.needed {
                    pending.push((n.clone(), dirs.clone(), obj.path.display().to_string()));
                }
            };
        collect(&exe_obj, &exe_obj, &mut pending);
        loop {
            for (name, dirs, by) in pending.drain(..) {
                if found.contains_key(&name) {
                    continue;
                }
                let Some(path) =
                    Self::find_in(&name, &dirs, exe_obj.info.is_64, exe_obj.info.machine)
                else {
                    bail!(
                        "{by} needs the shared library {name}, which is in none of: {}",
                        dirs.iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                };
                let info = read(&path)?;
                found.insert(name, path.clone());
                deps.libs.push(path.clone());
                queue.push_back(Object { path, info });
            }
            let Some(obj) = queue.pop_front() else { break };
            collect(&obj, &exe_obj, &mut pending);
        }
        Ok(deps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_name(p: &Path) -> String {
        p.file_name().unwrap().to_string_lossy().into_owned()
    }

    #[test]
    fn bin_ls_needs_its_loader_and_libc() {
        let ls = Path::new("/bin/ls");
        if !ls.exists() {
            eprintln!("skip: no /bin/ls");
            return;
        }
        let info = read(ls).unwrap();
        assert!(!info.is_static());
        let deps = Resolver::new().resolve(ls).unwrap();
        let interp = deps.interp.clone().expect("a dynamic ls has a loader");
        assert_eq!(Some(interp.to_str().unwrap()), info.interp.as_deref());
        assert!(interp.exists());
        let names: Vec<String> = deps.libs.iter().map(|p| file_name(p)).collect();
        assert!(names.iter().any(|n| n.starts_with("libc.so")), "{names:?}");
        for l in &deps.libs {
            assert!(l.is_file(), "{}", l.display());
            assert!(l.is_absolute());
        }
        // Every DT_NEEDED of every library is in the closure.
        for l in &deps.libs {
            for n in read(l).unwrap().needed {
                assert!(
                    names.contains(&n) || deps.files().any(|p| file_name(p) == n),
                    "{n} missing"
                );
            }
        }
    }

    #[test]
    fn the_test_binary_resolves_too() {
        let me = std::env::current_exe().unwrap();
        let info = read(&me).unwrap();
        let deps = Resolver::new().resolve(&me).unwrap();
        assert_eq!(deps.interp.is_some(), info.interp.is_some());
        assert!(deps.libs.len() >= info.needed.len());
    }

    #[test]
    fn static_busybox_is_static() {
        // A dynamically linked program is not static: this test binary links libc.
        let me = std::env::current_exe().unwrap();
        assert!(!read(&me).unwrap().is_static(), "{}", me.display());
        let Ok(bb) = which::which("busybox") else {
            eprintln!("skip: no busybox; install Debian's busybox-static");
            return;
        };
        // ldd(1), the loader's own answer, says whether it is static.
        let Ok(ldd) = std::process::Command::new("ldd").arg(&bb).output() else {
            eprintln!("skip: no ldd here to ask the loader");
            return;
        };
        let answer = format!(
            "{}{}",
            String::from_utf8_lossy(&ldd.stdout),
            String::from_utf8_lossy(&ldd.stderr)
        );
        let says_static = !ldd.status.success() && answer.contains("not a dynamic executable");
        if !says_static {
            eprintln!(
                "skip: {} is dynamically linked; install Debian's busybox-static",
                bb.display()
            );
            return;
        }
        assert!(read(&bb).unwrap().is_static(), "{}", bb.display());
    }

    #[test]
    fn not_an_elf_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("script");
        std::fs::write(&p, "#!/bin/sh\necho hi\n").unwrap();
        assert!(read(&p).is_err());
        assert_eq!(class_and_machine(&p), None);
    }

    #[test]
    fn missing_library_is_named() {
        // A copy of the test binary can't be patched easily; check find_in directly.
        let dirs = vec![PathBuf::from("/nonexistent")];
        assert_eq!(
            Resolver::find_in("libc.so.6", &dirs, true, header::EM_X86_64),
            None
        );
    }

    #[test]
    fn ld_so_conf_with_includes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("conf.d")).unwrap();
        std::fs::write(
            d.join("ld.so.conf"),
            format!(
                "# top\n/opt/first\ninclude {}/conf.d/*.conf\n/opt/last\n",
                d.display()
            ),
        )
        .unwrap();
        std::fs::write(d.join("conf.d/b.conf"), "/opt/b # trailing\n").unwrap();
        std::fs::write(d.join("conf.d/a.conf"), "# a\n/opt/a1\n/opt/a2\n").unwrap();
        std::fs::write(d.join("conf.d/ignored.txt"), "/opt/nope\n").unwrap();
        let dirs = read_ld_so_conf(&d.join("ld.so.conf"));
        let want: Vec<PathBuf> = ["/opt/first", "/opt/a1", "/opt/a2", "/opt/b", "/opt/last"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(dirs, want);
    }

    #[test]
    fn relative_include_and_wildcards() {
        assert!(wildcard(b"*.conf", b"x86_64-linux-gnu.conf"));
        assert!(!wildcard(b"*.conf", b"x.conf.bak"));
        assert!(wildcard(b"a?c", b"abc"));
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("inc")).unwrap();
        std::fs::write(d.join("main.conf"), "include inc/*.conf\n").unwrap();
        std::fs::write(d.join("inc/x.conf"), "/opt/x\n").unwrap();
        assert_eq!(
            read_ld_so_conf(&d.join("main.conf")),
            vec![PathBuf::from("/opt/x")]
        );
    }

    #[test]
    fn origin_is_expanded() {
        let info = ElfInfo {
            interp: None,
            needed: vec![],
            rpath: vec![],
            runpath: vec![],
            is_64: true,
            machine: header::EM_X86_64,
        };
        assert_eq!(
            Resolver::expand("$ORIGIN/../lib:${LIB}", Path::new("/opt/app/bin"), &info),
            PathBuf::from("/opt/app/bin/../lib:lib64")
        );
    }

    #[test]
    fn standard_dirs_include_multiarch() {
        let dirs = standard_dirs(header::EM_X86_64, true);
        assert!(dirs.contains(&PathBuf::from("/lib/x86_64-linux-gnu")));
        assert!(dirs.contains(&PathBuf::from("/usr/lib/x86_64-linux-gnu")));
    }
}
