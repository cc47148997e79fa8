//! `postured completions SHELL` and `postured man`: generated from the CLI definition. `install`
//! and the Debian package install the same texts.

use crate::cli::Cli;
use clap::CommandFactory;
use std::process::ExitCode;

/// Generated into memory: clap_complete panics on a failed write, and a closed pipe
/// (`postured completions bash | true`) must end quietly instead.
pub fn completion(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "postured", &mut script);
    script
}

pub fn man_page() -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    Ok(page)
}

pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    super::out::bytes(&completion(shell))?;
    Ok(ExitCode::SUCCESS)
}

pub fn man() -> anyhow::Result<ExitCode> {
    super::out::bytes(&man_page()?)?;
    Ok(ExitCode::SUCCESS)
}
