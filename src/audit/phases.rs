//! Phase timings of a live audit on stderr, for profiling `--report` on a
//! big cluster: only in builds with the test-only `test-hooks` feature, and
//! only when `HONBAN_AUDIT_PHASES` is set. Release builds compile it away.

/// Marks the end of a phase: its name, a count, and the time since the
/// previous mark (and since the first).
#[cfg(feature = "test-hooks")]
pub(crate) fn mark(phase: &str, count: usize) {
    use std::sync::Mutex;
    use std::time::Instant;
    static LAST: Mutex<Option<(Instant, Instant)>> = Mutex::new(None);
    if std::env::var_os("HONBAN_AUDIT_PHASES").is_none() {
        return;
    }
    let now = Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    let (start, prev) = last.unwrap_or((now, now));
    *last = Some((start, now));
    eprintln!(
        "phase {phase}: {count} in {:.3} s (at {:.3} s)",
        (now - prev).as_secs_f64(),
        (now - start).as_secs_f64()
    );
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn mark(_phase: &str, _count: usize) {}
