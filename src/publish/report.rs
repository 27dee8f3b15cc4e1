//! The ✓/✗ lines `status` and `doctor` print, and their JSON.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::output::{Format, Palette};

/// A report is a table, JSON or YAML; it names no object, so `-o name` is a
/// usage error (checked before connecting) rather than a table in disguise.
pub(crate) fn check_format(command: &str, output: Option<Format>) -> Result<()> {
    if output == Some(Format::Name) {
        return Err(Error::Usage(format!(
            "-o name does not apply to {command}; use -o json or -o yaml"
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mark {
    Ok,
    Failed,
    /// Could not be checked, and that is not a failure (e.g. nothing to check yet).
    Skipped,
}

impl Mark {
    pub(crate) fn symbol(self, palette: Palette) -> String {
        match self {
            Mark::Ok => palette.current("✓"),
            Mark::Failed => palette.error("✗"),
            Mark::Skipped => palette.dim("-"),
        }
    }
}

/// One stage or check.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Line {
    pub(crate) name: String,
    pub(crate) status: Mark,
    pub(crate) detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
}

impl Line {
    pub(crate) fn ok(name: impl Into<String>, detail: impl Into<String>) -> Line {
        Line {
            name: name.into(),
            status: Mark::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn failed(name: impl Into<String>, detail: impl Into<String>) -> Line {
        Line {
            name: name.into(),
            status: Mark::Failed,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn skipped(name: impl Into<String>, detail: impl Into<String>) -> Line {
        Line {
            name: name.into(),
            status: Mark::Skipped,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn with_fix(mut self, fix: impl Into<String>) -> Line {
        self.fix = Some(fix.into());
        self
    }
}

/// Whether every line passed (skipped lines do not count against).
pub(crate) fn all_ok(lines: &[Line]) -> bool {
    lines.iter().all(|l| l.status != Mark::Failed)
}

/// Aligned text lines; fixes go on their own indented line.
pub(crate) fn render(lines: &[Line], palette: Palette) -> Vec<String> {
    let width = lines
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for l in lines {
        out.push(format!(
            "{} {:width$}  {}",
            l.status.symbol(palette),
            l.name,
            l.detail
        ));
        // A fix of several steps: one step a line, under the first.
        for (i, step) in l.fix.iter().flat_map(|f| f.lines()).enumerate() {
            let label = if i == 0 { "fix: " } else { "     " };
            out.push(format!("  {:width$}  {label}{step}", ""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned_with_fixes() {
        let lines = vec![
            Line::ok("service", "web: 2 ready endpoints"),
            Line::failed("ingress class", "no IngressClass alb").with_fix("kubectl apply"),
            Line::skipped("targets", "no load balancer yet"),
            Line::failed("dns", "none").with_fix("first\nthen"),
        ];
        let text = render(&lines, Palette { enabled: false });
        assert_eq!(
            text,
            vec![
                "✓ service        web: 2 ready endpoints",
                "✗ ingress class  no IngressClass alb",
                "                 fix: kubectl apply",
                "- targets        no load balancer yet",
                "✗ dns            none",
                "                 fix: first",
                "                      then",
            ]
        );
        assert!(!all_ok(&lines));
        assert!(all_ok(&lines[..1]));
    }
}
