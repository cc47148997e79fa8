//! The command line: subcommands, options and their help text.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Posture and stretch reminders that respect your attention.
///
/// postured runs in the background as a systemd user service and sends a few well-timed desktop
/// notifications with a stretch or posture tip, within hard limits on how often. The other
/// commands inspect and control it.
#[derive(Debug, Parser)]
#[command(name = "postured", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Read this config file instead of $XDG_CONFIG_HOME/postured/config.toml
    #[arg(long, short = 'c', global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what would fire over the next days, and what would be held back and why
    ///
    /// A dry run over simulated time with the same planner the daemon uses; nothing is shown
    /// on the desktop and nothing is stored.
    Plan(PlanArgs),

    /// Check a config file (and the catalogue beside it); exit 0 if it is valid, 1 if not
    CheckConfig {
        /// The file to check; defaults to --config or the XDG location
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },

    /// Print a shell completion script to standard output
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff) to standard output
    Man,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// How many days to plan (1 to 366)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,

    /// Start here instead of now: "2026-03-29T08:00" (in the config's time zone), a date, or
    /// an RFC 3339 time with offset
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// One JSON object per line instead of text
    #[arg(long)]
    pub json: bool,
}
