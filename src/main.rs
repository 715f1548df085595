use std::process::ExitCode;

use clap::Parser;
use tsunagu::cli::{self, Cli, Command};

/// Every allocation of the server, SQLite's included, goes to jemalloc (`tsunagu::memory` says
/// why and how it is set).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc reads its settings from this symbol when it starts: `tsunagu::memory::JEMALLOC_CONF`.
#[export_name = "malloc_conf"]
static JEMALLOC_CONF: &[u8; tsunagu::memory::JEMALLOC_CONF.len()] = tsunagu::memory::JEMALLOC_CONF;

fn main() -> ExitCode {
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
