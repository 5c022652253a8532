# Example values: replace the account ids with yours.
environment         = "prod"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"

trust = {
  external_id     = "prod-ddb-reader-c84e"
  tag_session     = true
  source_identity = true
}

tables = {
  orders           = { access_type = "Read" }
  "orders-archive" = { access_type = "Read", region = "eu-west-1" }
}

tags = { CostCenter = "data-platform" }
