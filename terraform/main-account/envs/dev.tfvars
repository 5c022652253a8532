# Example values: replace the account ids with yours.
environment         = "dev"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"
external_id         = "dev-ddb-reader-7f3a"
# Either apply order in dev; stage and prod pin the exact principal.
trust_mode = "account"

tables = [
  { table_name = "orders", access_type = "Read" },
  { table_name = "customers", access_type = "ReadWriteUpdate" },
]

create_demo_table              = true
demo_table_name                = "orders"
demo_table_deletion_protection = false
demo_table_gsis = [
  { name = "by_status", hash_key = "status", range_key = "sk", projection_type = "ALL" },
]
