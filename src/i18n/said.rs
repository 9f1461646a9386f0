//! Errors a student reads, in the lab's language.
//!
//! An error deep in the runtime is raised as a [`Said`]: a catalog id and its values,
//! whose `Display` is the English sentence, so logs, `--json` keys and English output read
//! as before. It travels in an `anyhow` chain like any other error (`bail_said!`, or
//! `.context(said!(…))`), and [`render`] turns the whole chain into one sentence in the
//! chosen language: each `Said` link from the catalog, an OS error (`std::io::Error`,
//! `nix::errno::Errno`) as the catalog's sentence for its errno with the errno's name
//! kept, and any link still written only in English, in Korean, as a labelled detail.
//!
//! Why a catalog id rather than typed error enums per module: the runtime has hundreds of
//! distinct failures, most raised once; an enum variant each, plus a mapping in the
//! lesson layer, would be three places to change per sentence, while a `Said` is one
//! line at the `bail!` it replaces and one line in each catalog, checked by the catalog
//! tests like every `tr!`.
//!
//! `anyhow` keeps a context value behind its own wrapper type, so a chain link cannot be
//! downcast to the `Said` it carries. [`Chain::of`] therefore asks each link to display
//! itself while a thread-local slot is open, and a `Said` (or a link rebuilt from a
//! [`Chain`]) puts itself there as it is displayed.

use super::Lang;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;

/// A sentence of the catalog with its values, as an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    pub id: Cow<'static, str>,
    pub args: Vec<(Cow<'static, str>, String)>,
}

impl Said {
    pub fn new(id: &'static str, args: Vec<(&'static str, String)>) -> Said {
        Said {
            id: Cow::Borrowed(id),
            args: args
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), v))
                .collect(),
        }
    }

    /// The sentence in `lang`.
    pub fn in_lang(&self, lang: Lang) -> String {
        let args: Vec<(&str, super::FluentValue<'_>)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_ref(), super::FluentValue::from(v.as_str())))
            .collect();
        super::tr(lang, &self.id, &args)
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if seen(|| Link::Said(self.clone())) {
            return Ok(());
        }
        f.write_str(&self.in_lang(Lang::En))
    }
}

impl std::error::Error for Said {}

/// One link of an error chain, as it can be carried across a process boundary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// A catalog sentence.
    Said(Said),
    /// An OS error: its number and the English text it was shown with.
    Errno { errno: i32, text: String },
    /// A sentence that exists only in English.
    Text(String),
}

thread_local! {
    /// Open while [`Chain::of`] displays a link: the link that displayed itself.
    static SEEN: RefCell<Option<Option<Link>>> = const { RefCell::new(None) };
}

/// Records `link` when [`Chain::of`] is listening; whether it was.
fn seen(link: impl FnOnce() -> Link) -> bool {
    SEEN.with(|s| match &mut *s.borrow_mut() {
        Some(slot) => {
            *slot = Some(link());
            true
        }
        None => false,
    })
}

/// A link rebuilt from a [`Chain`] (from another process), as an error.
#[derive(Debug)]
struct Rebuilt(Link);

