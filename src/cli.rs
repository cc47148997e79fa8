//! The command line: subcommands, options and their help text.

use crate::core::names::{self, Named};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Posture and stretch reminders that respect your attention.
///
/// postured runs in the background as a systemd user service and sends a few well-timed desktop
/// notifications with a stretch or posture tip, within hard limits on how often. The other
/// commands inspect and control it.
#[derive(Debug, Parser)]
#[command(
    name = "postured",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Examples:\n  postured install\n  postured status\n  postured log --area neck --severity 5"
)]
pub struct Cli {
    /// Read this config file instead of $XDG_CONFIG_HOME/postured/config.toml
    #[arg(long, short = 'c', global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon in the foreground (what the systemd user unit starts)
    #[command(after_help = "Examples:\n  postured run\n  POSTURED_LOG=debug postured run")]
    Run,

    /// Show whether reminders are on, what comes next and why, and today's counts
    ///
    /// With --watch it keeps running for a status bar: the status once, then one line each time
    /// it changes (the daemon announces changes; nothing is polled). It waits for the daemon if
    /// it isn't running and carries on across restarts.
    #[command(after_help = "Examples:\n  postured status\n  postured status --watch --format waybar")]
    Status {
        /// How to print it: text for people, json, or one line for a status bar
        #[arg(long, value_enum, default_value_t = StatusFormat::Text, conflicts_with = "json")]
        format: StatusFormat,
        /// The same as --format json
        #[arg(long)]
        json: bool,
        /// Keep running: print a line each time the status changes, until interrupted
        #[arg(long, short = 'w')]
        watch: bool,
    },

    /// Pause reminders for `notifications.pause` (1h), or resume them if they are paused: for a
    /// status bar's click action
    #[command(after_help = "Example:\n  postured toggle")]
    Toggle,

    /// Pause reminders for a while ("1h", "30m") or until tomorrow
    #[command(after_help = "Examples:\n  postured pause 45m\n  postured pause --until-tomorrow")]
    Pause {
        /// How long, e.g. "45m" or "2h" (at most a year)
        #[arg(value_name = "DURATION", value_parser = parse_duration, required_unless_present = "until_tomorrow")]
        duration: Option<u64>,
        /// Until the next day begins (limits.day_starts)
        #[arg(long, conflicts_with = "duration")]
        until_tomorrow: bool,
    },

    /// Resume reminders after a pause
    #[command(after_help = "Example:\n  postured resume")]
    Resume,

    /// Put off every reminder for a while, e.g. "20m"
    #[command(after_help = "Example:\n  postured snooze 20m")]
    Snooze {
        #[arg(value_name = "DURATION", value_parser = parse_duration)]
        duration: u64,
    },

    /// Re-read the config; a broken file is reported and the running config is kept
    #[command(after_help = "Example:\n  postured reload")]
    Reload,

