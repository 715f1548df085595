use std::{future::Future, pin::Pin, sync::Arc};

use chrono::{DateTime, SubsecRound, Utc};
use futures::FutureExt;
use reqwest::{header, Response, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use tempfile::TempDir;
use tsunagu::{
    auth::Claims,
    clock::ManualClock,
    config::{Config, DatabaseUrl},
    startup::Application,
    state::AppState,
};

pub const POSTGRES_URL_VAR: &str = "TSUNAGU_TEST_POSTGRES_URL";

pub type TestFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One test, written once, run against each database.
pub struct Case {
    pub module: &'static str,
    pub test: &'static str,
    pub run: fn(TestApp) -> TestFuture,
}

impl Case {
    pub fn name(&self) -> String {
        let module = self.module.rsplit("::").next().unwrap_or(self.module);
        format!("{module}::{}", self.test)
    }
}

/// `pub const TESTS: &[Case] = cases![a, b];` registers `async fn a(app: TestApp)` and `b`.
/// A test function left out of the list is dead code, which clippy refuses.
#[macro_export]
macro_rules! cases {
    ($($test:ident),+ $(,)?) => {
        &[$($crate::helpers::Case {
            module: module_path!(),
            test: stringify!($test),
            run: |app| Box::pin($test(app)),
        }),+]
    };
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The URL of a server where the test may create and drop databases.
    Postgres(String),
}

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create(backend: &Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("create a temporary directory");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("tsunagu.db").display());
                Self { url, _dir: Some(dir), postgres: None }
            }
            Backend::Postgres(server_url) => {
                let name = format!("tsunagu_test_{}", uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(server_url.as_str())
                    .await
                    .unwrap_or_else(|err| panic!("cannot reach PostgreSQL at {POSTGRES_URL_VAR}: {err}"));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                let mut url = url::Url::parse(server_url).expect("a valid PostgreSQL URL");
                url.set_path(&name);
                Self { url: url.to_string(), _dir: None, postgres: Some((server_url.clone(), name)) }
            }
        }
    }

    async fn remove(self) {
        if let Some((server_url, name)) = self.postgres {
            if let Ok(admin) = sea_orm::Database::connect(server_url.as_str()).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                admin.close().await.ok();
            }
        }
    }
}

/// Builds a runtime, a database and a server for one case, runs it, and cleans up even on failure.
pub fn run_case(case: &Case, backend: Backend) -> Result<(), libtest_mimic::Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| format!("cannot build a runtime: {err}"))?;
    runtime.block_on(async move {
        let database = TestDatabase::create(&backend).await;
        let app = spawn_app(&database.url).await;
        let outcome = std::panic::AssertUnwindSafe((case.run)(app)).catch_unwind().await;
        database.remove().await;
        outcome.map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the test panicked".to_owned());
            libtest_mimic::Failed::from(message)
        })
    })
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub state: AppState,
    /// The database as an operator's own connection sees it, around the service: for setting
    /// rows up and checking them. What is written here, the service's cache is not told of.
    pub outside: sea_orm::DatabaseConnection,
}

pub async fn spawn_app(database_url: &str) -> TestApp {
    spawn_app_configured(database_url, |_| {}).await
}

/// The configuration every test app starts from.
fn test_config(database_url: &str) -> Config {
    Config {
        database_url: DatabaseUrl::parse(database_url).expect("a test database URL"),
        addr: "127.0.0.1:0".parse().expect("a socket address"),
        jwt_secret: None,
        tick: std::time::Duration::from_secs(30),
        window: Default::default(),
        rules: tsunagu::domain::risk::default_rules(),
        escalate_after: chrono::Duration::hours(24),
        public_url: None,
        // The tests' webhook receivers listen on loopback.
        webhook_allow_private: true,
        // Test callers keep their tokens while a test moves the clock by years.
        token_max_lifetime: chrono::Duration::days(6 * 365),
        read_timeout: std::time::Duration::from_secs(30),
        snooze_max_days: 14,
        referrals: Default::default(),
        follow_up: Default::default(),
        retention_years: 5,
        email: None,
        sms: None,
        line: None,
        delivery: Default::default(),
        connections: Default::default(),
    }
}

