//! Integration tests: the real `postured` binary, with its own temp XDG dirs every time.

mod badinput;
mod bar;
mod care;
mod cli;
mod daemon;
mod dbusfuzz;
mod desktop;
mod durable;
mod engine;
mod extidle;
mod fullscreen;
mod headless;
mod hyprland;
mod idle;
mod mako;
mod output;
mod pipes;
mod plasma;
mod report;
mod session;
mod standins;
mod support;
mod sway;
mod unit;
mod xfce;
