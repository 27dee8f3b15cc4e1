//! The switching capability: `kubectl ctx` and `kubectl ns`.

pub mod ctx;
pub mod ns;
mod picker;
pub mod prompt;

pub use picker::picker;