/// An app whose configuration a test adjusts first.
pub async fn spawn_app_configured(database_url: &str, configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = test_config(database_url);
    configure(&mut config);
    let clock = ManualClock::new(Utc::now().trunc_subsecs(0));
    // Tests drive the scheduler themselves, with the clock where they want it.
    let app =
        Application::build(&config, Arc::new(clock.clone())).await.expect("the application builds").without_scheduler();
    let state = app.state().clone();
    let address = format!("http://{}", app.addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    test_app(address, database_url, clock, state).await
}

/// An instance serving as in production, its scheduler and delivery loop running, until the
/// returned sender is used (what SIGTERM does); the handle ends once it has stopped.
pub async fn spawn_serving(
    database_url: &str,
    clock: ManualClock,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>) {
    let mut config = test_config(database_url);
    // Planning runs once at start and then is left to the test.
    config.tick = std::time::Duration::from_secs(3600);
    configure(&mut config);
    let app = Application::build(&config, Arc::new(clock.clone())).await.expect("the application builds");
    let state = app.state().clone();
    let address = format!("http://{}", app.addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    (test_app(address, database_url, clock, state).await, stop, serving)
}

async fn test_app(address: String, database_url: &str, clock: ManualClock, state: AppState) -> TestApp {
    let mut options = sea_orm::ConnectOptions::new(database_url.to_owned());
    options.max_connections(2).sqlx_logging(false);
    let outside = sea_orm::Database::connect(options).await.expect("a connection of the test's own");
    TestApp {
        outside,
        address,
        database_url: database_url.to_owned(),
        client: reqwest::Client::builder().build().expect("an HTTP client"),
        clock,
        state,
    }
}

/// Waits until `done` holds, looking every 20 ms, for at most `within`; says what it waited
/// for if it never held.
pub async fn eventually<F, Fut>(what: &str, within: std::time::Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    pub fn now(&self) -> DateTime<Utc> {
        use tsunagu::clock::Clock;
        self.clock.now()
    }

    /// A token signed with the server's key, as `tsunagu token` would mint it. It lasts five years
    /// of the test clock, so tests that move the clock keep their callers.
    pub fn token(&self, role: &str, subject: &str) -> String {
        let claims = Claims {
            sub: subject.to_owned(),
            role: role.to_owned(),
            org: None,
            exp: (self.now() + chrono::Duration::days(5 * 365)).timestamp(),
            nbf: None,
            iat: Some(self.now().timestamp()),
            cid: None,
        };
        self.state.keys.mint(&claims).expect("mint a token")
    }

    pub fn admin(&self) -> String {
        self.token("admin", "test-admin")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.expect("POST")
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client.patch(self.url(path)).bearer_auth(token).json(body).send().await.expect("PATCH")
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client.put(self.url(path)).bearer_auth(token).json(body).send().await.expect("PUT")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client.delete(self.url(path)).bearer_auth(token).send().await.expect("DELETE")
    }

    /// Today in Tokyo, the zone test persons live in, by the server's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive()
    }

    /// Creates something as admin and returns the stored representation.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let response = self.post(path, &self.admin(), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {path} with {body}");
        response.json().await.expect("a JSON body")
    }

    pub async fn create_organization(&self, kind: &str) -> String {
        let org = self.create("/organizations", json!({"kind": kind, "name": format!("A {kind}")})).await;
        id_of(&org)
    }

    pub async fn create_party(&self, body: Value) -> String {
        id_of(&self.create("/parties", body).await)
    }

    /// Rows in a table, read straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        self.count_where(table, "1 = 1").await
    }

    pub async fn count_where(&self, table: &str, condition: &str) -> i64 {
        let backend = self.outside.get_database_backend();
        let row = self
            .outside
            .query_one(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}")))
            .await
            .expect("count rows")
            .expect("a count");
        row.try_get::<i64>("", "n").expect("a number")
    }
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).to_owned()
}

/// Asserts an RFC 9457 problem response with `status` and returns its document.
pub async fn assert_problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "status of {}", response.url());
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let problem: Value = response.json().await.expect("a JSON problem document");
    assert_eq!(problem["status"], status.as_u16(), "{problem}");
    assert!(problem["title"].is_string(), "{problem}");
    assert!(problem["type"].is_string(), "{problem}");
    problem
}

/// The fields a 422 problem names.
pub fn refused_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The log of a `serve` child (`TSUNAGU_LOG_FORMAT=json` on stderr), line by line.
pub type ServeLog = tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStderr>>;

/// `program` run with nothing of the test's environment but `PATH`, on the test's database,
/// killed when dropped.
pub fn child_command(program: &str, database_url: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        // The test's callers carry tokens that outlive the default 720 hours.
        .env("TSUNAGU_TOKEN_MAX_HOURS", "60000")
        .kill_on_drop(true);
    command
}

/// Reads a `serve` child's log until it says it is serving: the address it serves on, and
/// every line up to then.
pub async fn until_serving(lines: &mut ServeLog) -> (String, Vec<String>) {
    let mut log = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            log.push(line.clone());
            let entry: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if entry["fields"]["message"] == "serving" {
                return Some(entry["fields"]["addr"].as_str().unwrap().to_owned());
            }
        }
        None
    };
    let addr = tokio::time::timeout(std::time::Duration::from_secs(60), read).await.expect("serve reports its address");
    let addr = addr.unwrap_or_else(|| panic!("serve exited before serving: {log:?}"));
    (addr, log)
}

/// Claims up to `limit` due messages of any channel, as a worker that is about to die would.
pub async fn claim_any(
    db: &impl tsunagu::store::Write,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: usize,
) -> Vec<tsunagu::entity::outbox_message::Model> {
    use tsunagu::store::outbox::{claim, Want, EMAIL, LINE, SMS, WEBHOOK};
    let room = std::collections::HashMap::new();
    let mut claimed = Vec::new();
    for channel in [WEBHOOK, EMAIL, SMS, LINE] {
        let want = Want { channel, limit: limit - claimed.len(), per_target: limit, room: &room };
        claimed.extend(claim(db, now, lease, &want).await.expect("claim"));
    }
    claimed
}

/// Seeds a confirmed address of `channel` for `party`, as if its owner had confirmed (or linked)
/// it: for tests whose subject is not the opt-in.
pub async fn seed_confirmed_address(app: &TestApp, party: &str, channel: &str, address: String, n: u8) {
    use sea_orm::{ActiveModelTrait, Set};
    tsunagu::entity::contact_point::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        party_id: Set(party.parse().unwrap()),
        channel: Set(channel.parse().unwrap()),
        address: Set(address),
        status: Set("confirmed".parse().unwrap()),
        confirm_token_hash: Set(None),
        unsubscribe_token: Set(format!("token-{channel}-{n}")),
        confirmed_at: Set(Some(app.now())),
        created_at: Set(app.now()),
        updated_at: Set(app.now()),
    }
    .insert(&app.outside)
    .await
    .unwrap();
}
