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

fn main() {
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
