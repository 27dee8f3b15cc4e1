//! The switching capability: `kubectl ctx` and `kubectl ns`.

pub mod ctx;
pub mod ns;
pub mod prompt;

use crate::error::{Error, Result};

/// A fuzzy picker on stderr; `None` when the user cancels.
pub fn picker(what: &str, items: &[&str], default: usize) -> Result<Option<usize>> {
    dialoguer::FuzzySelect::new()
        .with_prompt(format!("Switch {what} (type to filter, Esc to cancel)"))
        .items(items)
        .default(default)
        .max_length(15)
        .interact_opt()
        .map_err(|e| Error::Failed(format!("picker failed: {e}")))
}
