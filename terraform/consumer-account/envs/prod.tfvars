# Example values: replace the account ids with yours.
environment         = "prod"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

assume = {
  external_id = "prod-ddb-reader-c84e"
  tag_session = true
}

function = {
  default_table        = "orders"
  memory_size          = 256
  reserved_concurrency = 10
  tracing_mode         = "Active"
  log_retention_days   = 365
}

schedule = {
  expression = "cron(0 6 * * ? *)"
  request    = "{\"op\":\"scan\",\"table\":\"orders\",\"select\":\"count\"}"
}
