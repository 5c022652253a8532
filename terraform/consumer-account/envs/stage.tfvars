# Example values: replace the account ids with yours.
environment         = "stage"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

assume = {
  external_id = "stage-ddb-reader-91c2"
}

function = {
  default_table = "orders"
}

schedule = {
  expression = "rate(1 hour)"
  request    = "{\"op\":\"scan\",\"table\":\"orders\",\"select\":\"count\"}"
}
