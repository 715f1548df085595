//! Tsunagu (つなぐ): a reentry-support tracker for people in recovery from drug dependence who
//! are on bail or coming out of prison.

pub mod access;
pub mod alerts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod database;
pub mod domain;
pub mod feeds;
pub mod http;
pub mod scheduler;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod webhooks;
pub mod workflow;
