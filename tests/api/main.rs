//! One integration-test binary. Every case runs on SQLite, and again on PostgreSQL when
//! `TSUNAGU_TEST_POSTGRES_URL` is set; each run gets its own fresh database.

mod helpers;

mod access;
mod admin_pages;
mod alerts;
mod audit;
mod auth;
mod browser;
mod browser_directory;
mod browser_first_day;
mod browser_first_start;
mod browser_follow_up;
mod browser_line;
mod browser_plain_words;
mod browser_referrals;
mod browser_rota;
mod browser_support;
mod cache;
mod callbacks;
mod cli;
mod contract;
mod delivery;
mod directory;
mod disk_full;
mod doors;
mod feeds;
mod follow_up;
mod handoffs;
mod health;
mod imports;
mod integrations;
mod lifecycle;
mod line;
mod line_peer;
mod links;
mod me;
mod migrations;
mod milestones;
mod openapi;
mod organizations;
mod outbox_step;
mod outcomes;
mod own_pages;
mod pages;
mod parties;
mod peers;
mod persons;
mod placements;
mod plain_words;
mod problems;
mod reach;
mod reach_case;
mod reach_support;
mod referral_pages;
mod referrals;
mod rota;
mod rota_pages;
mod safeguards;
mod scale_out;
mod setup;
mod side_doors;
mod sign_in;
mod sign_in_codes;
mod sign_in_systems;
mod slow_clients;
mod staff_forms;
mod team;
mod webhooks;
mod whole_changes;

use helpers::{run_case, Backend, Case, POSTGRES_URL_VAR};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let postgres_url = std::env::var(POSTGRES_URL_VAR).ok().filter(|url| !url.is_empty());
    if postgres_url.is_none() {
        println!(
            "note: {POSTGRES_URL_VAR} is not set, so the PostgreSQL half of this suite is skipped \
             (listed as ignored). Set it, e.g. to postgres://postgres@127.0.0.1:5432/postgres, to run it."
        );
    }
    let suites: &[&[Case]] = &[
        access::TESTS,
        admin_pages::TESTS,
        alerts::TESTS,
        audit::TESTS,
        auth::TESTS,
        cache::TESTS,
        cli::TESTS,
        setup::TESTS,
        doors::TESTS,
        contract::TESTS,
        delivery::TESTS,
        directory::TESTS,
        feeds::TESTS,
        follow_up::TESTS,
        handoffs::TESTS,
        health::TESTS,
        imports::TESTS,
        integrations::TESTS,
        lifecycle::TESTS,
        links::TESTS,
        me::TESTS,
        milestones::TESTS,
        migrations::TESTS,
        outbox_step::TESTS,
        openapi::TESTS,
        organizations::TESTS,
        outcomes::TESTS,
        own_pages::TESTS,
        pages::TESTS,
        plain_words::TESTS,
        parties::TESTS,
        persons::TESTS,
        placements::TESTS,
        problems::TESTS,
        reach::TESTS,
        referrals::TESTS,
        referral_pages::TESTS,
        rota::TESTS,
        rota_pages::TESTS,
        line::TESTS,
        callbacks::TESTS,
        side_doors::TESTS,
        slow_clients::TESTS,
        staff_forms::TESTS,
        disk_full::TESTS,
        safeguards::TESTS,
        sign_in::TESTS,
        sign_in_codes::TESTS,
        sign_in_systems::TESTS,
        team::TESTS,
        webhooks::TESTS,
        whole_changes::TESTS,
    ];
    let mut trials = Vec::new();
    for case in suites.iter().flat_map(|suite| suite.iter()) {
        trials.push(Trial::test(format!("sqlite::{}", case.name()), move || run_case(case, Backend::Sqlite)));
        let url = postgres_url.clone();
        trials.push(
            Trial::test(format!("postgres::{}", case.name()), move || {
                let url = url.ok_or_else(|| format!("{POSTGRES_URL_VAR} is not set"))?;
                run_case(case, Backend::Postgres(url))
            })
            .with_ignored_flag(postgres_url.is_none()),
        );
    }
    for case in scale_out::POSTGRES_ONLY
        .iter()
        .chain(reach::POSTGRES_ONLY)
        .chain(rota::POSTGRES_ONLY)
        .chain(line::POSTGRES_ONLY)
    {
        let url = postgres_url.clone();
        trials.push(
            Trial::test(format!("postgres::{}", case.name()), move || {
                let url = url.ok_or_else(|| format!("{POSTGRES_URL_VAR} is not set"))?;
                run_case(case, Backend::Postgres(url))
            })
            .with_ignored_flag(postgres_url.is_none()),
        );
    }
    // Where the browser must run (`.ci/run` sets this), a missing tool fails each browser test.
    let required = std::env::var_os("TSUNAGU_REQUIRE_BROWSER").is_some();
    let no_browser = browser_support::missing();
    if let (Some(why), false) = (&no_browser, required) {
        println!("note: the browser half of this suite is skipped (listed as ignored): {why}. `.ci/run` installs it.");
    }
    for case in browser::TESTS
        .iter()
        .chain(browser_first_day::TESTS)
        .chain(browser_first_start::TESTS)
        .chain(browser_plain_words::TESTS)
        .chain(browser_rota::TESTS)
        .chain(browser_referrals::TESTS)
        .chain(browser_follow_up::TESTS)
        .chain(browser_directory::TESTS)
        .chain(browser_line::TESTS)
    {
        let missing = no_browser.clone();
        trials.push(
            Trial::test(format!("sqlite::{}", case.name()), move || match missing {
                Some(why) => Err(format!("the browser half cannot run: {why}").into()),
                None => run_case(case, Backend::Sqlite),
            })
            .with_ignored_flag(no_browser.is_some() && !required),
        );
    }
    libtest_mimic::run(&args, trials).exit();
}
