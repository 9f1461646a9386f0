//! Korean particles (조사) after a value the program inserts into a sentence.
//!
//! 은/는, 이/가, 을/를, 와/과 and 으로/로 follow the last sound of the word before them: the
//! first form after a final consonant (받침), the second after a vowel; 으로/로 also takes
//! 로 after ㄹ. A value that ends in Hangul is judged by its last syllable. One that ends in
//! digits or Latin letters is judged by how a Korean reader says it: `1` 일, `2` 이, `10`
//! 십, `L` 엘, `CPU` 씨피유, `cgroup` 시그룹, `pids.max` 맥스. The `josa` crate only knows
//! Hangul (it writes `이(가)` after anything else), so the reading of digits and Latin
//! letters is done here.

/// A particle pair; the first form follows a final consonant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Particle {
    /// 은/는 (topic).
    EunNeun,
    /// 이/가 (subject).
    IGa,
    /// 을/를 (object).
    EulReul,
    /// 과/와 (and, with).
    GwaWa,
    /// 으로/로 (to, as, by): 로 also after ㄹ.
    EuroRo,
}

impl Particle {
    /// Reads a pair as written in a catalog, either order: `이/가`, `가/이`, `으로/로`.
    pub fn parse(pair: &str) -> Option<Particle> {
        let (a, b) = pair.split_once('/')?;
        let mut forms = [a.trim(), b.trim()];
        forms.sort_unstable();
        Some(match forms {
            ["는", "은"] => Particle::EunNeun,
            ["가", "이"] => Particle::IGa,
            ["를", "을"] => Particle::EulReul,
            ["과", "와"] => Particle::GwaWa,
            ["로", "으로"] => Particle::EuroRo,
            _ => return None,
        })
    }

    /// (after a final consonant, after a vowel).
    fn forms(self) -> (&'static str, &'static str) {
        match self {
            Particle::EunNeun => ("은", "는"),
            Particle::IGa => ("이", "가"),
            Particle::EulReul => ("을", "를"),
            Particle::GwaWa => ("과", "와"),
            Particle::EuroRo => ("으로", "로"),
        }
    }
}

/// How the last syllable of a word ends, as far as particles care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coda {
    /// A vowel: 사과, 이 (2), 맥스 (max).
    Vowel,
    /// ㄹ: 물, 일 (1), 엘 (L).
    Rieul,
    /// Any other final consonant: 책, 삼 (3), 엠 (M), 그룹 (group).
    Consonant,
}

/// The particle that follows `word`: `particle("pids.max", Particle::IGa)` is `가`.
pub fn particle(word: &str, p: Particle) -> &'static str {
    let (closed, open) = p.forms();
    match (coda(word), p) {
        (Coda::Vowel, _) => open,
        (Coda::Rieul, Particle::EuroRo) => open,
        _ => closed,
    }
}

/// `word` followed by its particle: `attach("20", Particle::IGa)` is `20이`.
pub fn attach(word: &str, p: Particle) -> String {
    format!("{word}{}", particle(word, p))
}

/// How a value ends when read aloud. Closing quotes and brackets are not read; a value
/// with nothing readable at its end counts as ending in a vowel.
pub fn coda(word: &str) -> Coda {
    let trimmed = word.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | '`' | ')' | ']' | '}' | '>' | '»' | '”' | '’'
            )
    });
    let Some(last) = trimmed.chars().next_back() else {
        return Coda::Vowel;
    };
    if let Some(c) = hangul_coda(last) {
        return c;
    }
    let token: String = {
        let mut rev: Vec<char> = trimmed
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rev.reverse();
        rev.into_iter().collect()
    };
    if token.is_empty() {
        // 퍼센트 (%), and symbols no one reads aloud.
        return Coda::Vowel;
    }
    if last.is_ascii_digit() {
        let digits: String = {
            let mut rev: Vec<char> = token
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect();
            rev.reverse();
            rev.into_iter().collect()
        };
        let before = trimmed[..trimmed.len() - digits.len()].chars().next_back();
        // After a decimal point (3.14, 6.1.0) every digit is read on its own.
        let fractional = before == Some('.');
        number_coda(&digits, fractional)
    } else {
        let letters: String = {
            let mut rev: Vec<char> = token
                .chars()
                .rev()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            rev.reverse();
            rev.into_iter().collect()
        };
        latin_coda(&letters)
    }
}

