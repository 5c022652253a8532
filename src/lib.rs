//! Read (and, where allowed, write) DynamoDB tables of a *main* AWS account from a Lambda function
//! in a *consumer* account, through a role of the main account.
//!
//! This crate is two things: the reader Lambda (the `ddb-cross-account-reader` binary, whose
//! request/response contract is in docs/requests.md), and a small library for writing a consumer
//! Lambda of your own in Rust:
//!
//! - [`CrossAccount`]: from the environment ([`CrossAccount::from_env`], the reader's own variables)
//!   or a [`Builder`], the `aws_sdk_dynamodb::Client` of any region of the main account, signed
//!   with the role's credentials: one STS AssumeRole (ExternalId, SourceIdentity, session tags) per
//!   credential lifetime, one identity cache shared by every region's client.
//! - [`json`]: DynamoDB items ↔ plain JSON, numbers exact to DynamoDB's 38 digits.
//! - [`pages`]: a `LastEvaluatedKey` as an opaque `next_token` and back.
//!
//! ```no_run
//! use aws_sdk_dynamodb::types::AttributeValue;
//! use ddb_cross_account_reader::{json, CrossAccount};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let main = CrossAccount::from_env().await?; // once per process, before the runtime loop
//! let page = main
//!     .home_client()
//!     .query()
//!     .table_name("orders")
//!     .key_condition_expression("pk = :c")
//!     .expression_attribute_values(":c", AttributeValue::S("customer#001".into()))
//!     .send()
//!     .await?;
//! for item in page.items() {
//!     println!("{}", json::item_to_json(item)?);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! `examples/open_orders.rs` is a complete consumer Lambda built on this API.
//!
//! The crate is layered (docs/architecture.md): `wire` (values and wire forms) → `connect`
//! (credentials and clients) → `table` (table operations) → `lambda` (the reader). Only what is
//! re-exported here is the library's API. Everything else is `pub(crate)` (`unreachable_pub` is
//! denied), except what the project's own binary, tests, fuzz targets and benchmarks reach through
//! the hidden `internals`: `table` and `lambda` as a whole, and a few modules of `wire` and `connect`.
#![deny(missing_docs, unreachable_pub)]

pub(crate) mod connect;
#[doc(hidden)]
pub mod lambda;
#[doc(hidden)]
pub mod table;
pub(crate) mod wire;

pub use connect::access_mode::AccessMode;
pub use connect::attribution::Attribution;
pub use connect::builder::Builder;
pub use connect::call_error::{from_sdk, CallContext};
pub use connect::clients::MAX_OTHER_REGIONS;
pub use connect::cross_account::{ConnectError, CrossAccount};
pub use connect::env::ConfigError;
pub use connect::role::RoleSource;
pub use connect::settings::Settings;
pub use wire::error::{AppError, Cause};

pub mod json {
    //! DynamoDB attribute values ↔ plain JSON: strings, numbers (exact: no f64 in between),
    //! booleans, null, lists and maps as themselves; binary as base64; sets and the rare values
    //! plain JSON cannot tell apart as single-key escape objects (`{"$B": ...}`, `{"$SS": [...]}`,
    //! `{"$NS": [...]}`, `{"$BS": [...]}`, `{"$N": "1.5"}`, `{"$M": {...}}`) on input.
    pub use crate::wire::convert::{
        item_to_json, item_to_raw, json_map_to_item, json_to_attr, json_to_item, Item, ItemJson, ValueJson,
    };
}

pub mod pages {
    //! Paging a listing of your own: `next_token` turns a `LastEvaluatedKey` into an opaque,
    //! checksummed token bound to a scope you choose; `start_key` turns it back into the
    //! `ExclusiveStartKey` of the next page.
    pub use crate::wire::page_token::{next_token, start_key};
}

/// Not part of the library's API: the layers, for the project's own binary, tests, fuzz targets and
/// benchmarks. Hidden from the docs, without any stability promise; any release may change it.
#[doc(hidden)]
pub mod internals {
    pub use crate::{lambda, table};

    /// The bottom layer's modules the tests and fuzz targets use.
    pub mod wire {
        pub use crate::wire::{convert, cursor, error, json_items, request, token, transcode};
    }

    /// The connection layer's modules the tests use.
    pub mod connect {
        pub use crate::connect::call_policy;
    }
}
