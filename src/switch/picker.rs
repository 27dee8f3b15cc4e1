//! The fuzzy picker for `kubectl ctx` and `kubectl ns`.
//!
//! It draws on the alternate screen, so whatever ends it (a choice, Esc,
//! Ctrl-C, an error) leaves the terminal as it was: the user's screen back,
//! the cursor shown, no picker lines. Ctrl-C is caught while it runs, so the
//! process can restore the terminal and exit 130 as fzf does instead of dying
//! with the cursor hidden.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// Enter the alternate screen / leave it and show the cursor.
const ENTER: &str = "\x1b[?1049h";
const LEAVE: &str = "\x1b[?25h\x1b[?1049l";

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Catches SIGINT while alive; puts the previous disposition back on drop.
struct CatchInterrupt {
    previous: libc::sigaction,
}

impl CatchInterrupt {
    fn new() -> CatchInterrupt {
        INTERRUPTED.store(false, Ordering::SeqCst);
        // SAFETY: both structs are plain data initialised before use; the
        // handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGINT, &action, &mut previous);
            CatchInterrupt { previous }
        }
    }
}

impl Drop for CatchInterrupt {
    fn drop(&mut self) {
        // SAFETY: restores the disposition saved in `new`.
        unsafe {
            libc::sigaction(libc::SIGINT, &self.previous, std::ptr::null_mut());
        }
    }
}

/// A fuzzy picker on stderr; `None` when the user cancels (Esc or Ctrl-C).
pub(super) fn picker(what: &str, items: &[&str], default: usize) -> Result<Option<usize>> {
    let catch = CatchInterrupt::new();
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{ENTER}");
    let _ = stderr.flush();
    let chosen = dialoguer::FuzzySelect::new()
        .with_prompt(format!("Switch {what} (type to filter, Esc to cancel)"))
        .items(items)
        .default(default)
        .max_length(15)
        .interact_opt();
    let _ = write!(stderr, "{LEAVE}");
    let _ = stderr.flush();
    drop(catch);
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Ok(None);
    }
    chosen.map_err(|e| Error::Failed(format!("picker failed: {e}")))
}
