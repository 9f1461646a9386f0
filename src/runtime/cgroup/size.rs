//! Parsing the limits a student types (`--memory 64M`, `--cpus 0.5`, `--pids 20`) into
//! the numbers the cgroup files take.

use super::CpuLimit;
use anyhow::Result;

/// The CFS period contlab uses: 100 ms, the kernel's default, so that `--cpus 0.5`
/// reads back as the familiar `50000 100000`.
pub const DEFAULT_PERIOD_US: u64 = 100_000;

/// The kernel refuses a CFS quota below 1 ms.
const MIN_QUOTA_US: u64 = 1_000;

/// The kernel refuses a pids.max above `PID_MAX_LIMIT` (4M on 64-bit).
const MAX_PIDS: u64 = 4 * 1024 * 1024;

/// v1 stores memory limits as a signed 64-bit count; anything above cannot be written.
const MAX_MEMORY: u64 = i64::MAX as u64;

/// A byte count with an optional binary suffix: `1048576`, `512k`, `64M`, `1G`.
pub fn parse_memory(s: &str) -> Result<u64> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => crate::bail_said!("error-memory-invalid", value = format!("{s:?}")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        crate::bail_said!("error-memory-invalid", value = format!("{s:?}"));
    }
    let n: u64 = match digits.parse() {
        Ok(n) => n,
        Err(_) => crate::bail_said!("error-memory-too-large", value = format!("{s:?}")),
    };
    if n == 0 {
        crate::bail_said!("error-memory-zero", value = format!("{s:?}"));
    }
    match n.checked_mul(1u64 << shift) {
        Some(bytes) if bytes <= MAX_MEMORY => Ok(bytes),
        _ => crate::bail_said!("error-memory-too-large", value = format!("{s:?}")),
    }
}

/// A number of CPUs, possibly fractional (`0.5`, `2`), as a CFS quota per 100 ms period.
pub fn parse_cpus(s: &str) -> Result<CpuLimit> {
    let t = s.trim();
    // Only plain decimals: f64's parser would also take "inf", "NaN" and "1e3".
    let plain = !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1
        && t.bytes().any(|b| b.is_ascii_digit());
    let cpus: f64 = match t.parse() {
        Ok(v) if plain => v,
        _ => crate::bail_said!("error-cpu-invalid", value = format!("{s:?}")),
    };
    if cpus <= 0.0 {
        crate::bail_said!("error-cpu-zero", value = format!("{s:?}"));
    }
    let quota = (cpus * DEFAULT_PERIOD_US as f64).round();
    if quota < MIN_QUOTA_US as f64 {
        crate::bail_said!("error-cpu-below-min", value = format!("{s:?}"));
    }
    // 1024 CPUs is far beyond any lab machine and keeps the quota well inside u64.
    if cpus > 1024.0 {
        crate::bail_said!("error-cpu-too-large", value = format!("{s:?}"));
    }
    Ok(CpuLimit {
        quota_us: quota as u64,
        period_us: DEFAULT_PERIOD_US,
        shares: None,
    })
}

/// A maximum number of processes (and threads) in the cgroup.
pub fn parse_pids(s: &str) -> Result<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        crate::bail_said!("error-pids-invalid", value = format!("{s:?}"));
    }
    let n: u64 = match t.parse() {
        Ok(n) => n,
        Err(_) => crate::bail_said!("error-pids-too-large", value = format!("{s:?}")),
    };
    if n == 0 {
        crate::bail_said!("error-pids-zero", value = format!("{s:?}"));
    }
    if n > MAX_PIDS {
        crate::bail_said!(
            "error-pids-above-max",
            value = format!("{s:?}"),
            max = MAX_PIDS
        );
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("64M").unwrap(), 64 << 20);
        assert_eq!(parse_memory("1G").unwrap(), 1 << 30);
        assert_eq!(parse_memory("512k").unwrap(), 512 << 10);
        assert_eq!(parse_memory("1048576").unwrap(), 1_048_576);
        assert_eq!(parse_memory(" 32m ").unwrap(), 32 << 20);
    }

    #[test]
    fn bad_memory_sizes_say_what_to_type() {
        for s in ["0", "100X", "-1", "", "M", "1.5G", "64MB", "99999999999G"] {
            let e = parse_memory(s).unwrap_err().to_string();
            assert!(e.contains(&format!("{s:?}")), "{s:?}: {e}");
            assert!(e.contains("like 64M"), "{s:?}: {e}");
        }
        assert_eq!(
            parse_memory("100X").unwrap_err().to_string(),
            "invalid memory limit \"100X\": use a number with an optional K, M or G suffix, like 64M"
        );
    }

    #[test]
    fn cpus() {
        let c = parse_cpus("0.5").unwrap();
        assert_eq!((c.quota_us, c.period_us), (50_000, 100_000));
        assert_eq!(parse_cpus("2").unwrap().quota_us, 200_000);
        assert_eq!(parse_cpus("0.1").unwrap().quota_us, 10_000);
        assert_eq!(parse_cpus(".25").unwrap().quota_us, 25_000);
        for s in [
            "0", "abc", "-1", "", "inf", "NaN", "1e3", "0.001", "1.2.3", "5000",
        ] {
            assert!(parse_cpus(s).is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn pids() {
        assert_eq!(parse_pids("5").unwrap(), 5);
        for s in ["0", "-1", "abc", "", "1.5", "99999999"] {
            assert!(parse_pids(s).is_err(), "{s:?} accepted");
        }
    }
}