/// The final consonant of a precomposed Hangul syllable (가-힣), if `c` is one.
fn hangul_coda(c: char) -> Option<Coda> {
    let code = c as u32;
    if !(0xAC00..=0xD7A3).contains(&code) {
        return None;
    }
    Some(match (code - 0xAC00) % 28 {
        0 => Coda::Vowel,
        8 => Coda::Rieul,
        _ => Coda::Consonant,
    })
}

/// How the Sino-Korean reading of a run of digits ends: 영 일 이 삼 사 오 육 칠 팔 구 for
/// the last digit; a whole number ending in zeros ends in its unit: 십, 백, 천, 만, 억, 조.
fn number_coda(digits: &str, fractional: bool) -> Coda {
    const DIGIT: [Coda; 10] = [
        Coda::Consonant, // 영
        Coda::Rieul,     // 일
        Coda::Vowel,     // 이
        Coda::Consonant, // 삼
        Coda::Vowel,     // 사
        Coda::Vowel,     // 오
        Coda::Consonant, // 육
        Coda::Rieul,     // 칠
        Coda::Rieul,     // 팔
        Coda::Vowel,     // 구
    ];
    let Some(last) = digits.bytes().next_back() else {
        return Coda::Vowel;
    };
    let zeros = digits.bytes().rev().take_while(|&b| b == b'0').count();
    if fractional || zeros == 0 || zeros == digits.len() {
        return DIGIT[(last - b'0') as usize];
    }
    // 십, 백, 천, 만 and 억 close with a consonant; 조 (10^12 to 10^15) with a vowel.
    if (12..=15).contains(&zeros) {
        Coda::Vowel
    } else {
        Coda::Consonant
    }
}

/// Abbreviations read letter by letter even though they are written in lower case.
const SPELLED: [&str; 27] = [
    "api", "cni", "cpu", "cri", "dns", "gib", "gid", "id", "io", "ip", "ipc", "kib", "mib", "mnt",
    "ns", "oci", "pid", "pty", "rbac", "rw", "tcp", "tty", "udp", "uid", "uts", "vm", "vpn",
];

/// How a run of Latin letters ends when a Korean reader says it.
fn latin_coda(letters: &str) -> Coda {
    let lower = letters.to_ascii_lowercase();
    // Short capitals are initials (CPU, OOM); longer ones are words (CGROUP, NEWUSER).
    let spelled = letters.len() == 1
        || (letters.len() <= 3 && letters.chars().all(|c| c.is_ascii_uppercase()))
        || SPELLED.contains(&lower.as_str())
        || !lower.contains(['a', 'e', 'i', 'o', 'u', 'y']);
    if spelled {
        return letter_name_coda(lower.chars().next_back().unwrap_or('a'));
    }
    word_coda(&lower)
}

/// How the Korean name of a letter ends: 엘 and 알 in ㄹ; 엠 and 엔 in a consonant; every
/// other name (에이, 비, 씨, …, 엑스, 와이, 제트) in a vowel.
fn letter_name_coda(c: char) -> Coda {
    match c {
        'l' | 'r' => Coda::Rieul,
        'm' | 'n' => Coda::Consonant,
        _ => Coda::Vowel,
    }
}

