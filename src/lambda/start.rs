//! The reader's process: logging, configuration, the connection to the main account, the warm-up,
//! then the Lambda runtime loop. Built on the library's public `CrossAccount`, like any consumer
//! Lambda would be.

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

use crate::connect::cross_account::CrossAccount;
use crate::lambda::config::Config;
use crate::lambda::handler::{handle, App};
use crate::lambda::{logging, metrics};
use crate::table::TableAccess;

/// Exit code for a configuration that cannot work; Lambda reports it as Runtime.ExitError at init.
const EXIT_CONFIG: i32 = 2;

/// Runs the reader until the runtime stops it; exits with `EXIT_CONFIG` when the configuration cannot work.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let config = match Config::from_env(|k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(variable = e.variable, error = %e, "cannot start");
            eprintln!("{e}");
            std::process::exit(EXIT_CONFIG);
        }
    };
    metrics::install(&config.metrics);
    let tables = match CrossAccount::connect(&config.connection).await {
        Ok(connection) => TableAccess::from(connection),
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("configuration error: {e}");
            std::process::exit(EXIT_CONFIG);
        }
    };
    tables.warm_up(config.requests.default_table.as_deref()).await;
    // One App for the life of the process, shared by every (possibly concurrent) invocation.
    let app: &'static App = Box::leak(Box::new(App { config, tables }));
    lambda_runtime::run_concurrent(service_fn(move |event: LambdaEvent<Value>| handle(app, event))).await
}
