//! ACCESS_MODE: how the function reaches the main account's tables.
//!
//! `assume_role` (the default): an STS AssumeRole of the main account's role signs every call.
//! `resource_policy`: the execution role's own credentials sign the calls and the tables are
//! addressed by ARN in MAIN_ACCOUNT_ID; the tables' resource-based policies must grant the role.

use crate::connect::role::RoleSource;

/// How the main account's tables are reached.
#[derive(Debug, Clone, PartialEq)]
pub enum AccessMode {
    /// An STS AssumeRole of this role signs every call.
    AssumeRole(RoleSource),
    /// The execution role's own credentials sign; the tables' resource policies grant it.
    ResourcePolicy {
        /// The account whose tables are addressed by ARN.
        main_account_id: String,
    },
}

impl AccessMode {
    /// The role to assume (assume_role mode only).
    pub fn role(&self) -> Option<&RoleSource> {
        match self {
            AccessMode::AssumeRole(role) => Some(role),
            AccessMode::ResourcePolicy { .. } => None,
        }
    }

    /// The account whose tables are addressed by ARN (resource_policy mode only).
    pub fn table_account(&self) -> Option<&str> {
        match self {
            AccessMode::AssumeRole(_) => None,
            AccessMode::ResourcePolicy { main_account_id } => Some(main_account_id),
        }
    }
}
