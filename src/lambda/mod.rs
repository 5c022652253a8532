//! The top layer: the reader Lambda. Configuration from the environment (`config`), one invocation
//! (`handler`: event → request → table access → `response`), the pre-flight `check`, JSON logs
//! (`logging`) carrying EMF metrics (`metrics`), and `run`, the process from start to the runtime loop.

#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod handler;
#[doc(hidden)]
pub mod logging;
#[doc(hidden)]
pub mod metrics;
#[doc(hidden)]
pub mod response;
#[doc(hidden)]
pub mod start;
