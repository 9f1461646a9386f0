//! Embeds the `lessons/` directory in the binary, so the installed lab needs no checkout.

use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, root, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "toml" || x == "md" || x == "yaml")
        {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(rel);
        }
    }
}

/// Links the `contlab` binary as a position-dependent executable, as Debian's runc is.
///
/// Every runtime command, and every container's init, is a fresh start of this binary,
/// five or more per OCI lifecycle. Built as PIE, the loader first writes the absolute
/// address into each of the 0.75 MB of `.data.rel.ro` (vtables, panic locations), a
/// copy-on-write fault on each page: about 200 of a start's 430 page faults and 0.6 ms
/// (`perf stat -r 200 contlab runtime -v`). Linked at a fixed address, those pages are
/// read from the file as they are used. The code is still compiled position-independent
/// and libraries, heap and stacks stay randomized; only the binary's own image loses
/// ASLR. `CONTLAB_PIE=1` at build time keeps it PIE.
fn link_position_dependent() {
    println!("cargo:rerun-if-env-changed=CONTLAB_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if linux && std::env::var("CONTLAB_PIE").is_err() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

fn main() {
    link_position_dependent();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join("lessons");
    println!("cargo:rerun-if-changed=lessons");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let mut src = String::from("/// Every lesson file: its path below `lessons/` and its text.\n");
    src.push_str("pub static LESSON_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        let abs = root.join(f);
        let _ = writeln!(
            src,
            "    ({f:?}, include_str!({:?})),",
            abs.to_string_lossy()
        );
    }
    src.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    std::fs::write(out, src).expect("write lessons.rs");
    embed_recordings(Path::new(&manifest));
    pack_relative_relocs();
}

/// Links the binary with packed relative relocations (DT_RELR) where the toolchain can.
/// Every container's init and exec helper is a fresh exec of this binary, and the
/// dynamic loader applies some 35,000 relative relocations before `main`: as classic
/// RELA entries they fill 850 KB that are read at every start; as RELR, 10 KB. The
/// binary stays position-independent with the same RELRO. An old linker that does not
/// know the option, or a C library without `GLIBC_ABI_DT_RELR` (before 2.36), fails
/// the probe link, and the binary is linked as before.
fn pack_relative_relocs() {
    const FLAG: &str = "-Wl,-z,pack-relative-relocs";
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    let out = std::path::PathBuf::from(var("OUT_DIR"));
    let probe = out.join("relr_probe.rs");
    if std::fs::write(&probe, "fn main() {}\n").is_err() {
        return;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut cmd = std::process::Command::new(rustc);
    cmd.arg("--target")
        .arg(var("TARGET"))
        .arg("-C")
        .arg(format!("link-arg={FLAG}"))
        .arg("-o")
        .arg(out.join("relr_probe"))
        .arg(&probe);
    // The user's own flags (a linker of their choice) apply to the probe too.
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    cmd.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    let linked = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if linked {
        println!("cargo:rustc-link-arg-bins={FLAG}");
    }
}

/// Embeds the reference recordings (`assets/recordings/*.journal.jsonl`), so a student
/// without root can replay every lesson from the installed binary.
fn embed_recordings(manifest: &Path) {
    let dir = manifest.join("assets/recordings");
    println!("cargo:rerun-if-changed=assets/recordings");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".journal.jsonl"))
        .collect();
    names.sort();
    let mut src = String::from("/// Reference recordings: (lesson id, journal bytes).\n");
    src.push_str("pub static REFERENCE_RECORDINGS: &[(&str, &[u8])] = &[\n");
    for p in &names {
        let file = p.file_name().unwrap_or_default().to_string_lossy();
        let id = file.trim_end_matches(".journal.jsonl");
        let _ = writeln!(
            src,
            "    ({id:?}, include_bytes!({:?})),",
            p.to_string_lossy()
        );
    }
    src.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("recordings.rs");
    std::fs::write(out, src).expect("write recordings.rs");
}
