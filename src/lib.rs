//! Tsunagu (つなぐ): a reentry-support tracker for people in recovery from drug dependence who
//! are on bail or coming out of prison.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod database;
pub mod domain;
pub mod entity;
pub mod health;
pub mod hsds;
pub mod http;
pub mod line;
pub mod memory;
pub mod outbox;
pub mod pages;
pub mod scheduler;
pub mod sign_in;
pub mod site;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod templates;
pub mod workflow;
