//! The bottom layer: values and their wire forms, no AWS calls. The error kind every layer returns
//! (`error`), DynamoDB attribute values ↔ plain JSON (`convert`), the request model and its parsing
//! (`request`), where a read continues (`cursor`) and its `next_token` text (`token`), table names
//! and ARNs (`table_ref`), AWS identifier shapes (`ids`) and what a KMS refusal says (`kms`).

pub mod convert;
pub mod cursor;
pub mod error;
pub mod ids;
pub mod kms;
pub mod request;
pub mod table_ref;
pub mod token;
