//! UTC calendar arithmetic for the few timestamp formats aws-token reads and
//! writes (SigV4's `20240102T030405Z`, RFC 3339), without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub(crate) fn now() -> i64 {
    to_unix(SystemTime::now())
}

pub(crate) fn to_unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

pub(crate) fn to_system(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + std::time::Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - std::time::Duration::from_secs(secs.unsigned_abs())
    }
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct Parts {
    y: i64,
    mo: i64,
    d: i64,
    h: i64,
    mi: i64,
    s: i64,
}

fn parts(secs: i64) -> Parts {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    Parts {
        y,
        mo,
        d,
        h: rem / 3600,
        mi: rem % 3600 / 60,
        s: rem % 60,
    }
}

fn from_parts(p: &Parts) -> Option<i64> {
    let valid = (1..=12).contains(&p.mo)
        && (1..=31).contains(&p.d)
        && (0..24).contains(&p.h)
        && (0..60).contains(&p.mi)
        && (0..=60).contains(&p.s);
    valid.then(|| days_from_civil(p.y, p.mo, p.d) * 86_400 + p.h * 3600 + p.mi * 60 + p.s)
}

/// `2024-01-02T03:04:05Z`: RFC 3339 in UTC with whole seconds, as kubectl expects.
pub fn rfc3339(secs: i64) -> String {
    let p = parts(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        p.y, p.mo, p.d, p.h, p.mi, p.s
    )
}

/// SigV4's `X-Amz-Date` form: `20240102T030405Z`.
pub(crate) fn amz_date(secs: i64) -> String {
    let p = parts(secs);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        p.y, p.mo, p.d, p.h, p.mi, p.s
    )
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

pub(crate) fn parse_amz_date(s: &str) -> Option<i64> {
    if s.len() != 16 || !s.is_ascii() || &s[8..9] != "T" || &s[15..] != "Z" {
        return None;
    }
    from_parts(&Parts {
        y: num(&s[0..4])?,
        mo: num(&s[4..6])?,
        d: num(&s[6..8])?,
        h: num(&s[9..11])?,
        mi: num(&s[11..13])?,
        s: num(&s[13..15])?,
    })
}

/// Parses RFC 3339 (`2024-01-02T03:04:05Z`, optional fraction, `Z` or `±hh:mm`).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 20 || !s.is_ascii() {
        return None;
    }
    let b = s.as_bytes();
    if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let base = from_parts(&Parts {
        y: num(&s[0..4])?,
        mo: num(&s[5..7])?,
        d: num(&s[8..10])?,
        h: num(&s[11..13])?,
        mi: num(&s[14..16])?,
        s: num(&s[17..19])?,
    })?;
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            if &rest[3..4] != ":" {
                return None;
            }
            let mins = num(&rest[1..3])? * 60 + num(&rest[4..6])?;
            if rest.starts_with('+') { mins } else { -mins }
        }
        _ => return None,
    };
    Some(base - offset * 60)
}

/// A short human duration: `13m20s`, `2h5m`, `45s`.
pub(crate) fn human(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.abs();
    if s >= 3600 {
        format!("{sign}{}h{}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{sign}{}m{}s", s / 60, s % 60)
    } else {
        format!("{sign}{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        // 2024-02-29T23:59:58Z, a leap day.
        let t = 1_709_251_198;
        assert_eq!(rfc3339(t), "2024-02-29T23:59:58Z");
        assert_eq!(amz_date(t), "20240229T235958Z");
        assert_eq!(parse_amz_date("20240229T235958Z"), Some(t));
        assert_eq!(parse_rfc3339("2024-02-29T23:59:58Z"), Some(t));
        assert_eq!(parse_rfc3339("2024-03-01T01:59:58.123+02:00"), Some(t));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn rejects_malformed_dates() {
        assert_eq!(parse_amz_date("20241301T000000Z"), None);
        assert_eq!(parse_amz_date("2024-01-01T0000Z"), None);
        assert_eq!(parse_amz_date("20240101T000000"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00+0100"), None);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(800), "13m20s");
        assert_eq!(human(7500), "2h5m");
        assert_eq!(human(-5), "-5s");
    }
}
