# A table policy naming another principal than the localrp execution role: `bulk`, granted to the
# local environment's execution role (which itself has no identity grant on it). The IAM suite applies
# it beside envs/local-resource-policy.tfvars: the localrp role, granted `bulk` by its own identity
# policy, is refused by this table policy, and the local role by its identity policy.
environment         = "local"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"
access_mode         = "resource_policy"

tables = {
  bulk = { access_type = "Read" }
}
