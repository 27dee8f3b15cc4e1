//! A CronJob's schedule as the longest gap between two runs, which is what
//! "twice the schedule's interval" needs: `0 9 * * 1-5` runs daily but waits
//! three days over a weekend. Kubernetes' dialect (robfig/cron's standard
//! parser): five fields with names, ranges, steps and lists, `?` as `*`, the
//! `@hourly`… descriptors and `@every DURATION`. Day of month and day of week
//! are OR-ed when both are restricted, as cron does. Time zones and DST are
//! ignored: they move a gap by an hour at most.

/// Longest gap between consecutive runs, in seconds.
pub(crate) fn max_interval(schedule: &str) -> Result<i64, String> {
    let schedule = schedule.trim();
    let fields = match schedule {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        s => match s.strip_prefix("@every ") {
            Some(d) => return every(d.trim()),
            None => s,
        },
    };
    let spec = Spec::parse(fields)?;
    spec.longest_gap()
        .ok_or_else(|| format!("schedule {schedule:?} never runs"))
}

/// `@every 1h30m`: Go's duration syntax (h, m, s; at least a second).
fn every(d: &str) -> Result<i64, String> {
    let bad = || format!("cannot read the duration in \"@every {d}\"");
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = d.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push(chars.next().unwrap_or('s'));
        }
        let n: f64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total += n * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(bad()),
        };
    }
    if !number.is_empty() || total < 1.0 {
        return Err(bad());
    }
    Ok(total as i64)
}

struct Spec {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// Whether day of month / day of week were `*` (cron ANDs them then).
    days_star: bool,
    weekdays_star: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

impl Spec {
    fn parse(text: &str) -> Result<Spec, String> {
        let f: Vec<&str> = text.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!(
                "schedule {text:?} has {} fields, cron needs 5",
                f.len()
            ));
        }
        let star = |s: &str| s.starts_with('*') || s.starts_with('?');
        let mut weekdays = field(f[4], 0, 7, &WEEKDAYS)?;
        // 7 is Sunday too.
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Spec {
            minutes: field(f[0], 0, 59, &[])?,
            hours: field(f[1], 0, 23, &[])?,
            days: field(f[2], 1, 31, &[])?,
            months: field(f[3], 1, 12, &MONTHS)?,
            weekdays,
            days_star: star(f[2]),
            weekdays_star: star(f[4]),
        })
    }

    fn runs_on(&self, month: u32, day: u32, weekday: u32) -> bool {
        if self.months & (1 << month) == 0 {
            return false;
        }
        let by_day = self.days & (1 << day) != 0;
        let by_weekday = self.weekdays & (1 << weekday) != 0;
        if self.days_star || self.weekdays_star {
            by_day && by_weekday
        } else {
            by_day || by_weekday
        }
    }

    /// Walks 8 years of days (two leap days, every weekday cycle) and
    /// returns the longest gap between two runs; `None` if it runs at most once.
    fn longest_gap(&self) -> Option<i64> {
        let times: Vec<i64> = (0..60).filter(|m| self.minutes & (1 << m) != 0).collect();
        let hours: Vec<i64> = (0..24).filter(|h| self.hours & (1 << h) != 0).collect();
        let in_day: Vec<i64> = hours
            .iter()
            .flat_map(|h| times.iter().map(move |m| h * 3600 + m * 60))
            .collect();
        let (mut last, mut longest): (Option<i64>, Option<i64>) = (None, None);
        // 2000-01-01 was a Saturday; 8 years hold two leap days.
        const START: i64 = 10957;
        let span = 8 * 365 + 2;
        for day in START..START + span {
            let (_, month, dom) = civil(day);
            let weekday = ((day + 4).rem_euclid(7)) as u32;
            if !self.runs_on(month, dom, weekday) {
                continue;
            }
            for t in &in_day {
                let at = day * 86400 + t;
                if let Some(prev) = last {
                    longest = Some(longest.unwrap_or(0).max(at - prev));
                }
                last = Some(at);
            }
        }
        longest
    }
}

/// One field as a bit set over `min..=max`.
fn field(text: &str, min: u32, max: u32, names: &[&str]) -> Result<u64, String> {
    let bad = || format!("cannot read cron field {text:?}");
    let value = |s: &str| -> Result<u32, String> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            // Months count from 1, weekdays from 0, as `min` does.
            return Ok(i as u32 + min);
        }
        let n: u32 = s.parse().map_err(|_| bad())?;
        if n < min || n > max {
            return Err(bad());
        }
        Ok(n)
    };
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(bad)?),
            None => (part, 1),
        };
        let (lo, hi) = match range {
            "*" | "?" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                // `5/15` runs from 5 to the end.
                None if part.contains('/') => (value(r)?, max),
                None => {
                    let v = value(r)?;
                    (v, v)
                }
            },
        };
        if lo > hi {
            return Err(bad());
        }
        for v in (lo..=hi).step_by(step as usize) {
            bits |= 1 << v;
        }
    }
    Ok(bits)
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
pub(super) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        let h = 3600;
        assert_eq!(max_interval("0 * * * *"), Ok(h));
        assert_eq!(max_interval("@hourly"), Ok(h));
        assert_eq!(max_interval("*/15 * * * *"), Ok(900));
        // 45 and 55 past: then 50 minutes to 45 past the next hour.
        assert_eq!(max_interval("45/10 * * * *"), Ok(50 * 60));
        assert_eq!(max_interval("0 */6 * * *"), Ok(6 * h));
        assert_eq!(max_interval("30 2 * * *"), Ok(24 * h));
        assert_eq!(max_interval("@daily"), Ok(24 * h));
        // Weekdays at 9: the weekend is the longest wait.
        assert_eq!(max_interval("0 9 * * 1-5"), Ok(72 * h));
        assert_eq!(max_interval("0 9 * * MON-FRI"), Ok(72 * h));
        assert_eq!(max_interval("0 0 * * 0"), Ok(7 * 24 * h));
        assert_eq!(max_interval("0 0 * * 7"), Ok(7 * 24 * h));
        assert_eq!(max_interval("0 0 1 * *"), Ok(31 * 24 * h));
        assert_eq!(max_interval("0 0 1 JAN *"), Ok(366 * 24 * h));
        assert_eq!(max_interval("0 0 29 2 *"), Ok((4 * 365 + 1) * 24 * h));
        assert_eq!(max_interval("0 0,12 * * *"), Ok(12 * h));
        assert_eq!(max_interval("@every 90m"), Ok(90 * 60));
        assert_eq!(max_interval("@every 1h30m"), Ok(90 * 60));
        // Both day fields restricted: either one.
        assert_eq!(max_interval("0 0 1 * 1"), Ok(7 * 24 * h));
    }

    #[test]
    fn refusals() {
        assert!(max_interval("* * *").is_err());
        assert!(max_interval("61 * * * *").is_err());
        assert!(max_interval("0 0 31 2 *").is_err());
        assert!(max_interval("*/0 * * * *").is_err());
        assert!(max_interval("@every soon").is_err());
        assert!(max_interval("0 0 * * FOO").is_err());
    }

    #[test]
    fn calendar() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(11016), (2000, 2, 29));
        assert_eq!(civil(20428), (2025, 12, 6));
    }
}
