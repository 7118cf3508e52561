//! The documented exit codes, and which one an API error means.

use std::process::ExitCode;

use crate::api::ApiError;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    Rejected = 3,
    NotFound = 4,
    Auth = 5,
    Unreachable = 6,
    /// The service accepted the operation, but the state store could not record it: nothing
    /// will resume it unless the user follows it by hand (`watch --url`).
    NotRecorded = 7,
    /// The service answered, but with something offerdeck cannot use: not JSON, not the shape
    /// it documents, or past a limit on what one answer may hold (the message names it).
    Unreadable = 8,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// The exit code an API error means.
pub fn exit_for(error: &ApiError) -> Exit {
    match error {
        ApiError::Validation(_) => Exit::Rejected,
        ApiError::NotFound(_) => Exit::NotFound,
        ApiError::Auth(_) | ApiError::Token(_) => Exit::Auth,
        ApiError::Server(_) | ApiError::Unreachable { .. } => Exit::Unreachable,
        ApiError::Decode { .. } | ApiError::TooLarge { .. } => Exit::Unreadable,
        ApiError::Conflict(_)
        | ApiError::Refused(_)
        | ApiError::UntrustedUrl { .. }
        | ApiError::NoOperation(_)
        | ApiError::NotReady(_)
        | ApiError::Unconfigured(_)
        | ApiError::Client(_) => Exit::Failed,
    }
}

/// The exit code a setup problem means: missing credentials are an authentication problem; a
/// client that cannot be built is not.
pub fn exit_for_setup(error: &crate::engine::wiring::SetupError) -> Exit {
    use crate::engine::wiring::SetupError;
    match error {
        SetupError::Credentials(_) => Exit::Auth,
        SetupError::Config(_) => Exit::Usage,
        SetupError::Client(_) => Exit::Failed,
    }
}

/// The exit code a problem means (the same as the API error it was made from).
pub fn exit_for_problem(problem: &crate::engine::Problem) -> Exit {
    use crate::engine::ProblemKind;
    match problem.kind {
        ProblemKind::Rejected => Exit::Rejected,
        ProblemKind::NotFound => Exit::NotFound,
        ProblemKind::Auth => Exit::Auth,
        ProblemKind::Throttled | ProblemKind::ServerError | ProblemKind::Unreachable => {
            Exit::Unreachable
        }
        ProblemKind::Unreadable => Exit::Unreadable,
        ProblemKind::Store => Exit::NotRecorded,
        ProblemKind::Refused
        | ProblemKind::Untrusted
        | ProblemKind::NotReady
        | ProblemKind::Local => Exit::Failed,
    }
}
