# The local environment: `make demo` / `make local-aws-up` and the integration, IAM and reliability
# suites apply this into the two-account emulator (local/deploy.py). Account ids are the emulator's.
environment         = "local"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

# Built by local/deploy.py from the debug binary (x86_64, this machine): the demo and the tests run
# the binary itself under a local Runtime API, so the release arm64 build is not needed here.
# Relative to this root; local/deploy.py passes the same file as an absolute -var, because it runs
# Terraform on a copy of the roots (state and lock files stay out of the repository).
zip_path = "../../.local/lambda/bootstrap.zip"

function = {
  architecture  = "x86_64"
  default_table = "orders"
  # The demo shows writes on `customers` (ReadWriteUpdate) and the tests on `ledger` (Full).
  allow_writes       = true
  log_level          = "INFO"
  log_retention_days = 1
}

assume = {
  external_id = "local-demo-external-id"
  # What the main root's trust pins (envs/local.tfvars there).
  source_identity = true
  tag_session     = true
  # The second main-account role of the local environment (envs/local-account-trust.tfvars of the
  # main root: trust mode "account"), which the function may also assume.
  extra_role_arns = ["arn:aws:iam::111111111111:role/local-account-trust"]
}

# The export bucket (modules/export-bucket) and the function's EXPORT_* settings: the demo and the
# tests export into it the tables the main root's exports grant. force_destroy: a local bucket
# holding exports is destroyed with the rest.
exports = {
  force_destroy = true
}
