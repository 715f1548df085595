use std::process::ExitCode;

use clap::Parser;
use tsunagu::cli::{self, Cli, Command};

fn main() -> ExitCode {
    // Before any thread is started, so that every thread's allocations share the few arenas.
    tsunagu::memory::one_arena_a_core();
    let cli = Cli::parse();
    let default_filter = match cli.command {
        Command::Serve | Command::Migrate => "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn",
        Command::Openapi
        | Command::Token(_)
        | Command::Invite(_)
        | Command::Backup { .. }
        | Command::Restore { .. } => "warn,sqlx=warn,sea_orm_migration=warn",
    };
    tsunagu::telemetry::init(default_filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tsunagu: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tsunagu: {err}");
            ExitCode::FAILURE
        }
    }
}
