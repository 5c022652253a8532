# Example values: replace the account ids with yours.
environment         = "dev"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

assume = {
  external_id = "dev-ddb-reader-7f3a"
}

function = {
  default_table      = "orders"
  log_level          = "DEBUG"
  log_retention_days = 7
}
