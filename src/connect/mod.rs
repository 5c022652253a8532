//! The second layer: reaching the main account. Its settings (`settings`, from the environment,
//! or `builder`), the role and its naming rules (`role`, `naming`, `access_mode`), what the
//! AssumeRole tells the main account (`attribution`), the AssumeRole provider (`assume_role`), the
//! retry and timeout policy (`call_policy`), one client per region sharing one identity cache
//! (`clients`), all of it put together as `cross_account::CrossAccount`; and what a failed call
//! means (`call_error`).
//!
//! The settings, the builder and `CrossAccount` are the library's (re-exported at the crate root);
//! the `#[doc(hidden)]` modules are internals, reached only through `crate::internals`.

pub mod access_mode;
#[doc(hidden)]
pub mod assume_role;
pub mod attribution;
pub mod builder;
pub mod call_error;
#[doc(hidden)]
pub mod call_policy;
#[doc(hidden)]
pub mod clients;
pub mod cross_account;
pub mod env;
#[doc(hidden)]
pub mod naming;
pub mod role;
pub mod settings;
