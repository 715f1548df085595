//! HTTP plumbing shared by every endpoint: problem responses, request bodies, limits, logs.

mod allow;
mod chain;
mod connections;
mod csv_body;
pub mod gzip;
mod json_body;
mod limits;
mod no_store;
mod origin;
mod problem;
mod request_log;
mod strict;

pub use allow::{add_allow, AllowedMethods};
pub use chain::Next;
pub use connections::{Bounded, HeadDeadline};
pub use csv_body::CsvBody;
pub use json_body::JsonBody;
pub use limits::{limit_body, BodyPolicy, Precheck, MAX_BODY_BYTES};
pub use no_store::no_store;
pub use origin::{
    base_url, clear_next_cookie, clear_session_cookie, next_cookie, not_cross_site, same_origin, session_cookie,
    set_next_cookie, set_session_cookie, SESSION_COOKIE,
};
pub use problem::{render_error, ApiError, FieldProblem, Problem, PROBLEM_CONTENT_TYPE, STORAGE_RETRY_AFTER_SECONDS};
pub use request_log::log_requests;
