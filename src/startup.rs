//! Building and running the server. `Application::build` binds first, so a test can ask for
//! port 0 and learn the port before serving.

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use poem::{
    endpoint::make_sync,
    get,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
    middleware::CatchPanic,
    Endpoint, EndpointExt, IntoResponse, Route, Server,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};

use crate::{
    api,
    audit::AuditLog,
    auth::{KeyRing, KeyRingError},
    backup::{self, BackupError},
    cache::ReadCache,
    clock::Clock,
    config::Config,
    database::{self, DatabaseError},
    http::{
        add_allow, limit_body, log_requests, no_store, render_error, same_origin, session_cookie, AllowedMethods,
        ApiError, BodyPolicy, Bounded, Precheck, Problem,
    },
    scheduler,
    state::{AppParts, AppState, SchedulerHealth},
    store::{Reads, Writer},
    workflow,
};
use futures::{future::ready, FutureExt};

const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Keys(#[from] KeyRingError),
    #[error(transparent)]
    Channel(#[from] crate::outbox::SettingError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error(transparent)]
    Lock(#[from] BackupError),
}

pub struct Application {
    acceptor: Bounded<TcpAcceptor>,
    addr: SocketAddr,
    /// How often the scheduler runs; `None` when the caller drives `scheduler::tick` itself.
    tick: Option<Duration>,
    state: AppState,
    /// On SQLite, the database's lock while this server holds it (see `backup::hold`).
    _lock: Option<std::fs::File>,
}

impl Application {
    /// Connects, migrates, loads the signing key and binds the listener.
    pub async fn build(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let db = database::connect(&config.database_url).await?;
        database::migrate(&db).await?;
        let reads = Reads::new(database::connect_reads(&config.database_url, &db).await?);
        let (cache, lock) = read_cache(config, &db, clock.clone())?;
        let db = Writer::new(db, cache.clone());
        let keys = KeyRing::load(&db, config.jwt_secret.as_ref(), clock.now()).await?;
        let bind_error = |source| StartupError::Bind { addr: config.addr, source };
        let acceptor =
            Bounded::new(TcpListener::bind(config.addr).into_acceptor().await.map_err(bind_error)?, config.connections);
        let addr =
            acceptor.local_addr().first().and_then(|local| local.as_socket_addr().copied()).unwrap_or(config.addr);
        let scheduler = Arc::new(SchedulerHealth::new(config.tick, clock.now()));
        let reach = Arc::new(reach(config, &keys)?);
        let outbox = crate::outbox::Outbox {
            db: db.clone(),
            reads: reads.clone(),
            clock: clock.clone(),
            reach,
            webhook_clients: Arc::new(crate::outbox::webhook::Clients::new(config.delivery.webhook_timeout)),
            webhook_allow_private: config.webhook_allow_private,
            delivery: Arc::new(crate::outbox::Dispatcher::new(config.delivery)),
            send_now: Arc::new(tokio::sync::Notify::new()),
        };
        let state = AppState::from(AppParts {
            outbox,
            audit: AuditLog::start(db.clone()),
            db,
            cache,
            reads,
            keys,
            clock,
            policy: config.window,
            rules: Arc::new(config.rules.clone()),
            escalate_after: config.escalate_after,
            public_url: config.public_url.clone(),
            scheduler,
            code_requests: Arc::default(),
            hashing: Arc::new(crate::auth::HashingPool::start(crate::auth::CONCURRENT_HASHES)),
            token_max_lifetime: config.token_max_lifetime,
            read_timeout: config.read_timeout,
            snooze_max_days: config.snooze_max_days,
            referrals: config.referrals,
            follow_up: config.follow_up,
            retention_years: config.retention_years,
        });
        Ok(Self { acceptor, addr, tick: Some(config.tick), state, _lock: lock })
    }

    /// Serves without the background scheduler: for tests, which call `scheduler::tick` with
    /// the clock where they want it.
    pub fn without_scheduler(mut self) -> Self {
        self.tick = None;
        self
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves, runs the scheduler every tick and the outbox's delivery beside it, until
    /// `shutdown` completes; then lets requests in flight finish, and hands the outbox over:
    /// sends in flight finish within the grace period and every claim left is given back.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> io::Result<()> {
        raise_descriptor_limit();
        tracing::info!(addr = %self.addr, "serving");
        let scheduler = self.tick.map(|every| tokio::spawn(scheduler::run(self.state.clone(), every)));
        let stop = Arc::new(tokio::sync::Notify::new());
        let delivery = self.tick.is_some().then(|| {
            let stop = stop.clone();
            let state = self.state.clone();
            let codes_asked_for = move || {
                let state = state.clone();
                async move {
                    if let Err(err) = crate::workflow::sign_in::send_requested_codes(&state).await {
                        tracing::error!(error = %err, "writing the sign-in codes asked for failed");
                    }
                }
            };
            tokio::spawn(crate::outbox::run(self.state.outbox.clone(), codes_asked_for, async move {
                stop.notified().await
            }))
        });
        let changes = self.state.db.follow_changes().map(tokio::spawn);
        let stopping = {
            let stop = stop.clone();
            async move {
                shutdown.await;
                // The outbox stops claiming at once, while requests in flight finish.
                stop.notify_one();
            }
        };
        let served = Server::new_with_acceptor(self.acceptor)
            // A connection that sends nothing for this long (headers or body) is closed.
            .idle_timeout(self.state.read_timeout)
            .run_with_graceful_shutdown(routes(self.state), stopping, Some(SHUTDOWN_GRACE))
            .await;
        if let Some(scheduler) = scheduler {
            scheduler.abort();
        }
        if let Some(delivery) = delivery {
            stop.notify_one();
            if delivery.await.is_err() {
                tracing::error!("the outbox's delivery loop ended by a panic");
            }
        }
        if let Some(changes) = changes {
            changes.abort();
        }
        served
    }
}

/// The read cache, on where this instance hears every write to what it keeps: on SQLite, when
/// this server holds the database's lock (another process holding it may write unheard); on
/// PostgreSQL, once `cache::follow_changes` listens.
fn read_cache(
    config: &Config,
    db: &DatabaseConnection,
    clock: Arc<dyn Clock>,
) -> Result<(Arc<ReadCache>, Option<std::fs::File>), StartupError> {
    let cache = Arc::new(ReadCache::new(clock));
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok((cache, None));
    }
    if config.database_url.is_in_memory() {
        cache.set_live(true);
        return Ok((cache, None));
    }
    let lock = match backup::sqlite_file(&config.database_url) {
        Ok(file) => backup::hold(&file)?,
        Err(_) => None,
    };
    match lock {
        Some(_) => cache.set_live(true),
        None => tracing::warn!("another process holds the database's lock: the read cache is off"),
    }
    Ok((cache, lock))
}

/// The channels beyond the inbox and webhooks, as configured; said once at start.
fn reach(config: &Config, keys: &KeyRing) -> Result<crate::outbox::Reach, crate::outbox::SettingError> {
    let timeouts = config.delivery;
    let mailer =
        config.email.as_ref().map(|email| crate::outbox::Mailer::new(email, timeouts.email_timeout)).transpose()?;
    let sms = config.sms.clone().map(|sms| crate::outbox::SmsGateway::new(sms, timeouts.sms_timeout)).transpose()?;
    let line =
        config.line.clone().map(|line| crate::outbox::LineClient::new(line, timeouts.sms_timeout)).transpose()?;
    match (&mailer, &sms, &line) {
        (None, None, None) => tracing::info!(
            "e-mail, SMS and LINE are not configured (TSUNAGU_SMTP_URL, TSUNAGU_SMS_URL, TSUNAGU_LINE_CHANNEL_TOKEN): alerts reach the inbox and webhooks only"
        ),
        _ => tracing::info!(email = mailer.is_some(), sms = sms.is_some(), line = line.is_some(), "channels configured"),
    }
    Ok(crate::outbox::Reach { mailer, sms, line, public_url: config.public_url.clone(), keys: keys.clone() })
}

/// Every route, wrapped so that each error leaves as problem+json and each request is logged.
pub fn routes(state: AppState) -> impl Endpoint {
    let api = api::service();
    let docs = api.swagger_ui();
    let document = api::document();
    let site = crate::site::routes();
    let mut extra: Vec<(&str, &str)> = vec![("/openapi.json", "GET")];
    extra.extend(site.iter().map(|route| (route.path, route.methods.as_str())));
    let allowed = Arc::new(AllowedMethods::new(&document, api::BASE_PATH, &extra));
    let bodies = BodyPolicy { read_timeout: state.read_timeout, precheck: refuse_unauthenticated(state.clone()) };
    let mut route = Route::new()
        .nest(api::BASE_PATH, api.around(no_store))
        .nest("/docs", docs)
        .at("/openapi.json", get(make_sync(move |_| document.clone().with_content_type("application/json"))));
    for site_route in site {
        route = route.at(site_route.path, site_route.endpoint);
    }
    // Each layer's future holds the one inside it, and each is moved whole when it is started:
    // unboxed, the outermost future was 11.6 KB (release build). Boxed in these three places,
    // a layer holds a pointer to the next, and the outermost was 4.2 KB; with each layer
    // holding the request once and calling the next through its box (`http::chain`), 1.1 KB.
    route
        .boxed()
        .around(move |next, req| limit_body(next, req, bodies.clone()))
        .data(state)
        .with(CatchPanic::new().with_handler(|_| {
            // The request that panicked answers 500 like any fault; the server goes on.
            tracing::error!("request handler panicked");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, Some("Something went wrong on our side.".into()))
                .into_response()
        }))
        .catch_all_error(render_error)
        .boxed()
        .around(move |next, req| add_allow(next, req, allowed.clone()))
        .boxed()
        .around(log_requests)
}

