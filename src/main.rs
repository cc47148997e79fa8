use clap::Parser;
use postured::cli::{Cli, Command};
use postured::commands;
use std::process::ExitCode;

/// EX_CONFIG from sysexits.h: the daemon can't start with this config.
const EX_CONFIG: u8 = 78;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run => {
            postured::adapters::logging::init();
            match postured::daemon::run(cli.config) {
                // A broken config at start: systemd must not restart us every few seconds
                // (the unit has RestartPreventExitStatus=78); a fixed file and a restart will do.
                Err(e) if e.chain().any(|c| c.is::<postured::config::ConfigError>()) => {
                    eprintln!("postured: {}", describe(&e));
                    return ExitCode::from(EX_CONFIG);
                }
                other => other.map(|()| ExitCode::SUCCESS),
            }
        }
        Command::Status { format, json, watch } => {
            let format = if json { postured::cli::StatusFormat::Json } else { format };
            commands::ctl::status(format, watch)
        }
        Command::Toggle => commands::ctl::toggle(),
        Command::Pause { duration, .. } => commands::ctl::pause(duration),
        Command::Resume => commands::ctl::simple("resume", None),
        Command::Snooze { duration } => commands::ctl::simple("snooze", Some(duration)),
        Command::Reload => commands::ctl::simple("reload", None),
        Command::Log { popped: true, at, .. } => commands::log::run_pop(cli.config, at),
        Command::Log { area, severity, symptoms, note, at, .. } => match (area, severity) {
            (Some(area), Some(severity)) => {
                commands::log::run(cli.config, commands::log::LogArgs { area, severity, symptoms, note, at })
            }
            _ => Err(anyhow::anyhow!("`log` needs --area and --severity, or --popped")),
        },
        Command::Install { no_start } => commands::install::install(cli.config, no_start),
        Command::Uninstall => commands::install::uninstall(),
        Command::Setup => commands::setup::run(cli.config),
        Command::Plan(args) => commands::plan::run(cli.config, &args),
        Command::CheckConfig { path } => commands::check_config::run(path.or(cli.config)),
        Command::Completions { shell } => commands::docs::completions(shell),
        Command::Man => commands::docs::man(),
        Command::PackageFiles { dir } => commands::install::package_files(&dir),
        Command::Report(args) => commands::report::run(cli.config, &args),
        Command::Export { output } => commands::export::run(cli.config, output.as_deref()),
        Command::Forget { before, yes } => commands::forget::run(cli.config, &before, yes),
    };
    match result {
        Ok(code) => code,
        // The reader of our output has gone (`| head -1`): what it wanted, it has.
        Err(e) if commands::out::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("postured: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, as `{:#}` would, minus SQLite's repeat of its own message
/// ("…: Error code 13: database or disk is full") after rusqlite's.
fn describe(e: &anyhow::Error) -> String {
    let causes = e.chain().filter(|cause| {
        let Some(inner) = cause.downcast_ref::<rusqlite::ffi::Error>() else { return true };
        !e.chain().any(|c| {
            matches!(c.downcast_ref(), Some(rusqlite::Error::SqliteFailure(outer, Some(_))) if outer == inner)
        })
    });
    causes.map(|c| c.to_string()).collect::<Vec<_>>().join(": ")
}
