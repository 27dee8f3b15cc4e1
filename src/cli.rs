//! kubectl-style global flags. kubectl refuses flags placed before a plugin's
//! name, so every plugin parses these itself; flatten [`GlobalArgs`] into its
//! clap definition.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::error::{Error, Result};
use crate::output::{ColorChoice, Format};

#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// The namespace to act in
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Time to wait for one API request, e.g. 5s, 1m (0 = no limit)
    #[arg(long, global = true, value_name = "DURATION")]
    pub request_timeout: Option<String>,

    /// Output format
    #[arg(short = 'o', long = "output", global = true, value_enum)]
    pub output: Option<Format>,

    /// Colour: auto (terminal and no NO_COLOR), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl GlobalArgs {
    pub fn request_timeout(&self) -> Result<Option<Duration>> {
        match &self.request_timeout {
            None => Ok(None),
            Some(s) => parse_duration(s).map(|d| (!d.is_zero()).then_some(d)),
        }
    }
}

/// Parses kubectl-style durations: `30s`, `2m`, `1h`, `500ms`, `1m30s`, or bare seconds.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let bad = || {
        Error::Usage(format!(
            "invalid duration {s:?}; use forms like 30s, 2m or 1h30m"
        ))
    };
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let secs = match unit {
            "ms" => value / 1000.0,
            "s" => value,
            "m" => value * 60.0,
            "h" => value * 3600.0,
            _ => return Err(bad()),
        };
        total += Duration::from_secs_f64(secs);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5x").is_err());
    }
}