/// Raises the soft limit on open files to the hard limit, and logs both: each connection is a
/// descriptor, and a soft limit of 256 or 1024 is reached long before the machine's. A limit
/// that cannot be read or raised is logged and the service goes on.
fn raise_descriptor_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => tracing::info!(was = soft, soft = hard, hard, "open-file limit raised"),
            Err(err) => tracing::warn!(soft, hard, error = %err, "cannot raise the open-file limit"),
        },
        Ok((soft, hard)) => tracing::info!(soft, hard, "open-file limit"),
        Err(err) => tracing::warn!(error = %err, "cannot read the open-file limit"),
    }
}

/// Every API operation that takes a body needs a bearer token or a session: one that does not
/// verify is answered 401 (a session's change from another site 403) before a byte of the
/// body is read or held. The gateway's callbacks carry a signature instead, checked by their
/// handlers.
fn refuse_unauthenticated(state: AppState) -> Precheck {
    Arc::new(move |req| {
        let takes_body = matches!(req.method().as_str(), "POST" | "PUT" | "PATCH");
        let path = req.uri().path();
        let signed_callback = path.strip_prefix(api::BASE_PATH).is_some_and(|rest| rest.starts_with("/channels/"));
        if !takes_body || !path.starts_with(api::BASE_PATH) || signed_callback {
            return ready(None).boxed();
        }
        let token = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")));
        if let Some(token) = token {
            let verified = state.keys.verify(token, state.clock.now(), state.token_max_lifetime).is_ok();
            return ready((!verified).then(|| ApiError::Unauthorized.into_response())).boxed();
        }
        let Some(cookie) = session_cookie(req) else {
            return ready(Some(ApiError::Unauthorized.into_response())).boxed();
        };
        let ours = same_origin(req, state.public_url.as_deref());
        let state = state.clone();
        async move {
            match workflow::sign_in::session_principal(&state, &cookie).await {
                Ok(Some(_)) if ours => None,
                Ok(Some(_)) => Some(ApiError::cross_site().into_response()),
                Ok(None) => Some(ApiError::Unauthorized.into_response()),
                Err(err) => Some(ApiError::from(err).into_response()),
            }
        }
        .boxed()
    })
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
