//! What a Korean run must not print: a sentence without Hangul, or a piece of the English
//! catalog. `tests/lessons.rs` holds every check sentence of `contlab run --all --lang ko
//! --json` to it, and the unit test below every check of the curriculum, evaluated in
//! process.

use super::Lang;
use fluent_syntax::ast;
use std::sync::LazyLock;

/// Whether `s` holds a Hangul syllable.
pub fn has_hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// The English catalog's own words: each message's text between its values, where it is
/// long enough to be a phrase ("processes visible inside") rather than a value's
/// surroundings ("SIG", ": ").
static ENGLISH_PHRASES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let Ok(res) = fluent_syntax::parser::parse(Lang::En.catalog()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in &res.body {
        if let ast::Entry::Message(m) = entry
            && let Some(p) = &m.value
        {
            for el in &p.elements {
                if let ast::PatternElement::TextElement { value } = el {
                    let t = value
                        .trim()
                        .trim_matches(|c: char| c.is_ascii_punctuation());
                    if t.len() >= 12 && t.split_whitespace().count() >= 3 {
                        out.push(t.to_string());
                    }
                }
            }
        }
    }
    out
});

/// Why `sentence`, printed in a Korean run, is not Korean; `None` when it is. A bare
/// value (one word without spaces: `67108864`) needs no Hangul.
pub fn not_korean(sentence: &str) -> Option<String> {
    let bare = !sentence.trim().contains(char::is_whitespace);
    if !bare && !has_hangul(sentence) {
        return Some(format!("no Hangul in {sentence:?}"));
    }
    ENGLISH_PHRASES
        .iter()
        .find(|p| sentence.contains(p.as_str()))
        .map(|p| format!("{sentence:?} holds the English catalog's {p:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_sentences_and_bare_english_are_caught() {
        assert!(ENGLISH_PHRASES.len() > 50);
        let en = crate::tr!(Lang::En, "check-member-ok", container = "main");
        assert!(not_korean(&en).is_some());
        let ko = crate::tr!(Lang::Ko, "check-member-ok", container = "main");
        assert_eq!(not_korean(&ko), None);
        assert_eq!(not_korean("67108864"), None);
        // Korean around an English check sentence is still English to the student.
        let mixed = crate::tr!(Lang::Ko, "check-skipped", why = en.as_str());
        assert!(not_korean(&mixed).is_some(), "{mixed}");
    }
}
