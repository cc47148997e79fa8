//! Thin adapters between the pure core and the outside world.

pub mod clock;
pub mod paths;
