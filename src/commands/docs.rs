//! `postured completions SHELL` and `postured man`: generated from the CLI definition.

use crate::cli::Cli;
use clap::CommandFactory;
use std::process::ExitCode;

/// Generated into memory first: clap_complete panics on a failed write, and a closed pipe
/// (`postured completions bash | true`) must end quietly instead.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "postured", &mut script);
    super::out::bytes(&script)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man() -> anyhow::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    super::out::bytes(&page)?;
    Ok(ExitCode::SUCCESS)
}
