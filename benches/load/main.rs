//! `cargo bench --bench load [-- --quick] [--persons N] [--seconds S] [--connections C] [--only PATH]`
//!
//! Seeds a population, runs `tsunagu serve` on it, drives the hot read paths, the family's page
//! and a write path with `wrk` beside three floors (bare poem handlers answering a static body,
//! one query, and one durable audit line), samples the server's peak RSS, times the outbox
//! sending e-mail and webhooks to local receivers, and times a scheduler tick at growing table
//! sizes. Prints a table, then one JSON line with every figure.

mod drive;
mod floors;
mod outbox;
mod report;
mod seed;

use std::{
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use drive::Request;
use report::{DB_FLOOR, STATIC_FLOOR};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{json, Value};
use tsunagu::{
    auth::{Claims, KeyRing},
    config::{Config, DatabaseUrl, JwtSecret},
    database,
    outbox::EmailSettings,
    startup::Application,
};
use uuid::Uuid;

const AUDIT_FLOOR: &str = "floor: one audit line, group-committed";
/// Ticks timed at each table size; the median is reported.
const TICK_ROUNDS: usize = 3;
const SECRET: &str = "benchmark-secret-benchmark-secret-0123456789";

struct Args {
    quick: bool,
    persons: usize,
    seconds: u64,
    connections: usize,
    /// Drive only the paths whose name contains this (the floor always runs): for profiling.
    only: Option<String>,
    /// Run on PostgreSQL: a server URL where the benchmark may create and drop databases.
    postgres: Option<String>,
}

fn args() -> Args {
    let mut args = Args { quick: false, persons: 10_000, seconds: 10, connections: 32, only: None, postgres: None };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut number =
            |name: &str| given.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} takes a number"));
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--persons" => args.persons = number("--persons"),
            "--seconds" => args.seconds = number("--seconds") as u64,
            "--connections" => args.connections = number("--connections"),
            "--only" => args.only = given.next(),
            "--postgres" => args.postgres = given.next(),
            _ => {} // `cargo bench` adds `--bench`.
        }
    }
    if args.quick {
        // Quick mode shrinks the defaults; a size given on the command line still wins.
        let given: Vec<String> = std::env::args().collect();
        if !given.iter().any(|arg| arg == "--persons") {
            args.persons = 1_000;
        }
        if !given.iter().any(|arg| arg == "--seconds") {
            args.seconds = 3;
        }
    }
    args
}

fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A fresh database for one part of the run: a file in `dir`, or a database created on the
/// PostgreSQL server (listed in `created`, to drop at the end).
async fn open(
    args: &Args,
    dir: &std::path::Path,
    name: &str,
    created: &mut Vec<String>,
) -> (String, DatabaseConnection) {
    let url = match &args.postgres {
        None => format!("sqlite://{}?mode=rwc", dir.join(format!("{name}.db")).display()),
        Some(server) => {
            let database = format!("tsunagu_bench_{name}_{}", Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(server.as_str()).await.expect("reach PostgreSQL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{database}\"")).await.expect("create a database");
            admin.close().await.ok();
            created.push(database.clone());
            let mut url = url::Url::parse(server).expect("a PostgreSQL URL");
            url.set_path(&database);
            url.to_string()
        }
    };
    let db = database::connect(&DatabaseUrl::parse(&url).unwrap()).await.expect("open the database");
    database::migrate(&db).await.expect("migrate");
    (url, db)
}

/// After a bulk load, PostgreSQL's planner needs the statistics autovacuum would gather on a
/// database that has been running; SQLite keeps none unless asked, and the service does not
/// rely on them.
async fn settle_statistics(db: &DatabaseConnection) {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await.expect("analyze");
    }
}

async fn drop_created(args: &Args, created: &[String]) {
    let Some(server) = &args.postgres else { return };
    if let Ok(admin) = sea_orm::Database::connect(server.as_str()).await {
        for database in created {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)")).await;
        }
    }
}

