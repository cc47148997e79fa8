//! Thin adapters between the pure core and the outside world.

pub mod bus;
pub mod clock;
pub mod control;
pub mod dnd;
pub mod logging;
pub mod memory;
pub mod notify;
pub mod paths;
pub mod session;
pub mod store;
pub mod timer;
pub mod zoneinfo;
