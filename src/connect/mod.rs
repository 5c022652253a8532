//! The second layer: reaching the main account. Its settings (`settings`, from the environment,
//! or `builder`), the role and its naming rules (`role`, `naming`, `access_mode`), what the
//! AssumeRole tells the main account (`attribution`), the AssumeRole provider (`assume_role`), the
//! retry and timeout policy (`call_policy`), the one HTTPS connector every client
//! shares (`https`), one client per region sharing one identity cache
//! (`clients`), all of it put together as `cross_account::CrossAccount`; and what a failed call
//! means (`call_error`).
//!
//! The settings, the builder, `CrossAccount` and `call_error` hold the library's API (re-exported at
//! the crate root); the rest is `pub(crate)`, but for `call_policy`, which the tests reach through
//! `crate::internals` (hence `pub` and `#[doc(hidden)]`).

pub(crate) mod access_mode;
pub(crate) mod assume_role;
pub(crate) mod attribution;
pub(crate) mod builder;
pub(crate) mod call_error;
#[doc(hidden)]
pub mod call_policy;
pub(crate) mod clients;
pub(crate) mod cross_account;
pub(crate) mod env;
pub(crate) mod https;
pub(crate) mod naming;
pub(crate) mod role;
pub(crate) mod settings;
