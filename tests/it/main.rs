//! Integration tests: the real `postured` binary, with its own temp XDG dirs every time.

mod cli;
mod daemon;
mod desktop;
mod session;
mod standins;
mod support;
mod unit;
