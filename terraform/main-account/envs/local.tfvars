# The local environment: `make demo` / `make local-aws-up` and the integration, IAM and reliability
# suites apply this into the two-account emulator (local/deploy.py), after the consumer root
# (trust mode "principal": the execution role must exist first). Account ids are the emulator's.
# The tables are created and filled by local/seed.py; every access level is granted to one of them.
environment         = "local"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"

trust = {
  external_id = "local-demo-external-id"
  # CloudTrail attribution: the function's name as SourceIdentity and naming.json's session tags,
  # pinned by the trust policy (the emulator enforces and records both).
  source_identity = true
  tag_session     = true
}

tables = {
  # A global table: its replica in us-west-2 (seeded with items of its own) is granted too.
  # customers also exists in us-west-2 but is granted in us-east-1 only.
  orders    = { access_type = "Read", replica_regions = ["us-west-2"] }
  bulk      = { access_type = "Read" }
  customers = { access_type = "ReadWriteUpdate" }
  ledger    = { access_type = "Full" }
  # Granted but never created: a read reaches DynamoDB and shows how a missing table is reported.
  archive = { access_type = "Read" }
  # Each encrypted with a customer-managed key of its own (demo_kms_keys): vault's is granted,
  # sealed's is not (its reads are denied by KMS, naming the key).
  vault  = { access_type = "Read" }
  sealed = { access_type = "Read" }
}

demo_kms_keys = {
  vault  = { grant = true }
  sealed = { grant = false }
}

# Exports into the consumer's bucket (its envs/local.tfvars `exports`): `bulk` (5,000 items),
# `orders` and `customers` (every DynamoDB type and number form); `ledger` is granted but has no
# point-in-time recovery (local/seed.py), which shows how the function reports that.
exports = {
  tables = ["bulk", "orders", "customers", "ledger"]
}
