//! The switching capability: `kubectl ctx` ([`ctx::CtxArgs`]) and `kubectl ns`
//! ([`ns::NsArgs`]), with their shared picker and ctx's prompt segment.

pub mod ctx;
pub mod ns;
mod picker;
mod prompt;

use picker::picker;
