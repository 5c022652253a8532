use ddb_cross_account_reader::config::Config;
use ddb_cross_account_reader::handler::{handle, App};
use ddb_cross_account_reader::{credentials, logging, metrics};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

/// Exit code for a configuration that cannot work; Lambda reports it as Runtime.ExitError at init.
const EXIT_CONFIG: i32 = 2;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
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
    let tables = match credentials::connect(&config).await {
        Ok(c) => c,
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
