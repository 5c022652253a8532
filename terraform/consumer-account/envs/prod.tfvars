# Example values: replace the account ids with yours.
environment          = "prod"
region               = "us-east-1"
consumer_account_id  = "222222222222"
main_account_id      = "111111111111"
external_id          = "prod-ddb-reader-c84e"
enable_tag_session   = true
default_table        = "orders"
scheduled_request    = "{\"op\":\"scan\",\"table\":\"orders\",\"select\":\"count\"}"
schedule_expression  = "cron(0 6 * * ? *)"
memory_size          = 256
reserved_concurrency = 10
tracing_mode         = "Active"
log_retention_days   = 365