/// How an English word ends in its usual Korean transcription: `control` 컨트롤 (ㄹ),
/// `name` 네임, `cgroup` 시그룹, `string` 스트링, `proc` 프록, `limit` 리밋 (consonants);
/// `max` 맥스, `mount` 마운트, `root` 루트, `user` 유저, `bytes` 바이츠, `runc` 런씨 (vowels).
fn word_coda(w: &str) -> Coda {
    // -m 임, -n 언, -ng 잉, -me 네임, -ne 라인, -p 그룹, -pe 타입, -b 웹, -ck 락, and the
    // few -c words read with 크 as a final consonant: 프록, 이그젝, 스펙.
    const CLOSED: [&str; 12] = [
        "m", "n", "ng", "me", "ne", "p", "pe", "b", "ck", "proc", "exec", "spec",
    ];
    let vowel = |c: Option<char>| c.is_some_and(|c| "aeiou".contains(c));
    let mut back = w.chars().rev();
    let (last, before, third) = (back.next(), back.next(), back.next());
    // A short vowel before a final t closes the syllable: 리밋 (limit), 넷 (net), 포맷
    // (format); a long one or a consonant does not: 루트 (root), 마운트 (mount).
    let short_t = last == Some('t') && vowel(before) && !vowel(third);
    if w.ends_with('l') || w.ends_with("le") {
        Coda::Rieul
    } else if short_t || CLOSED.iter().any(|e| w.ends_with(e)) {
        Coda::Consonant
    } else {
        // Other words in -c are read with 씨 or 크 (runc 런씨, sync 싱크).
        Coda::Vowel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(word: &str, pair: &str) -> String {
        attach(word, Particle::parse(pair).expect("a known pair"))
    }

    #[test]
    fn pairs_are_read_in_either_order() {
        assert_eq!(Particle::parse("이/가"), Some(Particle::IGa));
        assert_eq!(Particle::parse("가/이"), Some(Particle::IGa));
        assert_eq!(Particle::parse("로/으로"), Some(Particle::EuroRo));
        assert_eq!(Particle::parse("와/과"), Some(Particle::GwaWa));
        assert_eq!(Particle::parse("은/는"), Some(Particle::EunNeun));
        assert_eq!(Particle::parse("을/를"), Some(Particle::EulReul));
        assert_eq!(Particle::parse("이/를"), None);
        assert_eq!(Particle::parse("이가"), None);
    }

    #[test]
    fn hangul_by_its_final_consonant() {
        assert_eq!(with("사과", "이/가"), "사과가");
        assert_eq!(with("책", "이/가"), "책이");
        assert_eq!(with("컨테이너", "은/는"), "컨테이너는");
        assert_eq!(with("네임스페이스", "을/를"), "네임스페이스를");
        assert_eq!(with("단계", "와/과"), "단계와");
        assert_eq!(with("레슨", "와/과"), "레슨과");
        // 으로/로: ㄹ takes 로, like a vowel.
        assert_eq!(with("서울", "으로/로"), "서울로");
        assert_eq!(with("집", "으로/로"), "집으로");
        assert_eq!(with("바다", "으로/로"), "바다로");
        assert_eq!(with("서울", "이/가"), "서울이");
    }

    #[test]
    fn digits_by_their_korean_reading() {
        // 일 이 삼 사 오 육 칠 팔 구 영
        let subject: Vec<String> = (0..10).map(|d| with(&d.to_string(), "이/가")).collect();
        assert_eq!(
            subject,
            [
                "0이", "1이", "2가", "3이", "4가", "5가", "6이", "7이", "8이", "9가"
            ]
        );
        assert_eq!(with("20", "이/가"), "20이"); // 이십
        assert_eq!(with("100", "은/는"), "100은"); // 백
        assert_eq!(with("1000", "을/를"), "1000을"); // 천
        assert_eq!(with("10000", "와/과"), "10000과"); // 만
        assert_eq!(with("67108864", "이/가"), "67108864가"); // …육십사
        assert_eq!(with("1000000000000", "이/가"), "1000000000000가"); // 일조
        // 으로/로 after 일, 칠, 팔 (ㄹ) and after a vowel.
        assert_eq!(with("1", "으로/로"), "1로");
        assert_eq!(with("7", "으로/로"), "7로");
        assert_eq!(with("3", "으로/로"), "3으로");
        assert_eq!(with("10", "으로/로"), "10으로");
        assert_eq!(with("2", "으로/로"), "2로");
        // After a decimal point each digit is read: 육 점 일 점 영, 일 점 영.
        assert_eq!(with("6.1.0", "이/가"), "6.1.0이");
        assert_eq!(with("1.10", "이/가"), "1.10이");
        assert_eq!(with("0.5", "이/가"), "0.5가");
    }

    #[test]
    fn latin_letters_by_their_korean_names() {
        assert_eq!(with("L", "이/가"), "L이"); // 엘
        assert_eq!(with("L", "으로/로"), "L로");
        assert_eq!(with("M", "을/를"), "M을"); // 엠
        assert_eq!(with("64M", "이/가"), "64M이");
        assert_eq!(with("512K", "이/가"), "512K가"); // 케이
        assert_eq!(with("X", "은/는"), "X는"); // 엑스
        assert_eq!(with("CPU", "이/가"), "CPU가"); // 씨피유
        assert_eq!(with("OOM", "이/가"), "OOM이"); // 오오엠
        assert_eq!(with("CAP_SYS_ADMIN", "이/가"), "CAP_SYS_ADMIN이"); // …어드민
        assert_eq!(with("CAP_KILL", "이/가"), "CAP_KILL이"); // …킬
        assert_eq!(with("CLONE_NEWCGROUP", "이/가"), "CLONE_NEWCGROUP이"); // …시그룹
        assert_eq!(with("CLONE_NEWUSER", "이/가"), "CLONE_NEWUSER가"); // …유저
        assert_eq!(with("CLONE_NEWTIME", "이/가"), "CLONE_NEWTIME이"); // …타임
        assert_eq!(with("CLONE_NEWNS", "이/가"), "CLONE_NEWNS가");
        assert_eq!(with("16MiB", "이/가"), "16MiB가"); // 메비바이트
        assert_eq!(with("HTTP", "이/가"), "HTTP가"); // 에이치티티피
        assert_eq!(with("ipc", "이/가"), "ipc가"); // 아이피씨
        assert_eq!(with("uts", "이/가"), "uts가");
        assert_eq!(with("mnt", "이/가"), "mnt가"); // 엠엔티
        assert_eq!(with("ns", "은/는"), "ns는");
    }

    #[test]
    fn words_and_file_names_by_their_last_word() {
        assert_eq!(with("max", "이/가"), "max가"); // 맥스
        assert_eq!(with("pids.max", "이/가"), "pids.max가");
        assert_eq!(with("memory.max", "은/는"), "memory.max는");
        assert_eq!(with("cgroup", "이/가"), "cgroup이"); // 시그룹
        assert_eq!(with("/sys/fs/cgroup", "을/를"), "/sys/fs/cgroup을");
        assert_eq!(
            with("cgroup.subtree_control", "을/를"),
            "cgroup.subtree_control을"
        ); // 컨트롤
        assert_eq!(
            with("memory.oom_control", "으로/로"),
            "memory.oom_control로"
        );
        assert_eq!(
            with("memory.limit_in_bytes", "이/가"),
            "memory.limit_in_bytes가"
        );
        assert_eq!(with("cpu.cfs_quota_us", "이/가"), "cpu.cfs_quota_us가");
        assert_eq!(with("cgroup.procs", "이/가"), "cgroup.procs가");
        assert_eq!(with("cgroup.type", "이/가"), "cgroup.type이"); // 타입
        assert_eq!(with("hostname", "을/를"), "hostname을"); // 호스트네임
        assert_eq!(with("uid_map", "을/를"), "uid_map을"); // 맵
        assert_eq!(with("memory", "이/가"), "memory가");
        assert_eq!(with("mount", "이/가"), "mount가"); // 마운트
        assert_eq!(with("root", "으로/로"), "root로"); // 루트
        assert_eq!(with("rlimit", "을/를"), "rlimit을"); // 알리밋
        assert_eq!(with("socket", "이/가"), "socket이"); // 소켓
        assert_eq!(with("format", "은/는"), "format은"); // 포맷
        assert_eq!(with("busybox", "이/가"), "busybox가"); // 비지박스
        assert_eq!(with("runc", "은/는"), "runc는"); // 런씨
        assert_eq!(with("/proc", "을/를"), "/proc을"); // 프록
        assert_eq!(with("lesson.toml", "이/가"), "lesson.toml이"); // 토믈
        assert_eq!(with("etcd", "와/과"), "etcd와"); // 엣시디
        assert_eq!(with("pid", "이/가"), "pid가"); // 피아이디
        assert_eq!(with("user", "은/는"), "user는"); // 유저
    }

    #[test]
    fn quotes_and_brackets_are_not_read() {
        assert_eq!(with("`pids.max`", "이/가"), "`pids.max`가");
        assert_eq!(with("\"서울\"", "으로/로"), "\"서울\"로");
        assert_eq!(with("(20)", "이/가"), "(20)이");
        assert_eq!(with("", "이/가"), "가");
    }
}