impl std::fmt::Display for Rebuilt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if seen(|| self.0.clone()) {
            return Ok(());
        }
        match &self.0 {
            Link::Said(s) => f.write_str(&s.in_lang(Lang::En)),
            Link::Errno { text, .. } | Link::Text(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for Rebuilt {}

/// An error chain as plain data: outermost link first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain(pub Vec<Link>);

impl Chain {
    /// The links of `e`, outermost first.
    pub fn of(e: &anyhow::Error) -> Chain {
        let mut links = Vec::new();
        for cause in e.chain() {
            SEEN.with(|s| *s.borrow_mut() = Some(None));
            let text = cause.to_string();
            let own = SEEN.with(|s| s.borrow_mut().take().flatten());
            let link = match own {
                Some(l) => l,
                None => match errno_of(cause) {
                    Some(errno) => Link::Errno { errno, text },
                    None => Link::Text(text),
                },
            };
            links.push(link);
        }
        Chain(links)
    }

    /// The chain as an error again, each link displaying as it did.
    pub fn into_error(self) -> anyhow::Error {
        let mut links = self.0.into_iter().rev();
        let root = links
            .next()
            .unwrap_or_else(|| Link::Text("unknown error".into()));
        links.fold(anyhow::Error::new(Rebuilt(root)), |e, l| {
            e.context(Rebuilt(l))
        })
    }

    /// The chain as one sentence in `lang`, links joined with ": ". In Korean a run of
    /// links that exist only in English becomes one labelled detail.
    pub fn render(&self, lang: Lang) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut english: Vec<&str> = Vec::new();
        let flush = |english: &mut Vec<&str>, parts: &mut Vec<String>| {
            if !english.is_empty() {
                let detail = english.join(": ");
                parts.push(crate::tr!(lang, "error-untranslated", detail = detail));
                english.clear();
            }
        };
        for link in &self.0 {
            match (link, lang) {
                (Link::Said(s), _) => {
                    flush(&mut english, &mut parts);
                    parts.push(s.in_lang(lang));
                }
                (Link::Errno { text, .. } | Link::Text(text), Lang::En) => parts.push(text.clone()),
                (Link::Errno { errno, .. }, Lang::Ko) => {
                    flush(&mut english, &mut parts);
                    parts.push(errno_sentence(lang, *errno));
                }
                (Link::Text(t), Lang::Ko) => english.push(t),
            }
        }
        flush(&mut english, &mut parts);
        parts.join(": ")
    }
}

/// `e` as one sentence in `lang` (see [`Chain::render`]).
pub fn render(lang: Lang, e: &anyhow::Error) -> String {
    Chain::of(e).render(lang)
}

/// The OS error number behind one link, if it is an OS error.
fn errno_of(cause: &(dyn std::error::Error + 'static)) -> Option<i32> {
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        return io.raw_os_error();
    }
    cause.downcast_ref::<nix::errno::Errno>().map(|e| *e as i32)
}

/// The catalog's sentence for an OS error number; the errno's name stays as a value.
pub fn errno_sentence(lang: Lang, errno: i32) -> String {
    use nix::errno::Errno as E;
    let e = E::from_raw(errno);
    match e {
        E::EPERM => crate::tr!(lang, "errno-EPERM"),
        E::EACCES => crate::tr!(lang, "errno-EACCES"),
        E::ENOENT => crate::tr!(lang, "errno-ENOENT"),
        E::EEXIST => crate::tr!(lang, "errno-EEXIST"),
        E::EBUSY => crate::tr!(lang, "errno-EBUSY"),
        E::EINVAL => crate::tr!(lang, "errno-EINVAL"),
        E::ENOSPC => crate::tr!(lang, "errno-ENOSPC"),
        E::ENOMEM => crate::tr!(lang, "errno-ENOMEM"),
        E::ESRCH => crate::tr!(lang, "errno-ESRCH"),
        E::EAGAIN => crate::tr!(lang, "errno-EAGAIN"),
        E::ENOTDIR => crate::tr!(lang, "errno-ENOTDIR"),
        E::EISDIR => crate::tr!(lang, "errno-EISDIR"),
        E::EROFS => crate::tr!(lang, "errno-EROFS"),
        E::ENOEXEC => crate::tr!(lang, "errno-ENOEXEC"),
        E::E2BIG => crate::tr!(lang, "errno-E2BIG"),
        E::ECHILD => crate::tr!(lang, "errno-ECHILD"),
        E::ENOTEMPTY => crate::tr!(lang, "errno-ENOTEMPTY"),
        E::ELOOP => crate::tr!(lang, "errno-ELOOP"),
        E::EOPNOTSUPP => crate::tr!(lang, "errno-EOPNOTSUPP"),
        E::EADDRINUSE => crate::tr!(lang, "errno-EADDRINUSE"),
        E::ECONNREFUSED => crate::tr!(lang, "errno-ECONNREFUSED"),
        E::EPIPE => crate::tr!(lang, "errno-EPIPE"),
        E::EMFILE => crate::tr!(lang, "errno-EMFILE"),
        _ => crate::tr!(lang, "errno-other", name = format!("{e:?}"), number = errno),
    }
}

/// A catalog sentence as an error: `said!("id")` or `said!("id", name = value, …)`,
/// each value anything that implements `Display`.
#[macro_export]
macro_rules! said {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::said::Said::new(
            $id,
            vec![$((stringify!($name), ($value).to_string())),*],
        )
    };
}

