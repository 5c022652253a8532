//! Reads DynamoDB tables in a main AWS account from a Lambda function in a consumer account, through
//! an assumed role. See README.md for the request/response contract and configuration.

pub mod config;
pub mod convert;
pub mod credentials;
pub mod error;
pub mod handler;
pub mod logging;
pub mod request;
pub mod table;
pub mod token;
