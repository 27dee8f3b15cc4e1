//! How exemptions name what they cover: checks by id, category or `all`,
//! objects by globs. Shared by the config file, the annotations and the
//! built-in exemptions.

use super::checks::{self, CHECKS, Category};

/// Whether a name is a check id, a category or `all`.
pub(crate) fn names_check(name: &str) -> bool {
    matches!(name, "all" | "*")
        || checks::info(name).is_some()
        || Category::ALL.iter().any(|c| c.as_str() == name)
}

/// Whether an id, category or `all` covers a check.
pub(crate) fn covers(name: &str, check: &str) -> bool {
    name == check
        || matches!(name, "all" | "*")
        || CHECKS
            .iter()
            .any(|c| c.id == check && c.category.as_str() == name)
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("node-exporter*", "node-exporter-abc"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c", "abd"));
        assert!(glob("team-?", "team-?"));
    }
}
