use clap::Parser;
use postured::cli::{Cli, Command};
use postured::commands;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(args) => commands::plan::run(cli.config, &args),
        Command::CheckConfig { path } => commands::check_config::run(path.or(cli.config)),
        Command::Completions { shell } => commands::docs::completions(shell),
        Command::Man => commands::docs::man(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("postured: {e:#}");
            ExitCode::FAILURE
        }
    }
}
