//! The terminal the lab will draw in: its size, colour and UTF-8.
//!
//! The terminal is looked for on stdout, then stderr, then stdin, so `contlab doctor
//! --json | jq` still describes the terminal the student sits at.

use super::Check;
use crate::i18n::Lang;
use crate::tr;
use serde::Serialize;
use std::os::fd::{AsFd, AsRawFd};

/// Smallest terminal the lab's panels fit in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Terminal {
    /// A terminal is attached to stdout, stderr or stdin.
    pub tty: bool,
    pub columns: Option<u16>,
    pub rows: Option<u16>,
    /// `TERM`, if set.
    pub term: Option<String>,
    /// `NO_COLOR` is set to something non-empty (see no-color.org).
    pub no_color: bool,
    /// The lab will use colour: a terminal, a `TERM` other than `dumb`, no `NO_COLOR`.
    pub color: bool,
    /// The variable that decides the character set, e.g. `LANG=C.UTF-8`: the first set
    /// of `LC_ALL`, `LC_CTYPE`, `LANG`.
    pub locale: Option<String>,
    pub utf8: bool,
}

nix::ioctl_read_bad!(tiocgwinsz, libc::TIOCGWINSZ, libc::winsize);

/// Columns and rows of the terminal on `fd`, if it is one.
fn size_of(fd: impl AsFd) -> Option<(u16, u16)> {
    let fd = fd.as_fd();
    if !nix::unistd::isatty(fd).unwrap_or(false) {
        return None;
    }
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct it is given, which lives
    // for the whole call.
    unsafe { tiocgwinsz(fd.as_raw_fd(), &mut ws) }.ok()?;
    Some((ws.ws_col, ws.ws_row))
}

/// The terminal's size, and whether one was found at all (a pseudo-terminal may report
/// 0×0 until someone sets its size).
fn find_terminal() -> (bool, Option<(u16, u16)>) {
    let sizes = [
        size_of(std::io::stdout()),
        size_of(std::io::stderr()),
        size_of(std::io::stdin()),
    ];
    let tty = sizes.iter().any(Option::is_some);
    let size = sizes.into_iter().flatten().find(|&(c, r)| c > 0 && r > 0);
    (tty, size)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn check(lang: Lang) -> (Terminal, Vec<Check>) {
    let (tty, size) = find_terminal();
    evaluate(tty, size, &env, lang)
}

/// Whether colour and Unicode should be used for what goes to stdout.
pub fn stdout_style() -> (bool, bool) {
    let stdout_tty = nix::unistd::isatty(std::io::stdout().as_fd()).unwrap_or(false);
    let t = evaluate(stdout_tty, None, &env, Lang::En).0;
    (t.color, t.utf8)
}

/// The same, from what the environment and the terminal said.
pub fn evaluate(
    tty: bool,
    size: Option<(u16, u16)>,
    env: &dyn Fn(&str) -> Option<String>,
    lang: Lang,
) -> (Terminal, Vec<Check>) {
    let term = env("TERM");
    let no_color = env("NO_COLOR").is_some();
    let dumb = term.as_deref().is_none_or(|t| t == "dumb");
    let color = tty && !no_color && !dumb;
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| env(name).map(|v| format!("{name}={v}")));
    let utf8 = locale.as_deref().is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("utf-8") || l.contains("utf8")
    });
    let t = Terminal {
        tty,
        columns: size.map(|s| s.0),
        rows: size.map(|s| s.1),
        term,
        no_color,
        color,
        locale,
        utf8,
    };

    let (min_c, min_r) = MIN_SIZE;
    let size_check = Check::new(
        "terminal_size",
        tr!(lang, "doctor-title-terminal-size"),
        false,
    );
    let need = format!("{min_c}×{min_r}");
    let size_check = match size {
        Some((c, r)) if c >= min_c && r >= min_r => size_check.ok(format!("{c}×{r}")),
        Some((c, r)) => size_check.fail(
            tr!(
                lang,
                "doctor-terminal-small",
                size = format!("{c}×{r}"),
                need = need.as_str()
            ),
            tr!(lang, "doctor-fix-terminal-small", need = need.as_str()),
        ),
        None if tty => size_check.absent(tr!(lang, "doctor-terminal-no-size")),
        None => size_check.absent(tr!(lang, "doctor-terminal-none")),
    };

    let color_check = Check::new("color", tr!(lang, "doctor-title-color"), false);
    let color_check = if color {
        color_check.ok(format!("TERM={}", t.term.as_deref().unwrap_or_default()))
    } else if !tty {
        color_check.absent(tr!(lang, "doctor-terminal-none"))
    } else if no_color {
        color_check.absent(tr!(lang, "doctor-color-no-color"))
    } else {
        color_check
            .absent(tr!(lang, "doctor-color-dumb"))
            .with_fix("export TERM=xterm-256color")
    };

    let utf8_check = Check::new("utf8", "UTF-8", false);
    let utf8_check = if utf8 {
        utf8_check.ok(t.locale.clone().unwrap_or_default())
    } else {
        let locale = match &t.locale {
            Some(l) => l.clone(),
            None => tr!(lang, "doctor-utf8-no-locale"),
        };
        utf8_check.fail(
            tr!(lang, "doctor-utf8-missing", locale = locale),
            "export LANG=C.UTF-8",
        )
    };
    (t, vec![size_check, color_check, utf8_check])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;
    use std::collections::HashMap;

    fn evaluate(
        tty: bool,
        size: Option<(u16, u16)>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (Terminal, Vec<Check>) {
        super::evaluate(tty, size, env, Lang::En)
    }

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).filter(|v| !v.is_empty()).cloned()
    }

    #[test]
    fn a_good_terminal() {
        let (t, checks) = evaluate(
            true,
            Some((120, 40)),
            &with(&[("TERM", "xterm-256color"), ("LANG", "en_US.UTF-8")]),
        );
        assert!(t.color && t.utf8);
        assert!(checks.iter().all(|c| c.status == CheckStatus::Ok));
        assert_eq!(checks[0].detail, "120×40");
    }

    #[test]
    fn no_color_dumb_and_small() {
        let (t, checks) = evaluate(
            true,
            Some((70, 20)),
            &with(&[("TERM", "xterm"), ("NO_COLOR", "1"), ("LANG", "C.UTF-8")]),
        );
        assert!(!t.color && t.no_color);
        assert_eq!(checks[0].status, CheckStatus::Fail);
        assert_eq!(checks[1].status, CheckStatus::Absent);
        let (t, _) = evaluate(true, None, &with(&[("TERM", "dumb")]));
        assert!(!t.color);
        let (t, _) = evaluate(true, None, &with(&[("TERM", "xterm"), ("NO_COLOR", "")]));
        assert!(t.color, "an empty NO_COLOR does not count");
    }

    #[test]
    fn locale_precedence() {
        let (t, checks) = evaluate(
            false,
            None,
            &with(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")]),
        );
        assert!(!t.utf8, "LC_ALL wins over LANG");
        assert_eq!(t.locale.as_deref(), Some("LC_ALL=C"));
        assert_eq!(checks[2].status, CheckStatus::Fail);
        assert_eq!(checks[2].fix.as_deref(), Some("export LANG=C.UTF-8"));
        let (t, _) = evaluate(
            false,
            None,
            &with(&[("LC_CTYPE", "de_DE.utf8"), ("LANG", "C")]),
        );
        assert!(t.utf8);
        let (t, checks) = evaluate(false, None, &with(&[]));
        assert!(!t.utf8 && t.locale.is_none());
        assert_eq!(checks[0].status, CheckStatus::Absent);
    }
}
