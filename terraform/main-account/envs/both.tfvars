# The migration state between the access modes: the cross-account role and, on each table, a
# resource-based policy naming the consumer's execution role, from the same access levels. Trust mode
# "principal": apply the consumer root first.
environment         = "both"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"
access_mode         = "both"

trust = {
  external_id = "both-ddb-reader-4b1e"
}

tables = {
  orders = { access_type = "Read" }
}

# A table policy needs the table: here the root creates it (a real main account already has it).
demo_table = {
  name                = "orders"
  deletion_protection = false
  global_secondary_indexes = {
    by_status = { hash_key = "status", range_key = "sk" }
  }
}
