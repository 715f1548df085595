//! The `tsunagu` command line: serve, migrate, openapi, token, invite.

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
    store, workflow,
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
    /// Print a one-time set-up link for a new admin (valid 24 hours), e.g. for a lost admin.
    Invite(InviteArgs),
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

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The role of the account the link sets up: `admin` (everyone else is invited from the
    /// admin pages or by staff).
    #[arg(long, value_parser = parse_admin_role)]
    pub role: PartyRole,
    /// The admin's name, filled in on the set-up page.
    #[arg(long)]
    pub name: String,
}

fn parse_admin_role(raw: &str) -> Result<PartyRole, String> {
    match parse_role(raw)? {
        PartyRole::Admin => Ok(PartyRole::Admin),
        _ => Err("only admins are invited from the command line; an admin invites everyone else from the pages".into()),
    }
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
    #[error("the name: {0}")]
    Name(crate::domain::Invalid),
    #[error("cannot make the set-up link: {0}")]
    Setup(crate::workflow::WorkflowError),
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
            let base = base_url(&config, app.addr());
            if let Some(url) = workflow::sign_in::first_start_link(app.state(), &base).await.map_err(CliError::Setup)? {
                // Printed, never logged: the one place the link is shown.
                println!("Set up the first admin: {url} (valid {} hours)", workflow::sign_in::SETUP_VALID_HOURS);
            }
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
        Command::Invite(args) => {
            let config = Config::from_env()?;
            let name = crate::domain::DisplayName::parse(&args.name).map_err(CliError::Name)?;
            let db = writer(&config).await?;
            let base = base_url(&config, config.addr);
            let url =
                workflow::sign_in::admin_link(&db, SystemClock.now(), &base, name).await.map_err(CliError::Setup)?;
            println!(
                "Set up the {} admin account: {url} (valid {} hours)",
                args.role.as_str(),
                workflow::sign_in::SETUP_VALID_HOURS
            );
            Ok(())
        }
        Command::Token(args) => {
            let config = Config::from_env()?;
            println!("{}", mint_token(&config, args, &SystemClock).await?);
            Ok(())
        }
    }
}

/// Where the service is reached: `TSUNAGU_PUBLIC_URL`, else the address it listens on (a
/// wildcard address read as this machine).
fn base_url(config: &Config, addr: std::net::SocketAddr) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let ip = match addr.ip() {
        ip if ip.is_unspecified() => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", std::net::SocketAddr::new(ip, addr.port()))
}

/// The database, migrated, behind the store's writer: a command writes as the server does, and
/// on PostgreSQL running servers hear what it changed.
async fn writer(config: &Config) -> Result<crate::store::Writer, CliError> {
    let db = database::connect(&config.database_url).await?;
    database::migrate(&db).await?;
    // This process serves no reads: its cache is never on.
    let cache = Arc::new(crate::cache::ReadCache::new(Arc::new(SystemClock)));
    Ok(crate::store::Writer::new(db, cache))
}

async fn mint_token(config: &Config, args: TokenArgs, clock: &dyn Clock) -> Result<String, CliError> {
    let db = writer(config).await?;
    let now = clock.now();
    let keys = KeyRing::load(&db, config.jwt_secret.as_ref(), now).await?;
    let (sub, role, org) = match (args.party, args.role, args.subject) {
        (Some(id), _, _) => {
            let party =
                store::parties::find(&db, id).await.map_err(CliError::Lookup)?.ok_or(CliError::NoSuchParty(id))?;
            let role = party.role;
            (party.id.to_string(), role, party.organization_id)
        }
        (None, Some(role), Some(subject)) => (subject, role, None),
        // clap's argument group rules this out; say so plainly if it ever does not.
        _ => return Err(CliError::TokenSubject),
    };
    if i64::from(args.hours) > config.token_max_lifetime.num_hours() {
        return Err(CliError::TooLong { hours: args.hours, max: config.token_max_lifetime.num_hours() });
    }
    let claims = Claims {
        sub,
        role: role.as_str().to_owned(),
        org,
        exp: (now + Duration::hours(i64::from(args.hours))).timestamp(),
        nbf: None,
        iat: Some(now.timestamp()),
        cid: None,
    };
    keys.mint(&claims).map_err(CliError::Sign)
}
