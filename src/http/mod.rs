//! HTTP plumbing shared by every endpoint: problem responses, request bodies, limits, logs.

mod allow;
mod json_body;
mod limits;
mod problem;
mod request_log;
mod strict;

pub use allow::{add_allow, AllowedMethods};
pub use json_body::JsonBody;
pub use limits::{limit_body, BodyPolicy, MAX_BODY_BYTES};
pub use problem::{render_error, ApiError, FieldProblem, Problem, PROBLEM_CONTENT_TYPE};
pub use request_log::log_requests;
