# Example values: replace the account ids with yours.
environment         = "prod"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

assume = {
  external_id     = "prod-ddb-reader-c84e"
  tag_session     = true
  source_identity = true
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

# Operations: paged when the nightly read fails, is throttled, runs close to its timeout or does
# not succeed for 25 hours; failed runs kept 14 days in the dead-letter queue.
alarms = {
  errors            = {}
  throttles         = {}
  duration          = { percent_of_timeout = 80 }
  no_successful_run = { hours = 25 }
}

failure_handling = {
  dead_letter_queue = { retention_seconds = 1209600 }
  async_invocation  = { maximum_retry_attempts = 2, maximum_event_age_seconds = 3600 }
  schedule_retry    = { maximum_retry_attempts = 3, maximum_event_age_seconds = 3600 }
}

metrics = {
  namespace = "DdbCrossAccountReader"
}
