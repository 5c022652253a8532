//! The top layer: the reader Lambda. Configuration from the environment (`config`), one invocation
//! (`handler`: event → request → table access → `response`), the pre-flight `check`, JSON logs
//! (`logging`) carrying EMF metrics (`metrics`), and `run`, the process from start to the runtime loop.

pub mod check;
pub mod config;
pub mod handler;
pub mod logging;
pub mod metrics;
pub mod response;
pub mod start;
