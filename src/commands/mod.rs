//! One module per subcommand (or group). Each returns the exit code or an error for `main`.

pub mod check_config;
pub mod ctl;
pub mod docs;
pub mod export;
pub mod forget;
pub mod install;
pub mod log;
pub mod out;
pub mod output_file;
pub mod plan;
pub mod report;
pub mod setup;
