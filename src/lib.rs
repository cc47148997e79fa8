//! postured: a quiet posture-and-stretch reminder daemon for Linux desktops.
//!
//! # Layout
//! - [`core`]: pure logic over an injected `now` — schedule, limits, catalogue choice, planner,
//!   presence.
//! - [`config`]: the TOML files, parsed and checked into the core's types.
//! - [`adapters`]: the outside world — clock, XDG paths, store, notifications, D-Bus control,
//!   wall-clock timer, logging, session (lock, sleep and idle from D-Bus signals).
//! - [`daemon`]: the runtime loop that drives the planner and applies what it decides.
//! - [`commands`]: one module per CLI subcommand, each a thin layer over the above.
//! - [`cli`]: the command line, shared by `main`, completions and the man page.

pub mod adapters;
pub mod cli;
pub mod commands;
pub mod config;
pub mod core;
pub mod daemon;
