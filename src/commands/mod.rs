//! One module per subcommand (or group). Each returns the exit code or an error for `main`.

pub mod check_config;
pub mod docs;
pub mod plan;
