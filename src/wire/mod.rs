//! The bottom layer: values and their wire forms, no AWS calls. The error kind every layer returns
//! (`error`), DynamoDB attribute values ↔ plain JSON (`convert`), the request model and its parsing
//! (`request`), where a read continues (`cursor`) and its `next_token` text (`token`), table names
//! and ARNs (`table_ref`), AWS identifier shapes (`ids`) and what a KMS refusal says (`kms`).
//!
//! `convert`, `error` and `page_token` hold what the library offers (re-exported at the crate root);
//! the other modules are internals: `#[doc(hidden)]`, reached only through `crate::internals`.

pub mod convert;
#[doc(hidden)]
pub mod cursor;
pub mod error;
#[doc(hidden)]
pub mod ids;
#[doc(hidden)]
pub mod kms;
pub mod page_token;
#[doc(hidden)]
pub mod request;
#[doc(hidden)]
pub mod table_ref;
#[doc(hidden)]
pub mod token;
