//! The human-readable report.

use super::{CheckStatus, Report};
use crate::i18n::Lang;
use crate::tr;
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// How to draw the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// ✓ ✗ – and the em dash; ASCII stand-ins otherwise.
    pub unicode: bool,
}

impl Style {
    /// No colour, ASCII only.
    pub const PLAIN: Style = Style {
        color: false,
        unicode: false,
    };

    /// Colour when stdout is a colour terminal and `NO_COLOR` is unset; Unicode marks
    /// when the locale is UTF-8.
    pub fn detect() -> Self {
        let (color, unicode) = super::terminal::stdout_style();
        Style { color, unicode }
    }

    fn mark(self, status: CheckStatus) -> String {
        let (glyph, ascii, colour) = match status {
            CheckStatus::Ok => ("✓", "ok", "32"),
            CheckStatus::Fail => ("✗", "no", "31"),
            CheckStatus::Absent => ("–", "--", "33"),
        };
        let text = if self.unicode { glyph } else { ascii };
        self.paint(text, colour)
    }

    fn paint(self, text: &str, sgr: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub fn render(report: &Report, style: Style, lang: Lang) -> String {
    // Columns of the terminal, not characters: a Hangul title is twice as wide.
    let width = report
        .checks
        .iter()
        .map(|c| c.title.width())
        .max()
        .unwrap_or(0);
    let mark_width = if style.unicode { 1 } else { 2 };
    // The fix line starts under the detail column.
    let indent = " ".repeat(mark_width + 1 + width + 2);
    let mut out = String::new();
    for c in &report.checks {
        let detail = if style.unicode {
            c.detail.clone()
        } else {
            ascii(&c.detail)
        };
        let pad = " ".repeat(width - c.title.width());
        let _ = writeln!(out, "{} {}{pad}  {}", style.mark(c.status), c.title, detail);
        if let Some(fix) = &c.fix {
            let fix = if style.unicode {
                fix.clone()
            } else {
                ascii(fix)
            };
            let label = tr!(lang, "doctor-fix-label", fix = fix);
            let _ = writeln!(out, "{indent}{}", style.paint(&label, "1"));
        }
    }
    out.push('\n');
    let dash = if style.unicode { "—" } else { "-" };
    let last = match report.first_fix() {
        None if report.live_mode => style.paint(&tr!(lang, "doctor-live-available"), "1;32"),
        fix => {
            let fix = fix.map(|f| {
                if style.unicode {
                    f.to_string()
                } else {
                    ascii(f)
                }
            });
            let line = tr!(
                lang,
                "doctor-live-unavailable",
                dash = dash,
                fix = fix.unwrap_or_default()
            );
            style.paint(&line, "1;31")
        }
    };
    let _ = writeln!(out, "{last}");
    out
}

/// Stand-ins for the few non-ASCII characters the checks write.
fn ascii(text: &str) -> String {
    text.replace('×', "x")
        .replace('…', "...")
        .replace('—', "-")
        .replace('✓', "ok")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::{CgroupReport, Check, Terminal};
    use crate::inspect::cgroups::{CgroupLayout, CgroupMode};
    use crate::inspect::proc::CapSet;
    use std::collections::BTreeMap;

    fn render(report: &Report, style: Style) -> String {
        super::render(report, style, Lang::En)
    }

    fn report(checks: Vec<Check>) -> Report {
        let live_mode = checks
            .iter()
            .filter(|c| c.required)
            .all(|c| c.status == CheckStatus::Ok);
        Report {
            live_mode,
            checks,
            kernel: "6.1.0".into(),
            privileges: crate::doctor::Privileges {
                uid: 0,
                root: true,
                cap_eff: CapSet::from_mask(0),
                cap_bnd: CapSet::from_mask(0),
                missing: vec![],
            },
            namespaces: BTreeMap::new(),
            cgroup: CgroupReport {
                layout: CgroupLayout {
                    mode: CgroupMode::V2,
                    v1: vec![],
                    unified: None,
                },
                controllers: BTreeMap::new(),
            },
            tools: BTreeMap::new(),
            terminal: Terminal {
                tty: false,
                columns: None,
                rows: None,
                term: None,
                no_color: false,
                color: false,
                locale: None,
                utf8: false,
            },
        }
    }

    fn sample() -> Vec<Check> {
        vec![
            Check::new("root", "root", true).ok("running as root (uid 0)"),
            Check::new("ns_user", "user namespace", false).fail(
                "unshare(CLONE_NEWUSER) failed: ENOSPC",
                "sysctl -w user.max_user_namespaces=10000",
            ),
            Check::new("runc", "runc", false).absent("not installed"),
        ]
    }

    #[test]
    fn aligned_columns_and_fix_under_the_detail() {
        let text = render(
            &report(sample()),
            Style {
                color: false,
                unicode: true,
            },
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "✓ root            running as root (uid 0)");
        assert_eq!(
            lines[1],
            "✗ user namespace  unshare(CLONE_NEWUSER) failed: ENOSPC"
        );
        assert_eq!(
            lines[2],
            "                  fix: sysctl -w user.max_user_namespaces=10000"
        );
        assert_eq!(lines[3], "– runc            not installed");
        assert_eq!(lines.last(), Some(&"live mode: available"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn not_available_names_the_first_required_fix() {
        let mut checks = sample();
        checks.push(Check::new("ns_net", "net namespace", true).fail(
            "unshare(CLONE_NEWNET) failed: EPERM",
            "run it as root: sudo contlab …",
        ));
        let text = render(&report(checks), Style::PLAIN);
        assert!(text.starts_with("ok root"), "{text}");
        assert!(text.contains("\nno user namespace"));
        assert!(text.contains("\n-- runc"));
        assert_eq!(
            text.lines().last(),
            Some("live mode: not available - run it as root: sudo contlab ...")
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let text = render(
            &report(sample()),
            Style {
                color: true,
                unicode: true,
            },
        );
        assert!(text.contains("\x1b[32m✓\x1b[0m"));
        assert!(text.contains("\x1b[31m✗\x1b[0m"));
        assert!(text.contains("\x1b[33m–\x1b[0m"));
    }
}
