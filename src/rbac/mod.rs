//! An offline Kubernetes RBAC authorizer that explains every verdict.
//!
//! Roles, ClusterRoles, RoleBindings and ClusterRoleBindings are read from YAML into
//! k8s-openapi types ([`load`]), compiled into a [`Policy`] indexed by subject, and asked
//! the apiserver's questions: may this user do this ([`Policy::authorize`]), what may this
//! user do ([`Policy::rules_for`], [`Policy::matrix`]), who may do this
//! ([`Policy::who_can`]), and may this user create this RBAC object without escalating
//! ([`Policy::check_create`]). Every answer is plain, serialisable data so that the CLI,
//! the lesson checks and the TUI panel show the same thing.
//!
//! Two deliberate modelling choices, both documented in `docs/ARCHITECTURE.md`:
//! - `system:masters` is allowed everything. In a real cluster the apiserver's superuser
//!   path grants this before RBAC is asked; here the authorizer does it explicitly, and
//!   says so in the reason.
//! - Documents of other kinds (a Deployment in the same directory) are skipped with a
//!   warning, because real manifest directories mix kinds; a document without `kind`, or
//!   an RBAC kind with the wrong `apiVersion`, is an error.

mod aggregate;
mod authorize;
mod escalation;
pub mod load;
mod policy;
mod query;
pub mod request;
pub mod rule;

pub use authorize::{Decision, Grant, NearMiss};
pub use escalation::CreateCheck;
pub use load::{Loaded, RbacObject, Source, Sourced};
pub use policy::{BindingRef, Policy, RoleName, SubjectRef};
pub use query::{GrantedRule, Matrix, MatrixRow, Scope, WhoCan, WhoCanEntry};
pub use request::{Request, ResourceAttributes, Target, UserInfo};
pub use rule::{Field, FieldMiss};

/// The group whose members the apiserver lets do anything, before RBAC is asked.
pub const SUPERUSER_GROUP: &str = "system:masters";
/// The API group of the RBAC kinds, as written in `roleRef.apiGroup` and in rules about
/// roles and bindings.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// What can go wrong: every variant is bad input, so the CLI exits 2 for all of them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A YAML syntax error or an invalid object, at a line of a file.
    #[error("{file}:{line}: {message}")]
    Object {
        file: String,
        line: u64,
        message: String,
    },
    /// A file or directory that cannot be read at all.
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// A malformed request: an empty verb, a resource that cannot be parsed.
    #[error("{0}")]
    Request(String),
}

pub type Result<T> = std::result::Result<T, Error>;