/// The service's configuration for a run on `url` in this process, with no channels.
fn config_for(url: &str) -> Config {
    Config {
        database_url: DatabaseUrl::parse(url).unwrap(),
        addr: "127.0.0.1:0".parse().unwrap(),
        jwt_secret: Some(JwtSecret::parse(SECRET).unwrap()),
        tick: Duration::from_secs(3600),
        window: Default::default(),
        rules: tsunagu::domain::risk::default_rules(),
        escalate_after: chrono::Duration::hours(24),
        public_url: None,
        webhook_allow_private: false,
        token_max_lifetime: chrono::Duration::hours(720),
        read_timeout: std::time::Duration::from_secs(30),
        snooze_max_days: 14,
        referrals: Default::default(),
        follow_up: Default::default(),
        retention_years: 5,
        email: None,
        sms: None,
        line: None,
        delivery: Default::default(),
        // wrk drives every connection from one address.
        connections: tsunagu::config::ConnectionLimits {
            max_connections: 100_000,
            max_per_client: 100_000,
            ..Default::default()
        },
    }
}

/// A staff member moves a bail's hearing to `day` (before every seeded judgment: a hearing
/// after the judgment is refused with 422, which would measure refusals).
fn hearing_moved(bail: Uuid, staff_token: &str, day: chrono::NaiveDate) -> Request {
    Request {
        method: "PATCH",
        path: format!("/api/v1/milestones/{bail}"),
        headers: vec![
            ("Authorization", format!("Bearer {staff_token}")),
            ("Content-Type", "application/json".to_owned()),
        ],
        body: Some(json!({"hearing_on": day}).to_string()),
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let mut figures = serde_json::Map::new();

    // The population and the service.
    let mut created = Vec::new();
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let (url, db) = open(&args, dir.path(), "load", &mut created).await;
    let seeding = Instant::now();
    let population = seed::seed(&db, args.persons, 0, now).await.expect("seed");
    settle_statistics(&db).await;
    println!(
        "seeded {} persons, {} milestones in {:.1} s",
        args.persons,
        population.milestones,
        seeding.elapsed().as_secs_f64()
    );
    // A configured secret: the key ring reads nothing from the database.
    let cache = std::sync::Arc::new(tsunagu::cache::ReadCache::new(std::sync::Arc::new(tsunagu::clock::SystemClock)));
    let writer = tsunagu::store::Writer::new(db.clone(), cache);
    let keys = KeyRing::load(&writer, Some(&JwtSecret::parse(SECRET).unwrap()), now).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_tsunagu"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("TSUNAGU_ADDR", format!("127.0.0.1:{port}"))
        .env("TSUNAGU_JWT_SECRET", SECRET)
        .env("TSUNAGU_TICK_SECONDS", "3600")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start tsunagu serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.connections).build().unwrap();
    let ready = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(ready.elapsed() < Duration::from_secs(60), "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = |role: &str, sub: Uuid| {
        keys.mint(&Claims {
            sub: sub.to_string(),
            role: role.into(),
            org: None,
            exp: (now + chrono::Duration::hours(2)).timestamp(),
            nbf: None,
            iat: Some(now.timestamp()),
            cid: None,
        })
        .unwrap()
    };
    // Up to this many different callers a path, cycled through.
    let callers = population.families.len().min(4_000);
    let spread = |n: usize| (n * 7919) % population.families.len();
    let family_tokens: Vec<(Uuid, String)> = (0..callers)
        .map(spread)
        .map(|n| (population.families[n].0, token("family", population.families[n].1)))
        .collect();
    let staff: Vec<(Uuid, String)> =
        population.facilities.iter().zip(&population.staff).map(|(org, s)| (*org, token("staff", *s))).collect();

    // The public directory: a dozen services a facility, in two areas.
    seed::directory(&client, &base, &staff).await;

    // The floors, in this process, on the same database.
    let floor_base = floors::serve(&url, &db).await;

    let duration = Duration::from_secs(args.seconds);
    let connections = args.connections;
    let today = now.date_naive();
    let runs: Vec<(&str, &str, Vec<Request>)> = vec![
        (STATIC_FLOOR, &floor_base, vec![Request::get("/static")]),
        (
            DB_FLOOR,
            &floor_base,
            family_tokens.iter().map(|(person, _)| Request::get(format!("/floor/{person}"))).collect(),
        ),
        (
            AUDIT_FLOOR,
            &floor_base,
            family_tokens.iter().map(|(person, _)| Request::get(format!("/audit/{person}"))).collect(),
        ),
        (
            "family: GET upcoming?days=30",
            &base,
            family_tokens
                .iter()
                .map(|(person, token)| Request::get(format!("/api/v1/persons/{person}/upcoming?days=30")).bearer(token))
                .collect(),
        ),
        ("family: GET upcoming, one write in ten", &base, {
            // Nine reads, then a write that moves a date of someone whose schedule is read, so
            // the cache must forget exactly that person. A quarter of the bails have ended.
            let mut mixed = Vec::new();
            for (k, n) in (0..callers).map(spread).enumerate() {
                let (person, family_token) = &family_tokens[k];
                if k % 10 == 9 && n % 4 != 3 {
                    let (_, staff_token) = &staff[n % staff.len()];
                    let day = today + chrono::Duration::days(5 + (k % 15) as i64);
                    mixed.push(hearing_moved(population.bails[n], staff_token, day));
                } else {
                    mixed.push(Request::get(format!("/api/v1/persons/{person}/upcoming?days=30")).bearer(family_token));
                }
            }
            mixed
        }),
        (
            "public: directory page GET /help",
            &base,
            seed::DIRECTORY_SEARCHES.iter().map(|path| Request::get(*path).header("Accept-Language", "ja")).collect(),
        ),
        (
            "public: directory page, gzip as phones ask",
            &base,
            seed::DIRECTORY_SEARCHES
                .iter()
                .map(|path| Request::get(*path).header("Accept-Language", "ja").header("Accept-Encoding", "gzip, br"))
                .collect(),
        ),
        (
            "family: signed-in page GET /app",
            &base,
            // As a browser asks for it (Chromium's `Accept-Encoding`): the page is only ever a browser's.
            (0..callers)
                .map(spread)
                .map(|n| {
                    Request::get("/app")
                        .header("Cookie", format!("tsunagu_session={}", population.sessions[n]))
                        .header("Accept-Encoding", "gzip, deflate, br, zstd")
                })
                .collect(),
        ),
        (
            "family: GET me/alerts",
            &base,
            family_tokens.iter().map(|(_, token)| Request::get("/api/v1/me/alerts").bearer(token)).collect(),
        ),
        (
            "facility: GET persons?limit=50",
            &base,
            staff.iter().map(|(_, token)| Request::get("/api/v1/persons?limit=50").bearer(token)).collect(),
        ),
        (
            "facility: team inbox GET alerts",
            &base,
            staff
                .iter()
                .map(|(org, token)| Request::get(format!("/api/v1/organizations/{org}/alerts")).bearer(token))
                .collect(),
        ),
        ("facility: PATCH bail hearing (write)", &base, {
            // Persons are placed round-robin over the facilities; a quarter of the bails have ended.
            let bails = population.bails.iter().enumerate().filter(|(n, _)| n % 4 != 3);
            bails
                .take(4_000)
                .enumerate()
                .map(|(k, (person_index, bail))| {
                    let (_, staff_token) = &staff[person_index % staff.len()];
                    // Before every seeded judgment (20 days on at the earliest): a hearing after
                    // the judgment is refused with 422, which would measure refusals.
                    let day = today + chrono::Duration::days(5 + (k % 15) as i64);
                    hearing_moved(*bail, staff_token, day)
                })
                .collect()
        }),
    ];
    let mut rows = Vec::new();
    for (name, target, requests) in &runs {
        let is_floor = name.starts_with("floor");
        if !is_floor && args.only.as_ref().is_some_and(|only| !name.contains(only.as_str())) {
            continue;
        }
        // A path that answers errors measures nothing: check its first request first.
        let first = &requests[0];
        let mut check = client.request(first.method.parse().unwrap(), format!("{target}{}", first.path));
        for (header, value) in &first.headers {
            check = check.header(*header, value);
        }
        let answer = check.body(first.body.clone().unwrap_or_default()).send().await.expect("send a request");
        let status = answer.status();
        let body = answer.bytes().await.expect("the first answer's body");
        assert!(status.is_success(), "{name} answers {status}: {}", String::from_utf8_lossy(&body));
        // As sent: compressed where it was asked for compressed.
        println!("driving {name} for {} s (its first answer {} bytes)", duration.as_secs(), body.len());
        rows.push((name.to_string(), drive::drive(target, connections, duration, requests)));
    }
    let rss = server.id().map_or(f64::NAN, peak_rss_mb);
    server.kill().await.ok();
    if args.only.is_some() {
        // Profiling one path: the outbox and the tick are not what is looked at.
        report::print_rows(backend, &rows, &mut figures);
        println!("\nserver peak RSS: {rss:.1} MB");
        println!("{}", Value::Object(figures));
        drop_created(&args, &created).await;
        return;
    }

    // The outbox: e-mail to a local SMTP server, then webhooks to a local receiver.
    let (smtp_url, mails) = outbox::smtp_server();
    let (hook_url, hooks) = outbox::webhook_receiver().await;
    let (url, db) = open(&args, dir.path(), "outbox", &mut created).await;
    let population = seed::seed(&db, args.persons.min(2_000), 0, now).await.expect("seed");
    seed::reach(&db, &population, &hook_url).await.expect("addresses and subscriptions");
    settle_statistics(&db).await;
    let mut config = config_for(&url);
    config.email = Some(EmailSettings::parse(&smtp_url, "Tsunagu <alerts@tsunagu.test>").unwrap());
    config.public_url = Some("https://tsunagu.test".into());
    config.webhook_allow_private = true;
    let app = Application::build(&config, Arc::new(tsunagu::clock::SystemClock)).await.unwrap().without_scheduler();
    let messages = if args.quick { 1_000 } else { 4_000 };
    outbox::deliver_alerts(app.state(), &db, &population, messages, now, false).await;
    let (emails, emails_per_second) = outbox::time_sending(app.state(), &mails).await;
    outbox::stop_email(&db).await;
    outbox::deliver_alerts(app.state(), &db, &population, messages, now, true).await;
    let (webhooks, webhooks_per_second) = outbox::time_sending(app.state(), &hooks).await;
    drop(app);

    // A scheduler tick at growing table sizes, with about a thousand alerts due each time.
    let sizes: &[usize] = if args.quick { &[10_000, 100_000] } else { &[10_000, 100_000, 1_000_000] };
    let mut ticks = Vec::new();
    for &size in sizes {
        let (url, db) = open(&args, dir.path(), &format!("tick_{size}"), &mut created).await;
        // Twenty milestones a person at every size, so only the table grows.
        let persons = size / 20;
        let population = seed::seed(&db, persons, size.saturating_sub(persons * 4), now).await.expect("seed");
        let config = config_for(&url);
        let app = Application::build(&config, Arc::new(tsunagu::clock::SystemClock)).await.unwrap().without_scheduler();
        // Settle the seeded population (windows whose dates have passed), so the measured tick
        // finds a steady state plus the due alerts.
        while tsunagu::scheduler::tick(app.state()).await.unwrap() != Default::default() {}
        // Three rounds, each with its own thousand due, as a running scheduler meets them one
        // tick after another; the median is reported (the first round also pays for a cold cache).
        let mut rounds = Vec::new();
        for round in 0..TICK_ROUNDS {
            seed::due_alerts(&db, &population, 1_000, now, &format!("due{round}"), false).await.expect("due alerts");
            settle_statistics(&db).await;
            let began = Instant::now();
            let report = tsunagu::scheduler::tick(app.state()).await.unwrap();
            rounds.push((began.elapsed().as_secs_f64() * 1000.0, report.delivered));
        }
        rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (took, delivered) = rounds[rounds.len() / 2];
        ticks.push((population.milestones, delivered, took));
    }

    // The table.
    report::print_rows(backend, &rows, &mut figures);
    println!("\nserver peak RSS: {rss:.1} MB");
    println!("outbox: {emails} e-mails at {emails_per_second:.0}/s, {webhooks} webhooks at {webhooks_per_second:.0}/s");
    figures.insert(
        "outbox".into(),
        json!({"emails": emails, "emails_per_second": emails_per_second, "webhooks": webhooks, "webhooks_per_second": webhooks_per_second}),
    );
    println!("\n{:<14} {:>10} {:>10}", "milestones", "delivered", "tick ms");
    for (milestones, delivered, took) in &ticks {
        println!("{milestones:<14} {delivered:>10} {took:>10.1}");
    }
    figures.insert("peak_rss_mb".into(), json!(rss));
    figures.insert(
        "tick".into(),
        json!(ticks.iter().map(|(m, d, t)| json!({"milestones": m, "delivered": d, "ms": t})).collect::<Vec<_>>()),
    );
    figures.insert("database".into(), json!(backend));
    figures.insert("persons".into(), json!(args.persons));
    figures.insert("connections".into(), json!(connections));
    figures.insert("seconds".into(), json!(args.seconds));
    println!("{}", Value::Object(figures));
    drop_created(&args, &created).await;
}
