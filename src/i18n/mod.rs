//! The sentences contlab prints, in English and Korean, from one message catalog.
//!
//! The catalogs are Project Fluent files beside the lessons' prose
//! (`lessons/messages/en.ftl`, `lessons/messages/ko.ftl`), embedded in the binary. A
//! caller writes
//!
//! ```
//! use contlab::i18n::Lang;
//! let s = contlab::tr!(Lang::Ko, "doctor-root-uid", uid = 1000);
//! assert_eq!(s, "uid 1000으로 실행 중이며 root가 아닙니다");
//! ```
//!
//! Values go in as named arguments; a Korean message puts the particle after a value with
//! `{ JOSA($uid, "으로/로") }` (see [`josa`]). Both catalogs hold the same messages with
//! the same variables, and every id the source uses exists: the tests below fail
//! otherwise, so a missing translation never falls back to English silently.

pub mod josa;
pub mod lint;
pub mod said;

pub use said::{Said, render};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::LazyLock;
use unic_langid::LanguageIdentifier;

pub use fluent_bundle::FluentValue;

/// A language the lab speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// `en` or `ko`: the lessons' file names and `--lang`'s values.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    fn catalog(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../lessons/messages/en.ftl"),
            Lang::Ko => include_str!("../../lessons/messages/ko.ftl"),
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The language to print in: `--lang` when given, else the locale.
pub fn choose(flag: Option<Lang>) -> Lang {
    flag.unwrap_or_else(|| from_locale(&|name| std::env::var(name).ok()))
}

/// Korean when the locale of messages starts with `ko`: the first non-empty of `LC_ALL`,
/// `LC_MESSAGES` and `LANG`, as POSIX orders them. `LC_ALL=C LANG=ko_KR.UTF-8` is English.
pub fn from_locale(env: &dyn Fn(&str) -> Option<String>) -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| env(name).filter(|v| !v.is_empty()));
    match locale {
        Some(l) if l.starts_with("ko") => Lang::Ko,
        _ => Lang::En,
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let id: LanguageIdentifier = lang.code().parse().expect("en and ko are language ids");
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Fluent wraps every inserted value in U+2068 … U+2069 for bidirectional text; a
    // terminal prints them as stray characters, and neither language needs them.
    b.set_use_isolating(false);
    let res = FluentResource::try_new(lang.catalog().to_string())
        .unwrap_or_else(|(_, e)| panic!("lessons/messages/{lang}.ftl does not parse: {e:?}"));
    b.add_resource(res)
        .unwrap_or_else(|e| panic!("lessons/messages/{lang}.ftl: {e:?}"));
    b.add_function("JOSA", josa_function)
        .expect("JOSA is defined once");
    b
}

/// `JOSA($value, "이/가")`: the value followed by the particle its last sound takes.
fn josa_function<'a>(positional: &[FluentValue<'a>], _named: &FluentArgs) -> FluentValue<'a> {
    let (Some(value), Some(FluentValue::String(pair))) = (positional.first(), positional.get(1))
    else {
        return FluentValue::Error;
    };
    let Some(p) = josa::Particle::parse(pair) else {
        return FluentValue::Error;
    };
    let word = match value {
        FluentValue::String(s) => s.to_string(),
        FluentValue::Number(n) => n.as_string().into_owned(),
        _ => return FluentValue::Error,
    };
    FluentValue::from(josa::attach(&word, p))
}

static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| [bundle(Lang::En), bundle(Lang::Ko)]);

/// The message `id` in `lang`, with its arguments. Prefer the [`tr!`](crate::tr) macro.
///
/// An id the catalog lacks comes back as the id itself, and an argument the message
/// needs but was not given shows as `{$name}`; both panic in debug builds, where the
/// tests run, so neither reaches a release.
pub fn tr(lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let b = &BUNDLES[lang as usize];
    let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
        debug_assert!(false, "no message {id:?} in lessons/messages/{lang}.ftl");
        return id.to_string();
    };
    let mut fargs = FluentArgs::with_capacity(args.len());
    for (k, v) in args {
        fargs.set(*k, v.clone());
    }
    let mut errors = Vec::new();
    let text = b.format_pattern(pattern, Some(&fargs), &mut errors);
    debug_assert!(errors.is_empty(), "{lang} {id}: {errors:?}");
    text.into_owned()
}

/// `text` padded with spaces to `width` terminal columns (a Hangul syllable takes two),
/// for tables whose cells may be Korean.
pub fn pad(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// A translated sentence: `tr!(lang, "id")` or `tr!(lang, "id", name = value, …)`, where
/// each value is anything a [`FluentValue`] is made from (a string, a number).
#[macro_export]
macro_rules! tr {
    ($lang:expr, $id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::tr(
            $lang,
            $id,
            &[$((stringify!($name), $crate::i18n::FluentValue::from($value))),*],
        )
    };
}

#[cfg(test)]
mod tests;
