//! One handler per event kind.

pub mod fallback;
