//! Reads DynamoDB tables in a main AWS account from a Lambda function in a consumer account, through
//! an assumed role. See README.md for the request/response contract and configuration.

#[doc(hidden)]
pub mod connect;
#[doc(hidden)]
pub mod lambda;
#[doc(hidden)]
pub mod table;
#[doc(hidden)]
pub mod wire;

#[doc(hidden)]
pub mod internals {
    pub use crate::{connect, lambda, table, wire};
}

pub use connect::cross_account::{ConnectError, CrossAccount};
