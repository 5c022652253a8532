# Example values: replace the account ids with yours.
environment         = "stage"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"

trust = {
  external_id = "stage-ddb-reader-91c2"
}

tables = {
  orders           = { access_type = "Read" }
  "orders-archive" = { access_type = "Read", region = "eu-west-1" }
}
