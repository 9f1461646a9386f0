//! Calendar dates from Unix time, in UTC, for the timestamps contlab prints (OCI state's
//! `created`, progress exports) without a date-time crate.

/// The (year, month, day) of a day counted from 1970-01-01. Eras of 400 years start in
/// March, so that the leap day is the last day of a year (Howard Hinnant's method).
pub fn date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The day counted from 1970-01-01 of a (year, month, day): `date`'s inverse.
pub fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_days() {
        assert_eq!(super::date(0), (1970, 1, 1));
        assert_eq!(super::date(11_016), (2000, 2, 29));
        assert_eq!(super::date(-1), (1969, 12, 31));
        for d in [-1, 0, 11_016, 20_000, 60_000] {
            let (y, m, day) = super::date(d);
            assert_eq!(super::days(y, m, day), d);
        }
    }
}