    /// Log discomfort: where, how strong from 0 (none) to 10 (worst imaginable), and any
    /// warning signs with it
    ///
    /// Stored on this machine only. Works whether the daemon runs or not. If the reports call
    /// for it, postured says when it is worth seeing a physical therapist, chiropractor or
    /// doctor, and why; a warning sign gets that advice at once.
    #[command(
        after_help = "Examples:\n  postured log --area neck --severity 6 --note \"after a long call\"\n  postured log --area upper-back --severity 4 --symptom tingling --at 2026-11-20T10:00"
    )]
    Log {
        /// Where
        #[arg(long, value_parser = named::<crate::core::Area>(), required_unless_present = "popped")]
        area: Option<crate::core::Area>,
        /// How strong: 0 none, 3 mild, 5 moderate, 8 severe, 10 worst imaginable
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10), allow_negative_numbers = true,
              required_unless_present = "popped")]
        severity: Option<u8>,
        /// Log that you popped (cracked) your upper back instead, with --at if not now
        #[arg(long, conflicts_with_all = ["area", "severity", "symptoms", "note"])]
        popped: bool,
        /// A sign that came with it (repeat for several)
        #[arg(long = "symptom", value_parser = named::<crate::core::Symptom>(), value_name = "SYMPTOM")]
        symptoms: Vec<crate::core::Symptom>,
        /// A short note, e.g. "after a long call" (at most 1000 characters; tabs and line breaks
        /// but no other control characters); `-` reads it from standard input
        #[arg(long)]
        note: Option<String>,
        /// When it was, if not now: "2026-11-20T10:00" or "2026-11-20" (up to a year back)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },

    /// Summarise your discomfort reports, reminders and care advice over the last days
    ///
    /// Per body area: how often, how strong and which way it is going, as text with a small
    /// chart, or as Markdown or HTML to bring to a physical therapist or doctor, or as CSV or
    /// JSON. Everything is read from this machine only.
    #[command(
        after_help = "Examples:\n  postured report --days 90 --area neck\n  postured report --format markdown --output for-my-physio.md"
    )]
    Report(ReportArgs),

    /// Write all your data (reports, reminders, care advice, with notes and answers) as one JSON
    /// document
    #[command(after_help = "Example:\n  postured export --output postured-data.json")]
    Export {
        /// Write to this file instead of standard output: created readable by you only; an
        /// existing regular file is replaced; never a symlink or in postured's state folder
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },

    /// Delete reports, reminders, care advice and breaks from before a date, for good
    ///
    /// Asks first unless --yes is given; without a terminal to ask on, it refuses. The file is
    /// rebuilt afterwards so deleted data does not linger in it.
    #[command(after_help = "Example:\n  postured forget --before 2026-01-01")]
    Forget {
        /// Delete what is older than this: "2026-06-01" or "2026-06-01T12:00" (in the config's
        /// time zone), or an RFC 3339 time
        #[arg(long, value_name = "DATE")]
        before: String,
        /// Don't ask
        #[arg(long)]
        yes: bool,
    },

    /// Install and start the systemd user service for this binary
    ///
    /// The service runs with --config PATH when you give one here (checked first).
    #[command(
        after_help = "Examples:\n  postured install\n  postured --config ~/dotfiles/postured.toml install --no-start"
    )]
    Install {
        /// Write the unit and reload systemd, but don't enable or start it
        #[arg(long)]
        no_start: bool,
    },

    /// Answer a few questions once (osteoporosis, hypermobility, a recent spinal injury or
    /// surgery, inflammatory spinal arthritis), so postured never suggests a move that is not
    /// for you
    ///
    /// Each is skippable, or answer "I'd rather not say". The answers go to `care.exclusions`
    /// in the config file; its comments and other keys stay as they are.
    #[command(after_help = "Example:\n  postured setup")]
    Setup,

    /// Stop and remove the systemd user service (config and data are kept)
    #[command(after_help = "Example:\n  postured uninstall")]
    Uninstall,

    /// Show what would fire over the next days, and what would be held back and why
    ///
    /// A dry run over simulated time with the same planner the daemon uses; nothing is shown
    /// on the desktop and nothing is stored.
    #[command(
        after_help = "Examples:\n  postured plan --days 3\n  postured plan --from 2026-03-30T08:00 --json"
    )]
    Plan(PlanArgs),

    /// Check a config file (and the catalogue beside it); exit 0 if it is valid, 1 if not
    #[command(
        after_help = "Examples:\n  postured check-config\n  postured check-config ~/dotfiles/postured.toml"
    )]
    CheckConfig {
        /// The file to check; defaults to --config or the XDG location
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },

    /// Print a shell completion script to standard output
    #[command(
        after_help = "Example:\n  postured completions bash > ~/.local/share/bash-completion/completions/postured"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff) to standard output
    #[command(after_help = "Example:\n  postured man > ~/.local/share/man/man1/postured.1")]
    Man,

    /// Write the Debian package's files (unit, desktop entry, man page, completions) for
    /// /usr/bin/postured under DIR, as they are installed
    #[command(hide = true)]
    PackageFiles {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
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

/// The formats of `postured status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// For people: several lines, or one line per change with --watch
    Text,
    /// Every status field; one object per line with --watch
    Json,
    /// One JSON object per line with text, tooltip, class and alt, for waybar's custom module
    Waybar,
    /// One short plain line, for i3blocks (and i3status-rust's custom block)
    I3blocks,
    /// One short plain line, for polybar's script module
    Polybar,
}

/// A value named by the core's naming table (`core::names`): its names and aliases, with their
/// help, so help, completions, errors and D-Bus all take the same names.
fn named<T: Named + Send + Sync>() -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = T::TABLE.iter().filter(|n| !n.hidden).map(|n| {
        let value = PossibleValue::new(n.name).aliases(n.aliases.iter().copied());
        if n.help.is_empty() { value } else { value.help(n.help) }
    });
    PossibleValuesParser::new(values)
        .map(|text| names::parse::<T>(&text).expect("a possible value is a name in the table"))
}

/// A human duration for the CLI, in whole seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let d = crate::config::fields::parse_duration(text)?;
    if d.is_zero() {
        return Err("must be longer than 0s".into());
    }
    Ok(d.as_secs())
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// How many days back, today included (1 to 3660)
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,

    /// Only this body area
    #[arg(long, value_parser = named::<crate::core::Area>())]
    pub area: Option<crate::core::Area>,

    /// What to write
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Write to this file instead of standard output: created readable by you only; an
    /// existing regular file is replaced; never a symlink or in postured's state folder
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats of `postured report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A summary for the terminal, with a chart per area
    Text,
    /// A one-page summary to print or bring to an appointment
    Markdown,
    /// One row per report, for a spreadsheet
    Csv,
    /// One JSON document (field names in the README)
    Json,
    /// A self-contained web page with a chart, no scripts
    Html,
}
