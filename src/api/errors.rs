//! Where the layers' errors become HTTP: here and only here.

use crate::{access::AccessError, http::ApiError, store::Corrupt, workflow::WorkflowError};

impl From<Corrupt> for ApiError {
    fn from(corrupt: Corrupt) -> Self {
        ApiError::Corrupt(corrupt.to_string())
    }
}

impl From<AccessError> for ApiError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => ApiError::NotFound,
            AccessError::Forbidden(why) => ApiError::Forbidden(why),
            AccessError::Corrupt(corrupt) => corrupt.into(),
            AccessError::Database(err) => err.into(),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(err: WorkflowError) -> Self {
        match err {
            WorkflowError::Refused(refusals) => refusals.into(),
            WorkflowError::NotAccepted(refusal) => ApiError::EventNotAccepted {
                state: refusal.state.as_str().to_owned(),
                event: refusal.event,
                accepted: refusal.accepted.iter().map(|event| event.as_str().to_owned()).collect(),
            },
            WorkflowError::PreconditionFailed => ApiError::PreconditionFailed,
            WorkflowError::Stale(why) | WorkflowError::Conflict(why) => ApiError::Conflict(why),
            WorkflowError::Forbidden(why) => ApiError::Forbidden(why),
            WorkflowError::NotFound => ApiError::NotFound,
            WorkflowError::TooMany { why, retry_after } => {
                ApiError::TooMany { why, retry_after_seconds: retry_after.num_seconds().max(1) }
            }
            WorkflowError::Corrupt(corrupt) => corrupt.into(),
            WorkflowError::Database(err) => err.into(),
            WorkflowError::Internal(why) => ApiError::Internal(why),
        }
    }
}
