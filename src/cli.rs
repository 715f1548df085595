//! The `tsunagu` command line: serve, migrate, openapi, token.

use std::sync::Arc;

use chrono::Duration;
use clap::{ArgGroup, Args, Parser, Subcommand};
use uuid::Uuid;

use crate::{
    api,
    auth::{Claims, KeyRing, KeyRingError},
    clock::{Clock, SystemClock},
    config::{Config, ConfigError},
    database::{self, DatabaseError},
    domain::PartyRole,
    startup::{shutdown_signal, Application, StartupError},
    store,
};

#[derive(Debug, Parser)]
#[command(name = "tsunagu", version, about = "Reentry-support tracker: milestones, high-risk periods and alerts")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the API.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (what openapi/openapi.json holds).
    Openapi,
    /// Mint a signed bearer token and print only the token.
    Token(TokenArgs),
    /// Write a verified copy of the database (SQLite) to PATH while the service runs.
    Backup {
        path: std::path::PathBuf,
        /// Replace PATH if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup in place of the database (SQLite); refused while a server runs on it.
    Restore { path: std::path::PathBuf },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("who").required(true).args(["role", "party"])))]
pub struct TokenArgs {
    /// The role to claim, e.g. `admin` (with --subject).
    #[arg(long, value_parser = parse_role, requires = "subject")]
    pub role: Option<PartyRole>,
    /// The subject, e.g. the admin's name (with --role).
    #[arg(long, requires = "role")]
    pub subject: Option<String>,
    /// An existing party: role and organisation are taken from it.
    #[arg(long, conflicts_with_all = ["role", "subject"])]
    pub party: Option<Uuid>,
    /// How long the token stays valid, in hours.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub hours: u32,
}

fn parse_role(raw: &str) -> Result<PartyRole, String> {
    raw.parse().map_err(|invalid: crate::domain::Invalid| invalid.to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Keys(#[from] KeyRingError),
    #[error("no party with id {0}")]
    NoSuchParty(Uuid),
    #[error("give either --role with --subject, or --party")]
    TokenSubject,
    #[error("cannot read the party: {0}")]
    Lookup(sea_orm::DbErr),
    #[error("--hours {hours} is longer than TSUNAGU_TOKEN_MAX_HOURS allows ({max}); the server would refuse it")]
    TooLong { hours: u32, max: i64 },
    #[error("cannot sign the token: {0}")]
    Sign(jsonwebtoken::errors::Error),
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Openapi => {
            print!("{}", api::document());
            Ok(())
        }
        Command::Serve => {
            let config = Config::from_env()?;
            // While serving, the application holds the database's lock, so that a restore
            // cannot replace it.
            let app = Application::build(&config, Arc::new(SystemClock)).await?;
            app.run_until_stopped(shutdown_signal()).await.map_err(CliError::Serve)
        }
        Command::Migrate => {
            let config = Config::from_env()?;
            let db = database::connect(&config.database_url).await?;
            database::migrate(&db).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Backup { path, force } => {
            let config = Config::from_env()?;
            crate::backup::backup(&config.database_url, &path, force).await?;
            println!("backed up and verified: {}", path.display());
            Ok(())
        }
        Command::Restore { path } => {
            let config = Config::from_env()?;
            crate::backup::restore(&config.database_url, &path).await?;
            println!("restored from {}", path.display());
            Ok(())
        }
        Command::Token(args) => {
            let config = Config::from_env()?;
            println!("{}", mint_token(&config, args, &SystemClock).await?);
            Ok(())
        }
    }
}

async fn mint_token(config: &Config, args: TokenArgs, clock: &dyn Clock) -> Result<String, CliError> {
    let db = database::connect(&config.database_url).await?;
    database::migrate(&db).await?;
    let now = clock.now();
    let keys = KeyRing::load(&db, config.jwt_secret.as_ref(), now).await?;
    let (sub, role, org) = match (args.party, args.role, args.subject) {
        (Some(id), _, _) => {
            let party =
                store::parties::find(&db, id).await.map_err(CliError::Lookup)?.ok_or(CliError::NoSuchParty(id))?;
            let role = party.role.clone();
            (party.id.to_string(), role, party.organization_id)
        }
        (None, Some(role), Some(subject)) => (subject, role.as_str().to_owned(), None),
        // clap's argument group rules this out; say so plainly if it ever does not.
        _ => return Err(CliError::TokenSubject),
    };
    if i64::from(args.hours) > config.token_max_lifetime.num_hours() {
        return Err(CliError::TooLong { hours: args.hours, max: config.token_max_lifetime.num_hours() });
    }
    let claims = Claims {
        sub,
        role,
        org,
        exp: (now + Duration::hours(i64::from(args.hours))).timestamp(),
        nbf: None,
        iat: Some(now.timestamp()),
        cid: None,
    };
    keys.mint(&claims).map_err(CliError::Sign)
}
