//! The bottom layer: values and their wire forms, no AWS calls. The error kind every layer returns
//! (`error`), DynamoDB attribute values ↔ plain JSON (`convert`), the request model and its parsing
//! (`request`), where a read continues (`cursor`) and its `next_token` text (`token`), table names
//! and ARNs (`table_ref`), AWS identifier shapes (`ids`), what a KMS refusal says (`kms`) and a Scan or
//! Query body's items straight to plain JSON (`transcode`), into one buffer per page or response
//! (`json_items`), and the large buffers both reuse (`buffers`).
//!
//! `convert`, `error` and `page_token` hold what the library offers (re-exported at the crate root);
//! `cursor`, `json_items`, `request`, `token` and `transcode` are `pub` and `#[doc(hidden)]` only for the tests and fuzz
//! targets (through `crate::internals`); the rest is `pub(crate)`.

pub(crate) mod buffers;
pub mod convert;
#[doc(hidden)]
pub mod cursor;
pub mod error;
pub(crate) mod ids;
#[doc(hidden)]
pub mod json_items;
pub(crate) mod kms;
pub(crate) mod page_token;
#[doc(hidden)]
pub mod request;
pub(crate) mod table_ref;
#[doc(hidden)]
pub mod token;
#[doc(hidden)]
pub mod transcode;
