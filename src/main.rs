//! The reader Lambda's bootstrap: everything is in the library (`lambda::start`).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ddb_cross_account_reader::internals::lambda::start::run().await
}
