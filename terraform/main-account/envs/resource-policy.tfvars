# The resource-policy access mode (the Terraform suite applies it beside dev, stage and prod):
# no cross-account role; each table's resource-based policy names the consumer's execution role,
# which must exist first (trust mode "principal": apply the consumer root first).
environment         = "rp"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"
access_mode         = "resource_policy"

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