/// Returns early with a catalog sentence as the error: `bail_said!("id", name = value)`.
#[macro_export]
macro_rules! bail_said {
    ($($t:tt)*) => {
        return ::core::result::Result::Err(::anyhow::Error::new($crate::said!($($t)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    fn io(errno: i32) -> std::io::Result<()> {
        Err(std::io::Error::from_raw_os_error(errno))
    }

    #[test]
    fn a_said_inside_context_renders_in_each_language() {
        let e = io(libc::EBUSY)
            .context(crate::said!(
                "error-cgroup-below-usage",
                value = "\"1M\"",
                file = "memory.max",
                dir = "/sys/fs/cgroup/contlab/x"
            ))
            .context("setting the limits")
            .unwrap_err();
        let en = render(Lang::En, &e);
        assert_eq!(en, format!("{e:#}"), "English reads as anyhow prints it");
        let ko = render(Lang::Ko, &e);
        assert!(ko.contains("memory.max"), "{ko}");
        assert!(ko.contains("(EBUSY)"), "{ko}");
        assert!(ko.contains("setting the limits"), "{ko}");
        assert!(ko.contains("영어"), "the English link is labelled: {ko}");
        assert_eq!(super::super::lint::not_korean(&ko), None, "{ko}");
        assert!(!ko.contains("Device or resource busy"), "{ko}");
    }

    #[test]
    fn a_bailed_said_and_a_nix_errno_root() {
        fn f() -> anyhow::Result<()> {
            crate::bail_said!("error-no-command");
        }
        let e = f().unwrap_err();
        assert_eq!(e.to_string(), crate::tr!(Lang::En, "error-no-command"));
        assert_eq!(
            render(Lang::Ko, &e),
            crate::tr!(Lang::Ko, "error-no-command")
        );
        let e = anyhow::Error::from(nix::errno::Errno::EPERM)
            .context(crate::said!("error-exec-not-found", command = "nosuch"));
        let ko = render(Lang::Ko, &e);
        assert!(ko.ends_with(&errno_sentence(Lang::Ko, libc::EPERM)), "{ko}");
        assert!(ko.contains("nosuch"), "{ko}");
        assert_eq!(super::super::lint::not_korean(&ko), None, "{ko}");
        // An errno without a sentence of its own still reads as Korean, with its name.
        let other = errno_sentence(Lang::Ko, libc::EXDEV);
        assert!(other.contains("EXDEV") && super::super::lint::has_hangul(&other));
    }

    #[test]
    fn a_plain_english_link_in_korean_is_a_labelled_detail() {
        let e = anyhow::anyhow!("overlay refused").context("mounting the root");
        let ko = render(Lang::Ko, &e);
        assert_eq!(
            ko,
            crate::tr!(
                Lang::Ko,
                "error-untranslated",
                detail = "mounting the root: overlay refused"
            )
        );
        assert_eq!(render(Lang::En, &e), "mounting the root: overlay refused");
    }

    #[test]
    fn a_chain_crosses_a_process_boundary_as_data() {
        let e = io(libc::ENOENT)
            .context(crate::said!("error-exec-not-found", command = "nosuch"))
            .context("in the init")
            .unwrap_err();
        let chain = Chain::of(&e);
        let json = serde_json::to_string(&chain).unwrap();
        let back: Chain = serde_json::from_str(&json).unwrap();
        assert_eq!(back, chain);
        let again = back.into_error();
        assert_eq!(format!("{again:#}"), format!("{e:#}"));
        assert_eq!(Chain::of(&again), chain);
        assert_eq!(render(Lang::Ko, &again), render(Lang::Ko, &e));
    }
}
