# Table policies for the consumer root's envs/local-resource-policy.tfvars (environment localrp):
# applied by the IAM suite after the consumer root and after local/seed.py created the tables (a
# table policy needs its table). No role: access_mode resource_policy. Every access level on one
# table; `audit` stays ungranted.
environment         = "localrp"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"
access_mode         = "resource_policy"

tables = {
  orders    = { access_type = "Read" }
  customers = { access_type = "ReadWriteUpdate" }
  ledger    = { access_type = "Full" }
}
