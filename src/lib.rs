//! Reads DynamoDB tables in a main AWS account from a Lambda function in a consumer account, through
//! an assumed role. See docs/requests.md for the request/response contract and
//! docs/configuration.md for the configuration.
//!
//! A request's path: `handler` → `request` (event → typed request, `next_token` → `cursor`) →
//! `table` (DynamoDB, within the response budget) → `response` (results + `next_token`). `check`
//! answers `{"op": "check"}` with a report instead.

pub mod access_mode;
pub mod assume_role;
pub mod attribution;
pub mod call_policy;
pub mod check;
pub mod clients;
pub mod config;
pub mod convert;
pub mod credentials;
pub mod cursor;
pub mod error;
pub mod handler;
pub mod kms;
pub mod logging;
pub mod metrics;
pub mod naming;
pub mod request;
pub mod response;
pub mod role;
pub mod table;
pub mod table_ref;
pub mod token;
