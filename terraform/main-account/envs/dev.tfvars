# Example values: replace the account ids with yours.
environment         = "dev"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"

# Either apply order in dev; stage and prod pin the exact principal.
trust = {
  mode        = "account"
  external_id = "dev-ddb-reader-7f3a"
}

tables = {
  orders    = { access_type = "Read" }
  customers = { access_type = "ReadWriteUpdate" }
}

demo_table = {
  name                = "orders"
  deletion_protection = false
  global_secondary_indexes = {
    by_status = { hash_key = "status", range_key = "sk" }
  }
}
