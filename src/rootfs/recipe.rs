//! The rootfs recipe: which tools go in, which directories and files are laid down.
//!
//! The recipe is `rootfs-fixtures/recipe.toml`, embedded in the binary so an installed
//! `contlab` needs no checkout. Parse errors name the file and line:
//! `rootfs-fixtures/recipe.toml:12: unknown field ...`.

use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// Where the embedded recipe comes from, as error messages name it.
pub const RECIPE_NAME: &str = "rootfs-fixtures/recipe.toml";

/// The recipe text compiled into this binary.
pub const RECIPE_TEXT: &str = include_str!("../../rootfs-fixtures/recipe.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    #[serde(default)]
    pub busybox: BusyboxSection,
    #[serde(default)]
    pub host: HostSection,
    #[serde(default)]
    pub dirs: Vec<DirEntry>,
    #[serde(default)]
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusyboxSection {
    /// Applets the busybox must provide; one that lacks any is refused.
    #[serde(default)]
    pub required_applets: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSection {
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// Libraries that are dlopen()ed rather than named in DT_NEEDED; copied when found.
    #[serde(default)]
    pub extra_libs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// The command name, looked up like a shell would (system dirs, then $PATH).
    pub name: Spanned<String>,
    /// The distribution package that provides it, for the "install X" hint.
    #[serde(default)]
    pub package: Option<String>,
    /// An optional tool missing on the host is skipped with a note.
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirEntry {
    pub path: Spanned<String>,
    #[serde(default = "default_dir_mode")]
    pub mode: Spanned<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: Spanned<String>,
    pub content: String,
    #[serde(default = "default_file_mode")]
    pub mode: Spanned<u32>,
}

fn default_dir_mode() -> Spanned<u32> {
    Spanned::new(0..0, 0o755)
}

fn default_file_mode() -> Spanned<u32> {
    Spanned::new(0..0, 0o644)
}

/// The 1-based line of byte offset `pos` in `text`.
fn line_of(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()[..pos]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Turns a path from the recipe into one relative to the rootfs: it must be absolute,
/// with no `..`, and not `/` itself.
pub fn rel_path(p: &str) -> Option<PathBuf> {
    let path = Path::new(p);
    if !path.is_absolute() {
        return None;
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(n) => out.push(n),
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    if out.as_os_str().is_empty() {
        None
    } else {
        Some(out)
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && !n.contains('/') && n != "." && n != ".."
}

impl Recipe {
    /// The recipe compiled into this binary.
    pub fn embedded() -> anyhow::Result<Recipe> {
        Recipe::parse(RECIPE_TEXT, RECIPE_NAME)
    }

    /// Parses and checks a recipe; `origin` names it in errors (`origin:LINE: message`).
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Recipe> {
        let at = |span: Option<std::ops::Range<usize>>, msg: &str| -> anyhow::Error {
            let msg = msg.trim().replace('\n', " ");
            match span {
                Some(s) => anyhow::anyhow!("{origin}:{}: {msg}", line_of(text, s.start)),
                None => anyhow::anyhow!("{origin}: {msg}"),
            }
        };
        let recipe: Recipe = toml::from_str(text).map_err(|e| at(e.span(), e.message()))?;

        let mut seen = std::collections::BTreeSet::new();
        for t in &recipe.host.tools {
            if !valid_name(t.name.get_ref()) {
                return Err(at(
                    Some(t.name.span()),
                    &format!(
                        "tool name {:?} must be a plain command name",
                        t.name.get_ref()
                    ),
                ));
            }
            if !seen.insert(t.name.get_ref().clone()) {
                return Err(at(
                    Some(t.name.span()),
                    &format!("tool {:?} is listed twice", t.name.get_ref()),
                ));
            }
        }
        for a in &recipe.busybox.required_applets {
            if !valid_name(a) {
                return Err(at(
                    None,
                    &format!("applet name {a:?} must be a plain command name"),
                ));
            }
        }
        for l in &recipe.host.extra_libs {
            if !valid_name(l) {
                return Err(at(
                    None,
                    &format!("extra_libs entry {l:?} must be a file name"),
                ));
            }
        }
        for d in &recipe.dirs {
            if rel_path(d.path.get_ref()).is_none() {
                return Err(at(
                    Some(d.path.span()),
                    &format!(
                        "dir path {:?} must be absolute, below / and without ..",
                        d.path.get_ref()
                    ),
                ));
            }
            if *d.mode.get_ref() > 0o7777 {
                return Err(at(Some(d.mode.span()), "mode must be at most 0o7777"));
            }
        }
        for f in &recipe.files {
            if rel_path(f.path.get_ref()).is_none() {
                return Err(at(
                    Some(f.path.span()),
                    &format!(
                        "file path {:?} must be absolute, below / and without ..",
                        f.path.get_ref()
                    ),
                ));
            }
            if *f.mode.get_ref() > 0o7777 {
                return Err(at(Some(f.mode.span()), "mode must be at most 0o7777"));
            }
        }
        Ok(recipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_recipe_parses_and_has_the_basics() {
        let r = Recipe::embedded().unwrap();
        let files: Vec<&str> = r.files.iter().map(|f| f.path.get_ref().as_str()).collect();
        for want in ["/etc/passwd", "/etc/group", "/etc/hostname", "/etc/hosts"] {
            assert!(files.contains(&want), "{want} missing from the recipe");
        }
        let passwd = r
            .files
            .iter()
            .find(|f| f.path.get_ref() == "/etc/passwd")
            .unwrap();
        assert!(passwd.content.contains("root:x:0:0:"));
        assert!(passwd.content.contains("nobody:x:65534:"));
        let hosts = r
            .files
            .iter()
            .find(|f| f.path.get_ref() == "/etc/hosts")
            .unwrap();
        assert!(hosts.content.contains("127.0.0.1"));
        let tmp = r.dirs.iter().find(|d| d.path.get_ref() == "/tmp").unwrap();
        assert_eq!(*tmp.mode.get_ref(), 0o1777);
        for d in ["/proc", "/sys", "/dev", "/root"] {
            assert!(r.dirs.iter().any(|e| e.path.get_ref() == d), "{d} missing");
        }
        let sh = r
            .host
            .tools
            .iter()
            .find(|t| t.name.get_ref() == "sh")
            .unwrap();
        assert!(!sh.optional);
        let ps = r
            .host
            .tools
            .iter()
            .find(|t| t.name.get_ref() == "ps")
            .unwrap();
        assert_eq!(ps.package.as_deref(), Some("procps"));
        assert!(r.busybox.required_applets.iter().any(|a| a == "sh"));
    }

    #[test]
    fn defaults_apply() {
        let r = Recipe::parse(
            "[[dirs]]\npath = \"/x\"\n[[files]]\npath = \"/etc/y\"\ncontent = \"\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(*r.dirs[0].mode.get_ref(), 0o755);
        assert_eq!(*r.files[0].mode.get_ref(), 0o644);
        assert!(r.host.tools.is_empty());
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let text =
            "[busybox]\nrequired_applets = [\"sh\"]\n\n[[host.tools]]\nname = \"ls\"\npackage = \n";
        let err = Recipe::parse(text, RECIPE_NAME).unwrap_err().to_string();
        assert!(err.starts_with("rootfs-fixtures/recipe.toml:6: "), "{err}");
    }

    #[test]
    fn unknown_field_names_its_line() {
        let text = "# comment\n\n[[host.tools]]\nname = \"ls\"\nopshunal = true\n";
        let err = Recipe::parse(text, RECIPE_NAME).unwrap_err().to_string();
        assert!(err.starts_with("rootfs-fixtures/recipe.toml:5: "), "{err}");
        assert!(err.contains("opshunal"), "{err}");
    }

    #[test]
    fn wrong_type_names_its_line() {
        let text = "[[dirs]]\npath = \"/tmp\"\nmode = \"1777\"\n";
        let err = Recipe::parse(text, "r.toml").unwrap_err().to_string();
        assert!(err.starts_with("r.toml:3: "), "{err}");
    }

    #[test]
    fn bad_paths_and_names_are_refused_with_line() {
        let err = Recipe::parse(
            "[[files]]\npath = \"etc/passwd\"\ncontent = \"\"\n",
            "r.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("r.toml:2: "), "{err}");
        let err = Recipe::parse("[[dirs]]\npath = \"/../x\"\n", "r.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("r.toml:2: "), "{err}");
        let err = Recipe::parse("[[host.tools]]\nname = \"/bin/ls\"\n", "r.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("r.toml:2: "), "{err}");
        let err = Recipe::parse(
            "[[host.tools]]\nname = \"ls\"\n[[host.tools]]\nname = \"ls\"\n",
            "r.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("r.toml:4: ") && err.contains("twice"),
            "{err}"
        );
    }

    #[test]
    fn rel_path_rules() {
        assert_eq!(rel_path("/etc/passwd"), Some(PathBuf::from("etc/passwd")));
        assert_eq!(rel_path("/tmp/"), Some(PathBuf::from("tmp")));
        assert_eq!(rel_path("/"), None);
        assert_eq!(rel_path("etc"), None);
        assert_eq!(rel_path("/a/../b"), None);
    }
}
